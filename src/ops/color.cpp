// Colour conversions, thresholds and inversion (ops.hpp).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ops_internal.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

using detail::as_mat;
using detail::make_like;
using detail::require_image;
using detail::require_mode;

namespace detail {
// Pillow's L24, (19595 R + 38470 G + 7471 B + 0x8000) >> 16, over a run of
// pixels. Scalar reference, used for the tail and on CPUs without SSSE3.
void gray_run_scalar(const std::uint8_t* rgb, std::uint8_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>(
        (19595u * rgb[3 * i] + 38470u * rgb[3 * i + 1] + 7471u * rgb[3 * i + 2] + 0x8000u) >> 16);
}

namespace {
// Four pixels at bytes 0..11 of `g` -> four int32 L values. pmaddwd takes
// signed 16-bit coefficients, so G's 38470 is split into 2 x 19235 and
// paired once with R and once with B: (19595 R + 19235 G) + (7471 B + 19235 G).
__attribute__((target("ssse3"))) inline __m128i gray4(__m128i g) {
  const __m128i rg = _mm_shuffle_epi8(g, _mm_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1));
  const __m128i bg = _mm_shuffle_epi8(g, _mm_setr_epi8(2, -1, 1, -1, 5, -1, 4, -1, 8, -1, 7, -1, 11, -1, 10, -1));
  const __m128i sum =
      _mm_add_epi32(_mm_madd_epi16(rg, _mm_setr_epi16(19595, 19235, 19595, 19235, 19595, 19235, 19595, 19235)),
                    _mm_madd_epi16(bg, _mm_setr_epi16(7471, 19235, 7471, 19235, 7471, 19235, 7471, 19235)));
  return _mm_srli_epi32(_mm_add_epi32(sum, _mm_set1_epi32(0x8000)), 16);
}

// 16 pixels (48 bytes) a step; exact (integer arithmetic, same formula).
__attribute__((target("ssse3"))) void gray_run_ssse3(const std::uint8_t* rgb, std::uint8_t* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const auto* p = reinterpret_cast<const __m128i*>(rgb + 3 * i);
    const __m128i a0 = _mm_loadu_si128(p), a1 = _mm_loadu_si128(p + 1), a2 = _mm_loadu_si128(p + 2);
    const __m128i l0 = gray4(a0);                           // pixels 0..3: bytes 0..11
    const __m128i l1 = gray4(_mm_alignr_epi8(a1, a0, 12));  // pixels 4..7: bytes 12..23
    const __m128i l2 = gray4(_mm_alignr_epi8(a2, a1, 8));   // pixels 8..11: bytes 24..35
    const __m128i l3 = gray4(_mm_srli_si128(a2, 4));        // pixels 12..15: bytes 36..47
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm_packus_epi16(_mm_packs_epi32(l0, l1), _mm_packs_epi32(l2, l3)));
  }
  gray_run_scalar(rgb + 3 * i, out + i, n - i);
}
}  // namespace

void gray_run(const std::uint8_t* rgb, std::uint8_t* out, std::size_t n) {
  static const bool ssse3 = __builtin_cpu_supports("ssse3");
  if (ssse3)
    gray_run_ssse3(rgb, out, n);
  else
    gray_run_scalar(rgb, out, n);
}
}  // namespace detail

namespace {
// Binary 0/1 as L 0/255.
Image binary_as_gray(const Image& img) {
  const auto v = img.u8_view();
  return Image::generate(img.size(), Mode::L, PixelType::U8, [&](std::span<std::byte> b) {
    for (std::size_t i = 0; i < v.size(); ++i) b[i] = static_cast<std::byte>(v[i] ? 255 : 0);
  });
}
}  // namespace

Image to_rgb(const Image& img) {
  require_image(img, "to_rgb");
  if (img.is_rgb()) return img;
  const Image gray = img.is_binary() ? binary_as_gray(img) : img;
  return Image::generate(img.size(), Mode::RGB, gray.pixel_type(), [&](std::span<std::byte> b) {
    const cv::Mat src = as_mat(gray);
    cv::Mat dst(img.height(), img.width(), CV_MAKETYPE(src.depth(), 3), b.data());
    cv::cvtColor(src, dst, cv::COLOR_GRAY2RGB);
  });
}

Image to_gray(const Image& img) {
  require_image(img, "to_gray");
  if (img.is_gray()) return img;
  if (img.is_binary()) return binary_as_gray(img);
  const std::size_t n = img.size().area();
  if (img.pixel_type() == PixelType::F32) {
    const auto v = img.f32_view();
    return Image::generate(img.size(), Mode::L, PixelType::F32, [&](std::span<std::byte> b) {
      auto* o = reinterpret_cast<float*>(b.data());
      for (std::size_t i = 0; i < n; ++i)
        o[i] =
            std::clamp((19595.0f * v[3 * i] + 38470.0f * v[3 * i + 1] + 7471.0f * v[3 * i + 2]) / 65536.0f, 0.0f, 1.0f);
    });
  }
  const auto v = img.u8_view();
  return Image::generate(img.size(), Mode::L, PixelType::U8, [&](std::span<std::byte> b) {
    auto* o = reinterpret_cast<std::uint8_t*>(b.data());
    const std::size_t w = static_cast<std::size_t>(img.width());
    cv::parallel_for_(cv::Range(0, img.height()), [&](const cv::Range& r) {
      detail::gray_run(v.data() + r.start * w * 3, o + r.start * w, (r.end - r.start) * w);
    });
  });
}

namespace detail {
namespace {
// Flips regions of value `v` smaller than `min_area` pixels. With
// `keep_largest`, when every region is small the largest one stays.
void remove_small(cv::Mat& m, std::uint8_t v, double min_area, int connectivity, bool keep_largest) {
  cv::Mat sel = m == v, labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(sel, labels, stats, centroids, connectivity, CV_32S);
  std::vector<std::uint8_t> flip(static_cast<std::size_t>(n), 0);
  int kept = 0, largest = 0;
  for (int i = 1; i < n; ++i) {
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (area < min_area)
      flip[static_cast<std::size_t>(i)] = 1;
    else
      ++kept;
    if (largest == 0 || area > stats.at<int>(largest, cv::CC_STAT_AREA)) largest = i;
  }
  if (keep_largest && kept == 0 && largest > 0) flip[static_cast<std::size_t>(largest)] = 0;
  if (std::find(flip.begin(), flip.end(), 1) == flip.end()) return;
  for (int y = 0; y < m.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    std::uint8_t* p = m.ptr<std::uint8_t>(y);
    for (int x = 0; x < m.cols; ++x)
      if (flip[static_cast<std::size_t>(l[x])]) p[x] = static_cast<std::uint8_t>(1 - v);
  }
}
}  // namespace

void remove_small_regions(cv::Mat& mask, double min_area, int connectivity) {
  remove_small(mask, 0, min_area, connectivity, false);  // holes
  remove_small(mask, 1, min_area, connectivity, true);   // islands, the largest kept
}
}  // namespace detail

namespace {

Image threshold_any(const Image& img, double threshold) {
  const int c = img.channels();
  const double t = threshold * 255.0;
  return Image::generate(img.size(), Mode::Binary, PixelType::U8, [&](std::span<std::byte> b) {
    auto* o = reinterpret_cast<std::uint8_t*>(b.data());
    const std::size_t n = img.size().area();
    if (img.pixel_type() == PixelType::F32) {
      const auto v = img.f32_view();
      for (std::size_t i = 0; i < n; ++i) {
        bool any = false;
        for (int k = 0; k < c; ++k) any |= v[i * c + k] * 255.0 > t;
        o[i] = any;
      }
    } else {
      // Integer samples: v > t  <=>  v > floor(t).
      const int ti = static_cast<int>(std::floor(t));
      const auto v = img.u8_view();
      for (std::size_t i = 0; i < n; ++i) {
        bool any = false;
        for (int k = 0; k < c; ++k) any |= v[i * c + k] > ti;
        o[i] = any;
      }
    }
  });
}

}  // namespace

Image to_binary(const Image& img, double threshold, double area_min, int connectivity) {
  require_image(img, "to_binary");
  if (!(threshold >= 0.0 && threshold <= 1.0))
    throw InvalidArgument("to_binary: threshold must be within [0, 1], got " + std::to_string(threshold));
  if (!(area_min >= 0.0 && area_min <= 1.0))
    throw InvalidArgument("to_binary: area_min must be within [0, 1], got " + std::to_string(area_min));
  if (connectivity != 4 && connectivity != 8)
    throw InvalidArgument("to_binary: connectivity must be 4 or 8, got " + std::to_string(connectivity));
  const Image bin = img.is_binary() ? img : threshold_any(img, threshold);
  if (area_min == 0.0) return bin;
  const double min_area = area_min * static_cast<double>(img.size().area());
  return make_like(bin, bin.size(), [&](cv::Mat& d) {
    as_mat(bin).copyTo(d);
    detail::remove_small_regions(d, min_area, connectivity);
  });
}

namespace detail {
Image binarise(const Image& mask, const char* op) {
  require_image(mask, op);
  return to_binary(mask, 0.0);
}
}  // namespace detail

Image set_minmax(const Image& img, double min, double max) {
  require_image(img, "set_minmax");
  if (img.is_binary()) throw InvalidArgument("set_minmax: needs an RGB or L image, got a binary image");
  if (!(min >= 0 && max <= 1 && min < max))
    throw InvalidArgument("set_minmax: needs 0 <= min < max <= 1 (fractions of the full range), got " +
                          std::to_string(min) + " and " + std::to_string(max));
  const bool fl = img.pixel_type() == PixelType::F32;
  const double unit = fl ? 1.0 : 255.0;  // the target in storage units
  const double tmin = min * unit, tmax = max * unit;
  double lo, hi;
  cv::minMaxLoc(as_mat(img).reshape(1), &lo, &hi);
  return make_like(img, img.size(), [&](cv::Mat& d) {
    if (hi == lo) {  // constant: no range to stretch
      d.setTo(cv::Scalar::all(fl ? tmin : std::floor(tmin + 0.5)));
      return;
    }
    if (fl) {
      const double scale = (tmax - tmin) / (hi - lo);
      as_mat(img).convertTo(d, d.type(), scale, tmin - lo * scale);
      return;
    }
    // uint8: tmin + (v - lo) * (tmax - tmin) / (hi - lo), rounded half up, per level.
    cv::Mat lut(1, 256, CV_8U);
    for (int v = 0; v < 256; ++v)
      lut.at<std::uint8_t>(v) =
          cv::saturate_cast<std::uint8_t>(std::floor(tmin + (v - lo) * (tmax - tmin) / (hi - lo) + 0.5));
    cv::LUT(as_mat(img), lut, d);
  });
}

Image invert_binary(const Image& img) {
  require_mode(img, Mode::Binary, "invert_binary");
  const auto v = img.u8_view();
  return Image::generate(img.size(), Mode::Binary, PixelType::U8, [&](std::span<std::byte> b) {
    for (std::size_t i = 0; i < v.size(); ++i) b[i] = static_cast<std::byte>(v[i] ^ 1);
  });
}

Image invert_rgb(const Image& img) {
  require_image(img, "invert_rgb");
  if (img.is_binary()) throw InvalidArgument("invert_rgb: binary images are inverted with invert_binary()");
  return make_like(img, img.size(), [&](cv::Mat& d) {
    if (img.pixel_type() == PixelType::F32)
      cv::subtract(cv::Scalar::all(1.0), as_mat(img), d);
    else
      cv::bitwise_not(as_mat(img), d);
  });
}

Image rgb2bgr(const Image& img) {
  require_mode(img, Mode::RGB, "rgb2bgr");
  return make_like(img, img.size(), [&](cv::Mat& d) { cv::cvtColor(as_mat(img), d, cv::COLOR_RGB2BGR); });
}

Image bgr2rgb(const Image& img) { return rgb2bgr(img); }

}  // namespace pixelcache
