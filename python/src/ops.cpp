// Bindings of the operations catalogue (ops.hpp, mask.hpp, compose.hpp;
// grid.hpp is in grid.cpp) as module functions on _pixelcache.Image. Each releases the GIL
// for its whole run; argument conversion happens before.
#include <pybind11/stl.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

using nogil = py::call_guard<py::gil_scoped_release>;

Mask2BboxOptions mask_options(double margin, bool normalized, bool merge, int closing, int opening,
                              double area_threshold, int number_of_objects) {
  Mask2BboxOptions o;
  o.margin = margin;
  o.normalized = normalized;
  o.merge = merge;
  o.closing = closing;
  o.opening = opening;
  o.area_threshold = area_threshold;
  o.number_of_objects = number_of_objects;
  return o;
}

// The keyword arguments of every mask2bbox-style binding, in the order of
// mask_options().
template <class... Extra>
void def_masked(py::module_& m, const char* name, auto&& f, const char* doc, Extra... extra) {
  m.def(name, std::forward<decltype(f)>(f), extra..., py::arg("margin") = 0.0, py::arg("normalized") = false,
        py::arg("merge") = false, py::arg("closing") = 0, py::arg("opening") = 0, py::arg("area_threshold") = 0.0,
        py::arg("number_of_objects") = -1, nogil(), doc);
}

// ImageCrop as (image, bbox, original_size); Python's ImageCrop wraps it.
std::tuple<Image, BoundingBox, ImageSize> crop_tuple(const ImageCrop& c) { return {c.image, c.bbox, c.original_size}; }

}  // namespace

void bind_ops(py::module_& m) {
  // Geometry.
  m.def(
      "resize",
      [](const Image& i, ImageSize s, const std::string& interp) { return resize(i, s, parse_interpolation(interp)); },
      py::arg("image"), py::arg("size"), py::arg("interpolation") = "bilinear", nogil());
  m.def(
      "downsample",
      [](const Image& i, double f, const std::string& interp) { return downsample(i, f, parse_interpolation(interp)); },
      py::arg("image"), py::arg("factor"), py::arg("interpolation") = "bilinear", nogil());
  m.def(
      "resize_min_size",
      [](const Image& i, int min_size, int modulo, const std::string& interp) {
        return resize_min_size(i, min_size, modulo, parse_interpolation(interp));
      },
      py::arg("image"), py::arg("min_size"), py::arg("modulo") = 16, py::arg("interpolation") = "bilinear", nogil());
  m.def("flip_horizontal", &flip_horizontal, nogil());
  m.def("flip_vertical", &flip_vertical, nogil());
  m.def("rotate", &rotate, py::arg("image"), py::arg("angle"), py::arg("expand") = true, nogil());
  m.def("center_pad", &center_pad, py::arg("image"), py::arg("size"), py::arg("fill") = 0, nogil());
  m.def("crop", &crop, py::arg("image"), py::arg("x0"), py::arg("y0"), py::arg("x1"), py::arg("y1"), nogil());
  m.def(
      "concat", [](const std::vector<Image>& v, bool horizontal) { return concat(v, horizontal); }, py::arg("images"),
      py::arg("horizontal") = true, nogil());

  // Colour.
  m.def("to_rgb", &to_rgb, nogil());
  m.def("to_gray", &to_gray, nogil());
  m.def("to_binary", &to_binary, py::arg("image"), py::arg("threshold") = 0.0, py::arg("area_min") = 0.0,
        py::arg("connectivity") = 8, nogil());
  m.def("set_minmax", &set_minmax, py::arg("image"), py::arg("min") = 0.0, py::arg("max") = 255.0, nogil());
  m.def("invert_binary", &invert_binary, nogil());
  m.def("invert_rgb", &invert_rgb, nogil());
  m.def("rgb2bgr", &rgb2bgr, nogil());
  m.def("bgr2rgb", &bgr2rgb, nogil());
  m.def("equalize_hist", &equalize_hist, nogil());
  m.def(
      "apply_palette", [](const Image& i, const std::string& name) { return apply_palette(i, name); }, py::arg("image"),
      py::arg("palette") = "default", nogil());
  m.def(
      "apply_palette_table",
      [](const Image& i, const std::vector<std::uint8_t>& table) { return apply_palette(i, table); }, py::arg("image"),
      py::arg("table"), nogil());
  m.def("palette_names", &palette_names);

  // Masks.
  def_masked(
      m, "mask2bbox",
      [](const Image& mask, double margin, bool normalized, bool merge, int closing, int opening, double area, int n) {
        return mask2bbox(mask, mask_options(margin, normalized, merge, closing, opening, area, n));
      },
      "Boxes of the mask's connected regions.", py::arg("mask"));
  def_masked(
      m, "mask2squaremask",
      [](const Image& mask, double margin, bool normalized, bool merge, int closing, int opening, double area, int n) {
        return mask2squaremask(mask, mask_options(margin, normalized, merge, closing, opening, area, n));
      },
      "The mask with each region's box filled.", py::arg("mask"));
  def_masked(
      m, "crop_from_mask",
      [](const Image& img, const Image& mask, double margin, bool normalized, bool merge, int closing, int opening,
         double area, int n) {
        return crop_from_mask(img, mask, mask_options(margin, normalized, merge, closing, opening, area, n));
      },
      "The image cropped to the mask's regions.", py::arg("image"), py::arg("mask"));
  def_masked(
      m, "image_crop_from_mask",
      [](const Image& img, const Image& mask, double margin, bool normalized, bool merge, int closing, int opening,
         double area, int n) {
        return crop_tuple(
            ImageCrop::from_mask(img, mask, mask_options(margin, normalized, merge, closing, opening, area, n)));
      },
      "(crop, union box, original size).", py::arg("image"), py::arg("mask"));
  m.def(
      "crop_from_bbox", [](const Image& i, const std::vector<BoundingBox>& b) { return crop_from_bbox(i, b); },
      py::arg("image"), py::arg("bboxes"), nogil());
  m.def(
      "image_crop_from_bbox",
      [](const Image& i, const std::vector<BoundingBox>& b) { return crop_tuple(ImageCrop::from_bbox(i, b)); },
      py::arg("image"), py::arg("bboxes"), nogil());
  m.def("crop_from_points", &crop_from_points, py::arg("image"), py::arg("points"), py::arg("margin") = 0.0, nogil());
  m.def(
      "uncrop_from_bbox",
      [](const Image& crop, const Image& base, const std::vector<BoundingBox>& b, bool resize, int blend_width) {
        return uncrop_from_bbox(crop, base, b, resize, blend_width);
      },
      py::arg("crop"), py::arg("base"), py::arg("bboxes"), py::arg("resize") = false, py::arg("blend_width") = 10,
      nogil());
  m.def(
      "morphology", [](const Image& i, const std::string& op, int k) { return morphology(i, parse_morphology(op), k); },
      py::arg("mask"), py::arg("op"), py::arg("kernel") = 3, nogil());
  m.def(
      "logical_or_reduce", [](const std::vector<Image>& v) { return logical_or_reduce(v); }, py::arg("masks"), nogil());
  m.def("masked_fill", &masked_fill, py::arg("image"), py::arg("mask"), py::arg("value"), nogil());
  m.def("points_to_mask", &points_to_mask, py::arg("points"), py::arg("size"), nogil());

  // Composition.
  m.def("blend", &blend, py::arg("image"), py::arg("other"), py::arg("alpha") = 0.5, py::arg("with_bbox") = false,
        py::arg("merge_bbox") = true, nogil());
  m.def("blend_images", &blend_images, py::arg("image"), py::arg("other"), py::arg("alpha") = 0.5, nogil());
  m.def(
      "add", [](const Image& a, const Image& b) { return a + b; }, nogil());
  m.def(
      "add", [](const Image& a, double b) { return a + b; }, nogil());
  m.def(
      "sub", [](const Image& a, const Image& b) { return a - b; }, nogil());
  m.def(
      "sub", [](const Image& a, double b) { return a - b; }, nogil());
  m.def(
      "mul", [](const Image& a, const Image& b) { return a * b; }, nogil());
  m.def(
      "mul", [](const Image& a, double b) { return a * b; }, nogil());
  m.def(
      "div", [](const Image& a, const Image& b) { return a / b; }, nogil());
  m.def(
      "div", [](const Image& a, double b) { return a / b; }, nogil());
  m.def("zeros_like", &zeros_like, nogil());
  m.def("ones_like", &ones_like, nogil());
}

}  // namespace pixelcache::python
