// Internal helpers shared by the operation files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "pixelcache/error.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/interop/opencv.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::detail {

/// A read-only cv::Mat header over an image's storage (interop/opencv.hpp's
/// mat_view; the Mat must not be written to).
inline cv::Mat as_mat(const Image& img) { return mat_view(img); }

/// Builds an image of `size` like `like` (mode, sample type) by letting `fill`
/// write into a cv::Mat header over the new storage.
template <class F>
Image make_like(const Image& like, ImageSize size, F&& fill) {
  return Image::generate(size, like.mode(), like.pixel_type(), [&](std::span<std::byte> b) {
    cv::Mat dst(size.height, size.width, as_mat(like).type(), b.data());
    fill(dst);
  });
}

/// Throws InvalidArgument "<op>: the image is empty" for an empty image.
inline void require_image(const Image& img, const char* op) {
  if (img.empty()) throw InvalidArgument(std::string(op) + ": the image is empty");
}

/// Throws InvalidArgument naming the operation and the accepted mode.
inline void require_mode(const Image& img, Mode mode, const char* op) {
  require_image(img, op);
  if (img.mode() != mode)
    throw InvalidArgument(std::string(op) + ": needs a " + mode_name(mode) + " image, got " + mode_name(img.mode()));
}

/// An integer pixel rectangle [x0, x1) x [y0, y1).
struct Rect {
  int x0, y0, x1, y1;
};

/// An integer pixel box [x0, x1) x [y0, y1) of mask2bbox.
struct MaskBox {
  int x0, y0, x1, y1;
  /// Sharing area (the original's positive-area IoU); touching is not enough.
  bool overlaps(const MaskBox& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
  MaskBox united(const MaskBox& o) const {
    return {std::min(x0, o.x0), std::min(y0, o.y0), std::max(x1, o.x1), std::max(y1, o.y1)};
  }
  bool operator==(const MaskBox&) const = default;
};

/// Replaces overlapping boxes by their union, transitively, until no two
/// overlap (the unique result: each box is the union of a group connected
/// by overlaps of the unions). O(n log n) per round of a sweep; rounds
/// repeat only while unions grow into boxes already swept. Order of the
/// result unspecified.
std::vector<MaskBox> merge_overlapping(std::vector<MaskBox> boxes);

/// A region of a mask: its box and its pixel count.
struct Region {
  MaskBox box;
  std::int64_t area;
};

/// The 8-connected regions of the nonzero samples of an 8-bit one-channel
/// matrix, in the raster order of their first pixels (top row first, then
/// leftmost), found from runs of each row without a label image. Uses the
/// usable threads for large masks. Defined in regions.cpp.
std::vector<Region> find_regions(const cv::Mat& mask);
/// find_regions() on `stripes` row stripes (1 .. rows; the fuzzer's way to
/// put seams into small masks).
std::vector<Region> find_regions(const cv::Mat& mask, int stripes);

/// The pixel rectangle of `box` on `img` (a normalised box is resolved with
/// the image's size; starts rounded down, ends up), checked against the
/// image: throws InvalidArgument "<op>: xmax 500 is beyond the right edge
/// of the 451x300 (WxH) image" (or the side that is out), or "<op>: the
/// box ... is empty". Defined in geometry.cpp beside crop().
Rect pixel_rect(const Image& img, const BoundingBox& box, const char* op);
/// The pixels of a rectangle pixel_rect() checked (`img` itself when it is
/// the whole image).
Image crop_rect(const Image& img, const Rect& r);

/// Removes, in place on a 0 / 1 mask, holes (false regions) and then
/// islands (true regions) smaller than `min_area` pixels, regions found with
/// `connectivity` 4 or 8; when every island is small the largest stays (the
/// original's remove_small_regions). Defined in color.cpp.
void remove_small_regions(cv::Mat& mask, double min_area, int connectivity);

/// A mask as binary: any mode, any channel > 0 (mask.hpp's convention).
/// Defined in color.cpp beside to_binary().
Image binarise(const Image& mask, const char* op);

/// resize() with Pillow's pass order, horizontal then vertical, so the
/// uint8 intermediate rounds as Pillow's ImagingResample does and the result
/// equals Pillow's resize exactly (resize() picks the cheaper order and may
/// differ by a level). For 8-bit RGB / L images and the convolution filters
/// (not Nearest; InvalidArgument otherwise). The perceptual hashes
/// (phash.hpp) reduce with it. Defined in resample.cpp.
Image resize_pillow_order(const Image& img, ImageSize size, Interpolation interpolation);

/// Throws InvalidArgument "<op>: mask is AxB but the image is CxD".
inline void check_same_size(const Image& img, const Image& mask, const char* op) {
  if (img.size() != mask.size())
    throw InvalidArgument(std::string(op) + ": mask is " + mask.size().to_string() + " but the image is " +
                          img.size().to_string());
}

}  // namespace pixelcache::detail
