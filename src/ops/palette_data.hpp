// Internal: palette tables (generated into palette_data.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pixelcache::detail {

struct NamedPalette {
  const char* name;
  std::uint8_t rgb[768];
};

extern const std::uint8_t kDefaultPalette[768];
extern const NamedPalette kColormaps[];
extern const std::size_t kColormapCount;

}  // namespace pixelcache::detail
