// Bindings of what the operation catalogue (catalogue.cpp) does not cover:
// the saturating arithmetic behind HashableImage's operators, ImageCrop's
// crop and palette names (grid.hpp is bound in grid.cpp). Each releases the GIL for its whole
// run; argument conversion happens before. The image operations themselves
// are bound once, generically, as _pixelcache.invoke (catalogue.cpp).
#include <pybind11/stl.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

using nogil = py::call_guard<py::gil_scoped_release>;

// ImageCrop as (image, bbox, original_size); Python's ImageCrop wraps it.
std::tuple<Image, BoundingBox, ImageSize> crop_tuple(const ImageCrop& c) { return {c.image, c.bbox, c.original_size}; }

}  // namespace

void bind_ops(py::module_& m) {
  m.def("palette_names", &palette_names);
  m.def(
      "image_crop_from_bbox",
      [](const Image& i, const std::vector<BoundingBox>& b) { return crop_tuple(ImageCrop::from_bbox(i, b)); },
      py::arg("image"), py::arg("bboxes"), nogil());

  // Saturating arithmetic (compose.hpp).
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
}

}  // namespace pixelcache::python
