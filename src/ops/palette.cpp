// apply_palette (ops.hpp) over the generated tables in palette_data.cpp.
#include <cstring>

#include "ops_internal.hpp"
#include "palette_data.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

std::vector<std::string> palette_names() {
  std::vector<std::string> names{"default"};
  for (std::size_t i = 0; i < detail::kColormapCount; ++i) names.emplace_back(detail::kColormaps[i].name);
  return names;
}

Image apply_palette(const Image& img, std::span<const std::uint8_t> table) {
  detail::require_image(img, "apply_palette");
  if (table.size() != 768)
    throw InvalidArgument("apply_palette: a palette has 256 RGB entries (768 bytes), got " +
                          std::to_string(table.size()));
  Image src = img.as_u8();
  if (src.is_rgb()) {  // gray content in RGB storage is accepted, as by the original
    const auto p = src.u8_view();
    for (std::size_t i = 0; i < p.size(); i += 3)
      if (p[i] != p[i + 1] || p[i] != p[i + 2])
        throw InvalidArgument("apply_palette: the image must be grayscale (L, binary, or RGB with equal channels)");
    src = to_gray(src);
  }
  const auto v = src.u8_view();
  return Image::generate(img.size(), Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    auto* o = reinterpret_cast<std::uint8_t*>(b.data());
    for (std::size_t i = 0; i < v.size(); ++i) std::memcpy(o + 3 * i, &table[3 * v[i]], 3);
  });
}

Image apply_palette(const Image& img, std::string_view palette) {
  if (palette == "default") return apply_palette(img, std::span<const std::uint8_t>(detail::kDefaultPalette, 768));
  for (std::size_t i = 0; i < detail::kColormapCount; ++i)
    if (palette == detail::kColormaps[i].name)
      return apply_palette(img, std::span<const std::uint8_t>(detail::kColormaps[i].rgb, 768));
  std::string names;
  for (const auto& n : palette_names()) names += (names.empty() ? "" : ", ") + n;
  throw InvalidArgument("apply_palette: unknown palette '" + std::string(palette) + "' (known: " + names + ")");
}

}  // namespace pixelcache
