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
/// Inside a catch block: sets the Python error for the exception being
/// handled as pybind11 would for a binding (pixelcache errors become their
/// Python classes, std::bad_alloc MemoryError, ...). For C code outside
/// pybind11's dispatcher (memo_front.cpp).
void raise_current_exception();
void bind_image(py::module_& m);
void bind_geometry(py::module_& m);
void bind_probe(py::module_& m);
void bind_ops(py::module_& m);
void bind_grid(py::module_& m);
void bind_value(py::module_& m);
void bind_catalogue(py::module_& m);
void bind_cache(py::module_& m);
void bind_memo_front(py::module_& m);
void bind_data(py::module_& m);
void bind_phash(py::module_& m);
void bind_dups(py::module_& m);

/// A Python object tree as a pixelcache::Value (value.cpp: None, bool, int,
/// float, str, images, BoundingBox, ImageSize, arrays, tensors, lists,
/// tuples, dicts, and objects with __pixelcache_value__()).
Value to_value(const py::handle& o);

/// A digest as 16 bytes in Digest::hex() order (high 64 bits big-endian,
/// then low) — the form of cache keys in Python (cache.cpp).
py::bytes digest_to_bytes(const Digest& d);

/// The memoize key of (namespace, function, version, the Value digests of
/// the items of the list or tuple `arguments`); names[i] (looked up only on
/// an error) names arguments[i] in the InvalidType / InvalidArgument raised
/// for a value that cannot be keyed (cache.cpp).
Digest memo_key(std::string_view ns, std::string_view function, std::string_view version, py::handle arguments,
                py::handle names);
/// Cache::get_or_compute with the GIL released, re-acquired only to run
/// `compute`, which returns (kind, tag, payload, result). Returns (entry as
/// (kind, tag, payload) or None, origin, result when computed else None)
/// and with `front` a fourth item: (memory generation, entry bytes) when the
/// memory tier held the entry (memo_front.cpp), else None. A Python error
/// of `compute` propagates as py::error_already_set (cache.cpp).
py::tuple fetch_with(Cache& c, const Digest& k, const std::function<py::object()>& compute, bool front);
/// A Value as plain Python: None, bool, int, float, str, _pixelcache.Image,
/// BoundingBox, NumPy arrays (bytes for dtype "bytes"), lists (tuples with
/// `lists_as_tuples`) and dicts (list keys as tuples) (cache.cpp).
py::object value_to_python(const Value& v, bool lists_as_tuples = false);
/// Marks a NumPy array read-only (writeable=False).
void set_read_only(py::array& a);

/// (h, w) or (h, w, c) as a NumPy shape.
std::vector<py::ssize_t> hwc_shape(const Image& img);

}  // namespace pixelcache::python
