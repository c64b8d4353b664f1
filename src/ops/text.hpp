// Internal: FreeType text rendering for grids and display_string.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/image.hpp"

namespace pixelcache::detail {

/// A loaded font face; renders UTF-8 strings to coverage bitmaps.
class Font {
 public:
  /// Loads PIXELCACHE_FONT, JetBrains Mono or DejaVu Sans, in that order.
  /// Throws IoError when none can be loaded.
  Font();
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  /// Width of `text` in pixels at `px` pixels per em.
  int measure(std::string_view text, int px);
  /// Draws `text` (white, antialiased, max-composited) into an 8-bit plane
  /// of width w, with its baseline at `baseline` and left edge at `x`.
  void draw(std::string_view text, int px, std::uint8_t* plane, int w, int h, int x, int baseline);
  /// Ascender and descender (positive) in pixels at `px`.
  std::pair<int, int> metrics(int px);
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

/// Decodes UTF-8 into code points (invalid bytes become U+FFFD).
std::vector<char32_t> utf8_decode(std::string_view s);

/// Renders `text` centred in a black L image of `size` at `px`.
Image render_label(Font& font, std::string_view text, ImageSize size, int px);

}  // namespace pixelcache::detail
