// The three hashes of phash.hpp with imagehash's definitions: gray levels
// (Pillow's convert("L")), the Lanczos reduction in Pillow's pass order, and
// the bits; hashes of encoded data with shrink-on-load; default thresholds.
#include "pixelcache/phash.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "codec/codec.hpp"
#include "mapped_file.hpp"
#include "ops/ops_internal.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

namespace {

constexpr int kMaxHashSize = 64;
constexpr int kMaxReducedSide = 1024;
// hash_load_options: the decoded image stays at least this many times the
// reduced size a side (see phash.hpp).
constexpr int kShrinkFactor = 4;

// The reduced gray levels imagehash's hashes start from: Pillow's
// convert("L") then resize(size, LANCZOS), as 8-bit L.
Image reduce(const Image& img, ImageSize size, const char* what) {
  if (img.empty()) throw InvalidArgument(std::string(what) + ": the image is empty");
  const Image gray = to_gray(img.pixel_type() == PixelType::F32 ? img.as_u8() : img);
  return detail::resize_pillow_order(gray, size, Interpolation::Lanczos);
}

ImageHash average_bits(const Image& small) {
  const auto px = small.u8_view();
  // numpy.mean(pixels) in float64 is sum / n; pixel > sum / n exactly when
  // pixel * n > sum (integers: no rounding can cross an integer).
  std::uint64_t sum = 0;
  for (std::uint8_t v : px) sum += v;
  const std::uint64_t n = px.size();
  std::vector<std::uint8_t> bits(px.size());
  for (std::size_t i = 0; i < px.size(); ++i) bits[i] = px[i] * n > sum ? 1 : 0;
  return ImageHash(small.height(), small.width(), bits);
}

ImageHash difference_bits(const Image& small) {
  const auto px = small.u8_view();
  const int h = small.height(), w = small.width();
  std::vector<std::uint8_t> bits(static_cast<std::size_t>(h) * (w - 1));
  for (int r = 0; r < h; ++r)
    for (int c = 0; c + 1 < w; ++c) {
      const std::size_t at = static_cast<std::size_t>(r) * w + c;
      bits[static_cast<std::size_t>(r) * (w - 1) + c] = px[at + 1] > px[at] ? 1 : 0;
    }
  return ImageHash(h, w - 1, bits);
}

// scipy.fftpack.dct's type II, unnormalised: X[k] = 2 sum_n x[n] cos(pi k
// (2n + 1) / 2N); cosines[k * n_size + n] for the first `keep` k.
std::vector<double> dct_table(int n_size, int keep) {
  std::vector<double> t(static_cast<std::size_t>(keep) * n_size);
  for (int k = 0; k < keep; ++k)
    for (int n = 0; n < n_size; ++n)
      t[static_cast<std::size_t>(k) * n_size + n] =
          2.0 * std::cos(std::numbers::pi * k * (2.0 * n + 1.0) / (2.0 * n_size));
  return t;
}

ImageHash perceptual_bits(const Image& small, int hash_size) {
  const auto px = small.u8_view();
  const int n = small.width();  // square
  const std::vector<double> t = dct_table(n, hash_size);
  // Along axis 0 (down the columns), keeping the first hash_size rows of
  // coefficients; then along axis 1 for those rows.
  std::vector<double> rows(static_cast<std::size_t>(hash_size) * n, 0.0);
  for (int k = 0; k < hash_size; ++k)
    for (int y = 0; y < n; ++y) {
      const double c = t[static_cast<std::size_t>(k) * n + y];
      for (int x = 0; x < n; ++x)
        rows[static_cast<std::size_t>(k) * n + x] += c * px[static_cast<std::size_t>(y) * n + x];
    }
  std::vector<double> low(static_cast<std::size_t>(hash_size) * hash_size, 0.0);
  for (int k = 0; k < hash_size; ++k)
    for (int l = 0; l < hash_size; ++l) {
      double s = 0.0;
      for (int x = 0; x < n; ++x)
        s += t[static_cast<std::size_t>(l) * n + x] * rows[static_cast<std::size_t>(k) * n + x];
      low[static_cast<std::size_t>(k) * hash_size + l] = s;
    }
  // numpy.median: the middle value, or the mean of the two middle values.
  std::vector<double> sorted = low;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t m = sorted.size();
  const double median = m % 2 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2.0;
  std::vector<std::uint8_t> bits(m);
  for (std::size_t i = 0; i < m; ++i) bits[i] = low[i] > median ? 1 : 0;
  return ImageHash(hash_size, hash_size, bits);
}

}  // namespace

const char* hash_kind_name(HashKind kind) noexcept {
  switch (kind) {
    case HashKind::Average: return "ahash";
    case HashKind::Difference: return "dhash";
    case HashKind::Perceptual: return "phash";
  }
  return "phash";
}

HashKind parse_hash_kind(std::string_view name) {
  if (name == "ahash" || name == "average_hash" || name == "average") return HashKind::Average;
  if (name == "dhash" || name == "difference_hash") return HashKind::Difference;
  if (name == "phash" || name == "perceptual_hash") return HashKind::Perceptual;
  throw InvalidArgument("unknown hash '" + escape_bytes(name) + "' (expected phash, dhash or ahash)");
}

void HashSpec::validate() const {
  if (hash_size < 2 || hash_size > kMaxHashSize)
    throw InvalidArgument("hash_size must be between 2 and " + std::to_string(kMaxHashSize) + ", got " +
                          std::to_string(hash_size));
  if (kind != HashKind::Perceptual) return;
  if (highfreq_factor < 1 || highfreq_factor > kMaxHashSize ||
      static_cast<long long>(hash_size) * highfreq_factor > kMaxReducedSide)
    throw InvalidArgument("highfreq_factor must be between 1 and " + std::to_string(kMaxHashSize) +
                          " with hash_size * highfreq_factor at most " + std::to_string(kMaxReducedSide) + ", got " +
                          std::to_string(highfreq_factor) + " (hash_size " + std::to_string(hash_size) + ")");
}

ImageSize HashSpec::reduced_size() const {
  switch (kind) {
    case HashKind::Average: return {hash_size, hash_size};
    case HashKind::Difference: return {hash_size, hash_size + 1};
    case HashKind::Perceptual: break;
  }
  return {hash_size * highfreq_factor, hash_size * highfreq_factor};
}

std::string HashSpec::to_string() const {
  std::string s = std::string(hash_kind_name(kind)) + " " + std::to_string(hash_size) + "x" + std::to_string(hash_size);
  if (kind == HashKind::Perceptual) s += " (highfreq_factor " + std::to_string(highfreq_factor) + ")";
  return s;
}

ImageHash image_hash(const Image& img, const HashSpec& spec) {
  spec.validate();
  const char* name = hash_kind_name(spec.kind);
  const Image small = reduce(img, spec.reduced_size(), name);
  switch (spec.kind) {
    case HashKind::Average: return average_bits(small);
    case HashKind::Difference: return difference_bits(small);
    case HashKind::Perceptual: break;
  }
  return perceptual_bits(small, spec.hash_size);
}

ImageHash average_hash(const Image& img, int hash_size) { return image_hash(img, {HashKind::Average, hash_size, 4}); }

ImageHash dhash(const Image& img, int hash_size) { return image_hash(img, {HashKind::Difference, hash_size, 4}); }

ImageHash phash(const Image& img, int hash_size, int highfreq_factor) {
  return image_hash(img, {HashKind::Perceptual, hash_size, highfreq_factor});
}

LoadOptions hash_load_options(const HashSpec& spec, LoadOptions base) {
  spec.validate();
  const ImageSize r = spec.reduced_size();
  base.shrink_hint = {r.height * kShrinkFactor, r.width * kShrinkFactor};
  base.shrink_min_side = 0;
  return base;
}

namespace {
// The image the hash of encoded data starts from: decode() with the hash's
// shrink-on-load, a JPEG as its luma (decode_jpeg_luma(): what Pillow's
// draft("L", size) asks libjpeg for; on every core at 1/8 scale).
Image hash_source(std::span<const std::uint8_t> data, const LoadOptions& options, std::string_view source) {
  if (data.empty() || sniff_format(data) != Format::JPEG) return decode(data, options, source);
  Decoded d = detail::decode_jpeg_luma({data, options, source});
  detail::finish_decoded(d, options);
  return std::move(d.image);
}
}  // namespace

ImageHash hash_bytes(std::span<const std::uint8_t> data, const HashSpec& spec, const LoadOptions& options,
                     std::string_view source) {
  return image_hash(hash_source(data, hash_load_options(spec, options), source), spec);
}

ImageHash hash_file(const std::string& path_or_url, const HashSpec& spec, const LoadOptions& options) {
  const LoadOptions o = hash_load_options(spec, options);
  const detail::InputBytes input(path_or_url, o.fetch);
  return image_hash(hash_source(input.bytes(), o, path_or_url), spec);
}

int default_threshold(const HashSpec& spec) {
  spec.validate();
  const double per_64 = spec.kind == HashKind::Average ? 8.0 : 10.0;
  return static_cast<int>(std::lround(per_64 * spec.bits() / 64.0));
}

}  // namespace pixelcache
