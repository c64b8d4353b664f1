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
/// and thresholded at half, so edges neither grow nor shrink. A side of 0
/// keeps the aspect ratio (ImageMagick's "256x" / "x256"): it becomes the
/// other side's scale applied to the image's, rounded to nearest (ties to
/// even), at least 1 (resized_size()). Throws InvalidArgument for a negative size or both
/// sides 0.
Image resize(const Image& img, ImageSize size, Interpolation interpolation = Interpolation::Bilinear);
/// The size resize(img of size `from`, `to`) gives: `to` itself, or with a
/// side of 0 filled in proportion (see resize()). Throws InvalidArgument for
/// a negative side or both sides 0.
ImageSize resized_size(ImageSize from, ImageSize to);
/// Shrinks by an integer `factor` (>= 1): the new size is
/// (height / factor, width / factor) rounded down, as the original's
/// `h // factor` (451 wide / 2 -> 225). factor 1 returns `img` itself.
/// Throws InvalidArgument for factor < 1 or a factor that leaves no pixel.
Image downsample(const Image& img, int factor, Interpolation interpolation = Interpolation::Bilinear);
/// The original's resize_min_size: when height < width the height becomes
/// `min_size` and the width round(width * min_size / height) (Python's
/// round, ties to even); otherwise the width becomes `min_size` and the
/// height scales the same way. Both are then rounded down to a multiple of
/// `modulo`. Throws InvalidArgument for non-positive arguments or a side
/// that rounds down to 0.
Image resize_min_size(const Image& img, int min_size, int modulo = 16,
                      Interpolation interpolation = Interpolation::Bilinear);
/// The size resize_min_size(img of size `from`, min_size, modulo) gives.
/// Throws what resize_min_size() throws for that size.
ImageSize resized_min_size(ImageSize from, int min_size, int modulo = 16);
/// Mirrors left-right.
Image flip_horizontal(const Image& img);
/// Mirrors top-bottom.
Image flip_vertical(const Image& img);
/// Rotates by `degrees` counter-clockwise around the centre, black fill,
/// with `interpolation` Nearest, Bilinear (default) or Bicubic (binary
/// images always nearest). With `expand` the canvas grows to hold the whole
/// rotated image (as Pillow's rotate(expand=True)); multiples of 90 degrees
/// are exact and 0 returns `img` itself. Throws InvalidArgument for NaN /
/// infinite angles and the other interpolations.
Image rotate(const Image& img, double degrees, bool expand = true,
             Interpolation interpolation = Interpolation::Bilinear);
/// Pads to `size` with `fill` (0..255 level; 0 or 1 for binary), the image
/// placed at row size.height / 2 - height / 2 and column size.width / 2 -
/// width / 2 (integer halves, the original's placement: an odd margin puts
/// its extra pixel left / top when the target side is even, right / bottom
/// when it is odd). The target size itself returns `img`. Throws
/// InvalidArgument if `size` is smaller than the image in either side.
Image center_pad(const Image& img, ImageSize size, int fill = 0);
/// The central `size` region, placed as torchvision's CenterCrop: top =
/// round((H - h) / 2), left = round((W - w) / 2) (ties to even, as Python's
/// round); a side smaller than `size` is first padded with black on both
/// ends (the extra pixel of an odd margin after), as torchvision pads. The
/// image's own size returns `img`. Throws InvalidArgument for a
/// non-positive size.
Image center_crop(const Image& img, ImageSize size);
/// The pixels inside `box`: a pixel box [xmin, xmax) x [ymin, ymax) (ends
/// rounded outwards to whole pixels), or a normalised box resolved with the
/// image's size. The whole image returns `img`. Throws InvalidArgument
/// saying which side leaves the image (e.g. "crop: xmax 500 is beyond the
/// right edge of the 451x300 (WxH) image") or that the box is empty.
Image crop(const Image& img, const BoundingBox& box);
/// Places images side by side (horizontal) or one above the other. All must
/// have the same mode and the same height (horizontal) or width (vertical).
Image concat(std::span<const Image> images, bool horizontal = true);

// ---------------------------------------------------------------- colour

/// RGB from any mode (L replicated; binary as 0 / 255).
Image to_rgb(const Image& img);
/// L from any mode: Pillow's convert("L") for RGB, exactly
/// (L = (19595 R + 38470 G + 7471 B + 32768) >> 16); binary as 0 / 255.
Image to_gray(const Image& img);
/// Binary: true where any channel > threshold * 255 (threshold in [0, 1],
/// the original's scale). With `area_min` > 0, holes (false regions) and
/// then islands (true regions) smaller than area_min * image area are
/// flipped, regions found with `connectivity` 4 or 8; when every island is
/// small the largest stays (the original's remove_small_regions). A binary
/// input is thresholded no further (returned itself when area_min is 0).
/// Throws InvalidArgument for a threshold or area_min outside [0, 1], NaN,
/// or a connectivity other than 4 or 8.
Image to_binary(const Image& img, double threshold = 0.0, double area_min = 0.0, int connectivity = 8);
/// Stretches values linearly so the image's minimum becomes `min` and its
/// maximum `max`, on the original's scale: fractions of the full range,
/// 0 <= min < max <= 1 (0.0, 1.0 stretches to black..white). Per image over
/// all channels: min + (v - lo) * (max - min) / (hi - lo), rounded half up
/// to a level for uint8 storage. A constant image has no range to stretch:
/// it becomes `min` everywhere (documented; never NaN). RGB / L only.
Image set_minmax(const Image& img, double min = 0.0, double max = 1.0);
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
/// palette_names()). Binary images map 0 / 1 to entries 0 / 1; RGB images
/// are accepted when their three channels are equal (gray content), as by
/// the original. Throws InvalidArgument for other RGB images or an unknown
/// name (listing the names).
Image apply_palette(const Image& img, std::string_view palette = "default");
/// The same with a caller's table: 256 RGB triples (768 bytes).
Image apply_palette(const Image& img, std::span<const std::uint8_t> table);
/// The palette names apply_palette() accepts.
std::vector<std::string> palette_names();

/// Histogram equalisation with OpenCV's equalizeHist, per channel for RGB
/// (as the original's ImageOps.equalize of an RGB image): L stays L, RGB
/// stays RGB, binary images are equalised as L 0 / 255 and return L.
Image equalize_hist(const Image& img);

}  // namespace pixelcache
