// BMP reader and writer (no external library). Reads uncompressed 1, 4, 8,
// 16, 24 and 32-bit files (BI_RGB and BI_BITFIELDS), top-down or bottom-up,
// and RLE8 / RLE4 files; embedded JPEG/PNG are refused with a clear error. Writes 24-bit
// RGB, 8-bit gray (palette) and 1-bit black-and-white files, as Pillow does.
#include <algorithm>
#include <bit>
#include <cstring>

#include "../stream/row_sink.hpp"
#include "codec.hpp"

namespace pixelcache::detail {

namespace {

std::uint32_t rd16(std::span<const std::uint8_t> d, std::size_t o) { return d[o] | (d[o + 1] << 8); }
std::uint32_t rd32(std::span<const std::uint8_t> d, std::size_t o) {
  return std::uint32_t{d[o]} | (std::uint32_t{d[o + 1]} << 8) | (std::uint32_t{d[o + 2]} << 16) |
         (std::uint32_t{d[o + 3]} << 24);
}

// Extracts a channel through a bit mask, scaled to 0..255 as Pillow does
// (v * 255 / max, truncated).
std::uint8_t masked(std::uint32_t v, std::uint32_t mask) {
  if (!mask) return 0;
  const int shift = std::countr_zero(mask);
  const std::uint64_t max = mask >> shift;
  return static_cast<std::uint8_t>(((v & mask) >> shift) * std::uint64_t{255} / max);
}

// Expands an RLE8 (bits 8) or RLE4 (bits 4) stream of a w x h image into
// `out` (indices in file row order; skipped pixels, by end of line or delta,
// keep their value) and returns the number of pixels the stream covers. As
// Pillow: encoded runs stop at the row's end, absolute runs continue on the
// next row. out(pos, index) takes each pixel (positions increase); a no-op
// makes a dry run that only counts.
template <class Out>
std::size_t expand_rle(std::span<const std::uint8_t> rle, int bits, std::size_t w, std::size_t total, Out&& out) {
  std::size_t pos = 0;  // next pixel, row-major in file order
  std::size_t i = 0;    // next stream byte
  auto put = [&](std::uint8_t v) {
    if (pos < total) out(pos, v);
    ++pos;
  };
  auto nibble = [](std::uint8_t byte, std::size_t k) {
    return static_cast<std::uint8_t>(k % 2 ? byte & 0x0F : byte >> 4);
  };
  while (pos < total && i + 2 <= rle.size()) {
    const std::uint8_t count = rle[i], value = rle[i + 1];
    i += 2;
    if (count > 0) {
      const std::size_t n = std::min<std::size_t>(count, w - pos % w);
      for (std::size_t k = 0; k < n; ++k) put(bits == 8 ? value : nibble(value, k));
    } else if (value == 0) {  // end of line
      if (pos % w) pos += w - pos % w;
    } else if (value == 1) {  // end of bitmap
      break;
    } else if (value == 2) {  // delta: right, up
      if (i + 2 > rle.size()) break;
      pos += rle[i] + std::size_t{rle[i + 1]} * w;
      i += 2;
    } else {  // absolute run of `value` pixels, padded to 16 bits
      const std::size_t bytes = bits == 8 ? value : (value + 1u) / 2;
      if (i + bytes > rle.size()) break;
      for (std::size_t k = 0; k < value; ++k) put(bits == 8 ? rle[i + k] : nibble(rle[i + k / 2], k));
      i += bytes + bytes % 2;
    }
  }
  return pos;
}

// What the headers, bit masks and palette say, as the decoder and the prober
// read them.
struct BmpHeader {
  std::uint32_t pixel_offset = 0, hsize = 0, bpp = 0, compression = 0;
  std::int64_t w = 0, h = 0;  ///< h > 0 (a top-down file's negative height turned positive)
  bool top_down = false;
  bool rle = false;
  std::uint32_t masks[3] = {0, 0, 0};
  std::vector<std::uint8_t> palette;  ///< RGB triples (bpp <= 8)

  ImageSize size() const { return {static_cast<int>(h), static_cast<int>(w)}; }
  /// The decoded mode: the palette's (palette_mode()) up to 8 bits, else RGB.
  Mode mode() const { return bpp <= 8 ? palette_mode(palette) : Mode::RGB; }
};

// Reads and checks the file and info headers, the bit masks and the palette
// (all refused before any pixel is read), and that the pixel data starts
// inside the file.
BmpHeader read_header(const DecodeInput& in, ByteSource& bytes) {
  const std::uint64_t size = bytes.size();
  const auto d = bytes.at(0, 54);  // the file header and a 40-byte info header, when there
  if (size < 26 || d.size() < 26) decode_fail(in, "BMP", "truncated header");
  BmpHeader b;
  b.pixel_offset = rd32(d, 10);
  b.hsize = rd32(d, 14);
  if (b.hsize != 12 && b.hsize < 40) decode_fail(in, "BMP", "unsupported header size " + std::to_string(b.hsize));
  if (14 + static_cast<std::uint64_t>(b.hsize) > size) decode_fail(in, "BMP", "truncated header");
  std::uint32_t colors_used = 0;
  if (b.hsize == 12) {
    b.w = rd16(d, 18);
    b.h = static_cast<std::int16_t>(rd16(d, 20));
    b.bpp = rd16(d, 24);
  } else {
    if (d.size() < 54) decode_fail(in, "BMP", "truncated header");
    b.w = static_cast<std::int32_t>(rd32(d, 18));
    b.h = static_cast<std::int32_t>(rd32(d, 22));
    b.bpp = rd16(d, 28);
    b.compression = rd32(d, 30);
    colors_used = rd32(d, 46);
  }
  b.top_down = b.h < 0;
  if (b.h < 0) b.h = -b.h;
  if (b.w <= 0 || b.h <= 0) decode_fail(in, "BMP", "invalid size " + std::to_string(b.w) + "x" + std::to_string(b.h));
  check_dimensions(in, "BMP", static_cast<std::uint64_t>(b.w), static_cast<std::uint64_t>(b.h));
  b.rle = (b.compression == 1 && b.bpp == 8) || (b.compression == 2 && b.bpp == 4);
  if (b.compression != 0 && b.compression != 3 && !b.rle)
    decode_fail(in, "BMP",
                "unsupported compression " + std::to_string(b.compression) + " with " + std::to_string(b.bpp) +
                    " bits per pixel (JPEG, PNG, or RLE at the wrong depth)");
  if (b.bpp != 1 && b.bpp != 4 && b.bpp != 8 && b.bpp != 16 && b.bpp != 24 && b.bpp != 32)
    decode_fail(in, "BMP", "unsupported bit depth " + std::to_string(b.bpp));

  if (b.bpp == 16) b.masks[0] = 0x7C00, b.masks[1] = 0x03E0, b.masks[2] = 0x001F;
  if (b.bpp == 32) b.masks[0] = 0xFF0000, b.masks[1] = 0x00FF00, b.masks[2] = 0x0000FF;
  if (b.compression == 3) {
    if (b.bpp != 16 && b.bpp != 32) decode_fail(in, "BMP", "BI_BITFIELDS needs 16 or 32 bits per pixel");
    const std::size_t mo = b.hsize >= 52 ? 54 : 14 + b.hsize;  // masks follow a 40-byte header
    const auto m = bytes.at(mo, 12);
    if (m.size() < 12) decode_fail(in, "BMP", "truncated bit masks");
    for (int i = 0; i < 3; ++i) b.masks[i] = rd32(m, 4 * static_cast<std::size_t>(i));
  }

  if (b.bpp <= 8) {
    const std::uint32_t max_entries = 1u << b.bpp;
    const std::uint32_t n = colors_used && colors_used <= max_entries ? colors_used : max_entries;
    const std::size_t esize = b.hsize == 12 ? 3 : 4;
    const std::uint64_t po = 14 + std::uint64_t{b.hsize};
    const auto p = bytes.at(po, n * esize);
    if (p.size() < n * esize) decode_fail(in, "BMP", "truncated palette");
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::size_t e = i * esize;
      b.palette.insert(b.palette.end(), {p[e + 2], p[e + 1], p[e]});  // BGR -> RGB
    }
  }
  if (b.pixel_offset > size) decode_fail(in, "BMP", "pixel data offset past the end of the file");
  return b;
}

// One stored row's palette indices (1, 4 or 8 bits a pixel).
void row_indices(const std::uint8_t* r, std::int64_t w, std::uint32_t bpp, std::uint8_t* idx) {
  const std::uint32_t mask = (1u << bpp) - 1;
  for (std::int64_t x = 0; x < w; ++x) {
    const std::uint64_t bit = static_cast<std::uint64_t>(x) * bpp;
    idx[x] = static_cast<std::uint8_t>((r[bit / 8] >> (8 - bpp - bit % 8)) & mask);
  }
}

// One stored row of 16, 24 or 32 bits a pixel as RGB.
void row_rgb(const std::uint8_t* r, std::int64_t w, std::uint32_t bpp, const std::uint32_t* masks, std::uint8_t* q) {
  if (bpp == 24) {
    for (std::int64_t x = 0; x < w; ++x) q[3 * x] = r[3 * x + 2], q[3 * x + 1] = r[3 * x + 1], q[3 * x + 2] = r[3 * x];
  } else {
    const std::size_t bytes = bpp / 8;
    for (std::int64_t x = 0; x < w; ++x) {
      std::uint32_t v = 0;
      std::memcpy(&v, r + x * bytes, bytes);
      for (int c = 0; c < 3; ++c) q[3 * x + c] = masked(v, masks[c]);
    }
  }
}

// Where a BMP's rows are: the file's bytes, its header, the stride of a
// stored row and the image's size.
struct BmpRows {
  std::span<const std::uint8_t> d;
  const BmpHeader& hd;
  std::uint64_t stride;
  ImageSize sz;

  // The stored row of image row y (top-down files store them in order).
  const std::uint8_t* row_ptr(std::int64_t y) const {
    const std::int64_t stored = hd.top_down ? y : hd.h - 1 - y;
    return d.data() + hd.pixel_offset + static_cast<std::size_t>(stored) * stride;
  }
};

// The RLE stream of an RLE8 / RLE4 file, refused (a dry run) unless it
// covers all the image's pixels.
std::span<const std::uint8_t> checked_rle(const DecodeInput& in, const BmpRows& r) {
  const auto rle_data = r.d.subspan(r.hd.pixel_offset);
  const std::size_t total = r.sz.area(), row = static_cast<std::size_t>(r.hd.w);
  const std::size_t covered = expand_rle(rle_data, static_cast<int>(r.hd.bpp), row, total, [](std::size_t, auto) {});
  if (covered < total)
    decode_fail(
        in, "BMP",
        "truncated RLE data: it covers " + std::to_string(covered) + " of " + std::to_string(total) + " pixels");
  return rle_data;
}

// Streamed: rows in file order (bottom-up files from the bottom row) to
// in.sink, palette errors reported as image_from_palette() reports them.
void stream_bmp(const DecodeInput& in, const BmpRows& rows) {
  const std::uint32_t bpp = rows.hd.bpp;
  const std::int64_t w = rows.hd.w, h = rows.hd.h;
  const bool top_down = rows.hd.top_down;
  const ImageSize sz = rows.sz;
  const std::size_t row = static_cast<std::size_t>(w);
  std::vector<std::uint8_t> idx(row), px(row * 3);
  PaletteRows pal(rows.hd.palette);
  auto emit_indices = [&](std::int64_t file_row, const std::uint8_t* indices) {
    const auto y = static_cast<int>(top_down ? file_row : h - 1 - file_row);
    if (pal.map(y, {indices, row}, px.data())) in.sink->row(y, px.data());
  };
  if (rows.hd.rle) {
    const auto rle_data = checked_rle(in, rows);
    const std::size_t total = sz.area();
    in.sink->begin(sz, pal.mode(), 1);
    std::int64_t file_row = 0;  // the row being filled; skipped pixels stay index 0
    std::fill(idx.begin(), idx.end(), 0);
    auto flush_to = [&](std::int64_t r) {
      for (; file_row < r && file_row < h; ++file_row) {
        emit_indices(file_row, idx.data());
        std::fill(idx.begin(), idx.end(), 0);
      }
    };
    expand_rle(rle_data, static_cast<int>(bpp), row, total, [&](std::size_t pos, std::uint8_t v) {
      flush_to(static_cast<std::int64_t>(pos / row));
      idx[pos % row] = v;
    });
    flush_to(h);
  } else if (bpp <= 8) {
    in.sink->begin(sz, pal.mode(), 1);
    for (std::int64_t file_row = 0; file_row < h; ++file_row) {
      row_indices(rows.row_ptr(top_down ? file_row : h - 1 - file_row), w, bpp, idx.data());
      emit_indices(file_row, idx.data());
    }
  } else {
    in.sink->begin(sz, Mode::RGB, 1);
    for (std::int64_t file_row = 0; file_row < h; ++file_row) {
      const std::int64_t y = top_down ? file_row : h - 1 - file_row;
      row_rgb(rows.row_ptr(y), w, bpp, rows.hd.masks, px.data());
      in.sink->row(static_cast<int>(y), px.data());
    }
  }
  pal.check(in, "BMP");
}

// The whole image of an RLE8 / RLE4 file. The stream is checked first (a
// dry run): one that does not cover the image is refused before the index
// buffer is allocated.
Image decode_rle_whole(const DecodeInput& in, const BmpRows& rows) {
  const auto rle_data = checked_rle(in, rows);
  const std::int64_t h = rows.hd.h;
  const std::size_t total = rows.sz.area(), row = static_cast<std::size_t>(rows.hd.w);
  std::vector<std::uint8_t> stored(total, 0);
  expand_rle(rle_data, static_cast<int>(rows.hd.bpp), row, total,
             [&](std::size_t pos, std::uint8_t v) { stored[pos] = v; });
  std::vector<std::uint8_t> idx(total);
  for (std::size_t y = 0; y < static_cast<std::size_t>(h); ++y)
    std::memcpy(&idx[y * row], &stored[(rows.hd.top_down ? y : static_cast<std::size_t>(h) - 1 - y) * row], row);
  return image_from_palette(in, "BMP", rows.sz, idx, rows.hd.palette);
}

}  // namespace

Decoded decode_bmp(const DecodeInput& in) {
  const auto d = in.data;
  ByteSource bytes(d);
  const BmpHeader hd = read_header(in, bytes);
  const std::uint32_t pixel_offset = hd.pixel_offset, bpp = hd.bpp;
  const std::int64_t w = hd.w, h = hd.h;

  const std::uint64_t stride = ((static_cast<std::uint64_t>(w) * bpp + 31) / 32) * 4;
  if (!hd.rle && stride * static_cast<std::uint64_t>(h) > d.size() - pixel_offset)
    decode_fail(in, "BMP", "truncated pixel data");
  const ImageSize sz{static_cast<int>(h), static_cast<int>(w)};
  const BmpRows rows{d, hd, stride, sz};

  Decoded out;
  out.format = Format::BMP;
  if (in.sink) {
    stream_bmp(in, rows);
    return out;
  }
  if (hd.rle) {
    out.image = decode_rle_whole(in, rows);
    return out;
  }
  if (bpp <= 8) {
    std::vector<std::uint8_t> idx(sz.area());
    for (std::int64_t y = 0; y < h; ++y) row_indices(rows.row_ptr(y), w, bpp, &idx[static_cast<std::size_t>(y * w)]);
    out.image = image_from_palette(in, "BMP", sz, idx, hd.palette);
    return out;
  }
  out.image = Image::generate(sz, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    auto* o = reinterpret_cast<std::uint8_t*>(b.data());
    for (std::int64_t y = 0; y < h; ++y)
      row_rgb(rows.row_ptr(y), w, bpp, hd.masks, o + static_cast<std::size_t>(y * w * 3));
  });
  return out;
}

ImageInfo probe_bmp(const ProbeInput& in) {
  const BmpHeader hd = read_header(in.decode_input(), in.bytes);
  ImageInfo info;
  info.stored_size = info.size = hd.size();
  info.mode = hd.mode();
  return info;
}

std::vector<std::uint8_t> encode_bmp(const Image& img, const EncodeOptions&) {
  const Image src = img.as_u8();
  const auto w = static_cast<std::uint32_t>(src.width()), h = static_cast<std::uint32_t>(src.height());
  const std::uint32_t bpp = src.is_rgb() ? 24 : (src.is_binary() ? 1 : 8);
  const std::uint32_t colors = bpp == 24 ? 0 : (bpp == 1 ? 2 : 256);
  const std::uint64_t stride = ((static_cast<std::uint64_t>(w) * bpp + 31) / 32) * 4;
  const std::uint64_t offset = 14 + 40 + 4ull * colors;
  const std::uint64_t total = offset + stride * h;
  if (total > 0xffffffffull) throw EncodeError("BMP: " + src.size().to_string() + " image is too large for BMP");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(total), 0);
  auto wr16 = [&](std::size_t o, std::uint32_t v) { out[o] = v & 0xff, out[o + 1] = (v >> 8) & 0xff; };
  auto wr32 = [&](std::size_t o, std::uint32_t v) { wr16(o, v & 0xffff), wr16(o + 2, v >> 16); };
  out[0] = 'B', out[1] = 'M';
  wr32(2, static_cast<std::uint32_t>(total));
  wr32(10, static_cast<std::uint32_t>(offset));
  wr32(14, 40);
  wr32(18, w);
  wr32(22, h);  // positive: bottom-up
  wr16(26, 1);
  wr16(28, bpp);
  wr32(34, static_cast<std::uint32_t>(stride * h));
  wr32(38, 2835), wr32(42, 2835);  // 72 dpi
  wr32(46, colors);
  for (std::uint32_t i = 0; i < colors; ++i) {
    const auto v = static_cast<std::uint8_t>(colors == 2 ? i * 255 : i);
    out[54 + 4 * i] = out[55 + 4 * i] = out[56 + 4 * i] = v;
  }
  const auto px = src.u8_view();
  std::vector<std::uint8_t> packed;
  if (bpp == 1) packed = pack_bits(src, static_cast<std::size_t>(stride));
  for (std::uint32_t y = 0; y < h; ++y) {
    std::uint8_t* row = out.data() + offset + (h - 1 - y) * stride;
    if (bpp == 24) {
      const std::uint8_t* s = px.data() + static_cast<std::size_t>(y) * w * 3;
      for (std::uint32_t x = 0; x < w; ++x)
        row[3 * x] = s[3 * x + 2], row[3 * x + 1] = s[3 * x + 1], row[3 * x + 2] = s[3 * x];
    } else if (bpp == 8) {
      std::memcpy(row, px.data() + static_cast<std::size_t>(y) * w, w);
    } else {
      std::memcpy(row, packed.data() + y * stride, static_cast<std::size_t>(stride));
    }
  }
  return out;
}

}  // namespace pixelcache::detail
