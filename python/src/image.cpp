// Binding of pixelcache::Image as _pixelcache.Image: constructors from
// paths, bytes, arrays and raw pickled pixels; NumPy copies and read-only
// views; digest, stats, encoding.
#include <cstdint>
#include <cstring>
#include <string>

#include "bindings.hpp"

namespace pixelcache::python {

void set_read_only(py::array& a) {
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
}

std::vector<py::ssize_t> hwc_shape(const Image& img) {
  std::vector<py::ssize_t> shape{img.height(), img.width()};
  if (img.channels() == 3) shape.push_back(3);
  return shape;
}

namespace {

py::dtype sample_dtype(const Image& img) {
  if (img.is_binary()) return py::dtype("bool");
  return img.pixel_type() == PixelType::F32 ? py::dtype("float32") : py::dtype("uint8");
}

// An independent copy of `img` (already in the wanted storage) as NumPy.
py::array copy_out(const Image& img) {
  py::array out(sample_dtype(img), hwc_shape(img));
  py::gil_scoped_release nogil;
  std::memcpy(out.mutable_data(), img.data(), img.byte_size());
  return out;
}

// The name of the capsules that keep an Image alive under NumPy views, so
// that from_pixels() can recognise its own storage coming back.
constexpr const char* kImageCapsule = "pixelcache.Image";

// A read-only array over the image's own storage; the array owns a handle
// to the image (in a capsule named kImageCapsule), so the pixels outlive
// the HashableImage if need be.
py::array view_of(const Image& img) {
  PyObject* cap = PyCapsule_New(new Image(img), kImageCapsule, [](PyObject* c) {
    delete static_cast<Image*>(PyCapsule_GetPointer(c, kImageCapsule));
  });
  if (cap == nullptr) throw py::error_already_set();
  const auto owner = py::reinterpret_steal<py::object>(cap);
  py::array out(sample_dtype(img), hwc_shape(img), {}, img.data(), owner);
  set_read_only(out);
  return out;
}

// The Image whose whole storage `o` exposes, when `o` is (a memoryview or
// PickleBuffer of) one of view_of()'s arrays: protocol-5 buffers that come
// back to the process that made them. nullptr otherwise.
const Image* own_storage(py::handle data) {
  // Leaked on purpose: a static py::object would be released after the interpreter is gone.
  static const py::handle pickle_buffer = py::object(py::module_::import("pickle").attr("PickleBuffer")).release();
  auto o = py::reinterpret_borrow<py::object>(data);
  for (int depth = 0; depth < 8; ++depth) {
    if (PyMemoryView_Check(o.ptr())) {
      o = o.attr("obj");
    } else if (py::isinstance(o, pickle_buffer)) {
      o = o.attr("raw")().attr("obj");
    } else if (py::isinstance<py::array>(o)) {
      const auto a = py::reinterpret_borrow<py::array>(o);
      const py::handle base = a.base();
      if (!base || !PyCapsule_IsValid(base.ptr(), kImageCapsule)) return nullptr;
      // Owned by the capsule, which the buffer's exporter keeps alive.
      const auto* img = static_cast<const Image*>(PyCapsule_GetPointer(base.ptr(), kImageCapsule));
      return a.data() == img->data() ? img : nullptr;
    } else {
      return nullptr;
    }
  }
  return nullptr;
}

DType dtype_of(const py::array& a) {
  const char kind = a.dtype().kind();
  const auto item = a.dtype().itemsize();
  if (kind == 'b') return DType::Bool;
  if (kind == 'u' && item == 1) return DType::U8;
  if (kind == 'u' && item == 2) return DType::U16;
  if (kind == 'f' && item == 4) return DType::F32;
  throw InvalidType("expected a uint8, uint16, bool or float32 array, got dtype " + std::string(py::str(a.dtype())));
}

// Copies an array in HWC ((h, w) or (h, w, c)) or CHW ((c, h, w)) layout.
Image from_array(const py::array& a, const std::string& layout, const std::string& source) {
  const bool chw = layout == "CHW";
  if (!chw && layout != "HWC") throw InvalidArgument("layout must be \"HWC\" or \"CHW\", got \"" + layout + "\"");
  const auto nd = a.ndim();
  if (chw ? nd != 3 : (nd != 2 && nd != 3))
    throw InvalidArgument(source + ": expected shape " + (chw ? "(c, h, w)" : "(h, w) or (h, w, 3)") + ", got " +
                          std::to_string(nd) + " dimensions");
  const int channels = chw ? static_cast<int>(a.shape(0)) : (nd == 3 ? static_cast<int>(a.shape(2)) : 1);
  if (channels < 1 || channels > 4)
    throw InvalidArgument(source + ": expected 1, 3 or 4 channels, got " + std::to_string(channels));
  const DType dt = dtype_of(a);
  for (py::ssize_t i = 0; i < nd; ++i)
    if (a.shape(i) > INT32_MAX)
      throw InvalidArgument(source + ": array dimension " + std::to_string(a.shape(i)) + " is too large");
  const py::array c = py::array::ensure(a, py::array::c_style);
  RawSpec spec;
  spec.height = static_cast<int>(a.shape(chw ? 1 : 0));
  spec.width = static_cast<int>(a.shape(chw ? 2 : 1));
  spec.channels = channels;
  spec.dtype = dt;
  spec.layout = chw ? Layout::CHW : Layout::HWC;
  py::gil_scoped_release nogil;
  return Image::from_raw(c.data(), spec, source);
}

// A contiguous view of any buffer, released (under the GIL) with the last
// Image storage that adopted it.
struct HeldBuffer {
  Py_buffer view{};
  HeldBuffer() = default;
  HeldBuffer(const HeldBuffer&) = delete;
  HeldBuffer& operator=(const HeldBuffer&) = delete;
  ~HeldBuffer() {
    if (view.obj == nullptr) return;
#if PY_VERSION_HEX >= 0x030D0000
    const bool finalizing = Py_IsFinalizing();
#else
    const bool finalizing = _Py_IsFinalizing();
#endif
    if (!Py_IsInitialized() || finalizing) return;  // the interpreter is going: leak, do not crash
    py::gil_scoped_acquire gil;
    PyBuffer_Release(&view);
  }
};

// True when `o` is a bytes object, or a memoryview (of a memoryview ...) of
// one: memory nobody can change. A read-only view of a bytearray or of any
// other exporter is not enough: its owner may still write to it.
bool is_immutable_bytes(py::handle o) {
  while (PyMemoryView_Check(o.ptr())) o = o.attr("obj");
  return PyBytes_Check(o.ptr());
}

// Rebuilds an image from pixels() (pickle) or any buffer of its bytes:
// exact, no re-normalisation beyond validation. No copy, as NumPy, for the
// bytes object in-band unpickling makes (or any bytes: adopted) and for an
// out-of-band buffer that is our own storage (shared); other buffers are
// copied, since their owner could still change them.
Image from_pixels(const std::string& mode, int height, int width, bool is_float, const py::object& data) {
  auto held = std::make_shared<HeldBuffer>();
  if (PyObject_GetBuffer(data.ptr(), &held->view, PyBUF_SIMPLE) != 0) throw py::error_already_set();
  const auto* p = static_cast<const std::uint8_t*>(held->view.buf);
  const auto bytes = static_cast<std::size_t>(held->view.len);
  const bool adopt = is_immutable_bytes(data);
  const Mode m = parse_mode(mode);
  const ImageSize size{height, width};
  size.validate("from_pixels");
  const std::size_t n = size.area() * static_cast<std::size_t>(mode_channels(m));
  if (bytes != n * (is_float ? 4 : 1))
    throw InvalidArgument("from_pixels: " + std::to_string(bytes) + " bytes for a " + size.to_string() + " " + mode +
                          (is_float ? " float32" : " uint8") + " image");
  const PixelType type = is_float ? PixelType::F32 : PixelType::U8;
  // Our own storage, sent out of band within this process: share it.
  if (const Image* own = own_storage(data);
      own != nullptr && own->mode() == m && own->size() == size && own->pixel_type() == type)
    return *own;
  py::gil_scoped_release nogil;
  if (adopt) return Image::adopt(size, m, type, p, bytes, std::move(held));
  // One copy, straight into the new storage; from_raw validates (binary 0/1,
  // floats in range) exactly as for any input.
  RawSpec spec;
  spec.height = height;
  spec.width = width;
  spec.channels = mode_channels(m);
  spec.dtype = m == Mode::Binary ? DType::Bool : (is_float ? DType::F32 : DType::U8);
  return Image::from_raw(p, spec, "pickled image");
}

// (1, c, h, w) float32 in [0, 1] in one pass (bool (1, 1, h, w) for binary):
// what torch wants, without a permute copy. uint8 samples map to exactly
// float(k) / 255, the values Image::from_raw recognises as 8-bit.
py::array tensor_data(const Image& img) {
  const int c = img.channels();
  std::vector<py::ssize_t> shape{1, c, img.height(), img.width()};
  if (img.is_binary()) {
    py::array out(py::dtype("bool"), shape);
    py::gil_scoped_release nogil;
    std::memcpy(out.mutable_data(), img.data(), img.byte_size());
    return out;
  }
  py::array_t<float> out(shape);
  float* dst = out.mutable_data();
  const std::size_t n = img.byte_size() / (img.pixel_type() == PixelType::F32 ? 4 : 1);
  py::gil_scoped_release nogil;
  img.write_planar_f32({dst, n});
  return out;
}

py::dict stats_dict(const Image& img) {
  Stats s;
  {
    py::gil_scoped_release nogil;
    s = img.stats();
  }
  py::dict d;
  d["mean"] = s.mean;
  d["std"] = s.stddev;
  d["min"] = s.min;
  d["max"] = s.max;
  d["sum"] = s.sum;
  return d;
}

EncodeOptions encode_options(int quality, bool lossless) {
  EncodeOptions o;
  o.quality = quality;
  o.lossless = lossless;
  return o;
}

LoadOptions load_options(std::uint64_t max_pixels, std::uint64_t max_expansion, bool apply_orientation,
                         std::pair<int, int> draft, std::uint64_t max_stream_pixels = 0) {
  LoadOptions o;
  o.max_pixels = max_pixels;
  o.max_stream_pixels = max_stream_pixels;
  o.max_expansion = max_expansion;
  o.apply_orientation = apply_orientation;
  o.shrink_hint = ImageSize{draft.first, draft.second};
  return o;
}

// The ResizeSpec of load_resized / decode_resized: InvalidArgument for a
// negative size or both sides 0 before anything is read.
ResizeSpec resize_spec(std::pair<int, int> size, const std::string& interpolation) {
  const ImageSize to{size.first, size.second};
  const Interpolation interp = parse_interpolation(interpolation);
  resized_size(ImageSize{1, 1}, to);  // throws for a negative size or both sides 0
  return ResizeSpec::to(to, interp);
}

// A writer format by name ("PNG", "jpg", "webp", ...), with the library's
// own extension table and its error for unknown names.
Format parse_format(const std::string& name) { return format_from_extension("image." + name); }

}  // namespace

namespace {

using nogil = py::call_guard<py::gil_scoped_release>;
using ImageClass = py::class_<Image>;

// The module-level limits and file writer.
void bind_image_functions(py::module_& m) {
  m.attr("DEFAULT_MAX_PIXELS") = kDefaultMaxPixels;
  m.attr("DEFAULT_MAX_EXPANSION") = kDefaultMaxExpansion;
  m.def(
      "write_file",
      [](const std::string& path, const py::bytes& data) {
        const std::string_view v = data;
        py::gil_scoped_release release;
        write_file(path, {reinterpret_cast<const std::uint8_t*>(v.data()), v.size()});
      },
      py::arg("path"), py::arg("data"),
      "Writes a whole file atomically (pixelcache::write_file: a unique temporary renamed into place).");
  m.def("max_image_bytes", &max_image_bytes,
        "The largest pixel buffer any image may have, in bytes (4 GiB by default).");
  m.def("set_max_image_bytes", &set_max_image_bytes, py::arg("bytes"),
        "Sets the process-wide limit on one image's pixel buffer; larger images raise LimitError.");
}

// Image's static constructors: from a path, bytes, an array or pixels().
void bind_image_constructors(ImageClass& cls) {
  cls.def_static(
         "from_path",
         [](const std::string& p, std::uint64_t max_pixels, bool orient, std::pair<int, int> draft,
            std::uint64_t max_expansion, std::uint64_t max_stream_pixels) {
           return load(p, load_options(max_pixels, max_expansion, orient, draft, max_stream_pixels));
         },
         py::arg("path"), py::arg("max_pixels") = kDefaultMaxPixels, py::arg("apply_orientation") = true,
         py::arg("draft") = std::pair<int, int>{0, 0}, py::arg("max_expansion") = kDefaultMaxExpansion,
         py::arg("max_stream_pixels") = 0, nogil(),
         "Loads a file path or http(s) URL (a whole decode: max_stream_pixels does not apply).")
      .def_static(
          "from_bytes",
          [](const py::bytes& b, std::uint64_t max_pixels, bool orient, std::pair<int, int> draft,
             std::uint64_t max_expansion, std::uint64_t max_stream_pixels) {
            const std::string_view v = b;
            py::gil_scoped_release release;
            return decode({reinterpret_cast<const std::uint8_t*>(v.data()), v.size()},
                          load_options(max_pixels, max_expansion, orient, draft, max_stream_pixels));
          },
          py::arg("data"), py::arg("max_pixels") = kDefaultMaxPixels, py::arg("apply_orientation") = true,
          py::arg("draft") = std::pair<int, int>{0, 0}, py::arg("max_expansion") = kDefaultMaxExpansion,
          py::arg("max_stream_pixels") = 0, "Decodes encoded image bytes (a whole decode).")
      .def_static(
          "load_resized",
          [](const std::string& p, std::pair<int, int> size, const std::string& interpolation, std::uint64_t max_pixels,
             std::uint64_t max_stream_pixels, std::uint64_t max_expansion, bool orient) {
            const ResizeSpec spec = resize_spec(size, interpolation);
            return load_resized(p, spec, load_options(max_pixels, max_expansion, orient, size, max_stream_pixels));
          },
          py::arg("path"), py::arg("size"), py::arg("interpolation") = "bilinear",
          py::arg("max_pixels") = kDefaultMaxPixels, py::arg("max_stream_pixels") = 0,
          py::arg("max_expansion") = kDefaultMaxExpansion, py::arg("apply_orientation") = true, nogil(),
          "load_resized (thumbnail.hpp): a file or URL decoded straight to `size` (height, width; a side may be 0), "
          "streamed, with shrink-on-load, sized as the full-scale image.")
      .def_static(
          "decode_resized",
          [](const py::bytes& b, std::pair<int, int> size, const std::string& interpolation, std::uint64_t max_pixels,
             std::uint64_t max_stream_pixels, std::uint64_t max_expansion, bool orient) {
            const std::string_view v = b;
            const ResizeSpec spec = resize_spec(size, interpolation);
            py::gil_scoped_release release;
            return decode_resized({reinterpret_cast<const std::uint8_t*>(v.data()), v.size()}, spec,
                                  load_options(max_pixels, max_expansion, orient, size, max_stream_pixels));
          },
          py::arg("data"), py::arg("size"), py::arg("interpolation") = "bilinear",
          py::arg("max_pixels") = kDefaultMaxPixels, py::arg("max_stream_pixels") = 0,
          py::arg("max_expansion") = kDefaultMaxExpansion, py::arg("apply_orientation") = true,
          "decode_resized (thumbnail.hpp): encoded bytes decoded straight to `size` (height, width; a side may be "
          "0), streamed, with shrink-on-load, sized as the full-scale image.")
      .def_static("from_array", &from_array, py::arg("array"), py::arg("layout") = "HWC", py::arg("source") = "ndarray",
                  "Copies an array (h, w[, c]) or (c, h, w) of uint8, uint16, bool or float32 in [0, 1].")
      .def_static("from_pixels", &from_pixels, "Rebuilds an image from mode, size, storage kind and pixels().");
}

// Image's pixel access: copies and read-only views.
void bind_image_pixels(ImageClass& cls) {
  cls.def("tensor_data", &tensor_data, "(1, c, h, w) float32 copy in [0, 1]; (1, 1, h, w) bool for binary.")
      .def(
          "pixels", [](const Image& i) { return py::bytes(static_cast<const char*>(i.data()), i.byte_size()); },
          "The stored samples as bytes (uint8, or float32 when is_float).")
      .def(
          "numpy", [](const Image& i) { return copy_out(i.pixel_type() == PixelType::U8 ? i : i.as_u8()); },
          "An independent uint8 copy (bool for binary).")
      .def(
          "numpy_view",
          [](const Image& i) {
            if (i.pixel_type() == PixelType::U8) return view_of(i);
            Image u8;  // float32 storage: the uint8 conversion, read-only (as the original's tensor storage)
            {
              py::gil_scoped_release release;
              u8 = i.as_u8();
            }
            return view_of(u8);
          },
          "A read-only uint8 (bool) array: zero-copy onto uint8 storage, the converted uint8 samples for float32 "
          "storage.")
      .def(
          "float_numpy",
          [](const Image& i) {
            if (i.is_binary()) return copy_out(i);
            Image f;
            {
              py::gil_scoped_release release;
              f = i.as_f32();
            }
            return copy_out(f);
          },
          "An independent float32 copy in [0, 1] (bool for binary).")
      .def(
          "float_view",
          [](const Image& i) -> py::object {
            if (i.pixel_type() == PixelType::F32) return view_of(i);
            return py::none();
          },
          "A read-only float32 view when the storage is float32, else None.");
}

// Image's digest, equality, properties, statistics and encoding.
void bind_image_identity_and_io(ImageClass& cls) {
  cls.def("digest", &Image::hex_digest, nogil(), "The 32-hex content digest.")
      .def(
          "__hash__", [](const Image& i) { return static_cast<py::ssize_t>(i.digest().fold()); }, nogil(),
          "The folded digest (computed once per storage).")
      .def(
          "__eq__", [](const Image& a, const Image& b) { return a == b; }, nogil(),
          "Same storage, else same digest and pixels.")
      .def("same_storage", &Image::same_storage)
      .def_property_readonly("mode", [](const Image& i) { return mode_name(i.mode()); })
      .def_property_readonly("height", &Image::height)
      .def_property_readonly("width", &Image::width)
      .def_property_readonly("channels", &Image::channels)
      .def_property_readonly("byte_size", &Image::byte_size)
      .def_property_readonly("is_float", [](const Image& i) { return i.pixel_type() == PixelType::F32; })
      .def("stats", &stats_dict, "Per-channel mean, std, min, max, sum in levels (0/1 for binary).")
      .def("unique", &Image::unique, nogil(), "Sorted distinct sample values.")
      .def(
          "encode",
          [](const Image& i, const std::string& format, int quality, bool lossless) {
            std::vector<std::uint8_t> data;
            {
              py::gil_scoped_release release;
              data = encode(i, parse_format(format), encode_options(quality, lossless));
            }
            return py::bytes(reinterpret_cast<const char*>(data.data()), data.size());
          },
          py::arg("format") = "PNG", py::arg("quality") = 90, py::arg("lossless") = false, "Encoded bytes.")
      .def(
          "save",
          [](const Image& i, const std::string& path, int quality, bool lossless) {
            save(i, path, encode_options(quality, lossless));
          },
          py::arg("path"), py::arg("quality") = 90, py::arg("lossless") = false, nogil(),
          "Writes a file atomically (pixelcache::save); the format comes from the extension. `path`: str or the "
          "bytes of the name.")
      .def("__repr__", &Image::to_string);
}

}  // namespace

void bind_image(py::module_& m) {
  bind_image_functions(m);
  ImageClass cls(m, "Image", "The immutable C++ image (pixelcache::Image).");
  bind_image_constructors(cls);
  bind_image_pixels(cls);
  bind_image_identity_and_io(cls);
}

}  // namespace pixelcache::python
