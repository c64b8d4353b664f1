// Internal interface between the format dispatcher (io.cpp) and the codecs.
// One decoder, one prober (probe(): the header only) and (where supported)
// one encoder per format, each format's gathered in its registry entry
// (registry.hpp, builtin_formats.cpp); shared helpers for limits, errors, EXIF
// orientation, palettes and modes, used by the decoders and the probers
// alike so that both give one answer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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
  DecodeInput(std::span<const std::uint8_t> d, const LoadOptions& o, std::string_view s,
              std::uint64_t whole = 0) noexcept
      : data(d), options(o), source(s), whole_size(whole) {}

  std::span<const std::uint8_t> data;
  const LoadOptions& options;
  std::string_view source;  ///< names the input in errors
  /// The size of the whole input when `data` is only a part of it (a prober
  /// reading a file in part); 0: `data` is the whole input.
  std::uint64_t whole_size = 0;
  /// When set, a decoder that can stream this file pushes its rows here
  /// (src/stream/row_sink.hpp) and returns no image; its size is then
  /// checked against stream_pixel_limit(). Otherwise (or when it cannot
  /// stream the file) it decodes whole, within max_pixels.
  RowSink* sink = nullptr;

  /// Bytes in the whole input: what LoadOptions::max_expansion is checked against.
  std::uint64_t size() const noexcept { return whole_size ? whole_size : data.size(); }
};

/// Random access to encoded bytes for the probers: a span in memory
/// (probe(), and the decoders that share a parser with their prober), or a
/// file read only as far as asked (probe_file()). Every span it returns stays
/// valid, unchanged, as long as the source. Not thread-safe (one prober).
class ByteSource {
 public:
  /// Reads up to `n` bytes at `offset` into `buffer`; returns how many (fewer
  /// only at the end of the file). Throws IoError on a read error.
  using ReadFn = std::function<std::size_t(std::uint64_t offset, std::uint8_t* buffer, std::size_t n)>;

  /// The bytes of `data`, all of them available at once.
  explicit ByteSource(std::span<const std::uint8_t> data) noexcept;
  /// A file of `size` bytes read through `read`: the first `first` bytes at
  /// once, the rest as asked.
  ByteSource(std::uint64_t size, ReadFn read, std::size_t first);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  /// Bytes in the input. A file that turns out shorter than its size (it
  /// shrank while being read) shrinks the source to what could be read.
  std::uint64_t size() const noexcept { return size_; }
  /// At least the first min(n, size()) bytes, contiguous (an in-memory
  /// source gives all it has; a file source reads on, at least doubling
  /// what it holds, so a prober that asks for more and more reads a file
  /// in O(log) steps).
  std::span<const std::uint8_t> prefix(std::uint64_t n);
  /// The bytes [offset, offset + n), clipped to size() (empty past it). A
  /// file source reads exactly these bytes unless the prefix or one range
  /// read before holds them all.
  std::span<const std::uint8_t> at(std::uint64_t offset, std::uint64_t n);
  /// Bytes read from the file so far (0 for memory).
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }

 private:
  std::size_t read_into(std::uint64_t offset, std::uint8_t* buffer, std::size_t n);

  std::uint64_t size_ = 0;
  std::span<const std::uint8_t> held_;                             ///< the contiguous prefix held
  ReadFn read_;                                                    ///< empty for memory
  std::vector<std::unique_ptr<std::uint8_t[]>> blocks_;            ///< every buffer handed out, kept until the end
  std::map<std::uint64_t, std::span<const std::uint8_t>> ranges_;  ///< ranges read by at(), by offset
  std::uint64_t bytes_read_ = 0;
};

/// How much of a file probe_file() reads first: 64 KiB, which holds the
/// header of almost every file.
inline constexpr std::size_t kProbeFirstRead = std::size_t{64} << 10;

/// What a prober receives.
struct ProbeInput {
  ByteSource& bytes;
  const LoadOptions& options;
  std::string_view source;  ///< names the input in errors

  /// A DecodeInput for messages and limits (check_dimensions() against the
  /// whole input's size), without data.
  DecodeInput decode_input() const noexcept { return {{}, options, source, bytes.size()}; }
};

/// The same input without a sink: a decoder that cannot stream a file
/// decodes it whole with this (and so within max_pixels).
inline DecodeInput whole(const DecodeInput& in) { return {in.data, in.options, in.source, in.whole_size}; }

/// max(max_pixels, max_stream_pixels): the pixel limit of a streamed decode.
std::uint64_t stream_pixel_limit(const LoadOptions& options) noexcept;
/// The pixel limit of `in`: stream_pixel_limit() with a sink, else max_pixels.
std::uint64_t pixel_limit(const DecodeInput& in) noexcept;

/// The decoder of the sniffed format (registry.hpp); the image as stored,
/// orientation unapplied (io.cpp). Throws DecodeError for an unknown format.
Decoded decode_stored(const DecodeInput& in);
/// What decode_ex() does to decode_stored()'s result: sets full_size and
/// content (a decode shrunk on load) and, with options.apply_orientation,
/// orients the image, full_size and content (io.cpp).
void finish_decoded(Decoded& d, const LoadOptions& options);
/// Whether decode_resized() streams a file of format `f` into the resampler:
/// its registry entry's `streams` (PNG, TIFF, BMP, GIF, HEIF / AVIF grids;
/// registry.cpp).
bool may_stream(Format f) noexcept;

// Decoders return the image as stored and the orientation they found;
// decode_ex() applies it (LoadOptions::apply_orientation).
Decoded decode_jpeg(const DecodeInput& in);
/// decode_jpeg() for the perceptual hashes (phash.cpp): a gray or YCbCr
/// file decodes to its luma (mode L, libjpeg-turbo's gray output; at 1/8
/// scale through jpeg_dc_luma(), jpeg_dc.hpp), a CMYK / YCCK one as
/// decode_jpeg() does.
Decoded decode_jpeg_luma(const DecodeInput& in);
Decoded decode_png(const DecodeInput& in);
Decoded decode_webp(const DecodeInput& in);
Decoded decode_heif(const DecodeInput& in, Format format);
Decoded decode_tiff(const DecodeInput& in);
Decoded decode_bmp(const DecodeInput& in);
Decoded decode_gif(const DecodeInput& in);

// Probers read the header (and what orientation needs) and return what the
// decoder of the same bytes would: `stored_size` as the header declares it,
// `size` as decode_<format>() returns it (the same, but for a JPEG decoded
// at a smaller scale: LoadOptions::shrink_hint) before orientation, the mode
// and orientation the decoder gives, and the frames. They throw DecodeError
// when the header is missing, broken or truncated, LimitError when its size
// breaks the limits, as the decoder does; a body broken after a good header
// is only found by decoding.
ImageInfo probe_jpeg(const ProbeInput& in);
ImageInfo probe_png(const ProbeInput& in);
ImageInfo probe_webp(const ProbeInput& in);
ImageInfo probe_heif(const ProbeInput& in, Format format);
ImageInfo probe_tiff(const ProbeInput& in);
ImageInfo probe_bmp(const ProbeInput& in);
ImageInfo probe_gif(const ProbeInput& in);
/// probe() of a byte source: sniffs the format, calls its prober and turns
/// the size upright (LoadOptions::apply_orientation). Throws DecodeError for
/// an unknown format.
ImageInfo probe_source(ByteSource& bytes, const LoadOptions& options, std::string_view source);

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
/// Throws DecodeError: `source` (`size` bytes) is in none of the supported
/// formats, listing the registry's readers (registry.cpp).
[[noreturn]] void unsupported_format(std::string_view source, std::uint64_t size);
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
/// The size apply_orientation() gives an image of `stored` size: the sides
/// swapped for orientations 5..8.
ImageSize oriented_size(ImageSize stored, int orientation) noexcept;

/// The mode of an indexed image with this palette (RGB triples): binary when
/// every entry is black or white, L when every entry is gray, RGB otherwise
/// (the BMP and GIF rule; image_from_palette() uses it).
Mode palette_mode(std::span<const std::uint8_t> palette) noexcept;

/// An indexed image with its palette, in palette_mode(palette): binary when
/// the palette is exactly {black, white} (in either order) or a subset, L
/// when every entry is gray, RGB otherwise. `palette` holds RGB triples; out-of-range indices are a
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
