// pixelcache/grid.hpp — labelled comparison grids and text images.
//
// Text is drawn with FreeType, antialiased, white on black, in JetBrains
// Mono (Debian fonts-jetbrains-mono, the original's font) or DejaVu Sans;
// the environment variable PIXELCACHE_FONT names another font file.
//
// Thread safety: reentrant (one FreeType instance per call).
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

/// How labelled lists are laid out.
enum class GridOrientation {
  Vertical,    ///< one column per label, label strip above
  Horizontal,  ///< one row per label, label strip on the left, reading bottom to top
};

/// Options of make_image_grid().
struct GridOptions {
  GridOrientation orientation = GridOrientation::Vertical;
  /// Draw the labels.
  bool with_text = true;
  /// Font size in pixels; 0 chooses one size for all labels so that the
  /// longest fits its cell.
  int font_size = 0;
};

/// A grid of images, one column (vertical) or row (horizontal) per label, in
/// the order given. Cells are as large as the largest image; smaller images
/// are centre-padded with black, shorter lists padded with black cells. The
/// result is RGB. An empty label draws nothing. Throws InvalidArgument for an
/// empty grid, an empty image, or a negative font size; IoError when no font
/// can be found.
Image make_image_grid(const std::vector<std::pair<std::string, std::vector<Image>>>& columns,
                      const GridOptions& options = {});
/// The same from a HashableDict of string keys to HashableLists of images
/// (insertion order kept). Throws InvalidArgument for other value kinds.
Image make_image_grid_from_dict(const HashableDict& dict, const GridOptions& options = {});
/// make_image_grid(HashableDict): a template only so that a braced list,
/// make_image_grid({{"label", {img}}}), unambiguously means the vector form.
template <std::same_as<HashableDict> Dict>
Image make_image_grid(const Dict& dict, const GridOptions& options = {}) {
  return make_image_grid_from_dict(dict, options);
}

/// `text` (UTF-8) rendered white on black, centred, in an L image of `size`.
/// `font_size` 0 picks the largest size that fits. Throws InvalidArgument
/// for a bad size, IoError when no font can be found.
Image display_string(std::string_view text, ImageSize size, int font_size = 0);

}  // namespace pixelcache
