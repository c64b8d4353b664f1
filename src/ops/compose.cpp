// Blending, saturating arithmetic, constant images (compose.hpp).
#include "pixelcache/compose.hpp"

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "ops_internal.hpp"
#include "pixelcache/mask.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

using detail::as_mat;
using detail::make_like;

namespace {

void check_alpha(double alpha, const char* op) {
  if (!(alpha >= 0.0 && alpha <= 1.0))
    throw InvalidArgument(std::string(op) + ": alpha must be within [0, 1], got " + std::to_string(alpha));
}

void check_pair(const Image& a, const Image& b, const char* op) {
  detail::require_image(a, op);
  detail::require_image(b, op);
  if (a.size() != b.size())
    throw InvalidArgument(std::string(op) + ": sizes differ, " + a.size().to_string() + " and " + b.size().to_string());
  if (a.mode() != b.mode())
    throw InvalidArgument(std::string(op) + ": modes differ, " + mode_name(a.mode()) + " and " + mode_name(b.mode()));
  if (a.is_binary()) throw InvalidArgument(std::string(op) + ": not defined for binary images");
}

// Runs an OpenCV binary operation on a common storage type (float when
// either operand is float), so uint8 results saturate.
template <class F>
Image elementwise(const Image& a, const Image& b, const char* op, F&& f) {
  check_pair(a, b, op);
  const bool fl = a.pixel_type() == PixelType::F32 || b.pixel_type() == PixelType::F32;
  const Image x = fl ? a.as_f32() : a, y = fl ? b.as_f32() : b;
  return make_like(x, x.size(), [&](cv::Mat& d) {
    f(as_mat(x), as_mat(y), d, fl ? 1.0 : 255.0);
    if (fl) cv::min(cv::max(d, 0.0), 1.0, d);
  });
}

template <class F>
Image with_scalar(const Image& a, const char* op, F&& f) {
  detail::require_image(a, op);
  if (a.is_binary()) throw InvalidArgument(std::string(op) + ": not defined for binary images");
  const bool fl = a.pixel_type() == PixelType::F32;
  return make_like(a, a.size(), [&](cv::Mat& d) {
    f(as_mat(a), d, fl ? 1.0 / 255.0 : 1.0);
    if (fl) cv::min(cv::max(d, 0.0), 1.0, d);
  });
}

void check_scalar(double v, const char* op, bool factor) {
  if (!std::isfinite(v) || (factor && v < 0))
    throw InvalidArgument(std::string(op) + ": " +
                          (factor ? "factor must be finite and >= 0" : "value must be finite") + ", got " +
                          std::to_string(v));
}

// `img` as RGB with red frames, 3 pixels wide along the inside of the boxes
// of `mask`'s regions (thinner boxes are filled), merged when `merge`.
Image draw_boxes(const Image& img, const Image& mask, bool merge) {
  Mask2BboxOptions o;
  o.merge = merge;
  const auto boxes = mask2bbox(mask, o);
  const Image out = to_rgb(img);
  const double red = out.pixel_type() == PixelType::F32 ? 1.0 : 255.0;
  return make_like(out, out.size(), [&](cv::Mat& d) {
    as_mat(out).copyTo(d);
    const cv::Scalar colour(red, 0, 0);
    for (const auto& b : boxes) {
      const auto r = b.to_int_pixels();
      const int w = r[2] - r[0], h = r[3] - r[1], t = 3;
      d(cv::Rect(r[0], r[1], w, std::min(t, h))).setTo(colour);
      d(cv::Rect(r[0], r[3] - std::min(t, h), w, std::min(t, h))).setTo(colour);
      d(cv::Rect(r[0], r[1], std::min(t, w), h)).setTo(colour);
      d(cv::Rect(r[2] - std::min(t, w), r[1], std::min(t, w), h)).setTo(colour);
    }
  });
}

}  // namespace

Image blend_images(const Image& img, const Image& other, double alpha) {
  check_alpha(alpha, "blend");
  return elementwise(img, other, "blend", [&](const cv::Mat& x, const cv::Mat& y, cv::Mat& d, double) {
    cv::addWeighted(x, 1.0 - alpha, y, alpha, 0.0, d);
  });
}

Image blend_mask(const Image& img, const Image& mask, double alpha, bool with_bbox, bool merge_bbox) {
  check_alpha(alpha, "blend");
  detail::require_image(img, "blend");
  const Image m = detail::binarise(mask, "blend");
  detail::check_same_size(img, m, "blend");
  if (img.is_binary()) throw InvalidArgument("blend: the image to blend must be RGB or L, got a binary image");
  Image out = make_like(img, img.size(), [&](cv::Mat& d) {
    as_mat(img).convertTo(d, d.type(), alpha);  // outside: scaled by alpha
    as_mat(img).copyTo(d, as_mat(m));           // inside: kept
  });
  return with_bbox ? draw_boxes(out, m, merge_bbox) : out;
}

Image blend(const Image& img, const Image& other, double alpha, bool with_bbox, bool merge_bbox) {
  if (!other.empty() && other.is_binary()) return blend_mask(img, other, alpha, with_bbox, merge_bbox);
  const Image out = blend_images(img, other, alpha);
  return with_bbox ? draw_boxes(out, detail::binarise(other, "blend"), merge_bbox) : out;
}

Image operator+(const Image& a, const Image& b) {
  return elementwise(a, b, "+", [](const cv::Mat& x, const cv::Mat& y, cv::Mat& d, double) { cv::add(x, y, d); });
}
Image operator-(const Image& a, const Image& b) {
  return elementwise(a, b, "-", [](const cv::Mat& x, const cv::Mat& y, cv::Mat& d, double) { cv::subtract(x, y, d); });
}
Image operator*(const Image& a, const Image& b) {
  return elementwise(a, b, "*", [](const cv::Mat& x, const cv::Mat& y, cv::Mat& d, double full) {
    cv::multiply(x, y, d, 1.0 / full);
  });
}
Image operator/(const Image& a, const Image& b) {
  return elementwise(a, b, "/", [](const cv::Mat& x, const cv::Mat& y, cv::Mat& d, double full) {
    cv::divide(x, y, d, full);
    if (d.depth() == CV_32F) cv::patchNaNs(d, 0.0);
  });
}

Image operator+(const Image& a, double levels) {
  check_scalar(levels, "+", false);
  return with_scalar(a, "+",
                     [&](const cv::Mat& x, cv::Mat& d, double unit) { cv::add(x, cv::Scalar::all(levels * unit), d); });
}
Image operator-(const Image& a, double levels) { return a + (-levels); }
Image operator*(const Image& a, double factor) {
  check_scalar(factor, "*", true);
  return with_scalar(a, "*", [&](const cv::Mat& x, cv::Mat& d, double) { x.convertTo(d, d.type(), factor); });
}
Image operator/(const Image& a, double factor) {
  check_scalar(factor, "/", true);
  if (factor == 0.0) throw InvalidArgument("/: division by zero");
  return a * (1.0 / factor);
}

Image zeros_like(const Image& img) {
  detail::require_image(img, "zeros_like");
  return make_like(img, img.size(), [](cv::Mat& d) { d.setTo(cv::Scalar::all(0)); });
}

Image ones_like(const Image& img) {
  detail::require_image(img, "ones_like");
  const double white = img.is_binary() ? 1.0 : (img.pixel_type() == PixelType::F32 ? 1.0 : 255.0);
  return make_like(img, img.size(), [&](cv::Mat& d) { d.setTo(cv::Scalar::all(white)); });
}

}  // namespace pixelcache
