// Resampling (ops.hpp: resize, downsample, resize_min_size), after Pillow's
// Resample.c: the same filter kernels, the same per-output-pixel coefficient
// windows, and 22-bit fixed point for uint8. Passes run in the cheaper order
// (vertical first when rows shrink), rows in parallel.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <opencv2/core.hpp>

#include "../image_storage.hpp"
#include "ops_internal.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/ops.hpp"
#include "resample_internal.hpp"

namespace pixelcache {

Interpolation parse_interpolation(std::string_view name) {
  if (name == "nearest") return Interpolation::Nearest;
  if (name == "bilinear") return Interpolation::Bilinear;
  if (name == "bicubic") return Interpolation::Bicubic;
  if (name == "lanczos") return Interpolation::Lanczos;
  if (name == "area") return Interpolation::Area;
  throw InvalidArgument("unknown interpolation '" + std::string(name) +
                        "' (expected nearest, bilinear, bicubic, lanczos or area)");
}

namespace detail {

double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }
double bilinear_filter(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}
double bicubic_filter(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
namespace {
double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}
}  // namespace
double lanczos_filter(double x) { return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0; }

Filter filter_for(Interpolation i) {
  switch (i) {
    case Interpolation::Area: return {box_filter, 0.5};
    case Interpolation::Bilinear: return {bilinear_filter, 1.0};
    case Interpolation::Bicubic: return {bicubic_filter, 2.0};
    case Interpolation::Lanczos: return {lanczos_filter, 3.0};
    case Interpolation::Nearest: break;
  }
  return {bilinear_filter, 1.0};
}

Coeffs precompute(int in_size, int out_size, Filter f, double in0, double extent) {
  const double scale = extent / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = f.support * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.start.resize(out_size);
  c.count.resize(out_size);
  c.w.assign(static_cast<std::size_t>(out_size) * c.ksize, 0.0);
  c.w8.assign(c.w.size(), 0);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double* k = &c.w[static_cast<std::size_t>(xx) * c.ksize];
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double v = f.fn((x + xmin - center + 0.5) * ss);
      k[x] = v;
      ww += v;
    }
    for (int x = 0; x < xmax; ++x)
      if (ww != 0.0) k[x] /= ww;
    for (int x = 0; x < c.ksize; ++x) {
      const double v = k[x] * (1 << kPrecisionBits);
      c.w8[static_cast<std::size_t>(xx) * c.ksize + x] = static_cast<std::int32_t>(v < 0 ? v - 0.5 : v + 0.5);
    }
    c.start[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

// Source index of each output index for NEAREST, as Pillow's
// ImagingScaleAffine computes it: the position accumulates in double, so at
// exact pixel boundaries the result is Pillow's, not floor((x + 0.5) * scale).
std::vector<int> nearest_table(int in_size, int out_size, double in0, double extent) {
  const double scale = extent / out_size;
  std::vector<int> t(out_size);
  double pos = in0 + scale * 0.5;
  for (int x = 0; x < out_size; ++x, pos += scale) t[x] = std::clamp(static_cast<int>(pos), 0, in_size - 1);
  return t;
}

}  // namespace detail

namespace {

using detail::clip8;
using detail::Coeffs;
using detail::Filter;
using detail::filter_for;
using detail::kPrecisionBits;
using detail::nearest_table;
using detail::precompute;

// A plain row-major buffer: rows x (cols * ch) samples of T.
template <class T>
struct Plane {
  int rows = 0, cols = 0, ch = 0;
  const T* data = nullptr;
  std::size_t stride() const { return static_cast<std::size_t>(cols) * ch; }
};

// Hot loops: cloned for AVX2 where the CPU has it, and vectorised at -O3
// (g++; clang, the fuzz preset's compiler, has no `optimize` attribute).
#if defined(__clang__)
#define PIXELCACHE_HOT_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define PIXELCACHE_HOT_LOOP __attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif

// Vertical pass kernel: acc[j] = sum_i row_i[j] * k_i over a whole row, so
// the inner loop vectorises.
PIXELCACHE_HOT_LOOP void vertical_row_u8(std::uint8_t* out, const std::uint8_t* in, std::size_t stride, std::size_t n,
                                         const std::int32_t* k, int taps, std::int32_t* acc) {
  for (std::size_t j = 0; j < n; ++j) acc[j] = 1 << (kPrecisionBits - 1);
  for (int i = 0; i < taps; ++i) {
    const std::uint8_t* row = in + static_cast<std::size_t>(i) * stride;
    const std::int32_t w = k[i];
    for (std::size_t j = 0; j < n; ++j) acc[j] += row[j] * w;
  }
  for (std::size_t j = 0; j < n; ++j) out[j] = clip8(acc[j]);
}

PIXELCACHE_HOT_LOOP void vertical_row_f32(float* out, const float* in, std::size_t stride, std::size_t n,
                                          const double* k, int taps, float* acc) {
  for (std::size_t j = 0; j < n; ++j) acc[j] = 0.0f;
  for (int i = 0; i < taps; ++i) {
    const float* row = in + static_cast<std::size_t>(i) * stride;
    const auto w = static_cast<float>(k[i]);
    for (std::size_t j = 0; j < n; ++j) acc[j] += row[j] * w;
  }
  for (std::size_t j = 0; j < n; ++j) out[j] = std::clamp(acc[j], 0.0f, 1.0f);
}

template <class T>
void vertical_pass(const Plane<T>& in, T* out, int out_rows, const Coeffs& c) {
  const std::size_t n = in.stride();
  cv::parallel_for_(cv::Range(0, out_rows), [&](const cv::Range& r) {
    std::vector<std::conditional_t<std::is_same_v<T, float>, float, std::int32_t>> acc(n);
    for (int y = r.start; y < r.end; ++y) {
      const std::size_t ko = static_cast<std::size_t>(y) * c.ksize;
      const T* first = in.data + static_cast<std::size_t>(c.start[y]) * n;
      if constexpr (std::is_same_v<T, float>)
        vertical_row_f32(out + y * n, first, n, n, &c.w[ko], c.count[y], acc.data());
      else
        vertical_row_u8(out + y * n, first, n, n, &c.w8[ko], c.count[y], acc.data());
    }
  });
}

template <class T, int CH>
void horizontal_rows(const Plane<T>& in, T* out, int out_cols, const Coeffs& c, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    const T* row = in.data + static_cast<std::size_t>(y) * in.stride();
    T* o = out + static_cast<std::size_t>(y) * out_cols * CH;
    for (int x = 0; x < out_cols; ++x) {
      const std::size_t ko = static_cast<std::size_t>(x) * c.ksize;
      const T* p = row + static_cast<std::size_t>(c.start[x]) * CH;
      if constexpr (std::is_same_v<T, float>) {
        float acc[CH] = {};
        for (int i = 0; i < c.count[x]; ++i)
          for (int ch = 0; ch < CH; ++ch) acc[ch] += p[i * CH + ch] * static_cast<float>(c.w[ko + i]);
        for (int ch = 0; ch < CH; ++ch) o[x * CH + ch] = std::clamp(acc[ch], 0.0f, 1.0f);
      } else {
        std::int32_t acc[CH];
        for (int ch = 0; ch < CH; ++ch) acc[ch] = 1 << (kPrecisionBits - 1);
        for (int i = 0; i < c.count[x]; ++i)
          for (int ch = 0; ch < CH; ++ch) acc[ch] += p[i * CH + ch] * c.w8[ko + i];
        for (int ch = 0; ch < CH; ++ch) o[x * CH + ch] = clip8(acc[ch]);
      }
    }
  }
}

template <class T>
void horizontal_pass(const Plane<T>& in, T* out, int out_cols, const Coeffs& c) {
  cv::parallel_for_(cv::Range(0, in.rows), [&](const cv::Range& r) {
    if (in.ch == 3)
      horizontal_rows<T, 3>(in, out, out_cols, c, r.start, r.end);
    else
      horizontal_rows<T, 1>(in, out, out_cols, c, r.start, r.end);
  });
}

// The source region resampled, in source pixels: rows [top, top + height),
// columns [left, left + width) (the whole image, or less for
// resize_region()).
struct Extent {
  double top = 0, left = 0, height = 0, width = 0;
  bool whole(int rows, int cols) const { return top == 0 && left == 0 && height == rows && width == cols; }
};

// Both passes over the region `e`: the cheaper order (vertical first when
// rows shrink), or with `pillow_order` Pillow's (horizontal first), whose
// uint8 intermediate rounds exactly as Pillow's does.
template <class T>
void resample(const Plane<T>& src, T* dst, ImageSize out, Filter f, Extent e, bool pillow_order = false) {
  const bool need_h = out.width != src.cols || e.left != 0 || e.width != src.cols;
  const bool need_v = out.height != src.rows || e.top != 0 || e.height != src.rows;
  const Coeffs ch = need_h ? precompute(src.cols, out.width, f, e.left, e.width) : Coeffs{};
  const Coeffs cv_ = need_v ? precompute(src.rows, out.height, f, e.top, e.height) : Coeffs{};
  if (need_h && need_v) {
    std::vector<T> tmp;
    if (out.height < src.rows && !pillow_order) {  // shrink rows first: the second pass sees fewer rows
      tmp.resize(static_cast<std::size_t>(out.height) * src.stride());
      vertical_pass(src, tmp.data(), out.height, cv_);
      horizontal_pass(Plane<T>{out.height, src.cols, src.ch, tmp.data()}, dst, out.width, ch);
    } else {
      tmp.resize(static_cast<std::size_t>(src.rows) * out.width * src.ch);
      horizontal_pass(src, tmp.data(), out.width, ch);
      vertical_pass(Plane<T>{src.rows, out.width, src.ch, tmp.data()}, dst, out.height, cv_);
    }
  } else if (need_h) {
    horizontal_pass(src, dst, out.width, ch);
  } else {
    vertical_pass(src, dst, out.height, cv_);
  }
}

// Pillow's NEAREST: the source pixel under each output pixel's centre.
Image resize_nearest(const Image& img, ImageSize size, Extent e) {
  const int c = img.channels();
  const std::size_t es = img.pixel_type() == PixelType::F32 ? 4 : 1;
  const std::vector<int> xs = nearest_table(img.width(), size.width, e.left, e.width);
  const std::vector<int> ys = nearest_table(img.height(), size.height, e.top, e.height);
  const auto* src = static_cast<const std::uint8_t*>(img.data());
  const std::size_t in_row = static_cast<std::size_t>(img.width()) * c * es;
  const std::size_t px = c * es;
  return Image::generate(size, img.mode(), img.pixel_type(), [&](std::span<std::byte> b) {
    auto* out = reinterpret_cast<std::uint8_t*>(b.data());
    cv::parallel_for_(cv::Range(0, size.height), [&](const cv::Range& r) {
      for (int y = r.start; y < r.end; ++y) {
        const std::uint8_t* row = src + ys[y] * in_row;
        std::uint8_t* o = out + static_cast<std::size_t>(y) * size.width * px;
        for (int x = 0; x < size.width; ++x) std::memcpy(o + x * px, row + xs[x] * px, px);
      }
    });
  });
}

}  // namespace

namespace detail {

void resample_line_u8(const std::uint8_t* in, int channels, std::uint8_t* out, int out_size, const Coeffs& c) {
  const Plane<std::uint8_t> line{1, 0, channels, in};  // one row: the stride is never used
  if (channels == 3)
    horizontal_rows<std::uint8_t, 3>(line, out, out_size, c, 0, 1);
  else
    horizontal_rows<std::uint8_t, 1>(line, out, out_size, c, 0, 1);
}

void vertical_pass_u8(const std::uint8_t* in, int rows, int cols, int channels, std::uint8_t* out, int out_rows,
                      const Coeffs& c) {
  vertical_pass(Plane<std::uint8_t>{rows, cols, channels, in}, out, out_rows, c);
}

}  // namespace detail

ImageSize resized_size(ImageSize from, ImageSize to) {
  if (to.height < 0 || to.width < 0 || (to.height == 0 && to.width == 0))
    throw InvalidArgument("resize: target size " + to.to_string() +
                          " must be positive (one side may be 0 to keep the aspect ratio)");
  const auto scaled = [](int side, int given, int given_from) {
    const double v = std::nearbyint(static_cast<double>(side) * given / given_from);
    return static_cast<int>(std::clamp(v, 1.0, static_cast<double>(std::numeric_limits<int>::max())));
  };
  if (to.height == 0) return {scaled(from.height, to.width, from.width), to.width};
  if (to.width == 0) return {to.height, scaled(from.width, to.height, from.height)};
  return to;
}

namespace {

// resize() of the region `e` of `img` to `size` (validated).
Image resample_image(const Image& img, ImageSize size, Interpolation interpolation, Extent e) {
  if (size == img.size() && e.whole(img.height(), img.width())) return img;
  // The result's size against max_image_bytes() before any table of it (a
  // side of 940724989 made a 3.7 GB index table, then failed the limit).
  detail::checked_sample_count(size, img.channels(), img.pixel_type() == PixelType::F32 ? 4 : 1, "resize");
  if (interpolation == Interpolation::Nearest) return resize_nearest(img, size, e);
  const Filter f = filter_for(interpolation);
  if (img.is_binary()) {
    // Resample as 0 / 255 and threshold at half: no edge growth.
    const Image gray = to_gray(img);
    return Image::generate(size, Mode::Binary, PixelType::U8, [&](std::span<std::byte> b) {
      auto* out = reinterpret_cast<std::uint8_t*>(b.data());
      resample(Plane<std::uint8_t>{img.height(), img.width(), 1, gray.u8_view().data()}, out, size, f, e);
      for (std::size_t i = 0; i < b.size(); ++i) out[i] = out[i] >= 128 ? 1 : 0;
    });
  }
  const int c = img.channels();
  if (img.pixel_type() == PixelType::F32) {
    const auto v = img.f32_view();
    return Image::generate(size, img.mode(), PixelType::F32, [&](std::span<std::byte> b) {
      resample(Plane<float>{img.height(), img.width(), c, v.data()}, reinterpret_cast<float*>(b.data()), size, f, e);
    });
  }
  const auto v = img.u8_view();
  return Image::generate(size, img.mode(), PixelType::U8, [&](std::span<std::byte> b) {
    resample(Plane<std::uint8_t>{img.height(), img.width(), c, v.data()}, reinterpret_cast<std::uint8_t*>(b.data()),
             size, f, e);
  });
}

}  // namespace

Image resize(const Image& img, ImageSize size, Interpolation interpolation) {
  if (img.empty()) throw InvalidArgument("resize: the image is empty");
  size = resized_size(img.size(), size);
  size.validate("resize: target size");
  return resample_image(img, size, interpolation, {0, 0, double(img.height()), double(img.width())});
}

Image resize_region(const Image& img, ImageSize size, std::array<double, 4> region, Interpolation interpolation) {
  if (img.empty()) throw InvalidArgument("resize_region: the image is empty");
  size.validate("resize_region: target size");
  const auto [top, left, height, width] = region;
  if (!(top >= 0 && left >= 0 && height > 0 && width > 0 && top + height <= img.height() &&
        left + width <= img.width()))
    throw InvalidArgument("resize_region: the region (top " + std::to_string(top) + ", left " + std::to_string(left) +
                          ", height " + std::to_string(height) + ", width " + std::to_string(width) +
                          ") must be inside the " + img.size().to_string() + " image and not empty");
  return resample_image(img, size, interpolation, {top, left, height, width});
}

namespace detail {

Image resize_pillow_order(const Image& img, ImageSize size, Interpolation interpolation) {
  if (img.empty() || img.is_binary() || img.pixel_type() != PixelType::U8 || interpolation == Interpolation::Nearest)
    throw InvalidArgument("resize_pillow_order: needs an 8-bit RGB or L image and a convolution filter");
  size.validate("resize: target size");
  if (size == img.size()) return img;
  const auto v = img.u8_view();
  return Image::generate(size, img.mode(), PixelType::U8, [&](std::span<std::byte> b) {
    resample(Plane<std::uint8_t>{img.height(), img.width(), img.channels(), v.data()},
             reinterpret_cast<std::uint8_t*>(b.data()), size, filter_for(interpolation),
             Extent{0, 0, double(img.height()), double(img.width())}, true);
  });
}

}  // namespace detail

Image downsample(const Image& img, int factor, Interpolation interpolation) {
  if (factor < 1) throw InvalidArgument("downsample: factor must be an integer >= 1, got " + std::to_string(factor));
  if (img.empty()) throw InvalidArgument("downsample: the image is empty");
  const ImageSize size{img.height() / factor, img.width() / factor};  // the original's h // factor
  if (size.height == 0 || size.width == 0)
    throw InvalidArgument("downsample: factor " + std::to_string(factor) + " leaves no pixel of the " +
                          img.size().to_string() + " image");
  return resize(img, size, interpolation);
}

ImageSize min_size_resized(ImageSize from, int min_size, int modulo) {
  if (min_size <= 0 || modulo <= 0)
    throw InvalidArgument("resize_min_size: min_size and modulo must be positive, got " + std::to_string(min_size) +
                          " and " + std::to_string(modulo));
  // The original: the shorter side (the width when square) becomes min_size,
  // the other round(side * min_size / shorter) with Python's round (ties to
  // even: nearbyint in the default rounding mode); both floored to modulo.
  const int h = from.height, w = from.width;
  auto scaled = [&](int side, int shorter) {
    return static_cast<long long>(std::nearbyint(static_cast<double>(side) * min_size / shorter));
  };
  long long nh = min_size, nw = min_size;
  if (h < w)
    nw = scaled(w, h);
  else
    nh = scaled(h, w);
  nh -= nh % modulo;
  nw -= nw % modulo;
  const std::string what = "resize_min_size: min_size " + std::to_string(min_size) + " with modulo " +
                           std::to_string(modulo) + " on the " + from.to_string() + " image ";
  if (nh <= 0 || nw <= 0) throw InvalidArgument(what + "leaves a side of 0 pixels");
  if (std::max(nh, nw) > std::numeric_limits<int>::max())
    throw InvalidArgument(what + "gives a side of " + std::to_string(std::max(nh, nw)) + " pixels");
  return {static_cast<int>(nh), static_cast<int>(nw)};
}

Image resize_min_size(const Image& img, int min_size, int modulo, Interpolation interpolation) {
  if (min_size <= 0 || modulo <= 0)
    throw InvalidArgument("resize_min_size: min_size and modulo must be positive, got " + std::to_string(min_size) +
                          " and " + std::to_string(modulo));
  if (img.empty()) throw InvalidArgument("resize_min_size: the image is empty");
  return resize(img, min_size_resized(img.size(), min_size, modulo), interpolation);
}

}  // namespace pixelcache
