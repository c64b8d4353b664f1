// WebP through libwebp (decode, encode) and libwebpdemux (EXIF chunk).
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

#include "../mapped_file.hpp"
#include "codec.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::detail {

namespace {
int webp_orientation(std::span<const std::uint8_t> data) {
  WebPData wd{data.data(), data.size()};
  std::unique_ptr<WebPDemuxer, decltype(&WebPDemuxDelete)> demux(WebPDemux(&wd), &WebPDemuxDelete);
  if (!demux) return 1;
  WebPChunkIterator it;
  int o = 0;
  if (WebPDemuxGetChunk(demux.get(), "EXIF", 1, &it)) {
    o = parse_exif_orientation({it.chunk.bytes, it.chunk.size});
    WebPDemuxReleaseChunkIterator(&it);
  }
  return o ? o : 1;
}

// A decoder configuration for RGB output of `size` (libwebp's scaler when
// it is not the full size) into `buf`, libwebp's threaded decoding (the loop
// filter on a second thread; the pixels are the same) on.
void configure(WebPDecoderConfig& config, const WebPBitstreamFeatures& f, ImageSize size, std::uint8_t* buf) {
  WebPInitDecoderConfig(&config);
  if (size.width != f.width || size.height != f.height) {
    config.options.use_scaling = 1;
    config.options.scaled_width = size.width;
    config.options.scaled_height = size.height;
  }
  config.options.use_threads = 1;
  config.output.colorspace = MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = buf;
  config.output.u.RGBA.stride = size.width * 3;
  config.output.u.RGBA.size = size.area() * 3;
}

// The size decode_webp() gives (stored orientation) and its scale: the
// header's (1), or with a shrink-on-load hint (LoadOptions::shrink_hint /
// shrink_min_side) the smallest 1/k, k in {8, 4, 2}, whose ceil(side / k)
// sizes stay at or above the hint, compared in stored orientation: JPEG's
// rule (jpeg.cpp), here done by libwebp's area-averaging scaler while
// decoding, so a lossy file never holds more than a few full-width rows.
ImageSize scaled_size(const WebPBitstreamFeatures& f, int orientation, const LoadOptions& options, int& scale) {
  scale = 1;
  const ImageSize hint = options.shrink_hint;
  const int min_side = options.shrink_min_side;
  if (hint.height <= 0 && hint.width <= 0 && min_side <= 0) return {f.height, f.width};
  const bool swap = options.apply_orientation && orientation >= 5;
  const int want_w = swap ? hint.height : hint.width;  // 0: free
  const int want_h = swap ? hint.width : hint.height;
  for (int k : {8, 4, 2}) {
    const int sw = (f.width + k - 1) / k, sh = (f.height + k - 1) / k;
    if (sw >= want_w && sh >= want_h && std::min(sw, sh) >= min_side) {
      scale = k;
      return {sh, sw};
    }
  }
  return {f.height, f.width};
}

// Refuses what the decoder cannot decode (an animation) and what breaks the
// limits; `st` is WebPGetFeatures()'s answer.
void check_features(const DecodeInput& in, VP8StatusCode st, const WebPBitstreamFeatures& f) {
  if (st != VP8_STATUS_OK)
    decode_fail(in, "WEBP", st == VP8_STATUS_NOT_ENOUGH_DATA ? "truncated file" : "invalid bitstream");
  if (f.has_animation) decode_fail(in, "WEBP", "animated WebP is not supported");
  check_dimensions(in, "WEBP", static_cast<std::uint64_t>(f.width), static_cast<std::uint64_t>(f.height));
}

// Whether the file can hold an EXIF chunk the demuxer reads: it keeps EXIF
// chunks only in the extended format (a VP8X chunk first) with the EXIF
// flag set, so for every other file webp_orientation() is 1.
bool may_have_exif(std::span<const std::uint8_t> data) {
  return data.size() > 20 && std::memcmp(data.data() + 12, "VP8X", 4) == 0 && (data[20] & 0x08) != 0;
}
// Bytes given to the incremental decoder at a time; after each part, the
// pages of a mapped input are dropped (release_mapped()).
constexpr std::size_t kFeedBytes = std::size_t{4} << 20;
std::atomic<std::size_t> g_feed_bytes{kFeedBytes};  // set_webp_feed_bytes()

// Decodes `data` as configured by libwebp's incremental decoder, reading
// straight from `data` (WebPIUpdate: no copy) a growing prefix at a time,
// and drops a mapped input's pages after each part: a lossy file's bytes
// are read once, front to back (its mode partition, the first part, a few
// pages at a time again), so a 16 MiB file no longer stays resident while
// it decodes. A file of up to one part decodes as WebPDecode() decodes it
// (accepted, refused and pixels: fuzz_decode_webp compares them); a valid
// larger one too (Decode.WebpFedInPartsIsWebpDecodedAtOnce). On damaged
// data the parts can make libwebp answer differently: never accepting what
// WebPDecode() refuses in the fuzz corpus, sometimes refusing what it
// accepts, or other garbage pixels. A file that ends early gives
// VP8_STATUS_SUSPENDED on its last part (truncated).
VP8StatusCode decode_fed(std::span<const std::uint8_t> data, WebPDecoderConfig& config) {
  // The incremental decoder decodes what is there: a file shorter than its
  // RIFF or chunk sizes whose pixels happen to complete passes, which
  // WebPDecode() refuses (most of the fuzz corpus' cut files). So the
  // one-shot decoder checks the file first, decoding only its top-left
  // pixel (the first macroblock row of a lossy file, the first row of a
  // lossless one).
  WebPDecoderConfig probe;
  WebPInitDecoderConfig(&probe);
  std::uint8_t pixel[3];
  probe.options.use_cropping = 1;
  probe.options.crop_width = probe.options.crop_height = 1;
  probe.output.colorspace = MODE_RGB;
  probe.output.is_external_memory = 1;
  probe.output.u.RGBA.rgba = pixel;
  probe.output.u.RGBA.stride = 3;
  probe.output.u.RGBA.size = sizeof pixel;
  if (const VP8StatusCode st = WebPDecode(data.data(), data.size(), &probe); st != VP8_STATUS_OK) return st;
  std::unique_ptr<WebPIDecoder, decltype(&WebPIDelete)> idec(WebPIDecode(nullptr, 0, &config), &WebPIDelete);
  if (!idec) return VP8_STATUS_OUT_OF_MEMORY;
  const std::size_t part = g_feed_bytes.load(std::memory_order_relaxed);
  for (std::size_t fed = 0;;) {
    fed = std::min(data.size(), fed + part);
    const VP8StatusCode st = WebPIUpdate(idec.get(), data.data(), fed);
    if (st != VP8_STATUS_SUSPENDED || fed == data.size()) return st;
    release_mapped(data);
  }
}
}  // namespace

void set_webp_feed_bytes(std::size_t bytes) noexcept { g_feed_bytes = bytes ? bytes : kFeedBytes; }

Decoded decode_webp(const DecodeInput& in) {
  WebPBitstreamFeatures f;
  check_features(in, WebPGetFeatures(in.data.data(), in.data.size(), &f), f);
  Decoded out;
  out.format = Format::WebP;
  out.orientation = webp_orientation(in.data);
  const ImageSize sz = scaled_size(f, out.orientation, in.options, out.scale);
  out.image = Image::generate(sz, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    WebPDecoderConfig config;
    configure(config, f, sz, reinterpret_cast<std::uint8_t*>(b.data()));
    const VP8StatusCode st = decode_fed(in.data, config);
    WebPFreeDecBuffer(&config.output);  // external memory: frees nothing of ours
    if (st != VP8_STATUS_OK) decode_fail(in, "WEBP", "corrupt or truncated bitstream");
  });
  if (out.scale != 1) {
    // The scaler maps the whole image onto the smaller one: no padding.
    out.full_size = {f.height, f.width};
    out.content = {0, 0, static_cast<double>(sz.height), static_cast<double>(sz.width)};
  }
  return out;
}

ImageInfo probe_webp(const ProbeInput& in) {
  const DecodeInput din = in.decode_input();
  // The RIFF header and the first chunks up to the bitstream's header (an
  // ICC profile may come first): read on while the part is too short.
  std::span<const std::uint8_t> d = in.bytes.prefix(kProbeFirstRead);
  WebPBitstreamFeatures f;
  VP8StatusCode st;
  while ((st = WebPGetFeatures(d.data(), d.size(), &f)) == VP8_STATUS_NOT_ENOUGH_DATA && d.size() < in.bytes.size())
    d = in.bytes.prefix(2 * d.size());
  check_features(din, st, f);
  ImageInfo info;
  info.stored_size = {f.height, f.width};
  info.mode = Mode::RGB;
  // The demuxer finds the EXIF chunk (usually after the image data) only in
  // the whole file, and only where it looks for one. Where the data ends
  // before the chunks the RIFF header announces, the orientation is not
  // known: truncated (decoding refuses such a file too).
  if (may_have_exif(d)) {
    const auto all = in.bytes.prefix(in.bytes.size());
    WebPData wd{all.data(), all.size()};
    WebPDemuxState state = WEBP_DEMUX_PARSING_HEADER;
    std::unique_ptr<WebPDemuxer, decltype(&WebPDemuxDelete)> partial(WebPDemuxPartial(&wd, &state), &WebPDemuxDelete);
    if (partial && state != WEBP_DEMUX_DONE) decode_fail(din, "WEBP", "truncated file (before its EXIF chunk)");
    info.orientation = webp_orientation(all);
  }
  int scale = 1;
  info.size = scaled_size(f, info.orientation, in.options, scale);
  return info;
}

std::vector<std::uint8_t> encode_webp(const Image& img, const EncodeOptions& opt) {
  // WebP has no gray mode: gray is replicated, binary written as 0 / 255.
  const Image src = to_rgb(img).as_u8();
  const std::uint8_t* p = src.u8_view().data();
  if (src.width() > WEBP_MAX_DIMENSION || src.height() > WEBP_MAX_DIMENSION)
    throw EncodeError("WEBP: " + src.size().to_string() + " exceeds the WebP limit of 16383 pixels per side");
  std::uint8_t* outbuf = nullptr;
  const std::size_t n = opt.lossless ? WebPEncodeLosslessRGB(p, src.width(), src.height(), src.width() * 3, &outbuf)
                                     : WebPEncodeRGB(p, src.width(), src.height(), src.width() * 3,
                                                     static_cast<float>(opt.quality), &outbuf);
  if (n == 0 || !outbuf) throw EncodeError("WEBP: encoding failed");
  std::vector<std::uint8_t> out(outbuf, outbuf + n);
  WebPFree(outbuf);
  return out;
}

}  // namespace pixelcache::detail
