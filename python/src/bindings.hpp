// Internal to the _pixelcache extension: the per-concern binding functions
// that module.cpp calls, and the NumPy helpers they share.
//
// Every binding that touches pixels (decode, encode, copies, hashing, every
// operation) releases the GIL while it runs, so Python threads scale.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "pixelcache/pixelcache.hpp"

namespace pixelcache::python {

namespace py = pybind11;

/// A Python argument of an unsupported type (a str where an image was
/// expected, an object dtype array, an unhashable member): raised in Python
/// as pixelcache.InvalidType, which is also a TypeError. C++ callers have
/// static types, so this error exists only in the binding.
class InvalidType : public Error {
 public:
  using Error::Error;
};

void bind_errors(py::module_& m);
void bind_image(py::module_& m);
void bind_geometry(py::module_& m);
void bind_ops(py::module_& m);
void bind_grid(py::module_& m);
void bind_value(py::module_& m);
void bind_catalogue(py::module_& m);
void bind_cache(py::module_& m);
void bind_memo_front(py::module_& m);

/// A Python object tree as a pixelcache::Value (value.cpp: None, bool, int,
/// float, str, images, BoundingBox, ImageSize, arrays, tensors, lists,
/// tuples, dicts, and objects with __pixelcache_value__()).
Value to_value(const py::handle& o);

/// A digest as 16 bytes in Digest::hex() order (high 64 bits big-endian,
/// then low) — the form of cache keys in Python (cache.cpp).
py::bytes digest_to_bytes(const Digest& d);

/// Marks a NumPy array read-only (writeable=False).
void set_read_only(py::array& a);

/// (h, w) or (h, w, c) as a NumPy shape.
std::vector<py::ssize_t> hwc_shape(const Image& img);

}  // namespace pixelcache::python
