// The streamed PNG decode (png_internal.hpp: stream_png): the rows of a
// non-interlaced file go to the decode's RowSink as they are inflated, never
// held whole. The fast path's files (8-bit gray, RGB, gray + alpha, RGBA)
// are inflated with ISA-L (igzip) a few rows at a time and unfiltered with the fast
// path's own functions; the others through libspng's progressive decoder,
// one row at a time in the whole decode's formats. Samples are those of
// decode_png(), and so are the errors: the inflater's outcomes are sorted as
// libdeflate's (corrupt or truncated data, more data than the size, a
// stream that ends early), and an invalid filter type is reported only when
// the whole stream inflates, as the fast path unfilters after inflating.
#include <isa-l/igzip_lib.h>
#include <spng.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "../stream/row_sink.hpp"
#include "codec.hpp"
#include "png_internal.hpp"

namespace pixelcache::detail {

namespace {

inline std::uint8_t from16(std::uint16_t v) { return static_cast<std::uint8_t>((v * 255u + 32767u) / 65535u); }

// The fast path's files through ISA-L's inflate.
void stream_fast(const DecodeInput& in, const PngLayout& png, int orientation) {
  const std::uint32_t w = png.width, h = png.height;
  const std::uint8_t ctype = png.color_type;
  const int bpp = ctype == 0 ? 1 : ctype == 2 ? 3 : ctype == 4 ? 2 : 4;
  const bool gray = ctype == 0 || ctype == 4, alpha = ctype == 4 || ctype == 6;
  const int oc = gray ? 1 : 3;
  const std::size_t rowbytes = static_cast<std::size_t>(w) * bpp, raw_row = rowbytes + 1;
  const PngUnfilter unfilter = png_unfilter(bpp);

  // ISA-L's inflate (igzip), zlib wrapper and Adler-32 checked: two to
  // three times zlib's speed, and the inflate is most of a PNG's decode.
  auto zs = std::make_unique<inflate_state>();
  isal_inflate_init(zs.get());
  zs->crc_flag = ISAL_ZLIB;
  std::size_t chunk = 0;  // the next IDAT body to give the inflater
  auto feed = [&] {
    while (zs->avail_in == 0 && chunk < png.idat.size()) {
      zs->next_in = const_cast<std::uint8_t*>(png.idat[chunk].data());
      zs->avail_in = static_cast<std::uint32_t>(png.idat[chunk].size());  // chunks are below 2^31 bytes
      ++chunk;
    }
  };
  // libdeflate's outcomes for the whole stream, as png_fast.cpp words them.
  auto corrupt = [&] { decode_fail(in, "PNG", "corrupt or truncated image data"); };
  bool ended = false;  // the end of the stream (its Adler-32 checked)
  // Inflates into [out, out + n): the bytes written. Stops early only at the
  // end of the stream.
  auto inflate_into = [&](std::uint8_t* out, std::size_t n) -> std::size_t {
    zs->next_out = out;
    zs->avail_out = static_cast<std::uint32_t>(n);
    while (zs->avail_out > 0 && !ended) {
      feed();
      const std::uint32_t in_before = zs->avail_in, out_before = zs->avail_out;
      const int rc = isal_inflate(zs.get());
      if (rc < 0 || rc == ISAL_NEED_DICT)
        corrupt();  // a bad block, symbol, distance, wrapper or checksum; a dictionary
      if (zs->block_state == ISAL_BLOCK_FINISH) {
        ended = true;
      } else if (zs->avail_in == in_before && zs->avail_out == out_before && zs->avail_out > 0) {
        corrupt();  // no progress: the data ran out
      }
    }
    return n - zs->avail_out;
  };

  // A block of whole raw rows (filter byte + samples), inflated at once.
  const std::size_t block_rows = std::max<std::size_t>(1, (std::size_t{1} << 20) / raw_row);
  std::vector<std::uint8_t> raw(block_rows * raw_row);
  std::vector<std::uint8_t> prev(rowbytes), cur(rowbytes), out(static_cast<std::size_t>(w) * oc);
  std::optional<std::uint8_t> bad_filter;  // the first invalid filter type, reported after the stream
  in.sink->begin({static_cast<int>(h), static_cast<int>(w)}, gray ? Mode::L : Mode::RGB, orientation);
  for (std::uint32_t y = 0; y < h;) {
    const std::size_t rows = std::min<std::size_t>(block_rows, h - y);
    const std::size_t got = inflate_into(raw.data(), rows * raw_row);
    if (got != rows * raw_row) decode_fail(in, "PNG", "truncated image data");
    for (std::size_t r = 0; r < rows; ++r, ++y) {
      if (bad_filter) continue;
      const std::uint8_t* filtered = raw.data() + r * raw_row;
      if (!unfilter(cur.data(), filtered + 1, y ? prev.data() : nullptr, rowbytes, filtered[0])) {
        bad_filter = filtered[0];
        continue;
      }
      if (alpha) {
        for (std::uint32_t x = 0; x < w; ++x)
          for (int c = 0; c < oc; ++c) out[x * oc + c] = cur[x * bpp + c];
        in.sink->row(static_cast<int>(y), out.data());
      } else {
        in.sink->row(static_cast<int>(y), cur.data());
      }
      std::swap(prev, cur);
    }
  }
  // The stream must end here: more output is libdeflate's "insufficient
  // space", a stream without its end (or Adler-32) corrupt or truncated.
  std::uint8_t extra;
  if (inflate_into(&extra, 1) != 0) decode_fail(in, "PNG", "more image data than the header's size");
  if (!ended) corrupt();
  if (bad_filter) decode_fail(in, "PNG", "invalid filter type " + std::to_string(*bad_filter));
}

struct SpngDeleter {
  void operator()(spng_ctx* c) const noexcept { spng_ctx_free(c); }
};

// Every other non-interlaced file through libspng, row by row, in the
// formats and with the conversions of decode_png().
void stream_spng(const DecodeInput& in, const PngLayout& png, int orientation) {
  std::unique_ptr<spng_ctx, SpngDeleter> ctx(spng_ctx_new(SPNG_CTX_IGNORE_ADLER32));
  if (!ctx) decode_fail(in, "PNG", "cannot create a decoder");
  auto fail = [&](int rc) { decode_fail(in, "PNG", spng_strerror(rc)); };
  int rc = spng_set_png_buffer(ctx.get(), in.data.data(), in.data.size());
  if (rc) fail(rc);
  spng_set_chunk_limits(ctx.get(), 64u << 20, 64u << 20);
  const std::size_t w = png.width;
  const bool gray = png.color_type == 0 || png.color_type == 4;
  const int keep = gray ? 1 : 3;
  const bool raw_format = png.depth == 16 || png.color_type == 4;
  const int ch = png.color_type == 0 ? 1 : png.color_type == 2 ? 3 : png.color_type == 4 ? 2 : 4;
  const std::size_t bytes_per_sample = png.depth == 16 ? 2 : 1;
  const int fmt = raw_format ? SPNG_FMT_PNG : (png.color_type == 0 ? SPNG_FMT_G8 : SPNG_FMT_RGB8);
  const std::size_t row_size = raw_format ? w * ch * bytes_per_sample : w * keep;
  std::size_t need = 0;
  if ((rc = spng_decoded_image_size(ctx.get(), fmt, &need))) fail(rc);
  if (need != row_size * png.height) decode_fail(in, "PNG", "unexpected decoded size");
  if ((rc = spng_decode_image(ctx.get(), nullptr, 0, fmt, SPNG_DECODE_PROGRESSIVE))) fail(rc);
  const bool binary = png.color_type == 0 && png.depth == 1;
  const Mode mode = binary ? Mode::Binary : (gray ? Mode::L : Mode::RGB);
  std::vector<std::uint8_t> row(row_size), out(w * keep);
  in.sink->begin({static_cast<int>(png.height), static_cast<int>(png.width)}, mode, orientation);
  // As spng_decode_image(): rows until SPNG_EOI (returned with the last).
  for (std::uint32_t y = 0;; ++y) {
    rc = spng_decode_row(ctx.get(), row.data(), row.size());
    if (rc != 0 && rc != SPNG_EOI) fail(rc);
    const std::uint8_t* samples = row.data();
    if (raw_format) {
      for (std::size_t i = 0; i < w; ++i)
        for (int c = 0; c < keep; ++c) {
          const std::size_t s = i * ch + c;
          if (bytes_per_sample == 2) {
            std::uint16_t v;
            std::memcpy(&v, &row[2 * s], 2);
            out[i * keep + c] = from16(v);
          } else {
            out[i * keep + c] = row[s];
          }
        }
      samples = out.data();
    } else if (binary) {
      for (std::size_t i = 0; i < w; ++i) out[i] = row[i] != 0 ? 1 : 0;
      samples = out.data();
    }
    in.sink->row(static_cast<int>(y), samples);  // (a row past the last one is a logic_error there)
    if (rc == SPNG_EOI) break;
  }
}

}  // namespace

void stream_png(const DecodeInput& in, const PngLayout& png, int orientation) {
  if (png_fast_path(png))
    stream_fast(in, png, orientation);
  else
    stream_spng(in, png, orientation);
}

}  // namespace pixelcache::detail
