// Loads an image through an installed pixelcache and prints its digest.
#include <iostream>
#include <pixelcache/interop/opencv.hpp>
#include <pixelcache/pixelcache.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    const pixelcache::Image img = pixelcache::load(argv[1]);
    const cv::Mat m = pixelcache::to_mat(img);
    std::cout << img.hex_digest() << ' ' << m.cols << 'x' << m.rows << '\n';
    return 0;
  } catch (const pixelcache::Error& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
}
