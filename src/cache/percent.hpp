// Internal: %XX decoding, shared by the Redis URL parser (redis_url.cpp)
// and the tier specs (tier_registry.cpp), which each word their own error.
// No state: safe from any thread.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace pixelcache::cache_detail {

/// `text` with every %XX (two hex digits) replaced by its byte; nullopt
/// when a '%' is not followed by two hex digits.
inline std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int v = 0;
    const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, v, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

}  // namespace pixelcache::cache_detail
