// Flips, rotation, padding, cropping and concatenation (ops.hpp).
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "ops_internal.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

using detail::as_mat;
using detail::make_like;
using detail::require_image;

Image flip_horizontal(const Image& img) {
  require_image(img, "flip_horizontal");
  return make_like(img, img.size(), [&](cv::Mat& d) { cv::flip(as_mat(img), d, 1); });
}

Image flip_vertical(const Image& img) {
  require_image(img, "flip_vertical");
  return make_like(img, img.size(), [&](cv::Mat& d) { cv::flip(as_mat(img), d, 0); });
}

Image rotate(const Image& img, double degrees, bool expand, Interpolation interpolation) {
  require_image(img, "rotate");
  if (!std::isfinite(degrees)) throw InvalidArgument("rotate: the angle must be finite");
  int interp = cv::INTER_LINEAR;
  switch (interpolation) {
    case Interpolation::Nearest: interp = cv::INTER_NEAREST; break;
    case Interpolation::Bilinear: interp = cv::INTER_LINEAR; break;
    case Interpolation::Bicubic: interp = cv::INTER_CUBIC; break;
    default: throw InvalidArgument("rotate: mode must be nearest, bilinear or bicubic");
  }
  if (img.is_binary()) interp = cv::INTER_NEAREST;
  double a = std::fmod(degrees, 360.0);
  if (a < 0) a += 360.0;
  if (a == 0.0) return img;
  const bool square = img.width() == img.height();
  if (a == 180.0) return make_like(img, img.size(), [&](cv::Mat& d) { cv::rotate(as_mat(img), d, cv::ROTATE_180); });
  if ((a == 90.0 || a == 270.0) && (expand || square)) {
    const ImageSize s{img.width(), img.height()};
    const int code = a == 90.0 ? cv::ROTATE_90_COUNTERCLOCKWISE : cv::ROTATE_90_CLOCKWISE;
    return make_like(img, s, [&](cv::Mat& d) { cv::rotate(as_mat(img), d, code); });
  }
  // Pillow's Image.rotate: the output -> input matrix (rounded to 15
  // decimals), translated so the centre stays put, the expanded size from
  // the transformed corners, then Pillow's sampling at pixel centres.
  const double t = -a * M_PI / 180.0;
  auto r15 = [](double v) { return std::round(v * 1e15) / 1e15; };
  const double m00 = r15(std::cos(t)), m01 = r15(std::sin(t)), m10 = r15(-std::sin(t)), m11 = r15(std::cos(t));
  const double w = img.width(), h = img.height(), cx = w / 2.0, cy = h / 2.0;
  double tx = m00 * -cx + m01 * -cy + cx, ty = m10 * -cx + m11 * -cy + cy;
  ImageSize out = img.size();
  if (expand) {
    double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
    for (auto [x, y] : {std::pair{0.0, 0.0}, {w, 0.0}, {w, h}, {0.0, h}}) {
      const double fx = m00 * x + m01 * y + tx, fy = m10 * x + m11 * y + ty;
      xmin = std::min(xmin, fx), xmax = std::max(xmax, fx), ymin = std::min(ymin, fy), ymax = std::max(ymax, fy);
    }
    const double nw = std::ceil(xmax) - std::floor(xmin), nh = std::ceil(ymax) - std::floor(ymin);
    const double sx = -(nw - w) / 2.0, sy = -(nh - h) / 2.0;
    const double ntx = m00 * sx + m01 * sy + tx, nty = m10 * sx + m11 * sy + ty;
    tx = ntx, ty = nty;
    out = {static_cast<int>(nh), static_cast<int>(nw)};
  }
  // Input index = M (output index + 0.5) + t - 0.5.
  const cv::Matx23d m(m00, m01, (m00 + m01) * 0.5 + tx - 0.5,  //
                      m10, m11, (m10 + m11) * 0.5 + ty - 0.5);
  return make_like(img, out, [&](cv::Mat& d) {
    cv::warpAffine(as_mat(img), d, m, d.size(), interp | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  });
}

Image center_pad(const Image& img, ImageSize size, int fill) {
  require_image(img, "center_pad");
  if (size.height < img.height() || size.width < img.width())
    throw InvalidArgument("center_pad: target " + size.to_string() + " is smaller than the image " +
                          img.size().to_string());
  const int max_fill = img.is_binary() ? 1 : 255;
  if (fill < 0 || fill > max_fill)
    throw InvalidArgument("center_pad: fill must be 0.." + std::to_string(max_fill) + " for a " +
                          mode_name(img.mode()) + " image, got " + std::to_string(fill));
  if (size == img.size()) return img;
  // The original's placement: rows [H/2 - h/2, H/2 - h/2 + h), integer halves.
  const int top = size.height / 2 - img.height() / 2, left = size.width / 2 - img.width() / 2;
  const double value = img.pixel_type() == PixelType::F32 ? fill / 255.0 : fill;
  return make_like(img, size, [&](cv::Mat& d) {
    cv::copyMakeBorder(as_mat(img), d, top, size.height - img.height() - top, left, size.width - img.width() - left,
                       cv::BORDER_CONSTANT, cv::Scalar::all(value));
  });
}

Image center_crop(const Image& img, ImageSize size) {
  require_image(img, "center_crop");
  size.validate("center_crop: size");
  if (size == img.size()) return img;
  Image src = img;
  if (size.height > img.height() || size.width > img.width()) {
    // torchvision pads (crop - side) // 2 before and the rest after, with 0.
    const int ph = std::max(0, size.height - img.height()), pw = std::max(0, size.width - img.width());
    const int top = ph / 2, left = pw / 2;
    const ImageSize padded{img.height() + ph, img.width() + pw};
    src = make_like(img, padded, [&](cv::Mat& d) {
      cv::copyMakeBorder(as_mat(img), d, top, ph - top, left, pw - left, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    });
    if (padded == size) return src;
  }
  const int top = static_cast<int>(std::nearbyint((src.height() - size.height) / 2.0));
  const int left = static_cast<int>(std::nearbyint((src.width() - size.width) / 2.0));
  return crop(src, BoundingBox(left, top, left + size.width, top + size.height));
}

namespace detail {

Rect pixel_rect(const Image& img, const BoundingBox& box, const char* op) {
  require_image(img, op);
  const BoundingBox px = box.normalized() ? box.with_image_size(img.size()).to_pixels() : box;
  // Starts down, ends up: the box's every pixel is kept. The bounds are
  // checked in double, before any conversion to int.
  const double x0 = std::floor(px.xmin()), y0 = std::floor(px.ymin());
  const double x1 = std::ceil(px.xmax()), y1 = std::ceil(px.ymax());
  auto num = [](double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  };
  const std::string where = " of the " + img.size().to_string() + " image";
  const std::string prefix = std::string(op) + ": " + px.to_string() + ": ";
  if (x0 < 0) throw InvalidArgument(prefix + "xmin " + num(px.xmin()) + " is left of the left edge" + where);
  if (y0 < 0) throw InvalidArgument(prefix + "ymin " + num(px.ymin()) + " is above the top edge" + where);
  if (x1 > img.width())
    throw InvalidArgument(prefix + "xmax " + num(px.xmax()) +
                          " is beyond the right edge (x = " + std::to_string(img.width()) + ")" + where);
  if (y1 > img.height())
    throw InvalidArgument(prefix + "ymax " + num(px.ymax()) +
                          " is below the bottom edge (y = " + std::to_string(img.height()) + ")" + where);
  if (x0 >= x1 || y0 >= y1) throw InvalidArgument(prefix + "the box is empty (no whole pixel inside)");
  return {static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1), static_cast<int>(y1)};
}

Image crop_rect(const Image& img, const Rect& r) {
  if (r.x0 == 0 && r.y0 == 0 && r.x1 == img.width() && r.y1 == img.height()) return img;
  return make_like(img, {r.y1 - r.y0, r.x1 - r.x0},
                   [&](cv::Mat& d) { as_mat(img)(cv::Rect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0)).copyTo(d); });
}

}  // namespace detail

Image crop(const Image& img, const BoundingBox& box) {
  return detail::crop_rect(img, detail::pixel_rect(img, box, "crop"));
}

Image concat(std::span<const Image> images, bool horizontal) {
  if (images.empty()) throw InvalidArgument("concat: no images");
  const Image& first = images.front();
  int total = 0;
  for (const Image& im : images) {
    require_image(im, "concat");
    if (im.mode() != first.mode() || im.pixel_type() != first.pixel_type())
      throw InvalidArgument(std::string("concat: all images need one mode and sample type; got ") +
                            mode_name(first.mode()) + " and " + mode_name(im.mode()));
    if (horizontal ? im.height() != first.height() : im.width() != first.width())
      throw InvalidArgument("concat: images must share their " + std::string(horizontal ? "height" : "width") +
                            "; got " + first.size().to_string() + " and " + im.size().to_string());
    total += horizontal ? im.width() : im.height();
  }
  if (images.size() == 1) return first;
  const ImageSize size = horizontal ? ImageSize{first.height(), total} : ImageSize{total, first.width()};
  return make_like(first, size, [&](cv::Mat& d) {
    int off = 0;
    for (const Image& im : images) {
      const cv::Rect r =
          horizontal ? cv::Rect(off, 0, im.width(), im.height()) : cv::Rect(0, off, im.width(), im.height());
      as_mat(im).copyTo(d(r));
      off += horizontal ? im.width() : im.height();
    }
  });
}

}  // namespace pixelcache
