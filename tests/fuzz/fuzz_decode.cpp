// Fuzz target: any bytes through decode() — the format sniffer, then the
// sniffed format's decoder and the orientation — must give an image that
// passes check_decoded() or throw a pixelcache::Error: never a crash, a
// hang, another exception type, or an allocation past the pixel limit.
// The per-format targets (fuzz_decode_<format>.cpp) call one decoder each.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pixelcache::LoadOptions opt = pixelcache::fuzz::decode_options();
  try {
    const pixelcache::Image img = pixelcache::decode(std::span<const std::uint8_t>(data, size), opt, "<fuzz>");
    pixelcache::fuzz::check_decoded(img, opt);
  } catch (const pixelcache::Error& e) {
    pixelcache::fuzz::check_message(e);
  }
  return 0;
}
