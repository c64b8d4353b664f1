// pixelcache/io.hpp — loading, decoding, encoding and saving images.
//
// Readers: JPEG, PNG, WebP, HEIC/HEIF (and AVIF where libheif has a decoder),
// TIFF, BMP (incl. RLE4 / RLE8), GIF (first frame). Writers: PNG, JPEG, WebP,
// TIFF, BMP.
// The format is sniffed from the data's magic bytes, never from a name.
//
// Normalisation on load (one meaning for every source):
//   * RGBA / LA / palette-with-transparency: alpha is dropped (as PIL's
//     convert("RGB"); LA gives L); palette images become RGB.
//   * CMYK / YCCK JPEG: converted to RGB with Pillow's formula
//     (R = (255 - C) * (255 - K) / 255); Adobe-inverted files are detected.
//   * 16-bit samples: round(v / 257).
//   * gray files load as L; 1-bit gray PNG / TIFF and black-and-white BMP
//     load as binary ("1").
//   * the EXIF orientation (JPEG APP1, PNG eXIf, WebP EXIF chunk, TIFF
//     Orientation tag; HEIF irot/imir) is applied, so the image is upright.
// Every load decodes once. Before any pixel buffer is allocated the header's
// size is checked against LoadOptions::max_pixels (decompression bombs) and
// LoadOptions::max_expansion (a small file claiming a huge image: both are
// LimitError), and the encoded data against the least that size needs (a
// DecodeError, "truncated file"). PNG chunk CRCs and TIFF strip / tile
// tables are checked before any pixel is decoded.
// Error messages quote file names and bytes from the file escaped
// (escape_bytes in error.hpp): printable UTF-8 only.
//
// Thread safety: every function is reentrant and may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/image.hpp"
#include "pixelcache/net.hpp"

namespace pixelcache {

/// Container formats.
enum class Format : std::uint8_t { Unknown, JPEG, PNG, WebP, HEIF, AVIF, TIFF, BMP, GIF };

/// PIL's names: "JPEG", "PNG", "WEBP", "HEIF", "AVIF", "TIFF", "BMP", "GIF", "UNKNOWN".
const char* format_name(Format f) noexcept;
/// Format of encoded data from its magic bytes; Unknown if none matches.
Format sniff_format(std::span<const std::uint8_t> data) noexcept;
/// Writer format from a file extension (case-insensitive: .png .jpg .jpeg
/// .webp .tif .tiff .bmp). Throws EncodeError for anything else.
Format format_from_extension(const std::filesystem::path& path);

/// Default limit on decoded pixels: 178,956,970 (e.g. 13377 x 13378), the
/// threshold of Pillow's DecompressionBombError (2 * 89,478,485): no file
/// Pillow refuses as a bomb is decoded by default.
inline constexpr std::uint64_t kDefaultMaxPixels = 2 * std::uint64_t{89478485};

/// Default for LoadOptions::max_expansion: decoded bytes per encoded byte.
inline constexpr std::uint64_t kDefaultMaxExpansion = 1024;
/// Decoded images of up to this many bytes (64 MiB) are never refused by
/// LoadOptions::max_expansion.
inline constexpr std::uint64_t kExpansionFreeBytes = std::uint64_t{64} << 20;

/// Options for load() and decode().
struct LoadOptions {
  /// Refuse images with more pixels than this (LimitError), checked against
  /// the header before decoding.
  std::uint64_t max_pixels = kDefaultMaxPixels;
  /// The pixel limit of streamed decodes (thumbnail.hpp: decode_resized(),
  /// load_resized(), Transform::run() with a first resize step, `pixelcache
  /// run` / `batch`), whose memory does not grow with the image: they accept
  /// up to max(max_pixels, max_stream_pixels) pixels. 0 (the default) means
  /// equal to max_pixels. A file that cannot stream (JPEG, interlaced PNG or
  /// GIF, WebP, HEIF / AVIF) and every whole decode stay within max_pixels.
  std::uint64_t max_stream_pixels = 0;
  /// Refuse (LimitError, before decoding) an image whose decoded size
  /// (width * height * 3 for colour, * 1 for gray and binary) is above
  /// kExpansionFreeBytes and above this many bytes per byte of encoded
  /// input: a small file claiming a huge image (RLE skips, LZW runs,
  /// zero-filled strips). Real files stay far below (deflate itself expands
  /// at most 1032:1), and it bounds the work a small input can cause: 64 KiB
  /// decode to at most 64 MiB. 0 turns the check off.
  std::uint64_t max_expansion = kDefaultMaxExpansion;
  /// Apply the EXIF / container orientation (true: upright image).
  bool apply_orientation = true;
  /// For URLs: time-outs, size limit, redirects.
  FetchOptions fetch;
  /// Shrink-on-load hint: the caller will reduce the image to about this
  /// size (after orientation), so a JPEG may be decoded at 1/2, 1/4 or 1/8
  /// scale in the DCT domain, never below this size; a side of 0 is not
  /// constrained (a resize that keeps the aspect ratio). {0, 0} decodes at
  /// full size. A WebP is decoded at the same scales through libwebp's
  /// scaler (config.options.use_scaling). Other formats ignore it. The
  /// result is then a slightly different (but not worse) image than a full
  /// decode followed by a resize.
  ImageSize shrink_hint{0, 0};
  /// Shrink-on-load hint for a resize of the shorter side: the decoded
  /// image's shorter side stays at or above this (0: no constraint).
  /// Combined with shrink_hint when both are set.
  int shrink_min_side = 0;
};

/// An image with facts about its encoded form.
struct Decoded {
  Image image;
  Format format = Format::Unknown;
  /// EXIF orientation found in the file (1..8; 1 when absent).
  int orientation = 1;
};

/// Decodes encoded bytes. `source` names the input in errors.
/// Throws DecodeError (unknown format, corrupt, truncated), LimitError.
Decoded decode_ex(std::span<const std::uint8_t> data, const LoadOptions& options = {},
                  std::string_view source = "<bytes>");
/// decode_ex(...).image.
Image decode(std::span<const std::uint8_t> data, const LoadOptions& options = {}, std::string_view source = "<bytes>");

/// Loads a file path or an http(s):// URL. Throws InvalidArgument for a
/// path holding a NUL byte, IoError for unreadable files, NetworkError for
/// URL failures, and what decode() throws.
Decoded load_ex(const std::string& path_or_url, const LoadOptions& options = {});
/// load_ex(...).image.
Image load(const std::string& path_or_url, const LoadOptions& options = {});

/// Reads a whole file. Throws InvalidArgument for a path holding a NUL byte,
/// IoError naming the path.
std::vector<std::uint8_t> read_file(const std::filesystem::path& path);
/// Writes a whole file, atomically: `path` is at every moment absent, its
/// old file, or the whole of `data` — never a part, never a mix.
///
/// How: a temporary file is created in `path`'s folder (an unnamed
/// O_TMPFILE file where the file system has it, else one with a fresh
/// random 20-byte name ".pxc-XXXXXXXXXXX.tmp" created with O_CREAT |
/// O_EXCL | O_NOFOLLOW, so no link is ever followed and an existing file
/// is never opened), `data` is written and the file closed, then it is
/// renamed over `path`. The temporary name adds nothing to the length of
/// `path`'s own name: any name the file system takes (NAME_MAX) works.
///   * A symlink at `path` is replaced by the new file; the file it pointed
///     to is untouched. (Links in the folders leading to `path` are
///     followed, as for any path.) A folder at `path` is an IoError.
///   * Concurrent writers to one `path` (threads or processes) each write
///     their own temporary; the last rename wins, so the result is exactly
///     one writer's data.
///   * The new file gets mode 0666 less the umask (as fopen("wb") gives a
///     new file); an old file's mode and owner are not kept. Nothing is
///     flushed to the disk (no fsync).
/// Throws InvalidArgument when `path` holds a NUL byte or has no file name
/// (ends with '/', "." or ".."); IoError naming `path` when its folder
/// cannot be opened, the temporary cannot be created, a write fails (disk
/// full, file size limit, quota) or the rename fails. On error nothing is
/// left behind and the old file, if any, is unchanged.
void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> data);

/// Options for encode() and save().
struct EncodeOptions {
  /// JPEG and lossy WebP quality, 1..100.
  int quality = 90;
  /// WebP: lossless instead of lossy.
  bool lossless = false;
  /// PNG: zlib level 0..9.
  int png_compression = 6;
};

/// Encodes an image. Float images are rounded to 8 bits. JPEG and WebP have
/// no binary mode: binary images are written as gray 0 / 255. PNG, TIFF and
/// BMP write binary images as 1-bit files that load back as binary.
/// Throws EncodeError for Format::Unknown / unsupported writers or codec
/// failures, InvalidArgument for bad options or an empty image.
std::vector<std::uint8_t> encode(const Image& image, Format format, const EncodeOptions& options = {});
/// Encodes by the path's extension (or `format` when given) and writes the
/// file with write_file() (atomic replace; a symlink at `path` is replaced,
/// not followed). Throws EncodeError, IoError, InvalidArgument (a NUL byte
/// in `path`, checked before encoding).
void save(const Image& image, const std::filesystem::path& path, const EncodeOptions& options = {},
          Format format = Format::Unknown);

}  // namespace pixelcache
