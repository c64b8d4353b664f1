// Bindings of ImageSize, BoundingBox and Points: immutable values with
// field-wise equality, hashing and pickling.
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include <climits>
#include <functional>

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

// -- The original's argument rules ------------------------------------------

// isinstance(v, numpy.<name>), without importing NumPy (the package
// imports it on first use): while it is not imported, no object is one.
bool is_numpy(const py::object& v, const char* name) {
  PyObject* m = PyImport_GetModule(py::str("numpy").ptr());  // a new reference, or null when not imported
  if (!m) {
    PyErr_Clear();
    return false;
  }
  return py::isinstance(v, py::reinterpret_steal<py::object>(m).attr(name));
}

bool is_bool(const py::object& v) { return PyBool_Check(v.ptr()) || is_numpy(v, "bool_"); }

// An int, a float or a NumPy integer or floating scalar (bool included).
bool is_real(const py::object& v) {
  return PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()) || is_numpy(v, "integer") || is_numpy(v, "floating");
}

/// A whole number of pixels from an int or an integral float, as the
/// original's pydantic lax mode: 5.0 -> 5; InvalidArgument for 5.5 or a
/// value outside int, InvalidType for bool, str, None, ...
int whole_side(const py::object& v, const char* name) {
  const std::string what = std::string("ImageSize: ") + name;
  if (is_bool(v)) throw InvalidType(what + " must be an int, got " + py::repr(v).cast<std::string>());
  if (!is_real(v))
    throw InvalidType(what + " must be an int, got " + py::type::of(v).attr("__name__").cast<std::string>());
  const bool integer = PyLong_Check(v.ptr()) || is_numpy(v, "integer");
  if (!integer && !py::float_(v).attr("is_integer")().cast<bool>())
    throw InvalidArgument(what + " must be a whole number of pixels, got " + py::repr(v).cast<std::string>());
  const py::int_ i(v);
  const py::int_ lo(INT_MIN), hi(INT_MAX);
  if (i < lo || i > hi) throw InvalidArgument(what + " is out of range: " + py::repr(i).cast<std::string>());
  return i.cast<int>();
}

/// A real number (int, float, NumPy scalar; not bool) as a double;
/// InvalidType for anything else.
double real_number(const py::object& v, const std::string& what) {
  if (is_bool(v) || !is_real(v))
    throw InvalidType(what + " must be a number, got " + py::type::of(v).attr("__name__").cast<std::string>());
  return py::float_(v).cast<double>();
}

/// ImageSize.from_image(x): the size of a path / URL (probed: the header
/// only), a HashableImage, a PIL image, an ndarray ((h, w, ...)) or a
/// torch tensor ((..., h, w)).
ImageSize size_of_image(const py::object& image) {
  if (py::isinstance<py::str>(image) || py::hasattr(image, "__fspath__"))
    return py::module_::import("pixelcache._pixelcache").attr("probe")(image).attr("size").cast<ImageSize>();
  if (py::hasattr(image, "_img") && py::isinstance<Image>(image.attr("_img")))  // a HashableImage
    return image.attr("_img").cast<const Image&>().size();
  const py::dict modules = py::module_::import("sys").attr("modules");
  if (modules.contains("PIL.Image") && py::isinstance(image, modules["PIL.Image"].attr("Image")))
    return make_size(whole_side(image.attr("height"), "height"), whole_side(image.attr("width"), "width"));
  const py::object type = py::type::of(image);
  const auto module = type.attr("__module__").cast<std::string>();
  const auto name = type.attr("__name__").cast<std::string>();
  const bool tensor = module.starts_with("torch") && (name == "Tensor" || name == "Parameter");
  if ((is_numpy(image, "ndarray") || tensor) && image.attr("ndim").cast<int>() >= 2) {
    const py::tuple shape = image.attr("shape");
    const std::size_t n = shape.size();
    return tensor ? make_size(whole_side(shape[n - 2], "height"), whole_side(shape[n - 1], "width"))
                  : make_size(whole_side(shape[0], "height"), whole_side(shape[1], "width"));
  }
  throw InvalidType("ImageSize.from_image: expected a path, PIL image, ndarray, tensor or HashableImage, got " + name);
}

// The original's product order: the relation must hold for both sides.
template <class Op>
py::object partial_order(const ImageSize& a, const py::object& other, Op op) {
  if (!py::isinstance<ImageSize>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  const auto& b = other.cast<const ImageSize&>();
  return py::bool_(op(a.height, b.height) && op(a.width, b.width));
}

// Both sides times k, rounded by Python's round (half to even; its errors
// for NaN and infinity); NotImplemented for a k that is not a number.
py::object scaled_size(const ImageSize& s, const py::object& k) {
  if (is_bool(k) || !is_real(k)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  const py::object round = py::module_::import("builtins").attr("round");
  return py::cast(make_size(whole_side(round(py::int_(s.height) * k), "height"),
                            whole_side(round(py::int_(s.width) * k), "width")));
}

BoundingBox make_box(const py::object& xmin, const py::object& ymin, const py::object& xmax, const py::object& ymax,
                     const py::object& image_size, std::optional<bool> normalized) {
  std::optional<ImageSize> size;
  if (py::isinstance<ImageSize>(image_size)) {
    size = image_size.cast<ImageSize>();
  } else if (!image_size.is_none()) {
    if (!py::isinstance<py::sequence>(image_size) || py::isinstance<py::str>(image_size) || py::len(image_size) != 2)
      throw InvalidType("BoundingBox: image_size must be an ImageSize or None, got " +
                        py::type::of(image_size).attr("__name__").cast<std::string>());
    const py::sequence hw = image_size;
    size = make_size(whole_side(hw[0], "height"), whole_side(hw[1], "width"));
  }
  return BoundingBox(real_number(xmin, "BoundingBox: xmin"), real_number(ymin, "BoundingBox: ymin"),
                     real_number(xmax, "BoundingBox: xmax"), real_number(ymax, "BoundingBox: ymax"), size, normalized);
}

}  // namespace

namespace {

// The original's members of ImageSize, with text signatures ("name(params)\n--\n\n"
// opening the docstring, as CPython's own builtins) so that
// inspect.signature() reads them (test_original_signatures.py).
void add_original_size_members(py::class_<ImageSize>& cls) {
  py::options plain;
  plain.disable_function_signatures();
  cls.def(py::init([](const py::object& h, const py::object& w) {
            return make_size(whole_side(h, "height"), whole_side(w, "width"));
          }),
          py::arg("height"), py::arg("width"),
          "__init__(self, height, width)\n--\n\nImageSize(height, width), also by keyword: positive whole numbers "
          "of pixels (an integral float is taken, as the original's pydantic did). InvalidArgument for 0, a "
          "negative or fractional side, InvalidType for a bool, str, None, ...")
      .def("area", &ImageSize::area, "area(self)\n--\n\nheight * width.")
      .def("product", &ImageSize::area, "product(self)\n--\n\nheight * width (the original's second name).")
      .def(
          "min", [](const ImageSize& s) { return std::min(s.height, s.width); }, "min(self)\n--\n\nThe shorter side.")
      .def(
          "max", [](const ImageSize& s) { return std::max(s.height, s.width); }, "max(self)\n--\n\nThe longer side.")
      .def("__mul__", &scaled_size, py::is_operator(),
           "__mul__(self, k, /)\n--\n\nBoth sides times k, rounded half to even (Python's round).")
      .def(
          "__lt__", [](const ImageSize& a, const py::object& b) { return partial_order(a, b, std::less<>()); },
          py::is_operator(), "__lt__(self, other, /)\n--\n\nBoth sides smaller (a product partial order).")
      .def(
          "__le__", [](const ImageSize& a, const py::object& b) { return partial_order(a, b, std::less_equal<>()); },
          py::is_operator(), "__le__(self, other, /)\n--\n\nBoth sides smaller or equal.")
      .def(
          "__gt__", [](const ImageSize& a, const py::object& b) { return partial_order(a, b, std::greater<>()); },
          py::is_operator(), "__gt__(self, other, /)\n--\n\nBoth sides larger.")
      .def(
          "__ge__", [](const ImageSize& a, const py::object& b) { return partial_order(a, b, std::greater_equal<>()); },
          py::is_operator(), "__ge__(self, other, /)\n--\n\nBoth sides larger or equal.")
      .def_property_readonly(
          "is_normalized", [](const ImageSize&) { return false; },
          "Always False: sizes are in pixels (the original's field).")
      .def_static("from_image", &size_of_image, py::arg("image"),
                  "from_image(image, /)\n--\n\nThe size of a path or URL (probed: the header only, after the EXIF "
                  "orientation; loading's errors), a HashableImage, a PIL image, an ndarray ((h, w, ...)) or a "
                  "tensor ((..., h, w)). InvalidType for anything else.");
}

// The original's members of BoundingBox, with text signatures as for ImageSize.
void add_original_box_members(py::class_<BoundingBox>& cls) {
  py::options plain;
  plain.disable_function_signatures();
  cls.def(py::init(&make_box), py::arg("xmin"), py::arg("ymin"), py::arg("xmax"), py::arg("ymax"),
          py::arg("image_size") = py::none(), py::arg("normalized") = py::none(),
          "__init__(self, xmin, ymin, xmax, ymax, image_size=None, normalized=None)\n--\n\nExclusive ends. "
          "`normalized` says whether the coordinates are fractions of `image_size` (an ImageSize or a "
          "(height, width) pair); when omitted it is guessed as the original does (all four in [0, 1]). A pixel "
          "box needs no size; conversions between pixels and fractions do. InvalidArgument for NaN, negative or "
          "inverted coordinates, normalised values above 1, a pixel box outside image_size; InvalidType for a "
          "coordinate that is not a number.")
      .def("is_normalized", &BoundingBox::normalized,
           "is_normalized(self)\n--\n\nTrue when the coordinates are fractions of the image size.")
      .def(
          "size",
          [](const BoundingBox& b) {
            const auto v = int_xyxy(b);
            return make_size(static_cast<int>(v[3] - v[1]), static_cast<int>(v[2] - v[0]));
          },
          "size(self)\n--\n\nImageSize(height=ymax - ymin, width=xmax - xmin) in whole pixels (from xyxy); "
          "InvalidArgument for a box less than a pixel wide or high.")
      .def(
          "__str__",
          [](const BoundingBox& b) {
            const auto num = [](double v) { return py::str(py::float_(v)).cast<std::string>(); };
            return "xmin: " + num(b.xmin()) + ", ymin: " + num(b.ymin()) + ", xmax: " + num(b.xmax()) +
                   ", ymax: " + num(b.ymax());
          },
          "__str__(self, /)\n--\n\nxmin: X, ymin: Y, xmax: X, ymax: Y (the original's text).");
}

// ImageSize: (height, width), comparing equal to a tuple of the same.
void bind_image_size(py::module_& m) {
  py::class_<ImageSize> cls(m, "ImageSize", "Height and width of an image in pixels (height first).");
  add_original_size_members(cls);
  cls.def_readonly("height", &ImageSize::height)
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
  py::class_<BoundingBox> cls(m, "BoundingBox",
                              "An axis-aligned box (exclusive ends), in pixels or normalised by image_size.");
  add_original_box_members(cls);
  cls.def_property_readonly("xmin", &BoundingBox::xmin)
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
