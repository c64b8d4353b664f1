// pixelcache/geometry.hpp — ImageSize, BoundingBox and Points.
//
// Small value types. Coordinates follow the image convention: x grows to the
// right (columns), y grows downwards (rows), the origin is the top-left corner
// of the top-left pixel. Pixel boxes have exclusive end coordinates, so a box
// (0, 0, w, h) covers a whole w x h image.
//
// Thread safety: all types are immutable values; share freely.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pixelcache {

/// Height and width of an image, in pixels (note the order: height first, as
/// in the Python original and NumPy shapes).
struct ImageSize {
  int height = 0;  ///< rows
  int width = 0;   ///< columns

  /// Number of pixels (height * width).
  std::size_t area() const noexcept { return static_cast<std::size_t>(height) * static_cast<std::size_t>(width); }
  /// Throws InvalidArgument naming `what` unless height and width are > 0.
  void validate(const char* what = "ImageSize") const;
  /// "WIDTHxHEIGHT (WxH)", e.g. "451x300 (WxH)": the one size notation of
  /// every message and to_string() of the library, the CLI and Python.
  std::string to_string() const;
  bool operator==(const ImageSize&) const = default;
};

/// An axis-aligned box, either in pixels or normalised to [0, 1] by an image
/// size. `normalized()` says which; conversions between the two need the
/// image size. Field-wise equality (coordinates, kind and size).
class BoundingBox {
 public:
  /// A box with corners (xmin, ymin) and (xmax, ymax), exclusive ends.
  /// `normalized` states whether the coordinates are fractions of
  /// `image_size`; when omitted it is guessed (is_normalized_guess()), as
  /// the Python original does. Pass it explicitly: a pixel box (0, 0, 1, 1)
  /// is otherwise taken as normalised.
  /// Throws InvalidArgument for NaN / infinite / negative coordinates,
  /// min > max, normalised values above 1, or a pixel box outside image_size.
  BoundingBox(double xmin, double ymin, double xmax, double ymax, std::optional<ImageSize> image_size = std::nullopt,
              std::optional<bool> normalized = std::nullopt);

  /// The guess used when `normalized` is omitted: every coordinate is in
  /// [0, 1].
  static bool is_normalized_guess(double xmin, double ymin, double xmax, double ymax) noexcept;

  double xmin() const noexcept { return v_[0]; }
  double ymin() const noexcept { return v_[1]; }
  double xmax() const noexcept { return v_[2]; }
  double ymax() const noexcept { return v_[3]; }
  bool normalized() const noexcept { return normalized_; }
  const std::optional<ImageSize>& image_size() const noexcept { return size_; }

  /// Width and height in the box's own units.
  double width() const noexcept { return v_[2] - v_[0]; }
  double height() const noexcept { return v_[3] - v_[1]; }
  /// Area in the box's own units.
  double area() const noexcept { return width() * height(); }

  /// (xmin, ymin, xmax, ymax) in pixels. Throws InvalidArgument if the box is
  /// normalised and has no image size.
  std::array<double, 4> xyxy() const;
  /// (xmin, ymin, width, height) in pixels. Same error as xyxy().
  std::array<double, 4> xywh() const;
  /// (xmin, ymin, xmax, ymax) normalised to [0, 1]. Throws InvalidArgument if
  /// the box is in pixels and has no image size.
  std::array<double, 4> xyxyn() const;
  /// (xmin, ymin, width, height) normalised (a difference from the original: normalised values,
  /// not pixels). Same error as xyxyn().
  std::array<double, 4> xywhn() const;

  /// The same box in pixels (needs an image size when normalised).
  BoundingBox to_pixels() const;
  /// The same box normalised (needs an image size when in pixels).
  BoundingBox to_normalized() const;
  /// The same coordinates with another image size attached.
  BoundingBox with_image_size(ImageSize size) const;
  /// Integer pixel box: start rounded down, end rounded up, clipped to the
  /// image when the size is known. (xmin, ymin, xmax, ymax).
  std::array<int, 4> to_int_pixels() const;

  /// Grows every side by `margin` (same units as the box); the result is
  /// clipped at 0 and, when known, at the image border.
  BoundingBox operator+(double margin) const;
  /// Shrinks every side by `margin`; throws InvalidArgument if it would
  /// invert the box.
  BoundingBox operator-(double margin) const;
  /// Scales every coordinate by `factor` (> 0); the image size, if any, is
  /// scaled too (rounded), so a box follows a resized image.
  BoundingBox operator*(double factor) const;
  /// Divides every coordinate by `factor` (> 0); see operator*.
  BoundingBox operator/(double factor) const;

  /// Smallest box containing both (same kind and size required).
  BoundingBox union_with(const BoundingBox& other) const;
  /// True when the two boxes share any area (or touch, if `touching`).
  bool overlaps(const BoundingBox& other, bool touching = false) const;

  /// "BoundingBox(xmin=.., ymin=.., xmax=.., ymax=.., normalized=.., image_size=WxH (WxH))".
  std::string to_string() const;

  bool operator==(const BoundingBox& o) const = default;

 private:
  BoundingBox(std::array<double, 4> v, std::optional<ImageSize> size, bool normalized, int);
  void validate() const;
  std::array<double, 4> v_;
  std::optional<ImageSize> size_;
  bool normalized_;
};

/// A list of (x, y) points in pixels, optionally tied to an image size.
class Points {
 public:
  /// Throws InvalidArgument for NaN / infinite coordinates, or points outside
  /// image_size when it is given.
  explicit Points(std::vector<std::pair<double, double>> xy, std::optional<ImageSize> image_size = std::nullopt);

  const std::vector<std::pair<double, double>>& xy() const noexcept { return xy_; }
  const std::optional<ImageSize>& image_size() const noexcept { return size_; }
  std::size_t size() const noexcept { return xy_.size(); }
  bool empty() const noexcept { return xy_.empty(); }
  /// Smallest pixel box containing every point (ends exclusive: max + 1).
  /// Throws InvalidArgument when there are no points.
  BoundingBox bbox() const;

  bool operator==(const Points&) const = default;

 private:
  std::vector<std::pair<double, double>> xy_;
  std::optional<ImageSize> size_;
};

}  // namespace pixelcache
