// Fuzz target: any bytes through the decoder must give an Image or a
// pixelcache::Error — never a crash, a hang, another exception type, or an
// allocation past the pixel limit. Builds as a libFuzzer target with clang
// (-fsanitize=fuzzer) or with standalone_driver.cpp under g++.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "pixelcache/pixelcache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixelcache::LoadOptions opt;
  opt.max_pixels = 1u << 22;  // keep each case small and fast
  try {
    const pixelcache::Image img = pixelcache::decode(std::span<const std::uint8_t>(data, size), opt, "<fuzz>");
    if (img.empty() || img.size().area() > opt.max_pixels) std::abort();
    (void)img.digest();
    (void)pixelcache::decode(pixelcache::encode(img, pixelcache::Format::PNG));
  } catch (const pixelcache::Error&) {
  }
  return 0;
}
