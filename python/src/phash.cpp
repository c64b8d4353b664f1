// Bindings of phash.hpp: _pixelcache.ImageHash (the public
// pixelcache.ImageHash, with imagehash's conveniences) and the hash
// functions. Hashing releases the GIL.
#include "pixelcache/phash.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

using nogil = py::call_guard<py::gil_scoped_release>;

HashSpec spec_of(const std::string& kind, int hash_size, int highfreq_factor) {
  HashSpec s{parse_hash_kind(kind), hash_size, highfreq_factor};
  s.validate();
  return s;
}

// ImageHash(binary_array): any array-like of truth values, 2-D (rows, cols)
// or 1-D (one row), as imagehash.ImageHash(binary_array).
ImageHash from_array(const py::object& obj) {
  py::module_ np = py::module_::import("numpy");
  py::array a = np.attr("ascontiguousarray")(np.attr("asarray")(obj), py::arg("dtype") = "bool").cast<py::array>();
  if (a.ndim() == 1) a = a.attr("reshape")(1, a.shape(0)).cast<py::array>();
  if (a.ndim() != 2)
    throw InvalidArgument("ImageHash: expected a 2-D array of bits (rows, cols), got " + std::to_string(a.ndim()) +
                          " dimensions");
  const auto* p = static_cast<const std::uint8_t*>(a.data());
  return ImageHash(static_cast<int>(a.shape(0)), static_cast<int>(a.shape(1)),
                   std::span<const std::uint8_t>(p, static_cast<std::size_t>(a.size())));
}

py::array_t<bool> bool_array(const ImageHash& h) {
  py::array_t<bool> out({static_cast<py::ssize_t>(h.rows()), static_cast<py::ssize_t>(h.cols())});
  const std::vector<std::uint8_t> bits = h.bits();
  std::memcpy(out.mutable_data(), bits.data(), bits.size());
  return out;
}

int hamming(const ImageHash& a, const py::object& b) {
  if (b.is_none() || !py::isinstance<ImageHash>(b))
    throw InvalidType("ImageHash: the other operand of - must be an ImageHash, got " +
                      py::str(py::type::handle_of(b).attr("__name__")).cast<std::string>());
  const auto& o = b.cast<const ImageHash&>();
  if (a.size() != o.size())  // imagehash raises TypeError here too
    throw InvalidType("ImageHash: the hashes must be of the same shape, got " + std::to_string(a.rows()) + "x" +
                      std::to_string(a.cols()) + " and " + std::to_string(o.rows()) + "x" + std::to_string(o.cols()));
  return a.distance(o);
}

void bind_image_hash(py::module_& m) {
  py::class_<ImageHash>(m, "ImageHash",
                        "A perceptual hash: a rows x cols matrix of bits (pixelcache/phash.hpp). a - b is the "
                        "Hamming distance, str() imagehash's hex form.")
      .def(py::init(&from_array), py::arg("binary_array"),
           "A hash from a 2-D array of truth values (rows, cols), as imagehash.ImageHash(binary_array).")
      .def_static(
          "from_hex",
          [](const std::string& hex, const py::object& shape) {
            if (shape.is_none()) return ImageHash::from_hex(hex);
            const auto rc = shape.cast<std::pair<int, int>>();
            return ImageHash::from_hex(hex, rc.first, rc.second);
          },
          py::arg("hex"), py::arg("shape") = py::none(),
          "Parses imagehash's hex form: a square hash as imagehash.hex_to_hash, or of shape (rows, cols).")
      .def_property_readonly("hash", &bool_array,
                             "The bits as a (rows, cols) bool array (a copy), as imagehash's .hash.")
      .def_property_readonly("shape", [](const ImageHash& h) { return py::make_tuple(h.rows(), h.cols()); })
      .def("__str__", &ImageHash::hex)
      .def("__repr__", &ImageHash::to_string)
      .def("__len__", &ImageHash::size)
      .def("__sub__", &hamming, py::is_operator())
      .def(
          "__eq__",
          [](const ImageHash& a, const py::object& b) -> py::object {
            if (!py::isinstance<ImageHash>(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            return py::bool_(a == b.cast<const ImageHash&>());
          },
          py::is_operator())
      .def(
          "__ne__",
          [](const ImageHash& a, const py::object& b) -> py::object {
            if (!py::isinstance<ImageHash>(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            return py::bool_(!(a == b.cast<const ImageHash&>()));
          },
          py::is_operator())
      .def("__hash__", [](const ImageHash& h) { return static_cast<py::ssize_t>(h.digest().fold()); })
      .def(
          "digest", [](const ImageHash& h) { return h.digest().hex(); },
          "The stable 32-hex content digest (of the Value [\"ImageHash\", rows, cols, hex]).")
      .def("__pixelcache_value__",
           [](const ImageHash& h) { return py::make_tuple(py::str("ImageHash"), h.rows(), h.cols(), h.hex()); })
      .def(py::pickle([](const ImageHash& h) { return py::make_tuple(h.rows(), h.cols(), h.hex()); },
                      [](const py::tuple& t) {
                        return ImageHash::from_hex(t[2].cast<std::string>(), t[0].cast<int>(), t[1].cast<int>());
                      }))
      .def("__copy__", [](const ImageHash& h) { return h; })
      .def("__deepcopy__", [](const ImageHash& h, const py::object&) { return h; });
}

}  // namespace

void bind_phash(py::module_& m) {
  bind_image_hash(m);
  m.def(
      "image_hash",
      [](const Image& img, const std::string& kind, int hash_size, int highfreq_factor) {
        const HashSpec s = spec_of(kind, hash_size, highfreq_factor);
        py::gil_scoped_release nogil;
        return image_hash(img, s);
      },
      py::arg("image"), py::arg("kind"), py::arg("hash_size"), py::arg("highfreq_factor"));
  m.def(
      "hash_file",
      [](const std::string& path, const std::string& kind, int hash_size, int highfreq_factor,
         std::uint64_t max_pixels) {
        const HashSpec s = spec_of(kind, hash_size, highfreq_factor);
        LoadOptions o;
        o.max_pixels = max_pixels;
        py::gil_scoped_release nogil;
        return hash_file(path, s, o);
      },
      py::arg("path"), py::arg("kind"), py::arg("hash_size"), py::arg("highfreq_factor"), py::arg("max_pixels"));
  m.def(
      "hash_bytes",
      [](const py::bytes& data, const std::string& kind, int hash_size, int highfreq_factor, std::uint64_t max_pixels) {
        const HashSpec s = spec_of(kind, hash_size, highfreq_factor);
        LoadOptions o;
        o.max_pixels = max_pixels;
        const std::string_view v = data;
        py::gil_scoped_release nogil;
        return hash_bytes(std::span(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()), s, o);
      },
      py::arg("data"), py::arg("kind"), py::arg("hash_size"), py::arg("highfreq_factor"), py::arg("max_pixels"));
  m.def(
      "default_threshold",
      [](const std::string& kind, int hash_size) { return default_threshold(spec_of(kind, hash_size, 4)); },
      py::arg("kind"), py::arg("hash_size"));
}

}  // namespace pixelcache::python
