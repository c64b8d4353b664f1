// Fuzz target: the JPEG decoder alone (detail::decode_jpeg, without the
// format sniffer), then the orientation and check_decoded(). A file that
// decodes is decoded again with a shrink-on-load hint (the DCT-scaled path):
// that must succeed too (no exception escapes), at a size between the hint
// and the full size. Every input also goes to the hashes' DC-only luma
// decoder (jpeg_dc.hpp) on three threads with tiny segments, so that the
// speculative splits and their stitching run on hostile data: whatever it
// returns for a gray or YCbCr file must be libjpeg-turbo's own 1/8 gray
// decode, which must then succeed without a warning.
// Seeds: the JPEG files of tests/data and of the generated corpus.
#include <turbojpeg.h>

#include <algorithm>

#include "codec/jpeg_dc.hpp"
#include "fuzz_support.hpp"

namespace pf = pixelcache::fuzz;

namespace {
void check_dc_luma(const std::uint8_t* data, std::size_t size) {
  const auto dc = pixelcache::detail::jpeg_dc_luma({data, size}, 3, 64);
  if (!dc) return;
  tjhandle t = tjInitDecompress();
  int w = 0, h = 0, subsamp = 0, cs = 0;
  const bool header = tjDecompressHeader3(t, data, size, &w, &h, &subsamp, &cs) == 0;
  // (TurboJPEG picks 1/4 or more for an image of 4 x 4 or less, as it
  // picks the largest factor that fits; decode_jpeg_luma() checks it too.)
  if (header && (cs == TJCS_GRAY || cs == TJCS_YCbCr) && std::max(w, h) > 4) {
    const tjscalingfactor f{1, 8};
    const int sw = TJSCALED(w, f), sh = TJSCALED(h, f);
    pf::require(dc->width() == sw && dc->height() == sh, "DC luma: not libjpeg-turbo's 1/8 size");
    std::vector<unsigned char> ref(static_cast<std::size_t>(sw) * sh);
    const int rc = tjDecompress2(t, data, static_cast<unsigned long>(size), ref.data(), sw, 0, sh, TJPF_GRAY, 0);
    pf::require(rc == 0, "DC luma: decoded a file libjpeg-turbo fails or warns on");
    const auto px = dc->u8_view();
    pf::require(std::equal(px.begin(), px.end(), ref.begin()), "DC luma: pixels differ from libjpeg-turbo's");
  }
  tjDestroy(t);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_dc_luma(data, size);
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
