// Internal: the PNG decoder's chunk scan (png.cpp) and its libdeflate fast
// path (png_fast.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "codec.hpp"

namespace pixelcache::detail {

/// What the chunk scan found: the IHDR fields, the image data and EXIF.
struct PngLayout {
  std::uint32_t width = 0, height = 0;
  std::uint8_t depth = 0, color_type = 0, compression = 0, filter = 0, interlace = 0;
  std::vector<std::span<const std::uint8_t>> idat;  ///< the IDAT bodies, in order (when read)
  std::uint64_t idat_bytes = 0;                     ///< their total size
  std::size_t idat_chunks = 0;                      ///< how many
  std::span<const std::uint8_t> exif;               ///< the eXIf body (empty when absent)
  std::uint32_t frames = 0;                         ///< acTL's num_frames (APNG); 0 when absent
};

/// Walks every chunk of a PNG before anything is decoded: lengths inside the
/// data, chunk names of letters only, the CRC of every critical chunk (and
/// of eXIf, whose orientation is used), IHDR first and once, PLTE where the
/// colour type allows it and before IDAT, consecutive IDATs, no unknown
/// critical chunk, and enough image data for the declared size (deflate
/// expands at most 1032:1). Checks the size against the pixel limit.
/// Throws DecodeError naming the chunk, or LimitError.
PngLayout scan_png(const DecodeInput& in);
/// The same walk over `bytes` (`in` for messages and limits). With `bodies`
/// every chunk is read and checked (scan_png(in)); without, the IDAT bodies
/// are neither read nor CRC-checked nor listed (probe_png(): the chunk
/// headers, and the bodies and CRCs of the other chunks it needs).
PngLayout scan_png(const DecodeInput& in, ByteSource& bytes, bool bodies);

/// The mode decode_png() gives: 1-bit gray binary, gray (with or without
/// alpha, any depth) L, everything else (palette included) RGB.
Mode png_mode(const PngLayout& png) noexcept;

/// True for the files decode_png_fast() handles: 8-bit, non-interlaced gray,
/// RGB, gray + alpha and RGBA.
bool png_fast_path(const PngLayout& png) noexcept;
/// Decodes a file scan_png() accepted and png_fast_path() selects. Throws
/// DecodeError for corrupt image data.
Decoded decode_png_fast(const DecodeInput& in, const PngLayout& png);

/// Reverses one row's filter (`filter`, 0..4) for 8-bit pixels of `bpp`
/// bytes (1..4): `out` gets the n unfiltered bytes of `in`, `prev` is the
/// row above unfiltered (nullptr for the first row); `out` may be `in`.
/// Returns false for an unknown filter type. The fast path's own functions.
using PngUnfilter = bool (*)(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* prev, std::size_t n,
                             std::uint8_t filter);
PngUnfilter png_unfilter(int bpp) noexcept;

/// True when the data's IHDR (the first chunk, read without any check)
/// says the image is interlaced: such files decode whole.
bool png_interlaced(std::span<const std::uint8_t> data) noexcept;

/// The streamed decode of a non-interlaced file scan_png() accepted: its
/// rows go to in.sink (begun with `orientation`), through zlib for the
/// fast path's files and libspng's progressive decoder for the others.
/// Throws the errors decode_png() throws for the same file (png_stream.cpp).
void stream_png(const DecodeInput& in, const PngLayout& png, int orientation);

}  // namespace pixelcache::detail
