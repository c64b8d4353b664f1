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

class RowSink;  // src/stream/row_sink.hpp

/// What a decoder receives.
struct DecodeInput {
  std::span<const std::uint8_t> data;
  const LoadOptions& options;
  std::string_view source;  ///< names the input in errors
  /// When set, a decoder that can stream this file pushes its rows here
  /// (src/stream/row_sink.hpp) and returns no image; its size is then
  /// checked against stream_pixel_limit(). Otherwise (or when it cannot
  /// stream the file) it decodes whole, within max_pixels.
  RowSink* sink = nullptr;
};

/// The same input without a sink: a decoder that cannot stream a file
/// decodes it whole with this (and so within max_pixels).
inline DecodeInput whole(const DecodeInput& in) { return {in.data, in.options, in.source}; }

/// max(max_pixels, max_stream_pixels): the pixel limit of a streamed decode.
std::uint64_t stream_pixel_limit(const LoadOptions& options) noexcept;
/// The pixel limit of `in`: stream_pixel_limit() with a sink, else max_pixels.
std::uint64_t pixel_limit(const DecodeInput& in) noexcept;

/// The codec of the sniffed format; the image as stored, orientation
/// unapplied (io.cpp). Throws DecodeError for an unknown format.
Decoded decode_stored(const DecodeInput& in);

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
/// width * height <= pixel_limit(in) (and each side fits in int) and the decoded
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

/// image_from_palette() a row at a time, for streamed decodes: the same
/// mode and samples; an out-of-range index makes its row invalid (map()
/// returns false) and check() then throws image_from_palette()'s error for
/// the first one in row-major order, whatever the order rows came in.
class PaletteRows {
 public:
  explicit PaletteRows(std::span<const std::uint8_t> palette);
  Mode mode() const noexcept { return mode_; }
  /// Row `y`'s indices to samples in `out` (indices.size() of them).
  bool map(int y, std::span<const std::uint8_t> indices, std::uint8_t* out);
  /// Throws DecodeError for the first out-of-range index seen, if any.
  void check(const DecodeInput& in, const char* format) const;
  bool failed() const noexcept { return bad_y_ >= 0; }

 private:
  std::span<const std::uint8_t> palette_;
  std::size_t entries_ = 0;
  Mode mode_ = Mode::RGB;
  int bad_y_ = -1;
  std::size_t bad_x_ = 0;
  std::uint8_t bad_index_ = 0;
};

/// Packs binary (0/1) samples MSB-first (a set bit for 1) into rows of
/// `row_bytes` bytes, the layout of 1-bit PNG, TIFF and BMP rows.
std::vector<std::uint8_t> pack_bits(const Image& binary, std::size_t row_bytes);

}  // namespace pixelcache::detail
