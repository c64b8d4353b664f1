// pixelcache/io.hpp — loading, decoding, encoding and saving images.
//
// Readers: JPEG, PNG, WebP, HEIC/HEIF (and AVIF where libheif has a decoder),
// TIFF, BMP (incl. RLE4 / RLE8), GIF (first frame). Writers: PNG, JPEG, WebP,
// TIFF, BMP. formats() lists them, from the library's format registry.
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
// A HEIF whose decoded image is not the size its container declares (a grid
// canvas or a coded frame unlike its ispe) is a DecodeError.
// probe() / probe_file() read only the header and report what decoding
// would (ImageInfo: format, upright size, mode, orientation, frames), with
// the same limits, without decoding a pixel.
// Error messages quote file names and bytes from the file escaped
// (escape_bytes in error.hpp): printable UTF-8 only.
//
// Thread safety: every function is reentrant and may run concurrently. A
// decode may use threads of its own, up to the cores the process may run
// on (its CPU affinity): deflate TIFF chunks and the tiles of a HEIF grid
// row are decoded in parallel, with the same pixels and errors as on one
// thread.
#pragma once

#include <array>
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

/// Container formats: the built-in ones. The library's format registry
/// (src/codec/registry.hpp) may hold more, with ids beyond these.
enum class Format : std::uint8_t { Unknown, JPEG, PNG, WebP, HEIF, AVIF, TIFF, BMP, GIF };

/// PIL's names: "JPEG", "PNG", "WEBP", "HEIF", "AVIF", "TIFF", "BMP", "GIF";
/// "UNKNOWN" for Unknown and any id the registry does not hold.
const char* format_name(Format f) noexcept;
/// Format of encoded data from its magic bytes (the first 32 bytes at most);
/// Unknown if none matches.
Format sniff_format(std::span<const std::uint8_t> data) noexcept;
/// Writer format from a file extension (case-insensitive: .png .jpg .jpeg
/// .webp .tif .tiff .bmp). Throws EncodeError for anything else.
Format format_from_extension(const std::filesystem::path& path);

/// One format the library reads, and perhaps writes (formats()).
struct FormatInfo {
  Format id = Format::Unknown;
  /// format_name(id): "PNG", "WEBP".
  std::string name;
  /// The name in lists of readers: "WebP"; "HEIF/AVIF" for both formats
  /// libheif decodes.
  std::string label;
  /// Its file extensions, lower case with the dot, the usual one first
  /// (".jpg", ".jpeg"): a writer's are what format_from_extension() takes.
  std::vector<std::string> extensions;
  /// More extensions that only name inputs of the format (".jpe").
  std::vector<std::string> input_extensions;
  /// encode() and save() write it.
  bool can_write = false;
  /// decode_resized() (thumbnail.hpp) may stream its rows into the resampler.
  bool streams = false;
  /// The EncodeOptions fields its writer uses: "quality", "lossless",
  /// "png_compression".
  std::vector<std::string> options;
};

/// Every format the library reads, in the registry's order: PNG, JPEG, WEBP,
/// HEIF, AVIF, TIFF, BMP, GIF (the writers in the order lists of writers
/// give them), then any registered at run time. The CLI's input filters,
/// format choices and help texts are made from it.
std::vector<FormatInfo> formats();

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
  /// size (after orientation), so a JPEG (in the DCT domain) or a WebP
  /// (libwebp's scaler) may be decoded at 1/2, 1/4 or 1/8 scale, never
  /// below this size; a side of 0 is not constrained (a resize that keeps
  /// the aspect ratio). {0, 0} decodes at full size. Other formats ignore
  /// it (PNG, TIFF, BMP and GIF stream into the resizer instead:
  /// thumbnail.hpp). The result is then a slightly
  /// different (but not worse) image than a full decode followed by a
  /// resize.
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
  /// The image's size at full scale (after orientation, as `image`): what
  /// a decode without a shrink-on-load hint gives. Equal to image.size()
  /// unless the decoder shrank it (LoadOptions::shrink_hint /
  /// shrink_min_side), so a caller can size its resize as the full image
  /// would (same geometry with or without shrink-on-load).
  ImageSize full_size{0, 0};
  /// The part of `image` that holds the full image's content, in image
  /// pixels: {top, left, height, width}. For a decode at 1/k scale a side of
  /// ceil(n / k) pixels holds n / k pixels of content, the last one partly
  /// padding (first, once the orientation mirrors that side), so this is
  /// full_size / k placed accordingly (a JPEG); a WebP scaled by libwebp
  /// has no padding, so it is the whole image. resize_region() of it keeps
  /// the full image's geometry.
  std::array<double, 4> content{0, 0, 0, 0};
  /// 1: decoded at full size; 2, 4 or 8: decoded at 1/scale of its size
  /// (shrink-on-load, LoadOptions::shrink_hint / shrink_min_side: a JPEG in
  /// the DCT domain, a WebP by libwebp's area-averaging scaler while
  /// decoding), so `image` is not the full decode.
  int scale = 1;
};

/// Decodes encoded bytes. `source` names the input in errors.
/// Throws DecodeError (unknown format, corrupt, truncated), LimitError.
Decoded decode_ex(std::span<const std::uint8_t> data, const LoadOptions& options = {},
                  std::string_view source = "<bytes>");
/// decode_ex(...).image.
Image decode(std::span<const std::uint8_t> data, const LoadOptions& options = {}, std::string_view source = "<bytes>");

/// What an encoded image is, read from its header (and, for orientation, its
/// EXIF block or container transform) without decoding any pixel: what
/// decode_ex() of the same bytes with the same options would give.
struct ImageInfo {
  Format format = Format::Unknown;
  /// As load() returns it: after the EXIF orientation when
  /// LoadOptions::apply_orientation (HEIF: libheif always applies irot /
  /// imir, as decode() does), and at the smaller scale a JPEG is decoded at
  /// when LoadOptions::shrink_hint / shrink_min_side ask for one.
  ImageSize size;
  /// As the header declares it, before orientation (HEIF: the primary
  /// image's ispe, before irot / imir).
  ImageSize stored_size;
  /// The mode load() gives: RGB, L or Binary, by the decoders' own rules
  /// (a BMP / GIF palette of grays is L, of black and white Binary; PNG and
  /// TIFF palettes RGB; 1-bit gray PNG / TIFF Binary; alpha dropped; 16-bit
  /// samples 8-bit).
  Mode mode = Mode::RGB;
  /// The EXIF orientation found (1..8; 1 when absent; HEIF: always 1).
  int orientation = 1;
  /// Frames, pages or images where the format says so cheaply: GIF image
  /// descriptors, TIFF directories, HEIF top-level images, APNG acTL frames;
  /// 1 otherwise. load() decodes the first (GIF, TIFF, APNG) or the primary
  /// (HEIF) one.
  int frames = 1;

  bool operator==(const ImageInfo&) const = default;
};

/// What the encoded image in `data` is, without decoding its pixels: the
/// header only (for JPEG the markers up to the first scan; for PNG every
/// chunk's header and the bodies of IHDR, PLTE and eXIf, never the image
/// data; for TIFF the first directory and its strip table; for HEIF the meta
/// box; for WebP with an EXIF chunk the whole file, as the demuxer needs
/// it). `source` names the input in errors.
/// Throws DecodeError for data that is not an image or is broken or
/// truncated before the end of its header; LimitError when the declared size
/// breaks LoadOptions::max_pixels or max_expansion (against data.size()),
/// exactly as decode() refuses it. A body broken after a good header is
/// only found by decoding: decode() may still throw where probe() succeeds.
ImageInfo probe(std::span<const std::uint8_t> data, const LoadOptions& options = {},
                std::string_view source = "<bytes>");
/// probe() of a file or an http(s):// URL. A file is read only as far as its
/// format needs: the first 64 KiB, then (e.g. a JPEG whose EXIF or first
/// scan lies further in, a TIFF whose directory is at the end, PNG chunk
/// headers past the first 64 KiB) exactly the ranges the header parser
/// asks for; GIF frames are counted over the whole file. max_expansion is
/// checked against the file's size, as load() checks it. A URL is fetched
/// whole (LoadOptions::fetch). Throws what load() throws for the path or
/// URL (InvalidArgument, IoError, NetworkError) and what probe() throws.
ImageInfo probe_file(const std::string& path_or_url, const LoadOptions& options = {});

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
