// WebP through libwebp (decode, encode) and libwebpdemux (EXIF chunk).
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include <cstring>
#include <memory>

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
}  // namespace

Decoded decode_webp(const DecodeInput& in) {
  WebPBitstreamFeatures f;
  check_features(in, WebPGetFeatures(in.data.data(), in.data.size(), &f), f);
  Decoded out;
  out.format = Format::WebP;
  const ImageSize sz{f.height, f.width};
  out.image = Image::generate(sz, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    if (!WebPDecodeRGBInto(in.data.data(), in.data.size(), reinterpret_cast<std::uint8_t*>(b.data()), b.size(),
                           f.width * 3))
      decode_fail(in, "WEBP", "corrupt or truncated bitstream");
  });
  out.orientation = webp_orientation(in.data);
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
  info.stored_size = info.size = {f.height, f.width};
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
