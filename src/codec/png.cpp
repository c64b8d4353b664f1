// PNG reading: the libdeflate fast path (png_fast.cpp), libspng for the rest.
// The writer is png_write.cpp.
#include <spng.h>

#include <cstdlib>
#include <memory>

#include "codec.hpp"
#include "png_fast.hpp"

namespace pixelcache::detail {

namespace {

struct SpngDeleter {
  void operator()(spng_ctx* c) const noexcept { spng_ctx_free(c); }
};
using SpngCtx = std::unique_ptr<spng_ctx, SpngDeleter>;

inline std::uint8_t from16(std::uint16_t v) { return static_cast<std::uint8_t>((v * 255u + 32767u) / 65535u); }

}  // namespace

Decoded decode_png(const DecodeInput& in) {
  if (auto fast = decode_png_fast(in)) return std::move(*fast);
  // The zlib Adler-32 is redundant with the chunk CRCs, which stay checked.
  SpngCtx ctx(spng_ctx_new(SPNG_CTX_IGNORE_ADLER32));
  if (!ctx) decode_fail(in, "PNG", "cannot create a decoder");
  auto fail = [&](int rc) { decode_fail(in, "PNG", spng_strerror(rc)); };
  int rc = spng_set_png_buffer(ctx.get(), in.data.data(), in.data.size());
  if (rc) fail(rc);
  spng_set_chunk_limits(ctx.get(), 64u << 20, 64u << 20);
  spng_ihdr ihdr{};
  if ((rc = spng_get_ihdr(ctx.get(), &ihdr))) fail(rc);
  check_dimensions(in, "PNG", ihdr.width, ihdr.height);
  const ImageSize sz{static_cast<int>(ihdr.height), static_cast<int>(ihdr.width)};
  const std::size_t npx = sz.area();
  const bool gray = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE || ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;

  Decoded out;
  out.format = Format::PNG;
  if (ihdr.bit_depth == 16) {
    const int fmt = gray ? SPNG_FMT_GA16 : SPNG_FMT_RGBA16;
    const int ch = gray ? 2 : 4;
    std::vector<std::uint16_t> wide(npx * ch);
    if ((rc = spng_decode_image(ctx.get(), wide.data(), wide.size() * 2, fmt, 0))) fail(rc);
    out.image = Image::generate(sz, gray ? Mode::L : Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
      auto* o = reinterpret_cast<std::uint8_t*>(b.data());
      const int oc = gray ? 1 : 3;
      for (std::size_t i = 0; i < npx; ++i)
        for (int c = 0; c < oc; ++c) o[i * oc + c] = from16(wide[i * ch + c]);
    });
  } else if (ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE && ihdr.bit_depth == 1) {
    out.image = Image::generate(sz, Mode::Binary, PixelType::U8, [&](std::span<std::byte> b) {
      if ((rc = spng_decode_image(ctx.get(), b.data(), b.size(), SPNG_FMT_G8, 0))) fail(rc);
      for (auto& v : b) v = static_cast<std::byte>(static_cast<std::uint8_t>(v) != 0 ? 1 : 0);
    });
  } else if (ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE) {
    out.image = Image::generate(sz, Mode::L, PixelType::U8, [&](std::span<std::byte> b) {
      if ((rc = spng_decode_image(ctx.get(), b.data(), b.size(), SPNG_FMT_G8, 0))) fail(rc);
    });
  } else if (ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA) {
    std::vector<std::uint8_t> ga(npx * 2);
    if ((rc = spng_decode_image(ctx.get(), ga.data(), ga.size(), SPNG_FMT_GA8, 0))) fail(rc);
    out.image = Image::generate(sz, Mode::L, PixelType::U8, [&](std::span<std::byte> b) {
      auto* o = reinterpret_cast<std::uint8_t*>(b.data());
      for (std::size_t i = 0; i < npx; ++i) o[i] = ga[2 * i];
    });
  } else {
    out.image = Image::generate(sz, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
      if ((rc = spng_decode_image(ctx.get(), b.data(), b.size(), SPNG_FMT_RGB8, 0))) fail(rc);
    });
  }
  spng_exif exif{};
  if (spng_get_exif(ctx.get(), &exif) == 0 && exif.data) {
    const int o = parse_exif_orientation({reinterpret_cast<const std::uint8_t*>(exif.data), exif.length});
    out.orientation = o ? o : 1;
  }
  return out;
}

}  // namespace pixelcache::detail
