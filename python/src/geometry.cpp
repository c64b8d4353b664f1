// Bindings of ImageSize, BoundingBox and Points: immutable values with
// field-wise equality, hashing and pickling.
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

py::tuple as_tuple(const std::array<double, 4>& v) { return py::make_tuple(v[0], v[1], v[2], v[3]); }

// xyxy() truncated towards zero, as the original's int(); coordinates are >= 0.
std::array<long long, 4> int_xyxy(const BoundingBox& b) {
  const auto v = b.xyxy();
  return {static_cast<long long>(v[0]), static_cast<long long>(v[1]), static_cast<long long>(v[2]),
          static_cast<long long>(v[3])};
}

ImageSize make_size(int height, int width) {
  const ImageSize s{height, width};
  s.validate("ImageSize");
  return s;
}

py::object size_state(const std::optional<ImageSize>& s) {
  return s ? py::object(py::make_tuple(s->height, s->width)) : py::none();
}

std::optional<ImageSize> size_from_state(const py::object& o) {
  if (o.is_none()) return std::nullopt;
  const auto t = o.cast<std::pair<int, int>>();
  return ImageSize{t.first, t.second};
}

}  // namespace

namespace {

// ImageSize: (height, width), comparing equal to a tuple of the same.
void bind_image_size(py::module_& m) {
  py::class_<ImageSize>(m, "ImageSize", "Height and width of an image in pixels (height first).")
      .def(py::init(&make_size), py::arg("height"), py::arg("width"))
      .def_readonly("height", &ImageSize::height)
      .def_readonly("width", &ImageSize::width)
      .def("__iter__", [](const ImageSize& s) { return py::iter(py::make_tuple(s.height, s.width)); })
      .def("__eq__", [](const ImageSize& a, const ImageSize& b) { return a == b; })
      .def("__eq__",
           [](const ImageSize& a, const py::object& o) {
             // (height, width) pairs compare by value, as the original's tuples did.
             if (!py::isinstance<py::tuple>(o) || py::len(o) != 2) return false;
             const auto t = o.cast<py::tuple>();
             return py::int_(a.height).equal(t[0]) && py::int_(a.width).equal(t[1]);
           })
      .def("__hash__", [](const ImageSize& s) { return py::hash(py::make_tuple(s.height, s.width)); })
      .def("__repr__",
           [](const ImageSize& s) {
             return "ImageSize(height=" + std::to_string(s.height) + ", width=" + std::to_string(s.width) + ")";
           })
      .def(py::pickle([](const ImageSize& s) { return py::make_tuple(s.height, s.width); },
                      [](const py::tuple& t) { return make_size(t[0].cast<int>(), t[1].cast<int>()); }));
}

// BoundingBox: its coordinates, conversions, arithmetic, repr and pickling.
void bind_bounding_box(py::module_& m) {
  py::class_<BoundingBox>(m, "BoundingBox",
                          "An axis-aligned box (exclusive ends), in pixels or normalised by image_size.")
      .def(py::init<double, double, double, double, std::optional<ImageSize>, std::optional<bool>>(), py::arg("xmin"),
           py::arg("ymin"), py::arg("xmax"), py::arg("ymax"), py::arg("image_size") = py::none(),
           py::arg("normalized") = py::none())
      .def_property_readonly("xmin", &BoundingBox::xmin)
      .def_property_readonly("ymin", &BoundingBox::ymin)
      .def_property_readonly("xmax", &BoundingBox::xmax)
      .def_property_readonly("ymax", &BoundingBox::ymax)
      .def_property_readonly("normalized", &BoundingBox::normalized)
      .def_property_readonly("image_size", [](const BoundingBox& b) { return b.image_size(); })
      .def_property_readonly("width", &BoundingBox::width)
      .def_property_readonly("height", &BoundingBox::height)
      .def_property_readonly("area", &BoundingBox::area)
      .def_property_readonly(
          "center",
          [](const BoundingBox& b) { return py::make_tuple((b.xmin() + b.xmax()) / 2, (b.ymin() + b.ymax()) / 2); })
      .def_property_readonly(
          "xyxy",
          [](const BoundingBox& b) {
            const auto v = int_xyxy(b);
            return py::make_tuple(v[0], v[1], v[2], v[3]);
          },
          "(xmin, ymin, xmax, ymax) in whole pixels, truncated (as the original's int())")
      .def_property_readonly(
          "xywh",
          [](const BoundingBox& b) {
            const auto v = int_xyxy(b);
            return py::make_tuple(v[0], v[1], v[2] - v[0], v[3] - v[1]);
          },
          "(x, y, width, height) in whole pixels, from xyxy")
      .def_property_readonly(
          "xyxyn", [](const BoundingBox& b) { return as_tuple(b.xyxyn()); }, "normalised")
      .def_property_readonly(
          "xywhn", [](const BoundingBox& b) { return as_tuple(b.xywhn()); }, "normalised")
      .def("to_pixels", &BoundingBox::to_pixels)
      .def("to_normalized", &BoundingBox::to_normalized)
      .def("with_image_size", &BoundingBox::with_image_size, py::arg("image_size"))
      .def(
          "to_int",
          [](const BoundingBox& b) {
            const auto v = b.to_int_pixels();
            return py::make_tuple(v[0], v[1], v[2], v[3]);
          },
          "Integer pixel box: start rounded down, end up, clipped to the image.")
      .def("union", &BoundingBox::union_with, py::arg("other"))
      .def("overlaps", &BoundingBox::overlaps, py::arg("other"), py::arg("touching") = false)
      .def(py::self + double())
      .def(py::self - double())
      .def(py::self * double())
      .def(py::self / double())
      .def("__eq__", [](const BoundingBox& a, const BoundingBox& b) { return a == b; })
      .def("__eq__", [](const BoundingBox&, const py::object&) { return false; })
      .def("__hash__", [](const BoundingBox& b) { return static_cast<py::ssize_t>(Value(b).digest().fold()); })
      .def("__repr__",
           [](const BoundingBox& b) {
             // Valid Python that rebuilds an equal box (eval(repr(b)) == b).
             const auto num = [](double v) { return py::repr(py::float_(v)).cast<std::string>(); };
             return "BoundingBox(xmin=" + num(b.xmin()) + ", ymin=" + num(b.ymin()) + ", xmax=" + num(b.xmax()) +
                    ", ymax=" + num(b.ymax()) +
                    ", image_size=" + py::repr(py::cast(b.image_size())).cast<std::string>() +
                    ", normalized=" + (b.normalized() ? "True" : "False") + ")";
           })
      .def(py::pickle(
          [](const BoundingBox& b) {
            return py::make_tuple(b.xmin(), b.ymin(), b.xmax(), b.ymax(), size_state(b.image_size()), b.normalized());
          },
          [](const py::tuple& t) {
            return BoundingBox(t[0].cast<double>(), t[1].cast<double>(), t[2].cast<double>(), t[3].cast<double>(),
                               size_from_state(t[4]), t[5].cast<bool>());
          }));
}

// Points: (x, y) pairs with an optional image size.
void bind_points(py::module_& m) {
  py::class_<Points>(m, "Points", "(x, y) points in pixels, optionally tied to an image size.")
      .def(py::init<std::vector<std::pair<double, double>>, std::optional<ImageSize>>(), py::arg("xy"),
           py::arg("image_size") = py::none())
      .def_property_readonly("xy", &Points::xy)
      .def_property_readonly("image_size", [](const Points& p) { return p.image_size(); })
      .def("__len__", &Points::size)
      .def("__iter__", [](const Points& p) { return py::iter(py::cast(p.xy())); })
      .def("bbox", &Points::bbox, "Smallest pixel box holding every point (ends exclusive).")
      .def("__eq__", [](const Points& a, const Points& b) { return a == b; })
      .def("__eq__", [](const Points&, const py::object&) { return false; })
      .def("__hash__",
           [](const Points& p) {
             return py::hash(py::make_tuple("Points", py::tuple(py::cast(p.xy())), size_state(p.image_size())));
           })
      .def("__repr__",
           [](const Points& p) {
             return "Points(" + std::to_string(p.size()) + " points" +
                    (p.image_size() ? ", image_size=" + p.image_size()->to_string() : std::string()) + ")";
           })
      .def(py::pickle([](const Points& p) { return py::make_tuple(p.xy(), size_state(p.image_size())); },
                      [](const py::tuple& t) {
                        return Points(t[0].cast<std::vector<std::pair<double, double>>>(), size_from_state(t[1]));
                      }));
}

}  // namespace

void bind_geometry(py::module_& m) {
  bind_image_size(m);
  bind_bounding_box(m);
  bind_points(m);
}

}  // namespace pixelcache::python
