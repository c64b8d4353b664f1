// Fuzz target: the WebP decoder alone (detail::decode_webp, without the format
// sniffer), then the orientation and check_decoded(), against libwebp's
// one-shot WebPDecode(): decode_webp() feeds libwebp's incremental decoder
// (webp.cpp: decode_fed), which must accept, refuse and decode exactly as
// the one-shot decoder for a file of one part (every fuzz input). Then the
// input again in parts of a quarter of its size (the suspend / resume paths
// on hostile data), which must not accept what the one-shot decoder
// refuses; its pixels are not compared: on damaged data libwebp can answer
// differently when the data arrives in parts
// (regressions/fuzz_decode_webp/parts-differ-on-damaged-tokens).
// Seeds: the WebP files of tests/data and of the generated conformance
// corpus (make_corpus.py).
#include <webp/decode.h>

#include <algorithm>
#include <cstring>

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
  detail::set_webp_feed_bytes(0);
  const auto at_once = fuzz::decode_with(data, size, detail::decode_webp);
  if (at_once) {
    // Within the limits: the one-shot decoder must agree.
    int w = 0, h = 0;
    const auto ref = one_shot(data, size, w, h);
    fuzz::require(ref.has_value(), "WebP: decoded a file WebPDecode() refuses");
    fuzz::require(at_once->image.width() == w && at_once->image.height() == h, "WebP: not WebPDecode()'s size");
    const auto px = at_once->image.u8_view();
    fuzz::require(std::equal(px.begin(), px.end(), ref->begin()), "WebP: pixels differ from WebPDecode()'s");
  }
  detail::set_webp_feed_bytes(std::max<std::size_t>(64, size / 4));
  const auto in_parts = fuzz::decode_with(data, size, detail::decode_webp);
  detail::set_webp_feed_bytes(0);
  fuzz::require(!in_parts || at_once, "WebP: in parts, decoded a file refused at once");
  return 0;
}
