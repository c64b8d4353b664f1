// pixelcache/thumbnail.hpp — decoding straight to a smaller size.
//
// decode_resized(data, spec, options) is, bit for bit,
//   spec.apply(decode(data, options))
// (decode whole -> orient -> resize with the same filter), but PNG, TIFF,
// BMP, GIF and HEIF / AVIF grid images are never decoded whole: their rows
// stream from the decoder through a resampler that keeps a few rows (the
// filter's window) and the result, so memory stays O(width x kernel rows) +
// the output whatever the height. Which files stream:
//   * PNG: non-interlaced (libdeflate's fast-path files through zlib,
//     the rest through libspng's progressive decoder); interlaced files
//     decode whole;
//   * TIFF: strips and tiles, a band of rows at a time (a strip or a row of
//     tiles; one plane after the other for separate planes);
//   * BMP: every kind (uncompressed, RLE4 / RLE8), bottom-up files bottom row
//     first;
//   * GIF: non-interlaced first frames; interlaced ones decode whole;
//   * WebP decodes whole, at its shrink-on-load scale through libwebp's
//     scaler, a mapped file's pages dropped as libwebp reads it (a lossy
//     file holds a few full-width rows and the scaled output, a lossless one
//     its ARGB plane);
//   * HEIF / AVIF grid images, a row of tiles at a time; other HEIF / AVIF
//     images decode whole;
//   * JPEG decodes whole at its reduced DCT scale (shrink-on-load).
// EXIF / container orientation is applied as decode() applies it: rows of
// orientations that flip or transpose go straight to their place in the
// upright image (a stored row may be an upright column); the sums of the
// fixed-point filter are exact integers, so the order in which rows arrive
// does not change a single sample.
//
// Limits: a streamed decode accepts up to max(max_pixels, max_stream_pixels)
// pixels (LoadOptions::max_stream_pixels); a file that cannot stream (see
// above) is held to max_pixels as any whole decode. max_expansion and the
// other bomb guards apply as for decode(). Errors are decode()'s for the
// same bytes and limits, then spec.apply()'s; never a partial image.
//
// Shrink-on-load: `options` are used as given; spec.shrink_on_load(options)
// adds the spec's hint, so a JPEG decodes at 1/2, 1/4 or 1/8 DCT scale,
// never below the size the resize needs (as Transform::load_options() does
// for a first resize step). The shrunk image is then resized to the size the
// full-scale image gets, from the part that holds the image
// (Decoded::full_size, Decoded::content, resize_region()), as
// Transform::run() does: the size of spec.apply(decode(data)) without the
// hint, the pixels within shrink-on-load's rounding of it. Without a hint
// (or for a file that is not shrunk) the result is bit for bit as above.
//
// Thread safety: every function is reentrant and may run concurrently;
// ResizeSpec is a plain value.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "pixelcache/image.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

/// A resize by size (resize()) or by shorter side (resize_min_size()).
struct ResizeSpec {
  enum class Rule : std::uint8_t {
    Size,     ///< resize(img, size, interpolation): a side of 0 keeps the aspect ratio
    MinSide,  ///< resize_min_size(img, min_size, modulo, interpolation)
  };
  Rule rule = Rule::Size;
  ImageSize size{0, 0};  ///< Rule::Size
  int min_size = 0;      ///< Rule::MinSide
  int modulo = 16;       ///< Rule::MinSide
  Interpolation interpolation = Interpolation::Bilinear;

  /// resize(img, size, interpolation).
  static ResizeSpec to(ImageSize size, Interpolation interpolation = Interpolation::Bilinear);
  /// resize_min_size(img, min_size, modulo, interpolation).
  static ResizeSpec min_side(int min_size, int modulo = 16, Interpolation interpolation = Interpolation::Bilinear);

  /// The size of the result for an (upright) image of `from`. Throws
  /// InvalidArgument as resize() / resize_min_size() do for that image.
  ImageSize output_size(ImageSize from) const;
  /// The whole-image resize: resize() / resize_min_size() of `img`.
  Image apply(const Image& img) const;
  /// `base` with this resize's shrink-on-load hint (LoadOptions::shrink_hint
  /// or shrink_min_side; a hint already set in `base` is kept).
  LoadOptions shrink_on_load(LoadOptions base = {}) const;
};

/// spec.apply(decode(data, options, source)), streamed where the format
/// allows (see above); a decode shrunk on load (a JPEG with a shrink hint in
/// `options`) is resized to the size the full-scale image gets (see
/// Shrink-on-load above). Throws what decode() and spec.apply() throw.
Image decode_resized(std::span<const std::uint8_t> data, const ResizeSpec& spec, const LoadOptions& options = {},
                     std::string_view source = "<bytes>");

/// decode_resized() of a file path or an http(s):// URL. A file is mapped
/// into memory, not read: its pages are dropped from the process's memory as
/// the decode streams through them. Throws what load() and spec.apply()
/// throw.
Image load_resized(const std::string& path_or_url, const ResizeSpec& spec, const LoadOptions& options = {});

}  // namespace pixelcache
