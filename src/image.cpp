// The Image value: storage, construction, normalisation on entry, views,
// conversions, digest and statistics (image.hpp).
#include "pixelcache/image.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include "image_storage.hpp"
#include "pixelcache/error.hpp"

static_assert(std::endian::native == std::endian::little, "pixelcache assumes a little-endian host");

namespace pixelcache {

const char* mode_name(Mode mode) noexcept {
  switch (mode) {
    case Mode::RGB: return "RGB";
    case Mode::L: return "L";
    case Mode::Binary: return "1";
  }
  return "?";
}

Mode parse_mode(std::string_view name) {
  if (name == "RGB") return Mode::RGB;
  if (name == "L") return Mode::L;
  if (name == "1") return Mode::Binary;
  throw InvalidArgument("unknown image mode '" + std::string(name) + "' (expected RGB, L or 1)");
}

int mode_channels(Mode mode) noexcept { return mode == Mode::RGB ? 3 : 1; }

namespace detail {

std::size_t checked_sample_count(ImageSize size, int channels, std::size_t elem_size, std::string_view what) {
  if (size.height <= 0 || size.width <= 0)
    throw InvalidArgument(std::string(what) + ": image size must be positive, got " + size.to_string());
  const auto area = static_cast<unsigned __int128>(size.height) * static_cast<unsigned __int128>(size.width);
  const auto bytes = area * static_cast<unsigned>(channels) * elem_size;
  const std::uint64_t limit = max_image_bytes();
  if (bytes > limit)
    throw LimitError(std::string(what) + ": a " + size.to_string() + " image needs " +
                     std::to_string(static_cast<std::uint64_t>(std::min<unsigned __int128>(bytes, UINT64_MAX))) +
                     " bytes, more than the limit of " + std::to_string(limit) + " (set_max_image_bytes)");
  return static_cast<std::size_t>(area) * static_cast<std::size_t>(channels);
}

namespace {
std::atomic<std::uint64_t> g_max_image_bytes{kDefaultMaxImageBytes};
}  // namespace

std::shared_ptr<Image::Storage> allocate(ImageSize size, Mode mode, PixelType type, std::size_t extra) {
  auto s = std::make_shared<Image::Storage>();
  s->size = size;
  s->mode = mode;
  s->type = type;
  const std::size_t elem = type == PixelType::F32 ? 4 : 1;
  s->nbytes = checked_sample_count(size, mode_channels(mode), elem, "image") * elem;
  s->bytes = allocate_pixels(s->nbytes + extra);
  return s;
}

namespace {
// Converts float storage whose samples are all exactly k/255 to uint8.
// Returns nullptr when some sample is not exact.
std::shared_ptr<Image::Storage> exact_u8(const Image::Storage& f) {
  const auto* src = reinterpret_cast<const float*>(f.bytes.get());
  const std::size_t n = f.nbytes / 4;
  auto out = allocate(f.size, f.mode, PixelType::U8);
  auto* dst = reinterpret_cast<std::uint8_t*>(out->bytes.get());
  for (std::size_t i = 0; i < n; ++i) {
    const float v = src[i];
    const long k = std::lrint(v * 255.0f);
    if (static_cast<float>(k) / 255.0f != v) return nullptr;
    dst[i] = static_cast<std::uint8_t>(k);
  }
  return out;
}
}  // namespace

std::shared_ptr<const Image::Storage> finalize(std::shared_ptr<Image::Storage> s, std::string_view source) {
  if (s->type == PixelType::U8) {
    if (s->mode == Mode::Binary) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(s->bytes.get());
      if (std::any_of(p, p + s->nbytes, [](std::uint8_t v) { return v > 1; }))
        throw InvalidArgument(std::string(source) + ": binary samples must be 0 or 1");
    }
    return s;
  }
  if (s->mode == Mode::Binary) throw InvalidArgument(std::string(source) + ": binary images cannot have float storage");
  auto* p = reinterpret_cast<float*>(s->bytes.get());
  const std::size_t n = s->nbytes / 4;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = p[i];
    if (!(v >= 0.0f && v <= 1.0f)) {  // also catches NaN
      throw InvalidArgument(std::string(source) + ": float samples must be finite and within [0, 1], got " +
                            std::to_string(v) + " at index " + std::to_string(i));
    }
    if (v == 0.0f) p[i] = 0.0f;  // canonical +0.0
  }
  if (auto u8 = exact_u8(*s)) return u8;
  return s;
}

void canonical_header(ImageSize size, Mode mode, PixelType type, unsigned char out[16]) noexcept {
  out[0] = 'P';
  out[1] = 'X';
  out[2] = 'C';
  out[3] = '1';
  out[4] = mode == Mode::RGB ? 'R' : (mode == Mode::L ? 'L' : '1');
  out[5] = type == PixelType::U8 ? 1 : 4;
  out[6] = static_cast<unsigned char>(mode_channels(mode));
  out[7] = 0;
  for (int i = 0; i < 4; ++i) {
    out[8 + i] = static_cast<unsigned char>(static_cast<std::uint32_t>(size.width) >> (8 * i));
    out[12 + i] = static_cast<unsigned char>(static_cast<std::uint32_t>(size.height) >> (8 * i));
  }
}

}  // namespace detail

std::uint64_t max_image_bytes() noexcept { return detail::g_max_image_bytes.load(std::memory_order_relaxed); }

void set_max_image_bytes(std::uint64_t bytes) {
  if (bytes == 0) throw InvalidArgument("set_max_image_bytes: the limit must be positive");
  detail::g_max_image_bytes.store(bytes, std::memory_order_relaxed);
}

using detail::allocate;
using detail::finalize;

// ---------------------------------------------------------------- construction

namespace {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::U8:
    case DType::Bool: return 1;
    case DType::U16: return 2;
    case DType::F32: return 4;
  }
  return 1;
}

}  // namespace

Image Image::from_raw(const void* data, const RawSpec& spec, std::string_view source) {
  const std::string src(source);
  if (!data) throw InvalidArgument(src + ": null pixel buffer");
  if (spec.channels < 1 || spec.channels > 4)
    throw InvalidArgument(src + ": unsupported channel count " + std::to_string(spec.channels) +
                          " (expected 1, 2, 3 or 4)");
  if (spec.dtype == DType::Bool && spec.channels != 1)
    throw InvalidArgument(src + ": bool buffers must have one channel, got " + std::to_string(spec.channels));
  const ImageSize size{spec.height, spec.width};
  const std::size_t es = dtype_size(spec.dtype);
  detail::checked_sample_count(size, spec.channels, es, source);

  const Mode mode = spec.dtype == DType::Bool ? Mode::Binary : (spec.channels >= 3 ? Mode::RGB : Mode::L);
  const int oc = mode_channels(mode);
  const PixelType type = spec.dtype == DType::F32 ? PixelType::F32 : PixelType::U8;

  const std::size_t packed_row = spec.layout == Layout::HWC ? static_cast<std::size_t>(spec.width) * spec.channels * es
                                                            : static_cast<std::size_t>(spec.width) * es;
  const std::size_t row_stride = spec.row_stride ? spec.row_stride : packed_row;
  if (row_stride < packed_row)
    throw InvalidArgument(src + ": row stride " + std::to_string(spec.row_stride) + " is smaller than a packed row (" +
                          std::to_string(packed_row) + " bytes)");
  const std::size_t plane_stride = row_stride * static_cast<std::size_t>(spec.height);
  const auto* base = static_cast<const std::uint8_t*>(data);

  auto s = allocate(size, mode, type);
  // Fast path: packed, already canonical channel count, uint8.
  if (spec.layout == Layout::HWC && row_stride == packed_row && spec.channels == oc && spec.dtype == DType::U8) {
    std::memcpy(s->bytes.get(), data, s->nbytes);
    return Image(finalize(std::move(s), source));
  }
  if (spec.layout == Layout::HWC && spec.channels == oc && (spec.dtype == DType::U8 || spec.dtype == DType::F32)) {
    const std::size_t out_row = static_cast<std::size_t>(spec.width) * oc * es;
    for (int y = 0; y < spec.height; ++y) std::memcpy(s->bytes.get() + y * out_row, base + y * row_stride, out_row);
    return Image(finalize(std::move(s), source));
  }

  auto sample_ptr = [&](int y, int x, int c) -> const std::uint8_t* {
    if (spec.layout == Layout::HWC)
      return base + static_cast<std::size_t>(y) * row_stride + (static_cast<std::size_t>(x) * spec.channels + c) * es;
    return base + static_cast<std::size_t>(c) * plane_stride + static_cast<std::size_t>(y) * row_stride +
           static_cast<std::size_t>(x) * es;
  };
  std::size_t i = 0;
  if (type == PixelType::F32) {
    auto* out = reinterpret_cast<float*>(s->bytes.get());
    for (int y = 0; y < spec.height; ++y)
      for (int x = 0; x < spec.width; ++x)
        for (int c = 0; c < oc; ++c) std::memcpy(&out[i++], sample_ptr(y, x, c), 4);
  } else {
    auto* out = reinterpret_cast<std::uint8_t*>(s->bytes.get());
    for (int y = 0; y < spec.height; ++y)
      for (int x = 0; x < spec.width; ++x)
        for (int c = 0; c < oc; ++c) {
          const std::uint8_t* p = sample_ptr(y, x, c);
          switch (spec.dtype) {
            case DType::U8: out[i++] = *p; break;
            case DType::Bool: out[i++] = *p ? 1 : 0; break;
            case DType::U16: {
              std::uint16_t v;
              std::memcpy(&v, p, 2);
              out[i++] = static_cast<std::uint8_t>((v * 255u + 32767u) / 65535u);
              break;
            }
            case DType::F32: break;  // handled above
          }
        }
  }
  return Image(finalize(std::move(s), source));
}

Image Image::from_u8(ImageSize size, Mode mode, std::vector<std::uint8_t> pixels) {
  const std::size_t n = detail::checked_sample_count(size, mode_channels(mode), 1, "Image::from_u8");
  if (pixels.size() != n)
    throw InvalidArgument("Image::from_u8: expected " + std::to_string(n) + " samples for a " + size.to_string() + " " +
                          mode_name(mode) + " image, got " + std::to_string(pixels.size()));
  auto s = allocate(size, mode, PixelType::U8);
  std::memcpy(s->bytes.get(), pixels.data(), n);
  return Image(finalize(std::move(s), "Image::from_u8"));
}

Image Image::from_f32(ImageSize size, Mode mode, std::vector<float> pixels) {
  const std::size_t n = detail::checked_sample_count(size, mode_channels(mode), 4, "Image::from_f32");
  if (pixels.size() != n)
    throw InvalidArgument("Image::from_f32: expected " + std::to_string(n) + " samples for a " + size.to_string() +
                          " " + mode_name(mode) + " image, got " + std::to_string(pixels.size()));
  auto s = allocate(size, mode, PixelType::F32);
  std::memcpy(s->bytes.get(), pixels.data(), n * 4);
  return Image(finalize(std::move(s), "Image::from_f32"));
}

Image Image::adopt(ImageSize size, Mode mode, PixelType type, const void* data, std::size_t nbytes,
                   std::shared_ptr<const void> owner) {
  const std::size_t elem = type == PixelType::F32 ? 4 : 1;
  const std::size_t n = detail::checked_sample_count(size, mode_channels(mode), elem, "Image::adopt") * elem;
  if (nbytes != n || data == nullptr)
    throw InvalidArgument("Image::adopt: expected " + std::to_string(n) + " bytes for a " + size.to_string() + " " +
                          mode_name(mode) + (type == PixelType::F32 ? " float32" : " uint8") + " image, got " +
                          std::to_string(nbytes));
  if (type == PixelType::F32) {
    // Exact k/255 floats become uint8 and -0.0 becomes +0.0 on entry: both
    // rewrite samples, which adopted memory must not see. Copy instead.
    RawSpec spec;
    spec.height = size.height;
    spec.width = size.width;
    spec.channels = mode_channels(mode);
    spec.dtype = DType::F32;
    return from_raw(data, spec, "Image::adopt");
  }
  auto s = std::make_shared<Image::Storage>();
  s->size = size;
  s->mode = mode;
  s->type = type;
  s->nbytes = n;
  // The storage never writes through this pointer (Storage is const once
  // finalised, and uint8 finalisation only reads).
  s->bytes = std::unique_ptr<std::byte, detail::FreeDeleter>(
      const_cast<std::byte*>(static_cast<const std::byte*>(data)), detail::FreeDeleter{std::move(owner), true});
  return Image(finalize(std::move(s), "Image::adopt"));
}

Image Image::generate(ImageSize size, Mode mode, PixelType type,
                      const std::function<void(std::span<std::byte>)>& fill) {
  auto s = allocate(size, mode, type);
  fill(std::span<std::byte>(s->bytes.get(), s->nbytes));
  return Image(finalize(std::move(s), "Image::generate"));
}

// ---------------------------------------------------------------- accessors

const Image::Storage& Image::checked() const {
  if (!storage_) throw InvalidArgument("operation on an empty Image");
  return *storage_;
}

ImageSize Image::size() const noexcept { return storage_ ? storage_->size : ImageSize{}; }
Mode Image::mode() const noexcept { return storage_ ? storage_->mode : Mode::RGB; }
PixelType Image::pixel_type() const noexcept { return storage_ ? storage_->type : PixelType::U8; }
int Image::channels() const noexcept { return storage_ ? mode_channels(storage_->mode) : 0; }
std::array<int, 3> Image::shape() const noexcept { return {height(), width(), channels()}; }
std::size_t Image::byte_size() const noexcept { return storage_ ? storage_->nbytes : 0; }
const void* Image::data() const& noexcept { return storage_ ? storage_->bytes.get() : nullptr; }

std::span<const std::uint8_t> Image::u8_view() const& {
  const auto& s = checked();
  if (s.type != PixelType::U8) throw InvalidArgument("u8_view() of a float image; use as_u8() first");
  return {reinterpret_cast<const std::uint8_t*>(s.bytes.get()), s.nbytes};
}

std::span<const float> Image::f32_view() const& {
  const auto& s = checked();
  if (s.type != PixelType::F32) throw InvalidArgument("f32_view() of a uint8 image; use as_f32() first");
  return {reinterpret_cast<const float*>(s.bytes.get()), s.nbytes / 4};
}

std::vector<std::uint8_t> Image::to_u8_vector() const {
  const Image u = as_u8();
  const auto v = u.u8_view();
  return {v.begin(), v.end()};
}

std::vector<float> Image::to_f32_vector() const {
  const auto& s = checked();
  if (s.type == PixelType::F32) {
    const auto v = f32_view();
    return {v.begin(), v.end()};
  }
  const auto v = u8_view();
  std::vector<float> out(v.size());
  const float divisor = s.mode == Mode::Binary ? 1.0f : 255.0f;
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i]) / divisor;
  return out;
}

void Image::write_planar_f32(std::span<float> out) const {
  const auto& s = checked();
  const std::size_t c = static_cast<std::size_t>(mode_channels(s.mode));
  const std::size_t plane = s.size.area();
  if (out.size() != plane * c)
    throw InvalidArgument("write_planar_f32: output holds " + std::to_string(out.size()) + " floats, the " +
                          s.size.to_string() + " image has " + std::to_string(plane * c) + " samples");
  float* dst = out.data();
  if (s.type == PixelType::F32) {
    const auto* src = reinterpret_cast<const float*>(s.bytes.get());
    for (std::size_t ch = 0; ch < c; ++ch)
      for (std::size_t i = 0; i < plane; ++i) dst[ch * plane + i] = src[i * c + ch];
    return;
  }
  float lut[256];
  const float divisor = s.mode == Mode::Binary ? 1.0f : 255.0f;
  for (int k = 0; k < 256; ++k) lut[k] = static_cast<float>(k) / divisor;
  const auto* src = reinterpret_cast<const std::uint8_t*>(s.bytes.get());
  if (c == 1) {
    for (std::size_t i = 0; i < plane; ++i) dst[i] = lut[src[i]];
    return;
  }
  float* r = dst;
  float* g = dst + plane;
  float* b = dst + 2 * plane;
  for (std::size_t i = 0; i < plane; ++i) {
    r[i] = lut[src[3 * i]];
    g[i] = lut[src[3 * i + 1]];
    b[i] = lut[src[3 * i + 2]];
  }
}

Image Image::as_u8() const {
  const auto& s = checked();
  if (s.type == PixelType::U8) return *this;
  auto out = allocate(s.size, s.mode, PixelType::U8);
  const auto* src = reinterpret_cast<const float*>(s.bytes.get());
  auto* dst = reinterpret_cast<std::uint8_t*>(out->bytes.get());
  for (std::size_t i = 0; i < out->nbytes; ++i) dst[i] = static_cast<std::uint8_t>(std::lrint(src[i] * 255.0f));
  return Image(std::move(out));
}

Image Image::as_f32() const {
  const auto& s = checked();
  if (s.type == PixelType::F32) return *this;
  if (s.mode == Mode::Binary) throw InvalidArgument("as_f32() of a binary image; binary images are stored as uint8");
  // Exact k/255 values would be canonicalised back to uint8, so the float
  // storage is built without finalize(): a float view for callers, same digest.
  auto out = allocate(s.size, s.mode, PixelType::F32);
  const auto* src = reinterpret_cast<const std::uint8_t*>(s.bytes.get());
  auto* dst = reinterpret_cast<float*>(out->bytes.get());
  for (std::size_t i = 0; i < s.nbytes; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
  out->digest_source = storage_;
  return Image(std::move(out));
}

// ---------------------------------------------------------------- digest

Digest Image::digest() const {
  const auto& s = checked();
  return s.digest.get([&s] {
    if (s.digest_source) return Image(s.digest_source).digest();
    unsigned char header[16];
    detail::canonical_header(s.size, s.mode, s.type, header);
    Hasher h;
    h.update(header, sizeof header);
    h.update(s.bytes.get(), s.nbytes);  // float storage is canonical (+0.0) on entry
    return h.finish();
  });
}

bool Image::operator==(const Image& other) const {
  if (storage_ == other.storage_) return true;
  if (!storage_ || !other.storage_) return false;
  if (digest() != other.digest()) return false;
  const auto& x = *storage_;
  const auto& y = *other.storage_;
  if (x.size != y.size || x.mode != y.mode) return false;
  const Image ax = x.digest_source ? Image(x.digest_source) : *this;
  const Image ay = y.digest_source ? Image(y.digest_source) : other;
  const auto& sx = *ax.storage_;
  const auto& sy = *ay.storage_;
  return sx.type == sy.type && sx.nbytes == sy.nbytes && std::memcmp(sx.bytes.get(), sy.bytes.get(), sx.nbytes) == 0;
}

// ---------------------------------------------------------------- statistics

Stats Image::stats() const {
  const auto& s = checked();
  const int c = mode_channels(s.mode);
  const double scale = s.mode == Mode::Binary ? 1.0 : (s.type == PixelType::F32 ? 255.0 : 1.0);
  std::vector<double> sum(c, 0.0), sq(c, 0.0), mn(c, std::numeric_limits<double>::infinity()),
      mx(c, -std::numeric_limits<double>::infinity());
  const std::size_t n = s.nbytes / (s.type == PixelType::F32 ? 4 : 1);
  if (s.type == PixelType::U8) {
    // Histogram per channel: exact and fast.
    std::vector<std::array<std::uint64_t, 256>> hist(c);
    for (auto& h : hist) h.fill(0);
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.bytes.get());
    for (std::size_t i = 0; i < n; ++i) ++hist[i % c][p[i]];
    for (int ch = 0; ch < c; ++ch)
      for (int v = 0; v < 256; ++v) {
        if (!hist[ch][v]) continue;
        const auto cnt = static_cast<double>(hist[ch][v]);
        sum[ch] += cnt * v;
        sq[ch] += cnt * v * v;
        mn[ch] = std::min<double>(mn[ch], v);
        mx[ch] = std::max<double>(mx[ch], v);
      }
  } else {
    const auto* p = reinterpret_cast<const float*>(s.bytes.get());
    for (std::size_t i = 0; i < n; ++i) {
      const double v = p[i] * scale;
      const int ch = static_cast<int>(i % c);
      sum[ch] += v;
      sq[ch] += v * v;
      mn[ch] = std::min(mn[ch], v);
      mx[ch] = std::max(mx[ch], v);
    }
  }
  Stats st;
  const double count = static_cast<double>(n / c);
  for (int ch = 0; ch < c; ++ch) {
    const double mean = sum[ch] / count;
    st.mean.push_back(mean);
    st.stddev.push_back(std::sqrt(std::max(0.0, sq[ch] / count - mean * mean)));
    st.min.push_back(mn[ch]);
    st.max.push_back(mx[ch]);
    st.sum.push_back(sum[ch]);
  }
  return st;
}

std::vector<double> Image::unique() const {
  const auto& s = checked();
  std::vector<double> out;
  if (s.type == PixelType::U8) {
    bool seen[256] = {};
    for (std::uint8_t v : u8_view()) seen[v] = true;
    for (int v = 0; v < 256; ++v)
      if (seen[v]) out.push_back(v);
    return out;
  }
  const auto f = f32_view();
  out.reserve(f.size());
  for (float v : f) out.push_back(static_cast<double>(v) * 255.0);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string Image::to_string() const {
  if (!storage_) return "Image(empty)";
  return std::string("Image(") + mode_name(mode()) + ", " + size().to_string() + ", " +
         (pixel_type() == PixelType::U8 ? "u8" : "f32") + ")";
}

}  // namespace pixelcache
