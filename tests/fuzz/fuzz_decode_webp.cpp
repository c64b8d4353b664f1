// Fuzz target: the WebP decoder alone (detail::decode_webp, without the format
// sniffer), then the orientation and check_decoded(). Seeds: the WebP files
// of tests/data and of the generated conformance corpus (make_corpus.py).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixelcache::fuzz::decode_with(data, size, pixelcache::detail::decode_webp);
  return 0;
}
