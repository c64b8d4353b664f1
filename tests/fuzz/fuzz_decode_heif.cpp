// Fuzz target: the HEIF decoder alone (detail::decode_heif, without the format
// sniffer), then the orientation and check_decoded(). Seeds: the HEIF files
// of tests/data and of the generated conformance corpus (make_corpus.py).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pixelcache::fuzz::decode_with(data, size, [](const pixelcache::detail::DecodeInput& in) {
    return pixelcache::detail::decode_heif(in, pixelcache::Format::HEIF);
  });
  return 0;
}
