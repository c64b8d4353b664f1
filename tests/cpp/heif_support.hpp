// HEIC / AVIF files written through libheif's encoders for the tests
// (test_probe.cpp, test_heif_grid.cpp).
#pragma once

#include <libheif/heif.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "pixelcache/image.hpp"

namespace pixelcache::test {

/// `img` (RGB) as a HEIC (HEVC) or AVIF (AV1) file at quality 50, with
/// `orientation` written as irot / imir properties; empty when libheif has
/// no encoder for the format here.
inline std::vector<std::uint8_t> encode_heif(heif_compression_format format, const Image& img, int orientation = 1) {
  heif_context* ctx = heif_context_alloc();
  heif_encoder* enc = nullptr;
  std::vector<std::uint8_t> out;
  if (heif_context_get_encoder_for_format(ctx, format, &enc).code == heif_error_Ok) {
    heif_encoder_set_lossy_quality(enc, 50);
    heif_image* him = nullptr;
    heif_image_create(img.width(), img.height(), heif_colorspace_RGB, heif_chroma_interleaved_RGB, &him);
    heif_image_add_plane(him, heif_channel_interleaved, img.width(), img.height(), 8);
    int stride = 0;
    std::uint8_t* p = heif_image_get_plane(him, heif_channel_interleaved, &stride);
    const auto px = img.u8_view();
    for (int y = 0; y < img.height(); ++y)
      std::memcpy(p + static_cast<std::size_t>(y) * stride, px.data() + static_cast<std::size_t>(y) * img.width() * 3,
                  static_cast<std::size_t>(img.width()) * 3);
    heif_encoding_options* eo = heif_encoding_options_alloc();
    eo->image_orientation = static_cast<heif_orientation>(orientation);
    if (heif_context_encode_image(ctx, him, enc, eo, nullptr).code == heif_error_Ok) {
      heif_writer writer{1, [](heif_context*, const void* data, size_t size, void* user) {
                           auto* o = static_cast<std::vector<std::uint8_t>*>(user);
                           o->insert(o->end(), static_cast<const std::uint8_t*>(data),
                                     static_cast<const std::uint8_t*>(data) + size);
                           return heif_error{heif_error_Ok, heif_suberror_Unspecified, ""};
                         }};
      heif_context_write(ctx, &writer, &out);
    }
    heif_encoding_options_free(eo);
    heif_image_release(him);
    heif_encoder_release(enc);
  }
  heif_context_free(ctx);
  return out;
}

}  // namespace pixelcache::test
