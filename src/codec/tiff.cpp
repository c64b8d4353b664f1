// TIFF through libtiff, over in-memory streams. Errors are captured per call
// (TIFFOpenOptions handlers), never printed. 8- and 16-bit gray and RGB are
// read sample by sample (16 bits rounded as v / 257); every other kind goes
// through libtiff's RGBA interface. Strip and tile tables are checked
// against the data before anything is decoded. Deflate chunks without a
// predictor are inflated by libdeflate (read_chunk_bytes), the rest by
// libtiff.
#include <libdeflate.h>
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "../stream/row_sink.hpp"
#include "../work_pool.hpp"
#include "codec.hpp"

namespace pixelcache::detail {

namespace {

// A growable or read-only byte stream for TIFFClientOpen: reads come from a
// ByteSource (in memory, or a file read as far as libtiff asks).
struct MemStream {
  ByteSource* rdata = nullptr;
  std::vector<std::uint8_t>* wdata = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  std::string error;
};

tmsize_t mem_read(thandle_t h, void* buf, tmsize_t n) {
  auto* s = static_cast<MemStream*>(h);
  if (!s->rdata || n < 0) return 0;
  const auto got = s->rdata->at(s->pos, static_cast<std::uint64_t>(n));
  if (!got.empty()) std::memcpy(buf, got.data(), got.size());
  s->pos += got.size();
  return static_cast<tmsize_t>(got.size());
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
  const std::size_t size = s->rdata ? static_cast<std::size_t>(s->rdata->size()) : s->size;
  std::size_t base = whence == SEEK_CUR ? s->pos : (whence == SEEK_END ? size : 0);
  const std::size_t target = base + static_cast<std::size_t>(off);
  if (s->rdata && target > size) return static_cast<toff_t>(-1);
  s->pos = target;
  return static_cast<toff_t>(target);
}

int mem_close(thandle_t) { return 0; }
toff_t mem_size(thandle_t h) {
  const auto* s = static_cast<MemStream*>(h);
  return static_cast<toff_t>(s->rdata ? s->rdata->size() : s->size);
}
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

TiffPtr open(MemStream& s, const char* mode, std::uint64_t max_pixels) {
  std::unique_ptr<TIFFOpenOptions, decltype(&TIFFOpenOptionsFree)> opts(TIFFOpenOptionsAlloc(), &TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), on_error, &s);
  TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), on_warning, &s);
  // No single libtiff buffer larger than the largest image allowed (8 bytes
  // a pixel: 16-bit RGBA), and at least 64 MiB for tag and strip tables.
  const std::uint64_t cap = std::clamp<std::uint64_t>(max_pixels * 8, 64u << 20, std::uint64_t{1} << 31);
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(), static_cast<tmsize_t>(cap));
  return TiffPtr(TIFFClientOpenExt("memory", mode, &s, mem_read, mem_write, mem_seek, mem_close, mem_size, mem_map,
                                   mem_unmap, opts.get()));
}

// The largest expansion of a compression scheme (bytes out per byte in), or
// 0 when it has no useful bound (JPEG, CCITT fax, ...).
std::uint64_t max_ratio(std::uint16_t compression) {
  switch (compression) {
    case COMPRESSION_NONE: return 1;
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE: return 1032;  // a 258-byte match in 2 bits
    case COMPRESSION_LZW: return 3641;      // at most 4096 bytes per 9-bit code
    case COMPRESSION_PACKBITS: return 64;   // 128 bytes from a 2-byte run
    default: return 0;
  }
}

// Every strip or tile must lie inside the data, be non-empty, and (where
// the compression bounds it) be able to hold the pixels it covers; all
// checked from the offset / byte-count tables before any pixel is decoded.
void check_strips(const DecodeInput& in, TIFF* tif, const MemStream& s, ImageSize size) {
  const bool tiled = TIFFIsTiled(tif);
  const char* what = tiled ? "tile" : "strip";
  const std::uint32_t n = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
  const std::uint64_t file = in.size();
  if (n == 0) decode_fail(in, "TIFF", std::string("no ") + what + "s");
  if (n > file)
    decode_fail(in, "TIFF",
                "truncated file: " + std::to_string(n) + " " + what + "s cannot fit in " + std::to_string(file) +
                    " bytes (" + size.to_string() + " image)");
  // A strip holds at most the image's rows, but a tile's sides come from
  // its tags alone: a tile far larger than the whole image (a hostile
  // file's 1048576x40000 tile on a 16x16 image, with a compression that
  // bounds nothing) is refused before any buffer is sized by it. Bound: 16
  // MiB, or twice the image's bytes at 16-bit RGBA.
  if (tiled) {
    std::uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    const std::uint64_t tile_bytes = TIFFTileSize64(tif);  // 0 on overflow
    if (tile_bytes > std::max<std::uint64_t>(16u << 20, 16 * size.area()))
      decode_fail(in, "TIFF",
                  "a tile of " + std::to_string(tw) + "x" + std::to_string(th) + " (" + std::to_string(tile_bytes) +
                      " bytes decoded) is far larger than the " + size.to_string() + " image");
  }
  std::uint16_t compression = COMPRESSION_NONE;
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  const std::uint64_t ratio = max_ratio(compression);
  std::uint64_t stored = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    int err = 0;
    const std::uint64_t offset = TIFFGetStrileOffsetWithErr(tif, i, &err);
    const std::uint64_t bytes = err ? 0 : TIFFGetStrileByteCountWithErr(tif, i, &err);
    if (err) decode_fail(in, "TIFF", s.error.empty() ? std::string("cannot read the ") + what + " table" : s.error);
    const std::string which = std::string(what) + " " + std::to_string(i);
    if (bytes == 0) decode_fail(in, "TIFF", which + " is empty (byte count 0)");
    if (offset > file || bytes > file - offset)
      decode_fail(in, "TIFF",
                  which + " lies past the end of the data (offset " + std::to_string(offset) + ", " +
                      std::to_string(bytes) + " bytes, file of " + std::to_string(file) + ")");
    stored += bytes;
  }
  if (ratio == 0) return;
  // The decoded bytes of all strips / tiles: whole tiles, or the image's
  // rows (one sample a row per plane when planes are separate).
  std::uint16_t planar = PLANARCONFIG_CONTIG, spp = 1;
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  const std::uint64_t planes = planar == PLANARCONFIG_SEPARATE ? spp : 1;
  const std::uint64_t needed = tiled ? std::uint64_t{n} * TIFFTileSize64(tif)
                                     : TIFFScanlineSize64(tif) * static_cast<std::uint64_t>(size.height) * planes;
  check_plausible(in, "TIFF", (needed + ratio - 1) / ratio, stored, size);
}

// A chunk libdeflate can inflate straight from the input: its stored bytes
// and the bytes it decodes to.
struct RawChunk {
  std::span<const std::uint8_t> raw;
  std::size_t expected = 0;
};

// Chunk `index` (a tile, or a strip of `rows` rows) as a RawChunk when
// libdeflate may inflate it: deflate without a predictor, MSB-first fill
// order, samples of 8 bits or fewer or in the host's byte order (libtiff
// swaps the others), all its bytes inside the input, at most `size` bytes
// decoded; nullopt otherwise. Reads tags and the strile tables: the
// calling thread must own `t`.
std::optional<RawChunk> raw_deflate_chunk(TIFF* t, const MemStream& s, bool tiled, std::uint32_t index,
                                          std::uint32_t rows, tmsize_t size) {
  std::uint16_t compression = COMPRESSION_NONE, predictor = PREDICTOR_NONE, fill = FILLORDER_MSB2LSB, bits = 1;
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &compression);
  if ((compression != COMPRESSION_ADOBE_DEFLATE && compression != COMPRESSION_DEFLATE) || !s.rdata) return std::nullopt;
  TIFFGetFieldDefaulted(t, TIFFTAG_PREDICTOR, &predictor);
  TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
  const tmsize_t expected = tiled ? TIFFTileSize(t) : TIFFVStripSize(t, rows);
  if (predictor != PREDICTOR_NONE || fill != FILLORDER_MSB2LSB || (bits > 8 && TIFFIsByteSwapped(t)) || expected <= 0 ||
      expected > size)
    return std::nullopt;
  int err = 0;
  const std::uint64_t offset = TIFFGetStrileOffsetWithErr(t, index, &err);
  const std::uint64_t count = err ? 0 : TIFFGetStrileByteCountWithErr(t, index, &err);
  const auto raw = err ? std::span<const std::uint8_t>{} : s.rdata->at(offset, count);
  if (raw.empty() || raw.size() != count) return std::nullopt;
  return RawChunk{raw, static_cast<std::size_t>(expected)};
}

// Inflates `c` into `buf` with this thread's decompressor; true when it
// decodes to exactly c.expected bytes.
bool inflate_chunk(const RawChunk& c, std::uint8_t* buf) {
  thread_local const std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  return d && libdeflate_zlib_decompress(d.get(), c.raw.data(), c.raw.size(), buf, c.expected, nullptr) ==
                  LIBDEFLATE_SUCCESS;
}

// Reads chunk `index` (a tile, or a strip of `rows` rows) into `buf` of
// `size` bytes, as TIFFReadEncodedTile / TIFFReadEncodedStrip do. A deflate
// chunk without a predictor, of 8-bit samples or in the host's byte order,
// is inflated by libdeflate straight from the input (about twice zlib's
// speed); whatever libdeflate does not inflate to
// exactly the chunk's bytes (damaged data, a stream longer or shorter than
// the chunk) is read again through libtiff, so the bytes and the errors of
// every file stay libtiff's.
tmsize_t read_chunk_bytes(TIFF* t, const MemStream& s, bool tiled, std::uint32_t index, std::uint32_t rows,
                          std::uint8_t* buf, tmsize_t size) {
  if (const auto c = raw_deflate_chunk(t, s, tiled, index, rows, size); c && inflate_chunk(*c, buf))
    return static_cast<tmsize_t>(c->expected);
  return tiled ? TIFFReadEncodedTile(t, index, buf, size) : TIFFReadEncodedStrip(t, index, buf, size);
}

// Deflate chunks inflated ahead of their use, a batch at a time on a few
// threads (libdeflate only; libtiff stays on the calling thread). A chunk
// not inflated here (not a RawChunk, or damaged) is read by the caller
// through read_chunk_bytes(), in order, so every file's bytes and errors
// are those of the sequential read.
class ChunkPrefetch {
 public:
  /// Up to `batch` chunks of at most `chunk_bytes` each on `workers` threads.
  ChunkPrefetch(unsigned workers, std::size_t chunk_bytes, std::size_t batch)
      : workers_(workers), buffers_(batch, std::vector<std::uint8_t>(chunk_bytes)), inflated_(batch, 0) {}

  std::size_t batch() const noexcept { return buffers_.size(); }

  /// Inflates chunks[k] into buffer k (chunks.size() <= batch()).
  void run(const std::vector<std::optional<RawChunk>>& chunks) {
    std::fill(inflated_.begin(), inflated_.end(), 0);
    run_pool(chunks.size(), workers_,
             [&](unsigned, std::size_t k) {
               if (chunks[k]) inflated_[k] = inflate_chunk(*chunks[k], buffers_[k].data());
             },
             {}, {});
  }

  /// Chunk k of the last run(), or nullptr when it was not inflated.
  const std::uint8_t* get(std::size_t k) const { return inflated_[k] ? buffers_[k].data() : nullptr; }

 private:
  unsigned workers_;
  std::vector<std::vector<std::uint8_t>> buffers_;
  std::vector<char> inflated_;
};

}  // namespace

namespace {

inline std::uint8_t from16(std::uint16_t v) { return static_cast<std::uint8_t>((v * 255u + 32767u) / 65535u); }

// The layout of 1-bit gray or 8- / 16-bit unsigned gray / RGB samples
// (extra samples, e.g. alpha, are skipped), read strip by strip or tile by
// tile.
struct SampleLayout {
  int bits = 8;           ///< bits per sample: 1, 8 or 16
  int per_pixel = 1;      ///< samples per pixel inside one strip / tile
  int keep = 1;           ///< 1 (gray) or 3 (RGB) samples kept
  bool separate = false;  ///< one plane per sample
  bool invert = false;    ///< MinIsWhite
};

// Sample `at` (counted in samples) of a decoded row `src` of layout `l` as
// 8 bits: 16-bit samples (host byte order, as libtiff returns them)
// rounded as v / 257, 1-bit ones as 0 / 1; MinIsWhite inverted against
// `white` (1 for 1-bit, else 255).
inline std::uint8_t sample_at(const std::uint8_t* src, std::size_t at, const SampleLayout& l, std::uint8_t white) {
  std::uint8_t v;
  if (l.bits == 16) {
    std::uint16_t wide;
    std::memcpy(&wide, src + 2 * at, 2);
    v = from16(wide);
  } else if (l.bits == 8) {
    v = src[at];
  } else {
    v = (src[at >> 3] >> (7 - (at & 7))) & 1;
  }
  return l.invert ? static_cast<std::uint8_t>(white - v) : v;
}

// The strips or tiles of an image: their sides (a strip is the image's
// width by its rows per strip, at most the image's height), the bytes of one
// decoded chunk and of one of its rows. DecodeError for a zero side or an
// invalid chunk size.
struct ChunkGrid {
  bool tiled = false;
  std::uint32_t width = 0, height = 0;
  tmsize_t bytes = 0;
  std::size_t row_bytes = 0;
};

ChunkGrid chunk_grid(const DecodeInput& in, TIFF* tif, const MemStream& s, ImageSize size, const SampleLayout& l) {
  ChunkGrid g;
  g.tiled = TIFFIsTiled(tif);
  g.width = static_cast<std::uint32_t>(size.width);
  g.height = static_cast<std::uint32_t>(size.height);
  if (g.tiled) {
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &g.width);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &g.height);
  } else {
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &g.height);
  }
  g.height = std::min(g.height, static_cast<std::uint32_t>(size.height));
  if (g.width == 0 || g.height == 0) decode_fail(in, "TIFF", "zero tile or strip size");
  g.bytes = g.tiled ? TIFFTileSize(tif) : TIFFStripSize(tif);
  if (g.bytes <= 0) decode_fail(in, "TIFF", s.error.empty() ? "invalid strip size" : s.error);
  g.row_bytes = (std::size_t{g.width} * l.per_pixel * l.bits + 7) / 8;
  return g;
}

// The threads that inflate an image's chunks in parallel (read_samples()
// all at once, stream_samples() a few ahead): the usable cores, or 0 when
// that is one, the samples lie in separate planes or the chunks are not
// deflate that libdeflate takes from the input.
unsigned inflate_workers(TIFF* tif, const MemStream& s, const ChunkGrid& grid, int planes) {
  const unsigned workers = usable_cores();
  if (planes != 1 || workers < 2 || !raw_deflate_chunk(tif, s, grid.tiled, 0, grid.height, grid.bytes)) return 0;
  return workers;
}

// The chunks of `bands` bands from y0 (row by row, left to right), each a
// RawChunk or nullopt.
std::vector<std::optional<RawChunk>> raw_chunks(TIFF* tif, const MemStream& s, const ChunkGrid& grid, std::uint32_t y0,
                                                std::uint32_t bands, std::uint32_t w, std::uint32_t h) {
  std::vector<std::optional<RawChunk>> out;
  for (std::uint32_t b = 0, y = y0; b < bands && y < h; ++b, y += grid.height)
    for (std::uint32_t x = 0; x < w; x += grid.width) {
      const std::uint32_t index = grid.tiled ? TIFFComputeTile(tif, x, y, 0, 0) : TIFFComputeStrip(tif, y, 0);
      out.push_back(raw_deflate_chunk(tif, s, grid.tiled, index, std::min(grid.height, h - y), grid.bytes));
    }
  return out;
}

// The whole decode's parallel part: every contiguous deflate chunk that
// libdeflate inflates is inflated and put() into the image on the usable
// cores (a chunk buffer a worker); returns, per chunk in read order, whether
// it was (empty: none were, see inflate_workers()). The caller reads the
// others through libtiff in order, so the first error is the sequential
// read's.
template <class Put>
std::vector<char> inflate_ahead(TIFF* tif, const MemStream& s, const ChunkGrid& grid, int planes, std::uint32_t w,
                                std::uint32_t h, const Put& put) {
  const unsigned workers = inflate_workers(tif, s, grid, planes);
  const std::uint32_t per_band = (w + grid.width - 1) / grid.width, bands = (h + grid.height - 1) / grid.height;
  if (workers == 0 || std::uint64_t{per_band} * bands < 2) return {};
  const auto chunks = raw_chunks(tif, s, grid, 0, bands, w, h);
  std::vector<std::vector<std::uint8_t>> buffers(workers,
                                                 std::vector<std::uint8_t>(static_cast<std::size_t>(grid.bytes)));
  std::vector<char> done(chunks.size(), 0);
  run_pool(chunks.size(), workers,
           [&](unsigned worker, std::size_t k) {
             if (!chunks[k] || !inflate_chunk(*chunks[k], buffers[worker].data())) return;
             const auto y0 = static_cast<std::uint32_t>(k / per_band) * grid.height;
             const auto x0 = static_cast<std::uint32_t>(k % per_band) * grid.width;
             put(buffers[worker].data(), 0, y0, x0);
             done[k] = 1;
           },
           {}, {});
  return done;
}

// Gray and RGB images of 8 or 16 bits and 1-bit gray decoded directly
// (16-bit samples are rounded as v / 257, which TIFFRGBAImage would
// truncate; 1-bit gray gives a binary image).
Image read_samples(const DecodeInput& in, TIFF* tif, const MemStream& s, ImageSize size, const SampleLayout& l,
                   Mode mode) {
  const auto w = static_cast<std::uint32_t>(size.width), h = static_cast<std::uint32_t>(size.height);
  const ChunkGrid grid = chunk_grid(in, tif, s, size, l);
  const bool tiled = grid.tiled;
  const std::uint32_t cw = grid.width, ch = grid.height;
  const tmsize_t chunk_size = grid.bytes;
  const std::size_t row_bytes = grid.row_bytes;
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(chunk_size));
  const int oc = l.keep;
  const std::uint8_t white = l.bits == 1 ? 1 : 255;
  return Image::generate(size, mode, PixelType::U8, [&](std::span<std::byte> b) {
    auto* o = reinterpret_cast<std::uint8_t*>(b.data());
    // The decoded chunk `src` (plane `plane`, at x0, y0) into the image.
    const auto put = [&](const std::uint8_t* src, int plane, std::uint32_t y0, std::uint32_t x0) {
      const std::uint32_t rows = std::min(ch, h - y0), cols = std::min(cw, w - x0);
      for (std::uint32_t r = 0; r < rows; ++r, src += row_bytes) {
        std::uint8_t* dst = o + ((std::size_t{y0} + r) * w + x0) * oc;
        for (std::uint32_t x = 0; x < cols; ++x)
          for (int c = l.separate ? plane : 0; c < (l.separate ? plane + 1 : oc); ++c)
            dst[std::size_t{x} * oc + c] =
                sample_at(src, std::size_t{x} * l.per_pixel + (l.separate ? 0 : c), l, white);
      }
    };
    const std::vector<char> done = inflate_ahead(tif, s, grid, l.separate ? l.keep : 1, w, h, put);
    std::size_t k = 0;  // chunks in read order
    for (int plane = 0; plane < (l.separate ? l.keep : 1); ++plane)
      for (std::uint32_t y0 = 0; y0 < h; y0 += ch)
        for (std::uint32_t x0 = 0; x0 < w; x0 += cw, ++k) {
          if (!done.empty() && done[k]) continue;
          const auto sample = static_cast<std::uint16_t>(plane);
          const std::uint32_t index =
              tiled ? TIFFComputeTile(tif, x0, y0, 0, sample) : TIFFComputeStrip(tif, y0, sample);
          // Zeros where a damaged chunk decodes short without an error (not
          // the previous chunk's bytes): the streamed decode reads chunks in
          // another order and must give the same samples.
          std::memset(buf.data(), 0, buf.size());
          const std::uint32_t rows = std::min(ch, h - y0), cols = std::min(cw, w - x0);
          const tmsize_t got = read_chunk_bytes(tif, s, tiled, index, rows, buf.data(), chunk_size);
          const std::size_t need = (rows - 1) * row_bytes + (std::size_t{cols} * l.per_pixel * l.bits + 7) / 8;
          if (got < 0 || static_cast<std::size_t>(got) < need || !s.error.empty())
            decode_fail(in, "TIFF",
                        s.error.empty() ? std::string(tiled ? "tile " : "strip ") + std::to_string(index) +
                                              " is truncated or corrupt"
                                        : s.error);
          put(buf.data(), plane, y0, x0);
        }
  });
}

// Every other kind (1/2/4-bit, palette, YCbCr, CMYK, Lab, ...) through
// libtiff's RGBA interface: gray kinds give L (binary for 1 bit), the rest RGB.
Image read_rgba(const DecodeInput& in, TIFF* tif, const MemStream& s, ImageSize size, Mode mode) {
  const auto w = static_cast<std::uint32_t>(size.width), h = static_cast<std::uint32_t>(size.height);
  char emsg[1024] = "";
  if (!TIFFRGBAImageOK(tif, emsg)) decode_fail(in, "TIFF", emsg);
  TIFFRGBAImage rgba{};
  if (!TIFFRGBAImageBegin(&rgba, tif, 1 /* stop on error */, emsg)) decode_fail(in, "TIFF", emsg);
  // Ask for the stored row order; the orientation is applied by decode_ex(),
  // for all eight values (libtiff itself only handles flips).
  rgba.req_orientation = rgba.orientation;
  std::vector<std::uint32_t> raster(size.area());
  const int ok = TIFFRGBAImageGet(&rgba, raster.data(), w, h);
  TIFFRGBAImageEnd(&rgba);
  if (!ok || !s.error.empty()) decode_fail(in, "TIFF", s.error.empty() ? "corrupt or truncated image data" : s.error);
  return Image::generate(size, mode, PixelType::U8, [&](std::span<std::byte> b) {
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
}

// What stream_samples() reads and converts with: the image's sides, its
// chunk grid, its sample layout and what follows from them.
struct SampleStream {
  const ChunkGrid& grid;
  const SampleLayout& l;
  std::uint32_t w, h;
  int oc;              // samples kept a pixel
  std::uint8_t white;  // the white of a sample (1 or 255), for MinIsWhite
  bool plain8;         // 8-bit contiguous samples, not inverted
  bool as_stored;      // strips given as they are read: no conversion, no band

  std::string read_chunk(TIFF* t, MemStream& ms, std::vector<std::uint8_t>& b, int plane, std::uint32_t y0,
                         std::uint32_t x0) const;
  void convert(const std::uint8_t* b, std::vector<std::uint8_t>& band, int plane, std::uint32_t y0,
               std::uint32_t x0) const;
};

// Reads one chunk through handle `t` (its stream `ms`) into `b`; its error
// message, or empty when it is whole.
std::string SampleStream::read_chunk(TIFF* t, MemStream& ms, std::vector<std::uint8_t>& b, int plane, std::uint32_t y0,
                                     std::uint32_t x0) const {
  const bool tiled = grid.tiled;
  const std::uint32_t cw = grid.width, ch = grid.height;
  const tmsize_t chunk_size = grid.bytes;
  const std::size_t row_bytes = grid.row_bytes;
  const auto sample = static_cast<std::uint16_t>(plane);
  const std::uint32_t index = tiled ? TIFFComputeTile(t, x0, y0, 0, sample) : TIFFComputeStrip(t, y0, sample);
  std::memset(b.data(), 0, b.size());  // as read_samples(): a short chunk reads as zeros
  const std::uint32_t rows = std::min(ch, h - y0), cols = std::min(cw, w - x0);
  const tmsize_t got = read_chunk_bytes(t, ms, tiled, index, rows, b.data(), chunk_size);
  const std::size_t need = (rows - 1) * row_bytes + (std::size_t{cols} * l.per_pixel * l.bits + 7) / 8;
  if (got >= 0 && static_cast<std::size_t>(got) >= need && ms.error.empty()) return {};
  return ms.error.empty() ? std::string(tiled ? "tile " : "strip ") + std::to_string(index) + " is truncated or corrupt"
                          : ms.error;
}

// The rows of chunk `b` (plane `plane`, at y0, x0) into `band`, as
// read_samples() converts them.
void SampleStream::convert(const std::uint8_t* b, std::vector<std::uint8_t>& band, int plane, std::uint32_t y0,
                           std::uint32_t x0) const {
  const std::uint32_t cw = grid.width, ch = grid.height;
  const std::size_t row_bytes = grid.row_bytes;
  const std::uint32_t rows = std::min(ch, h - y0), cols = std::min(cw, w - x0);
  for (std::uint32_t r = 0; r < rows; ++r) {
    const std::uint8_t* src = b + r * row_bytes;
    std::uint8_t* dst = band.data() + (std::size_t{r} * w + x0) * oc;
    if (plain8) {  // 8-bit contiguous samples: the first `oc` of each pixel
      for (std::uint32_t x = 0; x < cols; ++x)
        for (int c = 0; c < oc; ++c) dst[std::size_t{x} * oc + c] = src[std::size_t{x} * l.per_pixel + c];
      continue;
    }
    for (std::uint32_t x = 0; x < cols; ++x)
      for (int c = l.separate ? plane : 0; c < (l.separate ? plane + 1 : oc); ++c)
        dst[std::size_t{x} * oc + c] = sample_at(src, std::size_t{x} * l.per_pixel + (l.separate ? 0 : c), l, white);
  }
}

// Reports a failed chunk of plane `plane` in the band at y0 as
// read_samples() would: it reads plane by plane, so the later bands of the
// earlier planes are tried first and the first of their errors wins.
[[noreturn]] void fail_separate_chunk(const DecodeInput& in, const SampleStream& st, TIFF* tif, MemStream& s,
                                      std::vector<std::uint8_t>& buf, int plane, std::uint32_t y0,
                                      const std::string& error) {
  const std::uint32_t cw = st.grid.width, ch = st.grid.height;
  for (int p = 0; p < plane; ++p)
    for (std::uint32_t later = y0 + ch; later < st.h; later += ch)
      for (std::uint32_t x = 0; x < st.w; x += cw) {
        s.error.clear();
        if (std::string earlier = st.read_chunk(tif, s, buf, p, later, x); !earlier.empty())
          decode_fail(in, "TIFF", earlier);
      }
  decode_fail(in, "TIFF", error);
}

// The prefetch of a streamed decode: contiguous deflate chunks inflated
// ahead on the usable cores, a few bands at a time (at most 8 MiB of
// chunks, at least one band), when there are two cores and two bands.
std::optional<ChunkPrefetch> prefetch_for(TIFF* tif, const MemStream& s, const ChunkGrid& grid, int planes,
                                          std::uint32_t per_band, std::uint32_t h) {
  const unsigned workers = inflate_workers(tif, s, grid, planes);
  const std::size_t chunk = static_cast<std::size_t>(grid.bytes);
  if (workers == 0 || h <= grid.height) return std::nullopt;
  // Two chunks a worker, within max(8 MiB, a chunk a worker): memory that
  // grows with the width by one chunk at most over the one-thread read.
  const std::size_t chunks = std::min<std::size_t>(2 * workers, std::max<std::size_t>((8u << 20) / chunk, workers));
  const std::size_t bands = std::max<std::size_t>(1, chunks / per_band);
  return std::optional<ChunkPrefetch>(std::in_place, workers, chunk, bands * per_band);
}

// read_samples() streamed: a band of rows at a time (a strip, or a row of
// tiles) converted exactly as read_samples() converts it and given to
// in.sink. Separate planes are read band by band, one plane after the other
// within a band; when a chunk fails, the chunks read_samples() would have
// read before it (later bands of earlier planes) are tried first, so the
// error is the one it reports.
void stream_samples(const DecodeInput& in, TIFF* tif, MemStream& s, ImageSize size, const SampleLayout& l,
                    int orientation) {
  const auto w = static_cast<std::uint32_t>(size.width), h = static_cast<std::uint32_t>(size.height);
  const ChunkGrid grid = chunk_grid(in, tif, s, size, l);
  const std::uint32_t cw = grid.width, ch = grid.height;
  const std::size_t row_bytes = grid.row_bytes;
  std::vector<std::uint8_t> buf;  // a chunk read through libtiff (sized on first use)
  const int oc = l.keep;
  const Mode mode = oc == 3 ? Mode::RGB : (l.bits == 1 ? Mode::Binary : Mode::L);
  const int planes = l.separate ? l.keep : 1;
  const bool plain8 = l.bits == 8 && !l.separate && !l.invert;
  const bool as_stored = plain8 && !grid.tiled && l.per_pixel == oc;  // no conversion, no band
  const SampleStream st{grid, l, w, h, oc, static_cast<std::uint8_t>(l.bits == 1 ? 1 : 255), plain8, as_stored};
  const std::size_t band_size = as_stored ? 0 : static_cast<std::size_t>(w) * ch * oc;
  const std::uint32_t per_band = grid.tiled ? (w + cw - 1) / cw : 1;  // chunks a band
  std::optional<ChunkPrefetch> ahead = prefetch_for(tif, s, grid, planes, per_band, h);
  // One band of contiguous samples (planes == 1) whose chunks are `k0`...
  // of the last prefetch: its rows given to emit(y, samples); the first
  // chunk's error, or empty.
  auto contiguous_band = [&](std::vector<std::uint8_t>& band, std::uint32_t y0, std::size_t k0,
                             auto&& emit) -> std::string {
    const std::uint32_t rows = std::min(ch, h - y0);
    for (std::uint32_t x0 = 0, k = 0; x0 < w; x0 += cw, ++k) {
      const std::uint8_t* chunk = ahead ? ahead->get(k0 + k) : nullptr;
      if (!chunk) {
        buf.resize(static_cast<std::size_t>(grid.bytes));
        if (std::string error = st.read_chunk(tif, s, buf, 0, y0, x0); !error.empty()) return error;
        chunk = buf.data();
      }
      if (as_stored) {
        emit(y0, rows, chunk, row_bytes);
        return {};
      }
      st.convert(chunk, band, 0, y0, x0);
    }
    emit(y0, rows, band.data(), std::size_t{w} * oc);
    return {};
  };
  std::vector<std::uint8_t> band(band_size);
  in.sink->begin(size, mode, orientation);
  auto emit = [&](std::uint32_t y0, std::uint32_t rows, const std::uint8_t* p, std::size_t stride) {
    for (std::uint32_t r = 0; r < rows; ++r) in.sink->row(static_cast<int>(y0 + r), p + r * stride);
  };
  const std::uint32_t group = ahead ? static_cast<std::uint32_t>(ahead->batch() / per_band) : 1;  // bands a prefetch
  for (std::uint32_t y0 = 0, g = 0; y0 < h; y0 += ch, g = (g + 1) % group) {
    if (planes == 1) {
      if (ahead && g == 0) ahead->run(raw_chunks(tif, s, grid, y0, group, w, h));
      if (std::string error = contiguous_band(band, y0, std::size_t{g} * per_band, emit); !error.empty())
        decode_fail(in, "TIFF", error);
      continue;
    }
    buf.resize(static_cast<std::size_t>(grid.bytes));
    for (int plane = 0; plane < planes; ++plane)
      for (std::uint32_t x0 = 0; x0 < w; x0 += cw) {
        if (std::string error = st.read_chunk(tif, s, buf, plane, y0, x0); !error.empty())
          fail_separate_chunk(in, st, tif, s, buf, plane, y0, error);
        st.convert(buf.data(), band, plane, y0, x0);
      }
    emit(y0, std::min(ch, h - y0), band.data(), std::size_t{w} * oc);
  }
}

// read_rgba() streamed: TIFFRGBAImageGet() a strip or a row of tiles at a
// time (row_offset), which reads the same strips and tiles in the same
// order as the whole image's call.
void stream_rgba(const DecodeInput& in, TIFF* tif, const MemStream& s, ImageSize size, bool single, int bps,
                 int orientation) {
  const auto w = static_cast<std::uint32_t>(size.width), h = static_cast<std::uint32_t>(size.height);
  char emsg[1024] = "";
  if (!TIFFRGBAImageOK(tif, emsg)) decode_fail(in, "TIFF", emsg);
  TIFFRGBAImage rgba{};
  if (!TIFFRGBAImageBegin(&rgba, tif, 1 /* stop on error */, emsg)) decode_fail(in, "TIFF", emsg);
  std::unique_ptr<TIFFRGBAImage, decltype(&TIFFRGBAImageEnd)> end(&rgba, &TIFFRGBAImageEnd);
  rgba.req_orientation = rgba.orientation;  // stored row order, as read_rgba()
  std::uint32_t band = h;
  if (TIFFIsTiled(tif))
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &band);
  else
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &band);
  band = std::clamp<std::uint32_t>(band, 1, h);
  const Mode mode = single ? (bps == 1 ? Mode::Binary : Mode::L) : Mode::RGB;
  std::vector<std::uint32_t> raster(std::size_t{w} * band);
  std::vector<std::uint8_t> px(std::size_t{w} * 3);
  in.sink->begin(size, mode, orientation);
  for (std::uint32_t y0 = 0; y0 < h; y0 += band) {
    const std::uint32_t rows = std::min(band, h - y0);
    rgba.row_offset = static_cast<int>(y0);
    rgba.col_offset = 0;
    const int ok = TIFFRGBAImageGet(&rgba, raster.data(), w, rows);
    if (!ok || !s.error.empty()) decode_fail(in, "TIFF", s.error.empty() ? "corrupt or truncated image data" : s.error);
    for (std::uint32_t r = 0; r < rows; ++r) {
      const std::uint32_t* p = raster.data() + std::size_t{r} * w;
      for (std::uint32_t x = 0; x < w; ++x) {
        if (mode == Mode::RGB) {
          px[3 * x] = static_cast<std::uint8_t>(TIFFGetR(p[x]));
          px[3 * x + 1] = static_cast<std::uint8_t>(TIFFGetG(p[x]));
          px[3 * x + 2] = static_cast<std::uint8_t>(TIFFGetB(p[x]));
        } else if (mode == Mode::L) {
          px[x] = static_cast<std::uint8_t>(TIFFGetR(p[x]));
        } else {
          px[x] = TIFFGetR(p[x]) > 127 ? 1 : 0;
        }
      }
      in.sink->row(static_cast<int>(y0 + r), px.data());
    }
  }
}

// What the first directory says, as the decoder and the prober read it.
struct TiffHeader {
  std::uint32_t width = 0, height = 0;
  std::uint16_t spp = 1, bps = 1, photometric = PHOTOMETRIC_MINISBLACK, orientation = ORIENTATION_TOPLEFT;
  std::uint16_t sample_format = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG, compression = COMPRESSION_NONE;
  bool gray = true;    ///< MinIsBlack or MinIsWhite
  bool direct = true;  ///< read by read_samples() (else read_rgba())
  Mode mode = Mode::L;

  ImageSize size() const { return {static_cast<int>(height), static_cast<int>(width)}; }
  /// The Orientation tag, 1 when it is out of range.
  int exif_orientation() const { return orientation >= 1 && orientation <= 8 ? orientation : 1; }
};

// Opens the TIFF (its first directory) over `s`.
TiffPtr open_reader(const DecodeInput& in, MemStream& s) {
  // "O": strip and tile tables are read on demand, never allocated whole.
  TiffPtr tif = open(s, "rmO", pixel_limit(in));
  if (!tif) decode_fail(in, "TIFF", s.error.empty() ? "cannot open" : s.error);
  return tif;
}

// Reads the first directory's tags and checks the size against the limits.
// The kind of image decides the reader and the mode: 8- and 16-bit unsigned
// gray and RGB (extra samples such as alpha skipped) and 1-bit gray are read
// directly (gray L, 1-bit gray binary, RGB RGB); every other kind through
// libtiff's RGBA interface, which gives L for one gray sample (binary for 1
// bit) and RGB for the rest (palette, CMYK, YCbCr, gray with alpha below 8
// bits, ...).
TiffHeader read_header(const DecodeInput& in, TIFF* tif) {
  TiffHeader t;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &t.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &t.height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &t.spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &t.bps);
  TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &t.orientation);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &t.sample_format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &t.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &t.compression);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &t.photometric)) t.photometric = PHOTOMETRIC_MINISBLACK;
  t.gray = t.photometric == PHOTOMETRIC_MINISBLACK || t.photometric == PHOTOMETRIC_MINISWHITE;
  check_dimensions(in, "TIFF", t.width, t.height, t.gray ? 1 : 3);
  const int keep = t.gray ? 1 : 3;
  t.direct = t.sample_format == SAMPLEFORMAT_UINT && t.compression != COMPRESSION_OJPEG &&
             (((t.bps == 8 || t.bps == 16) && (t.gray || t.photometric == PHOTOMETRIC_RGB) && t.spp >= keep) ||
              (t.bps == 1 && t.gray && t.spp == 1));
  const bool single = t.direct ? t.gray : t.gray && t.spp == 1;  // one gray sample kept
  t.mode = single ? (t.bps == 1 ? Mode::Binary : Mode::L) : Mode::RGB;
  return t;
}

}  // namespace

Decoded decode_tiff(const DecodeInput& in) {
  ByteSource bytes(in.data);
  MemStream s;
  s.rdata = &bytes;
  TiffPtr tif = open_reader(in, s);
  const TiffHeader t = read_header(in, tif.get());
  const ImageSize size = t.size();
  check_strips(in, tif.get(), s, size);

  SampleLayout layout;
  layout.bits = t.bps;
  layout.keep = t.gray ? 1 : 3;
  layout.separate = t.planar == PLANARCONFIG_SEPARATE;
  layout.per_pixel = layout.separate ? 1 : t.spp;
  layout.invert = t.photometric == PHOTOMETRIC_MINISWHITE;
  Decoded out;
  out.format = Format::TIFF;
  out.orientation = t.exif_orientation();
  if (in.sink) {
    if (t.direct)
      stream_samples(in, tif.get(), s, size, layout, out.orientation);
    else
      stream_rgba(in, tif.get(), s, size, t.gray && t.spp == 1, t.bps, out.orientation);
    return out;
  }
  out.image =
      t.direct ? read_samples(in, tif.get(), s, size, layout, t.mode) : read_rgba(in, tif.get(), s, size, t.mode);
  return out;
}

ImageInfo probe_tiff(const ProbeInput& in) {
  const DecodeInput din = in.decode_input();
  MemStream s;
  s.rdata = &in.bytes;
  TiffPtr tif = open_reader(din, s);
  const TiffHeader t = read_header(din, tif.get());
  // The strip / tile tables, as the decoder checks them: libtiff reads a
  // directory whose tag data lies past the end of the data as if those tags
  // were absent (a palette without its colour map becomes gray), so a
  // file truncated there must be refused, as decoding refuses it.
  check_strips(din, tif.get(), s, t.size());
  ImageInfo info;
  info.stored_size = info.size = t.size();
  info.mode = t.mode;
  info.orientation = t.exif_orientation();
  // The directories (pages) in the chain; libtiff stops at a loop.
  info.frames = static_cast<int>(std::clamp<tdir_t>(TIFFNumberOfDirectories(tif.get()), 1, 0x7fffffff));
  return info;
}

std::vector<std::uint8_t> encode_tiff(const Image& img, const EncodeOptions&) {
  const Image src = img.as_u8();
  std::vector<std::uint8_t> buf;
  MemStream s;
  s.wdata = &buf;
  {
    TiffPtr tif = open(s, "w", kDefaultMaxPixels);
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
