// Fuzz target: the PNG decoder alone (detail::decode_png, without the format
// sniffer), then the orientation and check_decoded(). Seeds: the PNG files
// of tests/data and of the generated conformance corpus (make_corpus.py).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixelcache::fuzz::decode_with(data, size, pixelcache::detail::decode_png);
  return 0;
}
