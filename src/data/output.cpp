// Samples written into the output layout and type (data.hpp, write_sample):
// the uint8 -> float32 conversion, the normalisation and the HWC -> CHW
// transpose in one pass over the pixels. uint8 samples go through a table of
// the 256 values per channel, computed with torch's operations (a division
// by 255, a subtraction, a division, each rounded to float32), so every
// sample is bit for bit what ToTensor + Normalize give; float32 samples use
// the same arithmetic directly. The loops are branch-free and built with -O3.
#include <cmath>
#include <cstring>

#include "pixelcache/data.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache::data {

namespace {

// Per-channel (mean, std), expanded to three channels; identity when both
// are empty.
struct Norm {
  float mean[3] = {0, 0, 0};
  float std[3] = {1, 1, 1};
  bool active = false;
};

Norm norm_of(const OutputFormat& f) {
  Norm n;
  n.active = !f.mean.empty() || !f.std.empty();
  for (int c = 0; c < 3; ++c) {
    if (!f.mean.empty()) n.mean[c] = f.mean.size() == 1 ? f.mean[0] : f.mean[static_cast<std::size_t>(c)];
    if (!f.std.empty()) n.std[c] = f.std.size() == 1 ? f.std[0] : f.std[static_cast<std::size_t>(c)];
  }
  return n;
}

// The float32 value of each level k of each channel: k / 255, then
// (v - m) / s — computed with the very operations (and so the rounding) of
// the scalar formula and of torch's ops, once per level instead of per
// sample (768 entries; a per-sample division costs ~3x the whole write).
struct Table {
  float v[3][256];
};

void fill_table(Table& t, const Norm& norm) {
  for (int c = 0; c < 3; ++c)
    for (int k = 0; k < 256; ++k) {
      const float v = static_cast<float>(k) / 255.0f;
      t.v[c][k] = norm.active ? (v - norm.mean[c]) / norm.std[c] : v;
    }
}

// uint8 HWC -> float32 planes through the table.
void u8_to_chw(const std::uint8_t* __restrict src, std::size_t n, float* __restrict out, const Table& t) {
  float* __restrict r = out;
  float* __restrict g = out + n;
  float* __restrict b = out + 2 * n;
  const float* __restrict t0 = t.v[0];
  const float* __restrict t1 = t.v[1];
  const float* __restrict t2 = t.v[2];
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = t0[src[3 * i]];
    g[i] = t1[src[3 * i + 1]];
    b[i] = t2[src[3 * i + 2]];
  }
}

// uint8 HWC -> float32 HWC through the table.
void u8_to_hwc(const std::uint8_t* __restrict src, std::size_t n, float* __restrict out, const Table& t) {
  const float* __restrict t0 = t.v[0];
  const float* __restrict t1 = t.v[1];
  const float* __restrict t2 = t.v[2];
  for (std::size_t i = 0; i < n; ++i) {
    out[3 * i] = t0[src[3 * i]];
    out[3 * i + 1] = t1[src[3 * i + 1]];
    out[3 * i + 2] = t2[src[3 * i + 2]];
  }
}

// float32 HWC (values in [0, 1]) -> float32, normalised, in either layout.
void f32_to(const float* __restrict src, std::size_t n, float* __restrict out, const Norm& norm, bool chw) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < 3; ++c) {
      const float v = norm.active ? (src[3 * i + c] - norm.mean[c]) / norm.std[c] : src[3 * i + c];
      out[chw ? c * n + i : 3 * i + c] = v;
    }
}

// uint8 HWC -> uint8 planes.
void u8_planes(const std::uint8_t* __restrict src, std::size_t n, std::uint8_t* __restrict out) {
  std::uint8_t* __restrict r = out;
  std::uint8_t* __restrict g = out + n;
  std::uint8_t* __restrict b = out + 2 * n;
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = src[3 * i];
    g[i] = src[3 * i + 1];
    b[i] = src[3 * i + 2];
  }
}

}  // namespace

void OutputFormat::validate() const {
  auto check = [](const std::vector<float>& v, const char* name, bool is_std) {
    if (v.empty()) return;
    if (v.size() != 1 && v.size() != 3)
      throw InvalidArgument(std::string(name) + " must have 1 or 3 values (R, G, B), got " + std::to_string(v.size()));
    for (float x : v)
      if (!std::isfinite(x) || (is_std && x == 0.0f))
        throw InvalidArgument(std::string(name) + " values must be finite" + (is_std ? " and not 0" : "") + ", got " +
                              std::to_string(x));
  };
  check(mean, "mean", false);
  check(std, "std", true);
  if (type == OutputType::U8 && (!mean.empty() || !std.empty()))
    throw InvalidArgument("mean / std need float32 output: uint8 samples cannot be normalised");
}

std::size_t OutputFormat::sample_bytes(ImageSize size) const noexcept {
  return size.area() * 3 * (type == OutputType::F32 ? sizeof(float) : 1);
}

std::array<std::int64_t, 3> OutputFormat::shape(ImageSize size) const noexcept {
  if (layout == OutputLayout::CHW) return {3, size.height, size.width};
  return {size.height, size.width, 3};
}

void write_sample(const Image& img, const OutputFormat& format, std::span<std::byte> out) {
  if (!img.is_rgb()) throw InvalidArgument("write_sample: expected an RGB image, got " + img.to_string());
  const std::size_t want = format.sample_bytes(img.size());
  if (out.size() != want)
    throw InvalidArgument("write_sample: the output holds " + std::to_string(out.size()) + " bytes, a " +
                          img.size().to_string() + " sample needs " + std::to_string(want));
  const std::size_t n = img.size().area();
  const bool chw = format.layout == OutputLayout::CHW;
  if (format.type == OutputType::U8) {
    const Image u8 = img.pixel_type() == PixelType::U8 ? img : img.as_u8();
    const auto* src = static_cast<const std::uint8_t*>(u8.data());
    auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
    if (chw)
      u8_planes(src, n, dst);
    else
      std::memcpy(dst, src, 3 * n);
    return;
  }
  if (reinterpret_cast<std::uintptr_t>(out.data()) % alignof(float) != 0)
    throw InvalidArgument("write_sample: float32 output must be aligned to 4 bytes");
  const Norm norm = norm_of(format);
  auto* dst = reinterpret_cast<float*>(out.data());
  if (img.pixel_type() == PixelType::F32) {
    f32_to(static_cast<const float*>(img.data()), n, dst, norm, chw);
    return;
  }
  const auto* src = static_cast<const std::uint8_t*>(img.data());
  Table table;
  fill_table(table, norm);
  if (chw)
    u8_to_chw(src, n, dst, table);
  else
    u8_to_hwc(src, n, dst, table);
}

}  // namespace pixelcache::data
