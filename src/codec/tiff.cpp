// TIFF through libtiff, over in-memory streams. Errors are captured per call
// (TIFFOpenOptions handlers), never printed.
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>

#include "codec.hpp"

namespace pixelcache::detail {

namespace {

// A growable or read-only byte stream for TIFFClientOpen.
struct MemStream {
  const std::uint8_t* rdata = nullptr;
  std::vector<std::uint8_t>* wdata = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  std::string error;
};

tmsize_t mem_read(thandle_t h, void* buf, tmsize_t n) {
  auto* s = static_cast<MemStream*>(h);
  if (!s->rdata || n < 0) return 0;
  const std::size_t avail = s->pos < s->size ? s->size - s->pos : 0;
  const std::size_t k = std::min(avail, static_cast<std::size_t>(n));
  std::memcpy(buf, s->rdata + s->pos, k);
  s->pos += k;
  return static_cast<tmsize_t>(k);
}

tmsize_t mem_write(thandle_t h, void* buf, tmsize_t n) {
  auto* s = static_cast<MemStream*>(h);
  if (!s->wdata || n < 0) return 0;
  const std::size_t end = s->pos + static_cast<std::size_t>(n);
  if (end > s->wdata->size()) s->wdata->resize(end);
  std::memcpy(s->wdata->data() + s->pos, buf, static_cast<std::size_t>(n));
  s->pos = end;
  s->size = std::max(s->size, end);
  return n;
}

toff_t mem_seek(thandle_t h, toff_t off, int whence) {
  auto* s = static_cast<MemStream*>(h);
  std::size_t base = whence == SEEK_CUR ? s->pos : (whence == SEEK_END ? s->size : 0);
  const std::size_t target = base + static_cast<std::size_t>(off);
  if (s->rdata && target > s->size) return static_cast<toff_t>(-1);
  s->pos = target;
  return static_cast<toff_t>(target);
}

int mem_close(thandle_t) { return 0; }
toff_t mem_size(thandle_t h) { return static_cast<toff_t>(static_cast<MemStream*>(h)->size); }
int mem_map(thandle_t, void**, toff_t*) { return 0; }
void mem_unmap(thandle_t, void*, toff_t) {}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  auto* s = static_cast<MemStream*>(user);
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (s->error.empty()) s->error = std::string(module ? module : "libtiff") + ": " + buf;
  return 1;
}
int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

TiffPtr open(MemStream& s, const char* mode) {
  std::unique_ptr<TIFFOpenOptions, decltype(&TIFFOpenOptionsFree)> opts(TIFFOpenOptionsAlloc(), &TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), on_error, &s);
  TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), on_warning, &s);
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(), tmsize_t{1} << 31);
  return TiffPtr(TIFFClientOpenExt("memory", mode, &s, mem_read, mem_write, mem_seek, mem_close, mem_size, mem_map,
                                   mem_unmap, opts.get()));
}

}  // namespace

Decoded decode_tiff(const DecodeInput& in) {
  MemStream s;
  s.rdata = in.data.data();
  s.size = in.data.size();
  TiffPtr tif = open(s, "rm");
  if (!tif) decode_fail(in, "TIFF", s.error.empty() ? "cannot open" : s.error);
  std::uint32_t w = 0, h = 0;
  std::uint16_t spp = 1, bps = 1, photometric = PHOTOMETRIC_MINISBLACK, orientation = ORIENTATION_TOPLEFT;
  TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &h);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_ORIENTATION, &orientation);
  if (!TIFFGetField(tif.get(), TIFFTAG_PHOTOMETRIC, &photometric)) photometric = PHOTOMETRIC_MINISBLACK;
  check_dimensions(in, "TIFF", w, h);
  char emsg[1024] = "";
  if (!TIFFRGBAImageOK(tif.get(), emsg)) decode_fail(in, "TIFF", emsg);
  TIFFRGBAImage rgba{};
  if (!TIFFRGBAImageBegin(&rgba, tif.get(), 1 /* stop on error */, emsg)) decode_fail(in, "TIFF", emsg);
  // Ask for the stored row order; the orientation is applied below, for all
  // eight values (libtiff itself only handles flips).
  rgba.req_orientation = rgba.orientation;
  std::vector<std::uint32_t> raster(static_cast<std::size_t>(w) * h);
  const int ok = TIFFRGBAImageGet(&rgba, raster.data(), w, h);
  TIFFRGBAImageEnd(&rgba);
  if (!ok || !s.error.empty()) decode_fail(in, "TIFF", s.error.empty() ? "corrupt or truncated image data" : s.error);

  const bool single = spp == 1 && (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE);
  const Mode mode = single ? (bps == 1 ? Mode::Binary : Mode::L) : Mode::RGB;
  Decoded out;
  out.format = Format::TIFF;
  out.image =
      Image::generate({static_cast<int>(h), static_cast<int>(w)}, mode, PixelType::U8, [&](std::span<std::byte> b) {
        auto* o = reinterpret_cast<std::uint8_t*>(b.data());
        for (std::size_t i = 0; i < raster.size(); ++i) {
          const std::uint32_t p = raster[i];
          if (mode == Mode::RGB) {
            o[3 * i] = static_cast<std::uint8_t>(TIFFGetR(p));
            o[3 * i + 1] = static_cast<std::uint8_t>(TIFFGetG(p));
            o[3 * i + 2] = static_cast<std::uint8_t>(TIFFGetB(p));
          } else if (mode == Mode::L) {
            o[i] = static_cast<std::uint8_t>(TIFFGetR(p));
          } else {
            o[i] = TIFFGetR(p) > 127 ? 1 : 0;
          }
        }
      });
  out.orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
  return out;
}

std::vector<std::uint8_t> encode_tiff(const Image& img, const EncodeOptions&) {
  const Image src = img.as_u8();
  std::vector<std::uint8_t> buf;
  MemStream s;
  s.wdata = &buf;
  {
    TiffPtr tif = open(s, "w");
    if (!tif) throw EncodeError("TIFF: " + (s.error.empty() ? std::string("cannot open a writer") : s.error));
    const auto w = static_cast<std::uint32_t>(src.width()), h = static_cast<std::uint32_t>(src.height());
    const bool bin = src.is_binary();
    TIFFSetField(tif.get(), TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(tif.get(), TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(tif.get(), TIFFTAG_SAMPLESPERPIXEL, static_cast<std::uint16_t>(src.channels()));
    TIFFSetField(tif.get(), TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(bin ? 1 : 8));
    TIFFSetField(tif.get(), TIFFTAG_PHOTOMETRIC, src.is_rgb() ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif.get(), TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif.get(), TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    TIFFSetField(tif.get(), TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
    TIFFSetField(tif.get(), TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif.get(), 0));
    const std::size_t row = bin ? (w + 7) / 8 : static_cast<std::size_t>(w) * src.channels();
    std::vector<std::uint8_t> packed;
    const std::uint8_t* px = src.u8_view().data();
    if (bin) {
      packed = pack_bits(src, row);
      px = packed.data();
    }
    for (std::uint32_t y = 0; y < h; ++y)
      if (TIFFWriteScanline(tif.get(), const_cast<std::uint8_t*>(px + y * row), y, 0) < 0)
        throw EncodeError("TIFF: " + (s.error.empty() ? std::string("cannot write a row") : s.error));
  }  // TIFFClose flushes the directory
  if (!s.error.empty()) throw EncodeError("TIFF: " + s.error);
  buf.resize(s.size);
  return buf;
}

}  // namespace pixelcache::detail
