// HEIC / HEIF (and AVIF where libheif has a decoder) through libheif.
// libheif applies the container's irot / imir transforms itself; the EXIF
// orientation of a HEIF is ignored, as the HEIF specification requires.
#include <libheif/heif.h>

#include <cstring>
#include <memory>

#include "codec.hpp"

namespace pixelcache::detail {

namespace {

// libheif's own security limits (image size, tiles, boxes) are size limits
// too: a LimitError, the rest a DecodeError.
void check(const DecodeInput& in, const char* name, const heif_error& err) {
  if (err.code == heif_error_Ok) return;
  if (err.subcode == heif_suberror_Security_limit_exceeded)
    throw LimitError(message_prefix(in, name) + escape_bytes(err.message) + " (libheif's limit; max_pixels is " +
                     std::to_string(in.options.max_pixels) + ")");
  decode_fail(in, name, err.message);
}

}  // namespace

Decoded decode_heif(const DecodeInput& in, Format format) {
  const char* name = format == Format::AVIF ? "AVIF" : "HEIF";
  std::unique_ptr<heif_context, decltype(&heif_context_free)> ctx(heif_context_alloc(), &heif_context_free);
  if (!ctx) decode_fail(in, name, "cannot create a decoder");
  check(in, name, heif_context_read_from_memory_without_copy(ctx.get(), in.data.data(), in.data.size(), nullptr));
  heif_image_handle* raw_handle = nullptr;
  check(in, name, heif_context_get_primary_image_handle(ctx.get(), &raw_handle));
  std::unique_ptr<heif_image_handle, decltype(&heif_image_handle_release)> handle(raw_handle,
                                                                                  &heif_image_handle_release);
  check_dimensions(in, name, static_cast<std::uint64_t>(std::max(0, heif_image_handle_get_width(handle.get()))),
                   static_cast<std::uint64_t>(std::max(0, heif_image_handle_get_height(handle.get()))));
  heif_image* raw_img = nullptr;
  check(in, name, heif_decode_image(handle.get(), &raw_img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr));
  std::unique_ptr<heif_image, decltype(&heif_image_release)> img(raw_img, &heif_image_release);
  const int w = heif_image_get_width(img.get(), heif_channel_interleaved);
  const int h = heif_image_get_height(img.get(), heif_channel_interleaved);
  int stride = 0;
  const std::uint8_t* plane = heif_image_get_plane_readonly(img.get(), heif_channel_interleaved, &stride);
  if (!plane || w <= 0 || h <= 0) decode_fail(in, name, "decoder returned no pixels");
  check_dimensions(in, name, static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h));
  Decoded out;
  out.format = format;
  out.image = Image::generate({h, w}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    const std::size_t row = static_cast<std::size_t>(w) * 3;
    for (int y = 0; y < h; ++y) std::memcpy(b.data() + y * row, plane + static_cast<std::size_t>(y) * stride, row);
  });
  return out;
}

}  // namespace pixelcache::detail
