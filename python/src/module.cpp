// The _pixelcache extension: the C++ Image behind pixelcache.HashableImage.
// Work on pixels (decode, copies, hashing) runs with the GIL released.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "pixelcache/pixelcache.hpp"

namespace py = pybind11;
using pixelcache::Image;

namespace {

// NumPy array that copies the image (bool for binary).
py::array to_numpy(const Image& img) {
  const Image u = img.as_u8();
  std::vector<py::ssize_t> shape{u.height(), u.width()};
  if (u.channels() == 3) shape.push_back(3);
  py::array out = u.is_binary() ? py::array(py::dtype("bool"), shape) : py::array(py::dtype("uint8"), shape);
  {
    py::gil_scoped_release nogil;
    std::memcpy(out.mutable_data(), u.data(), u.byte_size());
  }
  return out;
}

// Read-only NumPy view onto the image's own storage; the array keeps a
// handle to the image alive. Float storage has no uint8 view: ValueError.
py::array to_numpy_view(const Image& img) {
  if (img.pixel_type() != pixelcache::PixelType::U8)
    throw py::value_error("numpy_view(): the image stores float32 samples; use numpy() for a uint8 copy");
  std::vector<py::ssize_t> shape{img.height(), img.width()};
  if (img.channels() == 3) shape.push_back(3);
  auto* keep = new Image(img);
  py::capsule owner(keep, [](void* p) { delete static_cast<Image*>(p); });
  py::array out(img.is_binary() ? py::dtype("bool") : py::dtype("uint8"), shape, {}, img.data(), owner);
  py::detail::array_proxy(out.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return out;
}

Image from_array(const py::array& a) {
  const auto nd = a.ndim();
  if (nd != 2 && nd != 3)
    throw py::value_error("expected an array of shape (h, w) or (h, w, 3), got " + std::to_string(nd) + " dimensions");
  const int channels = nd == 3 ? static_cast<int>(a.shape(2)) : 1;
  if (nd == 3 && channels != 3 && channels != 4)
    throw py::value_error("expected (h, w, 3) or (h, w, 4) for colour arrays, got " + std::to_string(channels) +
                          " channels");
  pixelcache::DType dt;
  const char kind = a.dtype().kind();
  const auto item = a.dtype().itemsize();
  if (kind == 'b')
    dt = pixelcache::DType::Bool;
  else if (kind == 'u' && item == 1)
    dt = pixelcache::DType::U8;
  else if (kind == 'u' && item == 2)
    dt = pixelcache::DType::U16;
  else if (kind == 'f' && item == 4)
    dt = pixelcache::DType::F32;
  else
    throw py::type_error("expected a uint8, uint16, bool or float32 array, got dtype " +
                         std::string(py::str(a.dtype())));
  py::array c = py::array::ensure(a, py::array::c_style);
  pixelcache::RawSpec spec{
      static_cast<int>(a.shape(0)), static_cast<int>(a.shape(1)), channels, dt, pixelcache::Layout::HWC, 0};
  py::gil_scoped_release nogil;
  return Image::from_raw(c.data(), spec, "ndarray");
}

}  // namespace

PYBIND11_MODULE(_pixelcache, m) {
  m.doc() = "pixelcache C++ core";
  static py::exception<pixelcache::Error> error(m, "Error");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pixelcache::InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const pixelcache::IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const pixelcache::Error& e) {
      error(e.what());
    }
  });

  py::class_<Image>(m, "Image")
      .def_static(
          "from_path",
          [](const std::string& p) {
            py::gil_scoped_release nogil;
            return pixelcache::load(p);
          },
          "Loads a file path or http(s) URL.")
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            const std::string_view v = b;
            py::gil_scoped_release nogil;
            return pixelcache::decode({reinterpret_cast<const std::uint8_t*>(v.data()), v.size()});
          },
          "Decodes encoded image bytes.")
      .def_static("from_array", &from_array, "Copies a NumPy array (h, w[, 3|4]) of uint8, uint16, bool or float32.")
      .def("numpy", &to_numpy, "An independent uint8 (bool for binary) copy.")
      .def("numpy_view", &to_numpy_view, "A read-only zero-copy view.")
      .def("digest",
           [](const Image& i) {
             py::gil_scoped_release nogil;
             return i.hex_digest();
           })
      .def("__hash__", [](const Image& i) { return static_cast<py::ssize_t>(i.digest().fold()); })
      .def("__eq__", [](const Image& a, const Image& b) { return a == b; })
      .def_property_readonly("mode", [](const Image& i) { return pixelcache::mode_name(i.mode()); })
      .def_property_readonly("height", &Image::height)
      .def_property_readonly("width", &Image::width)
      .def_property_readonly("channels", &Image::channels)
      .def_property_readonly("is_float", [](const Image& i) { return i.pixel_type() == pixelcache::PixelType::F32; })
      .def("__repr__", &Image::to_string);
}
