// ImageSize, BoundingBox and Points (geometry.hpp).
#include "pixelcache/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "pixelcache/error.hpp"

namespace pixelcache {

void ImageSize::validate(const char* what) const {
  if (height <= 0 || width <= 0)
    throw InvalidArgument(std::string(what) + ": height and width must be positive, got " + to_string());
}

std::string ImageSize::to_string() const { return std::to_string(width) + "x" + std::to_string(height) + " (WxH)"; }

namespace {
std::string fmt_num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

bool BoundingBox::is_normalized_guess(double xmin, double ymin, double xmax, double ymax) noexcept {
  for (double v : {xmin, ymin, xmax, ymax})
    if (!(v >= 0.0 && v <= 1.0)) return false;
  return true;
}

BoundingBox::BoundingBox(double xmin, double ymin, double xmax, double ymax, std::optional<ImageSize> image_size,
                         std::optional<bool> normalized)
    : v_{xmin, ymin, xmax, ymax},
      size_(image_size),
      normalized_(normalized.value_or(is_normalized_guess(xmin, ymin, xmax, ymax))) {
  validate();
}

BoundingBox::BoundingBox(std::array<double, 4> v, std::optional<ImageSize> size, bool normalized, int)
    : v_(v), size_(size), normalized_(normalized) {
  validate();
}

void BoundingBox::validate() const {
  for (double v : v_)
    if (!std::isfinite(v)) throw InvalidArgument("BoundingBox: coordinates must be finite: " + to_string());
  if (v_[0] < 0 || v_[1] < 0) throw InvalidArgument("BoundingBox: negative coordinates: " + to_string());
  if (v_[0] > v_[2] || v_[1] > v_[3]) throw InvalidArgument("BoundingBox: min is greater than max: " + to_string());
  if (size_) size_->validate("BoundingBox image_size");
  if (normalized_) {
    if (v_[2] > 1.0 || v_[3] > 1.0)
      throw InvalidArgument("BoundingBox: normalized coordinates must be within [0, 1]: " + to_string());
  } else if (size_ && (v_[2] > size_->width || v_[3] > size_->height)) {
    throw InvalidArgument("BoundingBox: box lies outside the " + size_->to_string() + " image: " + to_string());
  }
}

namespace {
// Products like 0.55 * 200 land a rounding error away from the integer the
// user meant; snap those so pixel <-> normalised round trips are exact.
double snap(double v) {
  const double r = std::round(v);
  return std::abs(v - r) <= 1e-9 * std::max(1.0, std::abs(v)) ? r : v;
}
}  // namespace

std::array<double, 4> BoundingBox::xyxy() const {
  if (!normalized_) return v_;
  if (!size_) throw InvalidArgument("BoundingBox.xyxy: a normalized box needs an image_size: " + to_string());
  const double w = size_->width, h = size_->height;
  return {snap(v_[0] * w), snap(v_[1] * h), snap(v_[2] * w), snap(v_[3] * h)};
}

std::array<double, 4> BoundingBox::xywh() const {
  const auto b = xyxy();
  return {b[0], b[1], b[2] - b[0], b[3] - b[1]};
}

std::array<double, 4> BoundingBox::xyxyn() const {
  if (normalized_) return v_;
  if (!size_) throw InvalidArgument("BoundingBox.xyxyn: a pixel box needs an image_size: " + to_string());
  const double w = size_->width, h = size_->height;
  return {v_[0] / w, v_[1] / h, v_[2] / w, v_[3] / h};
}

std::array<double, 4> BoundingBox::xywhn() const {
  const auto b = xyxyn();
  return {b[0], b[1], b[2] - b[0], b[3] - b[1]};
}

BoundingBox BoundingBox::to_pixels() const { return BoundingBox(xyxy(), size_, false, 0); }
BoundingBox BoundingBox::to_normalized() const { return BoundingBox(xyxyn(), size_, true, 0); }
BoundingBox BoundingBox::with_image_size(ImageSize size) const { return BoundingBox(v_, size, normalized_, 0); }

std::array<int, 4> BoundingBox::to_int_pixels() const {
  const auto b = xyxy();
  // Clamped into int's range before the conversion (a box of 1e308 pixels
  // must not be undefined behaviour; sizes never come near it).
  const auto to_int = [](double v) { return static_cast<int>(std::clamp(v, -2147483647.0, 2147483647.0)); };
  std::array<int, 4> r{to_int(std::floor(b[0])), to_int(std::floor(b[1])), to_int(std::ceil(b[2])),
                       to_int(std::ceil(b[3]))};
  if (size_) {
    r[2] = std::min(r[2], size_->width);
    r[3] = std::min(r[3], size_->height);
  }
  return r;
}

BoundingBox BoundingBox::operator+(double margin) const {
  if (!std::isfinite(margin)) throw InvalidArgument("BoundingBox + margin: margin must be finite");
  std::array<double, 4> v{std::max(0.0, v_[0] - margin), std::max(0.0, v_[1] - margin), v_[2] + margin, v_[3] + margin};
  const double xlim = normalized_ ? 1.0 : (size_ ? size_->width : INFINITY);
  const double ylim = normalized_ ? 1.0 : (size_ ? size_->height : INFINITY);
  v[2] = std::min(v[2], xlim);
  v[3] = std::min(v[3], ylim);
  if (v[0] > v[2] || v[1] > v[3])
    throw InvalidArgument("BoundingBox - " + fmt_num(-margin) + " would invert the box " + to_string());
  return BoundingBox(v, size_, normalized_, 0);
}

BoundingBox BoundingBox::operator-(double margin) const { return *this + (-margin); }

BoundingBox BoundingBox::operator*(double factor) const {
  if (!(factor > 0.0) || !std::isfinite(factor))
    throw InvalidArgument("BoundingBox * factor: factor must be positive and finite, got " + fmt_num(factor));
  if (normalized_) return *this;  // normalised boxes are scale-free
  std::optional<ImageSize> size;
  if (size_)
    size = ImageSize{std::max(1, static_cast<int>(std::lround(size_->height * factor))),
                     std::max(1, static_cast<int>(std::lround(size_->width * factor)))};
  std::array<double, 4> v{v_[0] * factor, v_[1] * factor, v_[2] * factor, v_[3] * factor};
  if (size) {
    v[2] = std::min<double>(v[2], size->width);
    v[3] = std::min<double>(v[3], size->height);
  }
  return BoundingBox(v, size, false, 0);
}

BoundingBox BoundingBox::operator/(double factor) const {
  if (!(factor > 0.0) || !std::isfinite(factor))
    throw InvalidArgument("BoundingBox / factor: factor must be positive and finite, got " + fmt_num(factor));
  return *this * (1.0 / factor);
}

BoundingBox BoundingBox::union_with(const BoundingBox& o) const {
  if (normalized_ != o.normalized_ || size_ != o.size_)
    throw InvalidArgument("BoundingBox union: boxes differ in kind or image size: " + to_string() + " and " +
                          o.to_string());
  return BoundingBox(
      {std::min(v_[0], o.v_[0]), std::min(v_[1], o.v_[1]), std::max(v_[2], o.v_[2]), std::max(v_[3], o.v_[3])}, size_,
      normalized_, 0);
}

bool BoundingBox::overlaps(const BoundingBox& o, bool touching) const {
  if (touching) return v_[0] <= o.v_[2] && o.v_[0] <= v_[2] && v_[1] <= o.v_[3] && o.v_[1] <= v_[3];
  return v_[0] < o.v_[2] && o.v_[0] < v_[2] && v_[1] < o.v_[3] && o.v_[1] < v_[3];
}

std::string BoundingBox::to_string() const {
  std::string s = "BoundingBox(xmin=" + fmt_num(v_[0]) + ", ymin=" + fmt_num(v_[1]) + ", xmax=" + fmt_num(v_[2]) +
                  ", ymax=" + fmt_num(v_[3]) + ", normalized=" + (normalized_ ? "true" : "false");
  if (size_) s += ", image_size=" + size_->to_string();
  return s + ")";
}

Points::Points(std::vector<std::pair<double, double>> xy, std::optional<ImageSize> image_size)
    : xy_(std::move(xy)), size_(image_size) {
  if (size_) size_->validate("Points image_size");
  for (const auto& [x, y] : xy_) {
    if (!std::isfinite(x) || !std::isfinite(y)) throw InvalidArgument("Points: coordinates must be finite");
    if (size_ && (x < 0 || y < 0 || x >= size_->width || y >= size_->height))
      throw InvalidArgument("Points: point (" + fmt_num(x) + ", " + fmt_num(y) + ") lies outside the " +
                            size_->to_string() + " image");
  }
}

BoundingBox Points::bbox() const {
  if (xy_.empty()) throw InvalidArgument("Points.bbox: no points");
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (const auto& [x, y] : xy_) {
    x0 = std::min(x0, x);
    y0 = std::min(y0, y);
    x1 = std::max(x1, x);
    y1 = std::max(y1, y);
  }
  return BoundingBox(std::floor(x0), std::floor(y0), std::floor(x1) + 1, std::floor(y1) + 1, size_, false);
}

}  // namespace pixelcache
