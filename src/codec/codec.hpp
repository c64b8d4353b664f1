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

/// "<source>: <format>: " with the source escaped (escape_bytes).
std::string message_prefix(const DecodeInput& in, const char* format);
/// Throws DecodeError "<source>: <format>: <message>". Source and message are
/// escaped (escape_bytes), so chunk names, tags and codec library messages
/// quoted in `message` never reach the caller raw.
[[noreturn]] void decode_fail(const DecodeInput& in, const char* format, std::string_view message);
/// A header's size for messages: ImageSize::to_string() when it fits in int.
std::string header_size(std::uint64_t width, std::uint64_t height);
/// Throws DecodeError for a zero width or height, LimitError unless
/// width * height <= max_pixels (and each side fits in int) and the decoded
/// size (width * height * `channels` bytes) is within max_expansion of the
/// input's size. `channels`: 1 for gray / binary / palette indices, 3 for
/// colour (or when not yet known).
void check_dimensions(const DecodeInput& in, const char* format, std::uint64_t width, std::uint64_t height,
                      int channels = 3);
/// Bomb guard before a decoder allocates: throws DecodeError ("truncated
/// file") when the encoded data (`available_bytes`) is smaller than the
/// least the format needs for an image of `size` (`needed_bytes`, from the
/// format's largest possible compression ratio).
void check_plausible(const DecodeInput& in, const char* format, std::uint64_t needed_bytes,
                     std::uint64_t available_bytes, ImageSize size);

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
