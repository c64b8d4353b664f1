// The fast path of the PNG decoder: 8-bit, non-interlaced gray, RGB, gray +
// alpha and RGBA files (the common case), inflated with libdeflate (about
// twice zlib's speed) and unfiltered directly into the image. The chunks
// (CRCs included) were checked by scan_png(); libdeflate verifies the zlib
// Adler-32. Every other PNG (16-bit, palette, < 8 bits, interlaced) goes
// through libspng (png.cpp).
#include <libdeflate.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdlib>
#include <cstring>
#include <memory>

#include "../image_storage.hpp"
#include "codec.hpp"
#include "png_internal.hpp"

namespace pixelcache::detail {

namespace {

inline int paeth(int a, int b, int c) {
  const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

// Reverses one row's filter. `prev` is the previous unfiltered row (nullptr
// for the first row). BPP is the bytes per pixel, a compile-time constant so
// the per-channel loops unroll.
template <int BPP>
bool unfilter(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* prev, std::size_t n, std::uint8_t filter) {
  switch (filter) {
    case 0:
      if (out != in) std::memmove(out, in, n);  // may overlap (in-place decoding)
      return true;
    case 1:
      for (std::size_t i = 0; i < BPP; ++i) out[i] = in[i];
      for (std::size_t i = BPP; i < n; ++i) out[i] = static_cast<std::uint8_t>(in[i] + out[i - BPP]);
      return true;
    case 2:
      if (!prev) {
        if (out != in) std::memmove(out, in, n);
        return true;
      }
      {
        std::size_t i = 0;
#if defined(__SSE2__)
        // out may sit a few bytes before in (in-place decoding): each block
        // is loaded before the store that can overlap it.
        for (; i + 16 <= n; i += 16) {
          const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
          const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(prev + i));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_add_epi8(x, b));
        }
#endif
        for (; i < n; ++i) out[i] = static_cast<std::uint8_t>(in[i] + prev[i]);
      }
      return true;
    case 3:
      if (!prev) {
        for (std::size_t i = 0; i < BPP; ++i) out[i] = in[i];
        for (std::size_t i = BPP; i < n; ++i) out[i] = static_cast<std::uint8_t>(in[i] + (out[i - BPP] >> 1));
      } else {
        for (std::size_t i = 0; i < BPP; ++i) out[i] = static_cast<std::uint8_t>(in[i] + (prev[i] >> 1));
        for (std::size_t i = BPP; i < n; ++i)
          out[i] = static_cast<std::uint8_t>(in[i] + ((out[i - BPP] + prev[i]) >> 1));
      }
      return true;
    case 4:
      if (!prev) {  // Paeth with an all-zero row above is Sub
        for (std::size_t i = 0; i < BPP; ++i) out[i] = in[i];
        for (std::size_t i = BPP; i < n; ++i) out[i] = static_cast<std::uint8_t>(in[i] + out[i - BPP]);
      } else {
        for (std::size_t i = 0; i < BPP; ++i) out[i] = static_cast<std::uint8_t>(in[i] + prev[i]);
        for (std::size_t i = BPP; i < n; ++i)
          out[i] = static_cast<std::uint8_t>(in[i] + paeth(out[i - BPP], prev[i], prev[i - BPP]));
      }
      return true;
    default: return false;
  }
}

#if defined(__SSE2__)
// SSE2 versions of the three filters with a serial dependency (Sub, Average,
// Paeth) for 3- and 4-byte pixels: the channels of one pixel in parallel,
// as libpng does. Paeth works in 16-bit lanes and breaks ties a, b, c.
// Pixels are assembled in registers: a 3-byte memcpy through a stack word
// followed by a 4-byte reload stalls on store forwarding.
template <int BPP>
inline __m128i load_px(const std::uint8_t* p) {
  std::uint32_t v;
  if constexpr (BPP == 4) {
    std::memcpy(&v, p, 4);
  } else {
    v = std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16);
  }
  return _mm_cvtsi32_si128(static_cast<int>(v));
}
template <int BPP>
inline void store_px(std::uint8_t* p, __m128i v) {
  const auto x = static_cast<std::uint32_t>(_mm_cvtsi128_si32(v));
  if constexpr (BPP == 4) {
    std::memcpy(p, &x, 4);
  } else {
    p[0] = static_cast<std::uint8_t>(x);
    p[1] = static_cast<std::uint8_t>(x >> 8);
    p[2] = static_cast<std::uint8_t>(x >> 16);
  }
}

template <int BPP>
bool unfilter_simd(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* prev, std::size_t n,
                   std::uint8_t filter) {
  if (filter != 1 && !(prev && (filter == 3 || filter == 4))) return unfilter<BPP>(out, in, prev, n, filter);
  const __m128i zero = _mm_setzero_si128();
  __m128i a = zero, c = zero;  // unfiltered left pixel, and the one above it
  if (filter == 1) {
    for (std::size_t i = 0; i < n; i += BPP) {
      a = _mm_add_epi8(load_px<BPP>(in + i), a);
      store_px<BPP>(out + i, a);
    }
  } else if (filter == 3) {
    const __m128i one = _mm_set1_epi8(1);
    for (std::size_t i = 0; i < n; i += BPP) {
      const __m128i b = load_px<BPP>(prev + i);
      // floor((a + b) / 2): the rounding-up average minus the odd bit.
      const __m128i avg = _mm_sub_epi8(_mm_avg_epu8(a, b), _mm_and_si128(_mm_xor_si128(a, b), one));
      a = _mm_add_epi8(load_px<BPP>(in + i), avg);
      store_px<BPP>(out + i, a);
    }
  } else {
    for (std::size_t i = 0; i < n; i += BPP) {
      const __m128i b = _mm_unpacklo_epi8(load_px<BPP>(prev + i), zero);
      const __m128i a16 = _mm_unpacklo_epi8(a, zero);
      const __m128i pa0 = _mm_sub_epi16(b, c);    // p - a = b - c
      const __m128i pb0 = _mm_sub_epi16(a16, c);  // p - b = a - c
      const __m128i pc0 = _mm_add_epi16(pa0, pb0);
      const __m128i pa = _mm_max_epi16(pa0, _mm_sub_epi16(zero, pa0));
      const __m128i pb = _mm_max_epi16(pb0, _mm_sub_epi16(zero, pb0));
      const __m128i pc = _mm_max_epi16(pc0, _mm_sub_epi16(zero, pc0));
      const __m128i smallest = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
      const __m128i use_a = _mm_cmpeq_epi16(smallest, pa);
      const __m128i use_b = _mm_cmpeq_epi16(smallest, pb);
      const __m128i b_or_c = _mm_or_si128(_mm_and_si128(use_b, b), _mm_andnot_si128(use_b, c));
      const __m128i pred = _mm_or_si128(_mm_and_si128(use_a, a16), _mm_andnot_si128(use_a, b_or_c));
      a = _mm_add_epi8(load_px<BPP>(in + i), _mm_packus_epi16(pred, zero));
      store_px<BPP>(out + i, a);
      c = b;
    }
  }
  return true;
}
#endif

using UnfilterFn = bool (*)(std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::size_t, std::uint8_t);

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const noexcept { libdeflate_free_decompressor(d); }
};

}  // namespace

PngUnfilter png_unfilter(int bpp) noexcept {
#if defined(__SSE2__)
  static constexpr UnfilterFn kTable[] = {nullptr, unfilter<1>, unfilter<2>, unfilter_simd<3>, unfilter_simd<4>};
#else
  static constexpr UnfilterFn kTable[] = {nullptr, unfilter<1>, unfilter<2>, unfilter<3>, unfilter<4>};
#endif
  return bpp >= 1 && bpp <= 4 ? kTable[bpp] : nullptr;
}

bool png_fast_path(const PngLayout& png) noexcept {
  return png.depth == 8 && png.interlace == 0 && png.color_type != 3;
}

Decoded decode_png_fast(const DecodeInput& in, const PngLayout& png) {
  const std::uint32_t w = png.width, h = png.height;
  const std::uint8_t ctype = png.color_type;
  const auto& idat = png.idat;
  const std::size_t idat_total = png.idat_bytes;
  const int bpp = ctype == 0 ? 1 : ctype == 2 ? 3 : ctype == 4 ? 2 : 4;
  const std::size_t rowbytes = static_cast<std::size_t>(w) * bpp;
  const std::size_t raw_size = (rowbytes + 1) * h;

  // One contiguous zlib stream (no copy when there is a single IDAT).
  std::vector<std::uint8_t> joined;
  const std::uint8_t* zdata = idat.front().data();
  if (idat.size() > 1) {
    joined.reserve(idat_total);
    for (const auto& s : idat) joined.insert(joined.end(), s.begin(), s.end());
    zdata = joined.data();
  }
  std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> dec(libdeflate_alloc_decompressor());
  if (!dec) throw LimitError(message_prefix(in, "PNG") + "out of memory");
  auto inflate = [&](std::uint8_t* dst) {
    std::size_t got = 0;
    switch (libdeflate_zlib_decompress(dec.get(), zdata, idat_total, dst, raw_size, &got)) {
      case LIBDEFLATE_SUCCESS: break;
      case LIBDEFLATE_INSUFFICIENT_SPACE: decode_fail(in, "PNG", "more image data than the header's size");
      default: decode_fail(in, "PNG", "corrupt or truncated image data");
    }
    if (got != raw_size) decode_fail(in, "PNG", "truncated image data");
  };

#if defined(__SSE2__)
  static constexpr UnfilterFn kUnfilter[] = {nullptr, unfilter<1>, unfilter<2>, unfilter_simd<3>, unfilter_simd<4>};
#else
  static constexpr UnfilterFn kUnfilter[] = {nullptr, unfilter<1>, unfilter<2>, unfilter<3>, unfilter<4>};
#endif
  const UnfilterFn fn = kUnfilter[bpp];
  const Mode mode = png_mode(png);
  const bool gray = mode == Mode::L;
  const bool alpha = ctype == 4 || ctype == 6;
  const ImageSize size{static_cast<int>(h), static_cast<int>(w)};
  auto unfilter_row = [&](std::uint8_t* dst, const std::uint8_t* filtered, const std::uint8_t* above) {
    if (!fn(dst, filtered + 1, above, rowbytes, filtered[0]))
      decode_fail(in, "PNG", "invalid filter type " + std::to_string(filtered[0]));
  };

  Decoded out;
  out.format = Format::PNG;
  if (!alpha) {
    // The raw stream is exactly h bytes (one filter byte a row) larger than
    // the image: inflate into the image's own storage and unfilter in place,
    // moving each row forward over the filter bytes. Row y is written at
    // y * rowbytes, before its source at y * (rowbytes + 1) + 1, and after
    // the end of row y - 1, which it reads as the row above.
    auto s = allocate(size, mode, PixelType::U8, h);
    auto* buf = reinterpret_cast<std::uint8_t*>(s->bytes.get());
    inflate(buf);
    for (std::uint32_t y = 0; y < h; ++y) {
      std::uint8_t* dst = buf + static_cast<std::size_t>(y) * rowbytes;
      unfilter_row(dst, buf + static_cast<std::size_t>(y) * (rowbytes + 1), y ? dst - rowbytes : nullptr);
    }
    out.image = ImageAccess::wrap(finalize(std::move(s), in.source));
  } else {
    auto raw = std::make_unique_for_overwrite<std::uint8_t[]>(raw_size);
    inflate(raw.get());
    out.image = Image::generate(size, mode, PixelType::U8, [&](std::span<std::byte> b) {
      auto* o = reinterpret_cast<std::uint8_t*>(b.data());
      const int oc = gray ? 1 : 3;
      for (std::uint32_t y = 0; y < h; ++y) {
        // In place within the raw row, then drop the alpha channel.
        std::uint8_t* filtered = raw.get() + y * (rowbytes + 1);
        unfilter_row(filtered + 1, filtered, y ? filtered - rowbytes : nullptr);
        std::uint8_t* q = o + static_cast<std::size_t>(y) * w * oc;
        for (std::uint32_t x = 0; x < w; ++x)
          for (int c = 0; c < oc; ++c) q[x * oc + c] = filtered[1 + x * bpp + c];
      }
    });
  }
  return out;
}

}  // namespace pixelcache::detail
