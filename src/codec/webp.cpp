// WebP through libwebp (decode, encode) and libwebpdemux (EXIF chunk).
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

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
}  // namespace

Decoded decode_webp(const DecodeInput& in) {
  WebPBitstreamFeatures f;
  const VP8StatusCode st = WebPGetFeatures(in.data.data(), in.data.size(), &f);
  if (st != VP8_STATUS_OK)
    decode_fail(in, "WEBP", st == VP8_STATUS_NOT_ENOUGH_DATA ? "truncated file" : "invalid bitstream");
  if (f.has_animation) decode_fail(in, "WEBP", "animated WebP is not supported");
  check_dimensions(in, "WEBP", static_cast<std::uint64_t>(f.width), static_cast<std::uint64_t>(f.height));
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
