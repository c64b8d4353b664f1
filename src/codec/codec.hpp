// Internal interface between the format dispatcher (io.cpp) and the codecs.
// One decoder and (where supported) one encoder per format; shared helpers for
// limits, errors, EXIF orientation and palettes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/error.hpp"
#include "pixelcache/io.hpp"

namespace pixelcache::detail {

/// What a decoder receives.
struct DecodeInput {
  std::span<const std::uint8_t> data;
  const LoadOptions& options;
  std::string_view source;  ///< names the input in errors
};

// Decoders return the image as stored and the orientation they found;
// decode_ex() applies it (LoadOptions::apply_orientation).
Decoded decode_jpeg(const DecodeInput& in);
Decoded decode_png(const DecodeInput& in);
Decoded decode_webp(const DecodeInput& in);
Decoded decode_heif(const DecodeInput& in, Format format);
Decoded decode_tiff(const DecodeInput& in);
Decoded decode_bmp(const DecodeInput& in);
Decoded decode_gif(const DecodeInput& in);

std::vector<std::uint8_t> encode_jpeg(const Image& img, const EncodeOptions& opt);
std::vector<std::uint8_t> encode_png(const Image& img, const EncodeOptions& opt);
std::vector<std::uint8_t> encode_webp(const Image& img, const EncodeOptions& opt);
std::vector<std::uint8_t> encode_tiff(const Image& img, const EncodeOptions& opt);
std::vector<std::uint8_t> encode_bmp(const Image& img, const EncodeOptions& opt);

/// Throws DecodeError "<source>: <format>: <message>".
[[noreturn]] void decode_fail(const DecodeInput& in, const char* format, std::string_view message);
/// Throws LimitError unless 0 < width, height and width*height <= max_pixels.
void check_dimensions(const DecodeInput& in, const char* format, std::uint64_t width, std::uint64_t height);

/// The Orientation tag (1..8) of an EXIF block (a TIFF structure, with or
/// without the "Exif\0\0" prefix); 0 when absent or malformed. Never reads
/// outside `exif`.
int parse_exif_orientation(std::span<const std::uint8_t> exif) noexcept;
/// Applies an EXIF orientation (1..8; anything else is the identity) so the
/// result is upright.
Image apply_orientation(const Image& img, int orientation);

/// An indexed image with its palette: binary when the palette is exactly
/// {black, white} (in either order) or a subset, L when every entry is gray,
/// RGB otherwise. `palette` holds RGB triples; out-of-range indices are a
/// DecodeError.
Image image_from_palette(const DecodeInput& in, const char* format, ImageSize size,
                         std::span<const std::uint8_t> indices, std::span<const std::uint8_t> palette);

/// Packs binary (0/1) samples MSB-first (a set bit for 1) into rows of
/// `row_bytes` bytes, the layout of 1-bit PNG, TIFF and BMP rows.
std::vector<std::uint8_t> pack_bits(const Image& binary, std::size_t row_bytes);

}  // namespace pixelcache::detail
