// Internal: FreeType text with Pillow's metrics, and display_string's layout,
// shared by display_string() and make_image_grid()'s labels.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/grid.hpp"
#include "pixelcache/image.hpp"

namespace pixelcache::detail {

/// An 8-bit coverage plane (0 = no ink) holding rows [y0, y0 + height) of a
/// taller canvas; drawing outside it, or outside the columns
/// [clip_left, clip_right), is clipped.
struct Plane {
  int width = 0, height = 0, y0 = 0;
  int clip_left = 0, clip_right = 0;
  std::vector<std::uint8_t> data;
  Plane(int w, int h, int first_row = 0)
      : width(w), height(h), y0(first_row), clip_right(w), data(static_cast<std::size_t>(w) * h, 0) {}
  std::uint8_t* row(int r) { return data.data() + static_cast<std::size_t>(r) * width; }
  const std::uint8_t* row(int r) const { return data.data() + static_cast<std::size_t>(r) * width; }
};

/// A loaded font face. Measures and draws as Pillow's FreeTypeFont with the
/// default anchor "la" (x at the left of the pen line, y at the ascender).
class Font {
 public:
  /// Loads `path`; when empty PIXELCACHE_FONT, JetBrains Mono Regular or DejaVu
  /// Sans, in that order. Throws IoError when the font cannot be loaded.
  explicit Font(const std::string& path = {});
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  /// Selects `px` pixels per em (1..kMaxFontSize; FreeType rejects others).
  void set_size(int px);
  int size() const noexcept { return size_; }
  /// Pillow's getbbox(text) at the current size, in pixels from the anchor.
  /// All zero for empty text.
  struct Box {
    int left = 0, top = 0, right = 0, bottom = 0;
  };
  Box bbox(std::u32string_view text);
  /// A string measured so far, for growing it without remeasuring.
  struct Measure {
    long pen = 0;  ///< 26.6
    int x_min = 0, x_max = 0, y_min = 0, y_max = 0;
    unsigned prev = 0;  ///< previous glyph index, for kerning
    bool glyphs = false;
  };
  /// Appends `text` to `m` at the current size.
  void extend(Measure& m, std::u32string_view text);
  /// bbox() of what `m` has measured.
  Box box(const Measure& m) const noexcept;
  /// True when bbox(text) at `px` surely lies within `canvas` (right <=
  /// width, bottom <= height), judged from the unscaled outlines without
  /// hinting; false when unsure. Leaves the current size alone.
  bool surely_fits(std::u32string_view text, int px, ImageSize canvas);
  /// The ascender at the current size, in pixels.
  int ascender() const noexcept;
  /// Draws `text` with its anchor at (x, y) of the canvas, max-compositing
  /// antialiased coverage into `plane`.
  void draw(std::u32string_view text, int x, int y, Plane& plane);
  const std::string& path() const noexcept { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  int size_ = 0;
};

/// Decodes UTF-8 into code points (invalid bytes become U+FFFD).
std::u32string utf8_decode(std::string_view s);

/// display_string's size rule for each of `texts` (its lines), the smallest
/// result: sizes 5, 6, ... until the (right, bottom) box of a text's line with
/// the most characters overflows `canvas`; that size times `scale`, rounded
/// half to even, at least 1. A text without characters stops at the first
/// size whose ascender exceeds the canvas height. One pass over the sizes
/// serves all texts (the smallest fit is the first size any text overflows).
int fit_font_size(Font& font, const std::vector<const std::vector<std::u32string>*>& texts, ImageSize canvas,
                  double scale);

/// Lines split at '\n' (after words_per_line, when set).
std::vector<std::u32string> split_lines(std::string_view text, std::optional<int> words_per_line);

/// Text laid out on a canvas: wrapped lines and the anchor of each.
struct TextLayout {
  int font_size = 0;
  std::vector<std::u32string> lines;
  std::vector<std::array<int, 2>> anchors;    ///< (x, y) per line
  std::vector<std::array<int, 2>> line_rows;  ///< rows [top, bottom) of each line's box
  int ink_top = 0, ink_bottom = 0;            ///< rows that can hold ink: [top, bottom)
};

/// display_string's layout of `lines` at `font_size` on `canvas` (the font
/// is left at that size).
TextLayout layout_text(Font& font, const std::vector<std::u32string>& lines, int font_size, ImageSize canvas,
                       Justification justification);

/// Draws a layout's lines into `plane`, shifted right by `x_offset` columns.
void draw_layout(Font& font, const TextLayout& layout, Plane& plane, int x_offset = 0);

}  // namespace pixelcache::detail
