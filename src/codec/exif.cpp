// A small, bounds-checked parser for the EXIF Orientation tag (0x0112).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "codec.hpp"

namespace pixelcache::detail {

int parse_exif_orientation(std::span<const std::uint8_t> exif) noexcept {
  std::span<const std::uint8_t> t = exif;
  if (t.size() >= 6 && std::memcmp(t.data(), "Exif\0\0", 6) == 0) t = t.subspan(6);
  if (t.size() < 8) return 0;
  bool le;
  if (t[0] == 'I' && t[1] == 'I')
    le = true;
  else if (t[0] == 'M' && t[1] == 'M')
    le = false;
  else
    return 0;
  auto u16 = [&](std::size_t off) -> std::uint32_t {
    return le ? (t[off] | (t[off + 1] << 8)) : ((t[off] << 8) | t[off + 1]);
  };
  auto u32 = [&](std::size_t off) -> std::uint32_t {
    return le ? (std::uint32_t{t[off]} | (std::uint32_t{t[off + 1]} << 8) | (std::uint32_t{t[off + 2]} << 16) |
                 (std::uint32_t{t[off + 3]} << 24))
              : ((std::uint32_t{t[off]} << 24) | (std::uint32_t{t[off + 1]} << 16) | (std::uint32_t{t[off + 2]} << 8) |
                 std::uint32_t{t[off + 3]});
  };
  if (u16(2) != 42) return 0;
  const std::uint64_t ifd = u32(4);
  if (ifd + 2 > t.size()) return 0;
  const std::uint32_t count = u16(static_cast<std::size_t>(ifd));
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t entry = ifd + 2 + 12ull * i;
    if (entry + 12 > t.size()) return 0;
    const auto e = static_cast<std::size_t>(entry);
    if (u16(e) != 0x0112) continue;
    const std::uint32_t type = u16(e + 2);
    std::uint32_t value;
    if (type == 3)
      value = u16(e + 8);  // SHORT, inline
    else if (type == 4)
      value = u32(e + 8);  // LONG, inline (non-standard)
    else
      return 0;
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 0;
  }
  return 0;
}

}  // namespace pixelcache::detail
