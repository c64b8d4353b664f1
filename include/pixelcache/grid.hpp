// pixelcache/grid.hpp — labelled comparison grids and text images, as the
// Python original's make_image_grid and display_string.
//
// Text is drawn with FreeType, antialiased, in JetBrains Mono Regular (Debian
// fonts-jetbrains-mono, the original's font), else DejaVu Sans; the
// environment variable PIXELCACHE_FONT names another font file. Text metrics
// follow Pillow's ImageFont.getbbox (advance widths plus hinted glyph boxes,
// bottom measured from the ascender line), so font sizes agree with the
// original's within a point; glyph pixels are not promised identical.
//
// Thread safety: reentrant (each call uses its own FreeType instance).
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

/// How labelled lists are laid out.
enum class GridOrientation {
  Horizontal,  ///< one row per label, label strip on the left, text reading bottom to top
  Vertical,    ///< one column per label, label strip above
};

/// "horizontal" or "vertical".
const char* grid_orientation_name(GridOrientation orientation) noexcept;
/// Parses "horizontal" or "vertical"; throws InvalidArgument naming the value
/// otherwise.
GridOrientation parse_grid_orientation(std::string_view name);

/// Options of make_image_grid(); the defaults are the Python original's.
struct GridOptions {
  GridOrientation orientation = GridOrientation::Horizontal;
  /// Draw the labels: black text on a white strip, one font size for all.
  bool with_text = false;
};

/// A grid of images, one row (horizontal) or column (vertical) per label, in
/// the order given, cells side by side without gaps on a black canvas.
/// Cells are (largest height, largest width) of all images; other images are
/// centre-padded with black (center_pad()), shorter lists padded with black
/// cells. With labels, each label is drawn centred in its row or column in a
/// white strip (above the grid for vertical, on the left for horizontal)
/// trimmed to the ink with 2 px above and 1 px below; all labels share the
/// smallest of their display_string() fitting font sizes, so none is cut.
/// Empty labels draw nothing. The result is RGB uint8: vertical
/// (rows*h + strip) x (labels*w), horizontal (labels*h) x (strip + columns*w)
/// as height x width. Throws InvalidArgument for no labels, a label with no
/// images or an empty image, LimitError for a grid above the pixel limit,
/// IoError when no font can be loaded (with_text only).
Image make_image_grid(const std::vector<std::pair<std::string, std::vector<Image>>>& columns,
                      const GridOptions& options = {});
/// The same from a HashableDict of string keys to HashableLists of images (a
/// single image stands for a list of one); insertion order kept. Throws
/// InvalidArgument for other key or value kinds.
Image make_image_grid_from_dict(const HashableDict& dict, const GridOptions& options = {});
/// make_image_grid(HashableDict): a template only so that a braced list,
/// make_image_grid({{"label", {img}}}), unambiguously means the vector form.
template <std::same_as<HashableDict> Dict>
Image make_image_grid(const Dict& dict, const GridOptions& options = {}) {
  return make_image_grid_from_dict(dict, options);
}

/// Options of create_text(); the defaults are the Python original's.
struct CreateTextOptions {
  /// Vertical: one label per column, strip above; horizontal: one label per
  /// row, strip on the left, text reading bottom to top (make_image_grid's).
  GridOrientation orientation = GridOrientation::Horizontal;
  std::array<std::uint8_t, 3> background{255, 255, 255};  ///< RGB of the strip; the text is black
  /// A TrueType / OpenType file; empty: the default font (see file comment).
  std::string font_path;
};

/// `image` with a label strip added, as the original's tools/text.py
/// create_text and exactly the strip make_image_grid(with_text) draws: the
/// side the labels share (width for vertical, height for horizontal) is cut
/// into texts.size() cells of side // texts.size() pixels, labels in order
/// left to right or top to bottom (the remainder of the side is left plain:
/// on the right for vertical, at the top for horizontal, where the original
/// turns the image), each label centred in its cell at one font size, the smallest of their
/// fitting sizes; the strip is trimmed to the ink with 2 px above and 1 px
/// below. The result is RGB uint8: vertical (h + strip) x w, horizontal
/// h x (strip + w) as height x width; the image is converted to RGB uint8.
/// Labels without ink give no strip (the image as RGB). Throws
/// InvalidArgument for an empty image, no texts or more texts than pixels
/// along the side, IoError when the font cannot be loaded, LimitError above
/// the pixel limit.
Image create_text(const Image& image, const std::vector<std::string>& texts, const CreateTextOptions& options = {});

/// Horizontal placement of each line in display_string().
enum class Justification {
  Center,  ///< x = (width - line width) // 2
  Right,   ///< x = width - line width
  Left,    ///< x = 0
};

/// "center", "right" or "left".
const char* justification_name(Justification justification) noexcept;
/// Parses "center", "right" or "left"; throws InvalidArgument otherwise.
Justification parse_justification(std::string_view name);

/// The largest font size FreeType accepts (pixels per em).
inline constexpr int kMaxFontSize = 0xFFFF;

/// Options of display_string(); the defaults are the Python original's.
struct DisplayStringOptions {
  /// A TrueType / OpenType file; empty: the default font (see file comment).
  std::string font_path;
  Justification justification = Justification::Center;
  /// Font size in pixels per em (1..kMaxFontSize); unset: fitted (see
  /// display_string()).
  std::optional<int> force_size;
  std::array<std::uint8_t, 3> background{255, 255, 255};  ///< RGB
  std::array<std::uint8_t, 3> foreground{0, 0, 0};        ///< RGB
  /// When set (>= 1), a line break is put after every N space-separated words.
  std::optional<int> words_per_line;
  /// The fitted size is the first overflowing size times this (> 0).
  double scale_font_size = 0.5;
};

/// display_string()'s result: the RGB image and the font size used.
struct DisplayString {
  Image image;
  int font_size = 0;
};

/// `text` (UTF-8, '\n' separates lines) drawn on an RGB canvas of `size`, as
/// the original's tools/text.py display_string:
/// - font size: unless force_size is set, sizes 5, 6, ... are tried until the
///   bounding box (right, bottom) of the line with the most characters
///   exceeds the canvas width or height; that first overflowing size times
///   scale_font_size, rounded half to even, is used (at least 1). Text without
///   characters stops at the first size whose ascender exceeds the height
///   (the original never stops).
/// - each line is word-wrapped greedily at spaces to the canvas width (a word
///   too wide on its own still breaks the line, which can leave an empty line);
/// - the first line starts at y = (height - lines * bottom of line 1) // 2, each
///   line advances y by its own bounding-box bottom; x by `justification`.
/// Throws InvalidArgument for a bad size or option, IoError when the font
/// cannot be loaded, LimitError above the pixel limit.
DisplayString display_string(std::string_view text, ImageSize size, const DisplayStringOptions& options = {});

}  // namespace pixelcache
