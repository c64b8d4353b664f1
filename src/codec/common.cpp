// Helpers shared by the codecs: errors, limits, orientation, palettes.
#include <algorithm>
#include <opencv2/core.hpp>

#include "codec.hpp"
#include "pixelcache/interop/opencv.hpp"

namespace pixelcache::detail {

std::string message_prefix(const DecodeInput& in, const char* format) {
  return escape_bytes(in.source) + ": " + format + ": ";
}

void decode_fail(const DecodeInput& in, const char* format, std::string_view message) {
  throw DecodeError(message_prefix(in, format) + escape_bytes(message));
}

std::string header_size(std::uint64_t width, std::uint64_t height) {
  constexpr std::uint64_t kIntMax = 0x7fffffff;
  if (width <= kIntMax && height <= kIntMax)
    return ImageSize{static_cast<int>(height), static_cast<int>(width)}.to_string();
  return "width " + std::to_string(width) + ", height " + std::to_string(height);
}

std::uint64_t stream_pixel_limit(const LoadOptions& options) noexcept {
  return std::max(options.max_pixels, options.max_stream_pixels);
}

std::uint64_t pixel_limit(const DecodeInput& in) noexcept {
  return in.sink ? stream_pixel_limit(in.options) : in.options.max_pixels;
}

void check_dimensions(const DecodeInput& in, const char* format, std::uint64_t width, std::uint64_t height,
                      int channels) {
  if (width == 0 || height == 0) decode_fail(in, format, "image has zero size (" + header_size(width, height) + ")");
  const std::uint64_t limit = pixel_limit(in);
  if (width > 0x7fffffff || height > 0x7fffffff || width * height > limit)
    throw LimitError(message_prefix(in, format) + header_size(width, height) + " image exceeds the limit of " +
                     std::to_string(limit) +
                     (limit > in.options.max_pixels ? " pixels (max_stream_pixels)" : " pixels (max_pixels)"));
  const std::uint64_t decoded = width * height * static_cast<std::uint64_t>(channels);
  const std::uint64_t expansion = in.options.max_expansion;
  // decoded > expansion * size, without overflow: size < ceil(decoded / expansion).
  if (expansion != 0 && decoded > kExpansionFreeBytes && in.size() < decoded / expansion + (decoded % expansion != 0))
    throw LimitError(message_prefix(in, format) + header_size(width, height) + " image (" + std::to_string(decoded) +
                     " bytes decoded) from " + std::to_string(in.size()) + " bytes of data: more than " +
                     std::to_string(expansion) + " bytes per byte (max_expansion)");
}

void check_plausible(const DecodeInput& in, const char* format, std::uint64_t needed_bytes,
                     std::uint64_t available_bytes, ImageSize size) {
  if (needed_bytes > available_bytes)
    decode_fail(in, format,
                "truncated file: " + std::to_string(available_bytes) + " bytes of image data cannot hold a " +
                    size.to_string() + " image (at least " + std::to_string(needed_bytes) + " needed)");
}

ImageSize oriented_size(ImageSize stored, int orientation) noexcept {
  if (orientation >= 5 && orientation <= 8) return {stored.width, stored.height};
  return stored;
}

Image apply_orientation(const Image& img, int orientation) {
  if (orientation < 2 || orientation > 8) return img;
  const ImageSize out = oriented_size(img.size(), orientation);
  const cv::Mat src = mat_view(img);
  return Image::generate(out, img.mode(), img.pixel_type(), [&](std::span<std::byte> buf) {
    cv::Mat dst(out.height, out.width, src.type(), buf.data());
    switch (orientation) {
      case 2: cv::flip(src, dst, 1); break;
      case 3: cv::rotate(src, dst, cv::ROTATE_180); break;
      case 4: cv::flip(src, dst, 0); break;
      case 5: cv::transpose(src, dst); break;
      case 6: cv::rotate(src, dst, cv::ROTATE_90_CLOCKWISE); break;
      case 7: {
        cv::Mat t;
        cv::transpose(src, t);
        cv::flip(t, dst, -1);
        break;
      }
      case 8: cv::rotate(src, dst, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    }
  });
}

Mode palette_mode(std::span<const std::uint8_t> palette) noexcept {
  const std::size_t entries = palette.size() / 3;
  bool gray = true, bw = true;
  for (std::size_t i = 0; i < entries; ++i) {
    const auto r = palette[3 * i], g = palette[3 * i + 1], b = palette[3 * i + 2];
    if (r != g || g != b) gray = bw = false;
    if (r != 0 && r != 255) bw = false;
  }
  return bw ? Mode::Binary : (gray ? Mode::L : Mode::RGB);
}

Image image_from_palette(const DecodeInput& in, const char* format, ImageSize size,
                         std::span<const std::uint8_t> indices, std::span<const std::uint8_t> palette) {
  const std::size_t entries = palette.size() / 3;
  for (std::uint8_t idx : indices)
    if (idx >= entries) decode_fail(in, format, "palette index " + std::to_string(idx) + " is out of range");
  const Mode mode = palette_mode(palette);
  return Image::generate(size, mode, PixelType::U8, [&](std::span<std::byte> buf) {
    auto* out = reinterpret_cast<std::uint8_t*>(buf.data());
    if (mode == Mode::RGB) {
      for (std::size_t i = 0; i < indices.size(); ++i) std::memcpy(out + 3 * i, &palette[3 * indices[i]], 3);
    } else {
      const std::uint8_t div = mode == Mode::Binary ? 255 : 1;
      for (std::size_t i = 0; i < indices.size(); ++i) out[i] = palette[3 * indices[i]] / div;
    }
  });
}

PaletteRows::PaletteRows(std::span<const std::uint8_t> palette) : palette_(palette), entries_(palette.size() / 3) {
  bool gray = true, bw = true;  // as image_from_palette()
  for (std::size_t i = 0; i < entries_; ++i) {
    const auto r = palette[3 * i], g = palette[3 * i + 1], b = palette[3 * i + 2];
    if (r != g || g != b) gray = bw = false;
    if (r != 0 && r != 255) bw = false;
  }
  mode_ = bw ? Mode::Binary : (gray ? Mode::L : Mode::RGB);
}

bool PaletteRows::map(int y, std::span<const std::uint8_t> indices, std::uint8_t* out) {
  for (std::size_t i = 0; i < indices.size(); ++i)
    if (indices[i] >= entries_) {
      if (bad_y_ < 0 || y < bad_y_ || (y == bad_y_ && i < bad_x_)) bad_y_ = y, bad_x_ = i, bad_index_ = indices[i];
      return false;
    }
  if (mode_ == Mode::RGB) {
    for (std::size_t i = 0; i < indices.size(); ++i) std::memcpy(out + 3 * i, &palette_[3 * indices[i]], 3);
  } else {
    const std::uint8_t div = mode_ == Mode::Binary ? 255 : 1;
    for (std::size_t i = 0; i < indices.size(); ++i) out[i] = palette_[3 * indices[i]] / div;
  }
  return true;
}

void PaletteRows::check(const DecodeInput& in, const char* format) const {
  if (bad_y_ >= 0) decode_fail(in, format, "palette index " + std::to_string(bad_index_) + " is out of range");
}

std::vector<std::uint8_t> pack_bits(const Image& binary, std::size_t row_bytes) {
  const auto px = binary.u8_view();
  const int w = binary.width(), h = binary.height();
  std::vector<std::uint8_t> out(row_bytes * h, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (px[static_cast<std::size_t>(y) * w + x])
        out[y * row_bytes + x / 8] |= static_cast<std::uint8_t>(0x80 >> (x % 8));
  return out;
}

}  // namespace pixelcache::detail
