// pixelcache.probe(): what an image file, URL or encoded bytes are, read from
// the header without decoding pixels (pixelcache::probe / probe_file), as the
// frozen value _pixelcache.ImageInfo. The GIL is released while reading.
// And _formats(): the library's format registry, for the package's lists of
// image extensions.
#include <string>
#include <utility>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

Format format_from_name(const std::string& name) {
  for (const FormatInfo& f : formats())
    if (name == f.name) return f.id;
  throw InvalidArgument("ImageInfo: unknown format '" + escape_bytes(name) + "'");
}

py::tuple state(const ImageInfo& i) {
  return py::make_tuple(format_name(i.format), py::make_tuple(i.size.height, i.size.width),
                        py::make_tuple(i.stored_size.height, i.stored_size.width), mode_name(i.mode), i.orientation,
                        i.frames);
}

ImageInfo from_state(const py::tuple& t) {
  if (t.size() != 6) throw InvalidArgument("ImageInfo: a pickled state of 6 items expected");
  ImageInfo i;
  i.format = format_from_name(t[0].cast<std::string>());
  const auto size = t[1].cast<std::pair<int, int>>(), stored = t[2].cast<std::pair<int, int>>();
  i.size = {size.first, size.second};
  i.stored_size = {stored.first, stored.second};
  i.mode = parse_mode(t[3].cast<std::string>());
  i.orientation = t[4].cast<int>();
  i.frames = t[5].cast<int>();
  return i;
}

// A contiguous buffer held while the GIL is released (bytes, bytearray,
// memoryview); released with the GIL held.
class HeldBuffer {
 public:
  explicit HeldBuffer(const py::handle& o) {
    if (PyObject_GetBuffer(o.ptr(), &view_, PyBUF_SIMPLE) != 0) {
      PyErr_Clear();
      throw InvalidArgument("probe: the buffer must be contiguous bytes");
    }
  }
  ~HeldBuffer() { PyBuffer_Release(&view_); }
  HeldBuffer(const HeldBuffer&) = delete;
  HeldBuffer& operator=(const HeldBuffer&) = delete;
  std::span<const std::uint8_t> bytes() const {
    return {static_cast<const std::uint8_t*>(view_.buf), static_cast<std::size_t>(view_.len)};
  }

 private:
  Py_buffer view_{};
};

ImageInfo probe_object(const py::object& source, const LoadOptions& options) {
  if (py::isinstance<py::bytes>(source) || py::isinstance<py::bytearray>(source) ||
      py::isinstance<py::memoryview>(source)) {
    const HeldBuffer buffer(source);
    py::gil_scoped_release nogil;
    return probe(buffer.bytes(), options);
  }
  std::string path;
  if (py::isinstance<py::str>(source)) {
    path = source.cast<std::string>();
  } else if (py::hasattr(source, "__fspath__")) {
    const py::object name = py::module_::import("os").attr("fspath")(source);
    path = py::isinstance<py::bytes>(name) ? std::string(name.cast<py::bytes>()) : name.cast<std::string>();
  } else {
    throw InvalidType(
        "probe: expected a path (str or os.PathLike), an http(s) URL, or bytes, bytearray or "
        "memoryview of encoded data; got " +
        std::string(py::str(py::type::of(source).attr("__name__"))));
  }
  py::gil_scoped_release nogil;
  return probe_file(path, options);
}

}  // namespace

void bind_probe(py::module_& m) {
  py::class_<ImageInfo>(m, "ImageInfo",
                        "What an encoded image is, read from its header without decoding pixels (pixelcache.probe): "
                        "format, size (as loading gives it: after the EXIF orientation), stored_size (as stored), "
                        "mode, orientation, frames. Immutable, hashable, picklable.")
      .def_property_readonly(
          "format", [](const ImageInfo& i) { return format_name(i.format); },
          "PIL's format name: JPEG, PNG, WEBP, HEIF, AVIF, TIFF, BMP or GIF.")
      .def_property_readonly(
          "size", [](const ImageInfo& i) { return i.size; },
          "The ImageSize loading gives (after the EXIF orientation).")
      .def_property_readonly(
          "stored_size", [](const ImageInfo& i) { return i.stored_size; },
          "The ImageSize the header declares, before orientation.")
      .def_property_readonly(
          "mode", [](const ImageInfo& i) { return mode_name(i.mode); }, "The mode loading gives: RGB, L or 1.")
      .def_property_readonly(
          "orientation", [](const ImageInfo& i) { return i.orientation; }, "The EXIF orientation found, 1..8.")
      .def_property_readonly(
          "frames", [](const ImageInfo& i) { return i.frames; },
          "Frames, pages or images where the format says so cheaply (GIF, TIFF, HEIF, APNG); else 1.")
      .def("__eq__",
           [](const ImageInfo& a, const py::object& b) -> py::object {
             if (!py::isinstance<ImageInfo>(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::bool_(a == b.cast<const ImageInfo&>());
           })
      .def("__hash__", [](const ImageInfo& i) { return py::hash(state(i)); })
      .def("__repr__",
           [](const ImageInfo& i) {
             return "ImageInfo(format='" + std::string(format_name(i.format)) +
                    "', size=" + std::string(py::repr(py::cast(i.size))) + ", mode='" + mode_name(i.mode) +
                    "', orientation=" + std::to_string(i.orientation) + ", frames=" + std::to_string(i.frames) +
                    ", stored_size=" + std::string(py::repr(py::cast(i.stored_size))) + ")";
           })
      // Pickled through copyreg by the package (pixelcache/_probe.py), from
      // this state: pybind11 2.10's own pickling aborts under protocols 0
      // and 1.
      .def("__getstate__", &state, "(format, size, stored_size, mode, orientation, frames)");
  m.def("_image_info", &from_state, "An ImageInfo from ImageInfo.__getstate__().");
  m.def(
      "_formats",
      [] {
        py::list out;
        for (const FormatInfo& f : formats())
          out.append(py::make_tuple(f.name, f.extensions, f.input_extensions, f.can_write, f.streams));
        return out;
      },
      "The library's format registry (pixelcache::formats()): (name, extensions, input-only extensions, "
      "can_write, streams) per format, in its order.");
  m.def(
      "probe",
      [](const py::object& source, std::uint64_t max_pixels, std::uint64_t max_expansion, bool apply_orientation) {
        LoadOptions o;
        o.max_pixels = max_pixels;
        o.max_expansion = max_expansion;
        o.apply_orientation = apply_orientation;
        return probe_object(source, o);
      },
      py::arg("source"), py::kw_only(), py::arg("max_pixels") = kDefaultMaxPixels,
      py::arg("max_expansion") = kDefaultMaxExpansion, py::arg("apply_orientation") = true,
      "What an image is, without decoding its pixels: an ImageInfo read from the header of a path (str or "
      "os.PathLike; read only as far as needed), an http(s) URL (fetched whole) or encoded bytes (bytes, "
      "bytearray, memoryview). Raises DecodeError for data that is not an image or is truncated before the end "
      "of its header, LimitError for a declared size above max_pixels (or, for a small input, above "
      "max_expansion decoded bytes per input byte), IoError / NetworkError as loading does.");
}

}  // namespace pixelcache::python
