// Bindings of grid.hpp: make_image_grid, create_text and display_string, as module
// functions of _pixelcache; pixelcache/_grid.py wraps them with the original's
// signatures. Both release the GIL for their whole run; argument conversion
// happens before.
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

// An RGB colour from three ints in 0..255; InvalidArgument names `what`.
std::array<std::uint8_t, 3> colour(const std::array<int, 3>& c, const char* what,
                                   const char* function = "display_string") {
  std::array<std::uint8_t, 3> out{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (c[i] < 0 || c[i] > 255)
      throw InvalidArgument(std::string(function) + ": " + what + " must be three values 0..255, got (" +
                            std::to_string(c[0]) + ", " + std::to_string(c[1]) + ", " + std::to_string(c[2]) + ")");
    out[i] = static_cast<std::uint8_t>(c[i]);
  }
  return out;
}

}  // namespace

void bind_grid(py::module_& m) {
  using nogil = py::call_guard<py::gil_scoped_release>;
  m.def(
      "make_image_grid",
      [](const std::vector<std::pair<std::string, std::vector<Image>>>& columns, const std::string& orientation,
         bool with_text) {
        GridOptions o;
        o.orientation = parse_grid_orientation(orientation);
        o.with_text = with_text;
        return make_image_grid(columns, o);
      },
      py::arg("columns"), py::kw_only(), py::arg("orientation") = "horizontal", py::arg("with_text") = false, nogil(),
      "A grid of [(label, [images])] (grid.hpp); returns the RGB Image.");
  m.def(
      "create_text",
      [](const Image& image, const std::vector<std::string>& texts, const std::string& orientation,
         const std::array<int, 3>& background, const std::string& font_path) {
        CreateTextOptions o;
        o.orientation = parse_grid_orientation(orientation);
        o.background = colour(background, "background", "create_text");
        o.font_path = font_path;
        return create_text(image, texts, o);
      },
      py::arg("image"), py::arg("texts"), py::kw_only(), py::arg("orientation") = "horizontal",
      py::arg("background") = std::array<int, 3>{255, 255, 255}, py::arg("font_path") = "", nogil(),
      "`image` with the label strip of make_image_grid (grid.hpp); returns the RGB Image.");
  m.def(
      "display_string",
      [](const std::string& text, ImageSize size, const std::string& font_path, const std::string& justification,
         std::optional<int> force_size, const std::array<int, 3>& background, const std::array<int, 3>& foreground,
         std::optional<int> words_per_line, double scale_font_size) {
        DisplayStringOptions o;
        o.font_path = font_path;
        o.justification = parse_justification(justification);
        o.force_size = force_size;
        o.background = colour(background, "background");
        o.foreground = colour(foreground, "foreground");
        o.words_per_line = words_per_line;
        o.scale_font_size = scale_font_size;
        DisplayString r = display_string(text, size, o);
        return std::make_pair(std::move(r.image), r.font_size);
      },
      py::kw_only(), py::arg("text"), py::arg("size"), py::arg("font_path") = "", py::arg("justification") = "center",
      py::arg("force_size") = py::none(), py::arg("background") = std::array<int, 3>{255, 255, 255},
      py::arg("foreground") = std::array<int, 3>{0, 0, 0}, py::arg("words_per_line") = py::none(),
      py::arg("scale_font_size") = 0.5, nogil(), "(RGB Image, font size) of `text` drawn on `size` (grid.hpp).");
}

}  // namespace pixelcache::python
