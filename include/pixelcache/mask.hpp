// pixelcache/mask.hpp — masks and boxes: connected regions to bounding
// boxes, crops and feathered un-crops, morphology, mask algebra.
//
// A mask is a binary ("1") image. Functions that take a mask accept any
// mode and binarise it first with to_binary(0.0) (any channel > 0), so an L
// mask with 0 / 255 works. Boxes follow geometry.hpp: pixel boxes with
// exclusive ends.
//
// Thread safety: all functions are reentrant.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "pixelcache/geometry.hpp"
#include "pixelcache/image.hpp"

namespace pixelcache {

/// Options of mask2bbox() and the functions built on it (the original's
/// keyword arguments; their defaults are the original's).
struct Mask2BboxOptions {
  /// Grow each box on every side by this fraction of its width / height,
  /// clipped to the image (0.1 = 10 %).
  double margin = 0.0;
  /// Return normalised boxes instead of pixel boxes.
  bool normalized = false;
  /// Return one box, the union of all regions (the original's merge).
  /// Whatever this says, boxes that overlap (share area, after the margin)
  /// are merged into their union, transitively.
  bool merge = false;
  /// Morphological opening, then closing, with rectangular kernels of
  /// these (height, width) in pixels ({0, 0} = off), before the regions are
  /// found (the original's np.ones(opening) / np.ones(closing)).
  ImageSize closing{0, 0};
  ImageSize opening{0, 0};
  /// Before the morphology: holes, then islands, smaller than this fraction
  /// of the image area are removed (the largest island always stays), as
  /// to_binary(area_min). In [0, 1].
  double area_threshold = 0.0;
  /// Keep only the largest N regions (-1 = all); of regions of equal area
  /// the one whose first pixel comes first (top row, then leftmost) stays.
  int number_of_objects = -1;
};

/// Bounding boxes of the 8-connected regions of `mask`, each covering its
/// whole region (exclusive ends), grown by the margin, overlapping boxes
/// merged transitively, in a stable order: top to bottom, then left to
/// right. An empty mask gives an empty list. Boxes carry the mask's size.
/// Throws InvalidArgument for negative or NaN options.
std::vector<BoundingBox> mask2bbox(const Image& mask, const Mask2BboxOptions& options = {});

/// The pixels inside the union of `bboxes` (normalised boxes are resolved
/// with the image's size). Throws InvalidArgument for an empty list, or a
/// box outside the image.
Image crop_from_bbox(const Image& img, std::span<const BoundingBox> bboxes);
/// crop_from_bbox(img, mask2bbox(mask, options)); throws InvalidArgument
/// when the mask is empty, or when mask and image sizes differ.
Image crop_from_mask(const Image& img, const Image& mask, const Mask2BboxOptions& options = {});
/// crop_from_mask(img, points_to_mask(points, img.size()), options), as the
/// original (each point is a 1 x 1 region, kept, unlike the original's
/// mask2bbox that drops single pixels). Throws InvalidArgument for points
/// outside the image or no points.
Image crop_from_points(const Image& img, const Points& points, const Mask2BboxOptions& options = {});

/// Pastes `crop` back into `base` at the union of `bboxes`, its edges
/// feathered over `blend_width` pixels (a linear ramp from base to crop;
/// 0 = hard edge). With `resize`, `crop` is first resized to the box;
/// otherwise its size must equal the box's. `crop` is converted to base's
/// mode. Throws InvalidArgument for size mismatches, empty lists, negative
/// blend widths.
Image uncrop_from_bbox(const Image& crop, const Image& base, std::span<const BoundingBox> bboxes, bool resize = false,
                       int blend_width = 10);

/// A crop that remembers where it came from, so an edited version can be
/// pasted back (the original's ImageCrop).
struct ImageCrop {
  Image image;              ///< the cropped pixels
  BoundingBox bbox;         ///< the union box in the original, pixels, exclusive ends
  ImageSize original_size;  ///< size of the image it was cut from

  /// Crops `img` to the union of `bboxes` (see crop_from_bbox()).
  static ImageCrop from_bbox(const Image& img, std::span<const BoundingBox> bboxes);
  /// Crops `img` to the regions of `mask` (see crop_from_mask()).
  static ImageCrop from_mask(const Image& img, const Image& mask, const Mask2BboxOptions& options = {});
  /// Pastes `edited` (this crop, processed; `image` when omitted) back into
  /// `base`, which must have original_size (see uncrop_from_bbox()).
  Image uncrop(const Image& base, const Image& edited = Image(), bool resize = false, int blend_width = 10) const;
};

/// A mask with every box of mask2bbox(mask, options) filled.
Image mask2squaremask(const Image& mask, const Mask2BboxOptions& options = {});

/// Morphological operators.
enum class Morphology { Erode, Dilate, Open, Close };

/// Parses "erode", "dilate", "open" or "close"; InvalidArgument otherwise.
Morphology parse_morphology(std::string_view name);
/// Applies `op` with a square kernel of `kernel` pixels (>= 1) to a mask
/// (binarised first), with OpenCV's default border (pixels outside the
/// image never erode nor dilate it), as the original's cv2.morphologyEx.
Image morphology(const Image& mask, Morphology op, int kernel = 3);
/// The same with a structuring element: the true pixels of the binary image
/// `kernel` (any size; its centre is the anchor). Throws InvalidArgument
/// unless `kernel` is a binary image with at least one true cell.
Image morphology(const Image& mask, Morphology op, const Image& kernel);
/// Union of masks of one size. Throws InvalidArgument for an empty list or
/// differing sizes.
Image logical_or_reduce(std::span<const Image> masks);
/// `img` with every pixel under `mask` set to `value` (a level 0..255 for RGB
/// and L, applied to every channel; 0 or 1 for binary). Sizes must match.
Image masked_fill(const Image& img, const Image& mask, int value);
/// A binary mask of `size` with the points set. Throws InvalidArgument for
/// points outside `size`.
Image points_to_mask(const Points& points, ImageSize size);

}  // namespace pixelcache
