// pixelcache/ops.hpp — image operations: geometry and colour.
//
// One calling convention for the whole catalogue (as libvips): free
// functions that take the image first and return a new Image; inputs are
// never modified. An operation that would not change anything returns the
// same handle (e.g. resize to the current size). Every mode is accepted
// where the operation makes sense; otherwise InvalidArgument says which
// modes are. Float images are processed in float; uint8 images in uint8
// with rounding.
//
// Thread safety: all functions are reentrant; large images are processed
// with several threads (OpenCV's parallel_for_).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/image.hpp"

namespace pixelcache {

/// Resampling filters. Shrinking is antialiased (the filter widens with the
/// scale factor), as in Pillow.
enum class Interpolation {
  Nearest,   ///< nearest neighbour (Pillow NEAREST)
  Bilinear,  ///< triangle filter, support 1 (Pillow BILINEAR)
  Bicubic,   ///< Keys cubic a = -0.5, support 2 (Pillow BICUBIC)
  Lanczos,   ///< Lanczos-3 (Pillow LANCZOS)
  Area,      ///< box filter: pixel-area averaging when shrinking (Pillow BOX)
};

/// Parses "nearest", "bilinear", "bicubic", "lanczos" or "area".
Interpolation parse_interpolation(std::string_view name);

// ---------------------------------------------------------------- geometry

/// Resamples to `size` with Pillow's algorithm (same kernels and
/// coefficients, 22-bit fixed point for uint8). The two passes run in the
/// cheaper order, so results can differ from Pillow by rounding (measured:
/// mean under 0.1 level). L stays L; binary images are resampled as 0/255
/// and thresholded at half, so edges neither grow nor shrink. Throws
/// InvalidArgument for a non-positive size.
Image resize(const Image& img, ImageSize size, Interpolation interpolation = Interpolation::Bilinear);
/// Divides both sides by `factor` (> 0), rounding, at least 1 pixel.
Image downsample(const Image& img, double factor, Interpolation interpolation = Interpolation::Bilinear);
/// Scales so the shorter side is `min_size`, then rounds both sides down to
/// a multiple of `modulo` (at least `modulo`). Throws InvalidArgument for
/// non-positive arguments.
Image resize_min_size(const Image& img, int min_size, int modulo = 16,
                      Interpolation interpolation = Interpolation::Bilinear);
/// Mirrors left-right.
Image flip_horizontal(const Image& img);
/// Mirrors top-bottom.
Image flip_vertical(const Image& img);
/// Rotates by `degrees` counter-clockwise around the centre, bilinear (binary:
/// nearest), black fill. With `expand` the canvas grows to hold the whole
/// rotated image (as Pillow's rotate(expand=True)); multiples of 90 degrees
/// are exact. Throws InvalidArgument for NaN / infinite angles.
Image rotate(const Image& img, double degrees, bool expand = true);
/// Pads symmetrically to `size` with `fill` (0..255 level; 0 or 1 for
/// binary). The extra pixel of an odd margin goes right / bottom. Throws
/// InvalidArgument if `size` is smaller than the image in either side.
Image center_pad(const Image& img, ImageSize size, int fill = 0);
/// The pixels inside [x0, x1) x [y0, y1). Throws InvalidArgument when the
/// box is empty or leaves the image.
Image crop(const Image& img, int x0, int y0, int x1, int y1);
/// Places images side by side (horizontal) or one above the other. All must
/// have the same mode and the same height (horizontal) or width (vertical).
Image concat(std::span<const Image> images, bool horizontal = true);

// ---------------------------------------------------------------- colour

/// RGB from any mode (L replicated; binary as 0 / 255).
Image to_rgb(const Image& img);
/// L from any mode: Pillow's convert("L") for RGB, exactly
/// (L = (19595 R + 38470 G + 7471 B + 32768) >> 16); binary as 0 / 255.
Image to_gray(const Image& img);
/// Binary: true where any channel > threshold * 255 (threshold in [0, 1]).
/// With `area_min` > 0, islands (true regions) and holes (false regions)
/// smaller than area_min * image area are removed (flipped), regions found
/// with `connectivity` 4 or 8. A binary input is thresholded no further but
/// still cleaned. Throws InvalidArgument for a threshold or area_min outside
/// [0, 1], NaN, or a connectivity other than 4 or 8.
Image to_binary(const Image& img, double threshold = 0.0, double area_min = 0.0, int connectivity = 8);
/// Stretches levels linearly so the image's minimum becomes `min` and its
/// maximum `max` (levels 0..255, min < max), per image over all channels:
/// min + (v - lo) * (max - min) / (hi - lo), rounded half up for uint8.
/// A constant image has no range to stretch: it becomes `min` everywhere
/// (documented; never NaN). RGB / L only.
Image set_minmax(const Image& img, double min = 0.0, double max = 255.0);
/// Swaps true and false. Throws InvalidArgument unless the image is binary.
Image invert_binary(const Image& img);
/// 255 - v (1 - v for float). Throws InvalidArgument for binary images
/// (use invert_binary).
Image invert_rgb(const Image& img);
/// Swaps the first and third channel (RGB <-> BGR). RGB only.
Image rgb2bgr(const Image& img);
/// Same as rgb2bgr (the swap is its own inverse).
Image bgr2rgb(const Image& img);
/// Maps gray levels through a 256-colour palette, giving RGB. `palette` is
/// "default" (the original's 256-colour label table, for label maps whose
/// values are class ids) or a matplotlib colormap name (viridis, plasma,
/// inferno, magma, cividis, turbo, jet, gray, hot, cool, ... see
/// palette_names()). Binary images map 0 / 1 to entries 0 / 1. Throws
/// InvalidArgument for an RGB input or an unknown name (listing the names).
Image apply_palette(const Image& img, std::string_view palette = "default");
/// The same with a caller's table: 256 RGB triples (768 bytes).
Image apply_palette(const Image& img, std::span<const std::uint8_t> table);
/// The palette names apply_palette() accepts.
std::vector<std::string> palette_names();

/// Histogram equalisation of the gray image (OpenCV's equalizeHist); returns
/// L. RGB inputs are converted with to_gray() first.
Image equalize_hist(const Image& img);

}  // namespace pixelcache
