// WebP through libwebp (decode, encode) and libwebpdemux (EXIF chunk).
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

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
// Inputs from this size on are decoded with their pages dropped as they go.
constexpr std::size_t kReleaseFrom = std::size_t{1} << 20;
// How often a mapped input's pages are dropped while it decodes.
constexpr std::chrono::milliseconds kReleaseEvery{40};

// WebPDecode() of `data` as configured (libwebp's one-shot decoder: what it
// accepts and its pixels are the reference), while, for a mapped file of
// kReleaseFrom bytes or more, a second thread drops its pages every
// kReleaseEvery: the decoder reads a lossy file front to back (its mode
// partition, the first part, a little at a time as well), so a page dropped
// behind it is not needed again and one still needed is read again from
// the page cache; a 16 MiB file is never resident whole. (libwebp's incremental decoder, fed a part at a time, would do
// the same without a thread, but on damaged data its answer can depend on where the parts end: fuzz_decode_webp found a
// file it accepted in 100-byte parts and refused at once.)
VP8StatusCode decode_releasing(std::span<const std::uint8_t> data, WebPDecoderConfig& config) {
  if (data.size() < kReleaseFrom || !is_mapped(data)) return WebPDecode(data.data(), data.size(), &config);
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread dropper([&] {
    std::unique_lock lock(m);
    while (!cv.wait_for(lock, kReleaseEvery, [&] { return done; })) release_mapped(data);
  });
  const VP8StatusCode st = WebPDecode(data.data(), data.size(), &config);
  {
    const std::lock_guard lock(m);
    done = true;
  }
  cv.notify_one();
  dropper.join();
  return st;
}
}  // namespace

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
    const VP8StatusCode st = decode_releasing(in.data, config);
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
