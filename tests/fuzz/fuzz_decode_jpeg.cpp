// Fuzz target: the JPEG decoder alone (detail::decode_jpeg, without the
// format sniffer), then the orientation and check_decoded(). A file that
// decodes is decoded again with a shrink-on-load hint (the DCT-scaled path):
// that must succeed too (no exception escapes), at a size between the hint
// and the full size.
// Seeds: the JPEG files of tests/data and of the generated corpus.
#include "fuzz_support.hpp"

namespace pf = pixelcache::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto full = pf::decode_with(data, size, pixelcache::detail::decode_jpeg);
  if (!full) return 0;
  pixelcache::LoadOptions opt = pf::decode_options();
  opt.apply_orientation = false;  // the hint is then in stored orientation
  opt.shrink_hint = {1 + full->image.height() / 5, 1 + full->image.width() / 3};
  // The scaled decode reads the same data: it must accept what the full
  // decode accepted.
  const pixelcache::Image small =
      pixelcache::detail::decode_jpeg({std::span<const std::uint8_t>(data, size), opt, "<fuzz>"}).image;
  pf::require(small.height() >= opt.shrink_hint.height && small.width() >= opt.shrink_hint.width,
              "shrink-on-load went below the hint");
  pf::require(small.height() <= full->image.height() && small.width() <= full->image.width(),
              "shrink-on-load grew the image");
  pf::check_decoded(small, opt);
  return 0;
}
