// WebP through libwebp (decode, encode) and libwebpdemux (EXIF chunk).
#include <sys/mman.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "../stream/row_sink.hpp"
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
// it is not the full size) into `buf`.
void configure(WebPDecoderConfig& config, const WebPBitstreamFeatures& f, ImageSize size, std::uint8_t* buf) {
  WebPInitDecoderConfig(&config);
  if (size.width != f.width || size.height != f.height) {
    config.options.use_scaling = 1;
    config.options.scaled_width = size.width;
    config.options.scaled_height = size.height;
  }
  config.output.colorspace = MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = buf;
  config.output.u.RGBA.stride = size.width * 3;
  config.output.u.RGBA.size = size.area() * 3;
}

// An anonymous mapping for the streamed decode's output: libwebp writes each
// row once, and the pages of rows already given to the sink are dropped.
class OutputPages {
 public:
  explicit OutputPages(std::size_t bytes) : size_(std::max<std::size_t>(bytes, 1)) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw LimitError("WEBP: cannot map " + std::to_string(size_) + " bytes for the output");
    data_ = static_cast<std::uint8_t*>(p);
  }
  ~OutputPages() { ::munmap(data_, size_); }
  OutputPages(const OutputPages&) = delete;
  OutputPages& operator=(const OutputPages&) = delete;
  std::uint8_t* data() const noexcept { return data_; }
  // Drops the whole pages below `end` bytes, once.
  void release_below(std::size_t end) noexcept {
    const std::size_t page = 4096, to = end / page * page;
    if (to > released_) ::madvise(data_ + released_, to - released_, MADV_DONTNEED);
    released_ = std::max(released_, to);
  }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0, released_ = 0;
};

// The streamed decode (full size: WebP has no shrink-on-load here, and
// decode_resized() does not stream WebP, see stream/decode_resized.cpp):
// libwebp's incremental decoder over growing prefixes of the data, the rows
// it has finished given to the sink after each step.
void stream_webp(const DecodeInput& in, const WebPBitstreamFeatures& f, ImageSize size, int orientation) {
  const std::size_t stride = static_cast<std::size_t>(size.width) * 3;
  OutputPages pages(size.area() * 3);
  WebPDecoderConfig config;
  configure(config, f, size, pages.data());
  std::unique_ptr<WebPIDecoder, decltype(&WebPIDelete)> idec(WebPIDecode(nullptr, 0, &config), &WebPIDelete);
  if (!idec) decode_fail(in, "WEBP", "corrupt or truncated bitstream");
  in.sink->begin(size, Mode::RGB, orientation);
  int done = 0;
  auto harvest = [&] {
    int last_y = 0, w = 0, h = 0, st = 0;
    if (!WebPIDecGetRGB(idec.get(), &last_y, &w, &h, &st)) return;
    for (; done < last_y && done < size.height; ++done)
      in.sink->row(done, pages.data() + static_cast<std::size_t>(done) * stride);
    pages.release_below(static_cast<std::size_t>(done) * stride);
  };
  constexpr std::size_t kStep = std::size_t{256} << 10;
  VP8StatusCode status = VP8_STATUS_SUSPENDED;
  for (std::size_t fed = 0; fed < in.data.size() && status == VP8_STATUS_SUSPENDED;) {
    fed = std::min(in.data.size(), fed + kStep);
    status = WebPIUpdate(idec.get(), in.data.data(), fed);
    harvest();
  }
  // As WebPDecodeRGBInto(): anything but a whole image is one error.
  if (status != VP8_STATUS_OK || done != size.height) decode_fail(in, "WEBP", "corrupt or truncated bitstream");
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
  if (in.sink) {
    out.orientation = webp_orientation(in.data);
    stream_webp(in, f, sz, out.orientation);
    return out;
  }
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
