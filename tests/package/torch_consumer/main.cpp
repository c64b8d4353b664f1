// Loads an image, goes through at::Tensor and back, prints digest and shape.
#include <iostream>
#include <pixelcache/interop/torch.hpp>
#include <pixelcache/pixelcache.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const at::Tensor t = pixelcache::to_tensor(pixelcache::load(argv[1]));
  const pixelcache::Image back = pixelcache::from_tensor(t);
  std::cout << back.hex_digest() << " " << t.sizes() << "\n";
}
