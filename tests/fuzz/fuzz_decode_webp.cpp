// Fuzz target: the WebP decoder alone (detail::decode_webp, without the format
// sniffer), then the orientation and check_decoded(), against libwebp's
// one-shot WebPDecode() called directly: decode_webp() must accept, refuse
// and decode exactly as it does. Seeds: the WebP files of tests/data and of
// the generated conformance corpus (make_corpus.py).
// (regressions/fuzz_decode_webp/ holds inputs that libwebp's incremental
// decoder, fed in parts, decoded differently: it is no longer used.)
#include <webp/decode.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "fuzz_support.hpp"

namespace {
// WebPDecode()'s RGB image of the file, or nothing when it refuses it.
std::optional<std::vector<std::uint8_t>> one_shot(const std::uint8_t* data, std::size_t size, int& w, int& h) {
  WebPBitstreamFeatures f;
  if (WebPGetFeatures(data, size, &f) != VP8_STATUS_OK || f.has_animation) return std::nullopt;
  w = f.width, h = f.height;
  std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * 3);
  WebPDecoderConfig c;
  WebPInitDecoderConfig(&c);
  c.output.colorspace = MODE_RGB;
  c.output.is_external_memory = 1;
  c.output.u.RGBA.rgba = px.data();
  c.output.u.RGBA.stride = w * 3;
  c.output.u.RGBA.size = px.size();
  if (WebPDecode(data, size, &c) != VP8_STATUS_OK) return std::nullopt;
  return px;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pixelcache;
  const auto ours = fuzz::decode_with(data, size, detail::decode_webp);
  if (!ours) return 0;  // refused: by libwebp, or by the limits (which WebPDecode does not have)
  int w = 0, h = 0;
  const auto ref = one_shot(data, size, w, h);
  fuzz::require(ref.has_value(), "WebP: decoded a file WebPDecode() refuses");
  fuzz::require(ours->image.width() == w && ours->image.height() == h, "WebP: not WebPDecode()'s size");
  const auto px = ours->image.u8_view();
  fuzz::require(std::equal(px.begin(), px.end(), ref->begin()), "WebP: pixels differ from WebPDecode()'s");
  return 0;
}
