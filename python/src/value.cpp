// The structural digest of Python values (value.hpp): converts a Python
// object tree into a pixelcache::Value, so HashableList / HashableDict digests
// are the C++ ones, bit for bit.
#include <pybind11/stl.h>

#include <climits>
#include <string>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

constexpr int kMaxDepth = 200;

bool is_torch_tensor(const py::handle& o) {
  const py::handle t = py::type::handle_of(o);
  return py::str(t.attr("__module__")).cast<std::string>().rfind("torch", 0) == 0 &&
         py::str(t.attr("__name__")).cast<std::string>() == "Tensor";
}

Array to_array(const py::handle& obj) {
  py::module_ np = py::module_::import("numpy");
  py::object a = np.attr("asarray")(obj);
  const std::string kind(1, a.attr("dtype").attr("kind").cast<char>());
  if (kind.find_first_of("biufc") == std::string::npos)
    throw InvalidType("hashable containers hold numeric or bool arrays only, got dtype " +
                      py::str(a.attr("dtype")).cast<std::string>());
  a = np.attr("ascontiguousarray")(a, py::arg("dtype") = a.attr("dtype").attr("newbyteorder")("<"));
  const py::array arr = a.cast<py::array>();
  Array out;
  out.dtype = py::str(a.attr("dtype").attr("name")).cast<std::string>();
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) out.shape.push_back(arr.shape(i));
  const auto* p = static_cast<const std::uint8_t*>(arr.data());
  out.data.assign(p, p + arr.nbytes());
  return out;
}

Value to_value(const py::handle& o, int depth) {
  if (depth > kMaxDepth) throw InvalidArgument("hashable containers nest at most 200 levels deep");
  if (o.is_none()) return Value();
  if (PyBool_Check(o.ptr())) return Value(o.cast<bool>());
  if (PyLong_Check(o.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o.ptr(), &overflow);
    if (overflow != 0) throw InvalidArgument("hashable containers hold integers of at most 64 bits");
    return Value(v);
  }
  if (PyFloat_Check(o.ptr())) return Value(o.cast<double>());
  if (PyUnicode_Check(o.ptr())) return Value(o.cast<std::string>());
  if (py::isinstance<Image>(o)) return Value(o.cast<Image>());
  if (py::isinstance<BoundingBox>(o)) return Value(o.cast<BoundingBox>());
  if (py::isinstance<ImageSize>(o)) {  // a tagged list (value.hpp, "Python value types")
    const auto s = o.cast<ImageSize>();
    return Value(HashableList{Value("ImageSize"), Value(s.height), Value(s.width)});
  }
  // Points, ImageCrop and HashableImage say what they hash as (a tagged
  // list, an Image); checked before the Points base class below.
  if (py::hasattr(o, "__pixelcache_value__")) return to_value(o.attr("__pixelcache_value__")(), depth + 1);
  if (PyBytes_Check(o.ptr())) {
    const std::string_view v = o.cast<py::bytes>();
    return Value(Array{"bytes", {static_cast<std::int64_t>(v.size())}, {v.begin(), v.end()}});
  }
  if (py::isinstance<py::array>(o)) return Value(to_array(o));
  if (is_torch_tensor(o)) return Value(to_array(o.attr("detach")().attr("cpu")().attr("numpy")()));
  if (PyList_Check(o.ptr()) || PyTuple_Check(o.ptr())) {
    std::vector<Value> items;
    for (const py::handle item : o) items.push_back(to_value(item, depth + 1));
    return Value(HashableList(std::move(items)));
  }
  if (PyDict_Check(o.ptr())) {
    std::vector<std::pair<Value, Value>> items;
    for (const auto& [k, v] : o.cast<py::dict>()) items.emplace_back(to_value(k, depth + 1), to_value(v, depth + 1));
    return Value(HashableDict(std::move(items)));
  }
  throw InvalidType(
      "cannot hash a " + py::str(py::type::handle_of(o).attr("__name__")).cast<std::string>() +
      " by content: hashable containers hold None, bool, int, float, str, bytes, images (HashableImage, PIL, "
      "NumPy arrays, torch tensors), BoundingBox, ImageSize, Points, ImageCrop, lists, tuples and dicts");
}

// The digest of a value tree; containers give their own digest (the one
// HashableList::digest() / HashableDict::digest() return in C++), other
// values the Value digest.
Digest digest_of(const Value& v) {
  py::gil_scoped_release release;
  if (v.kind() == Value::Kind::List) return v.as<HashableList>().digest();
  if (v.kind() == Value::Kind::Dict) return v.as<HashableDict>().digest();
  return v.digest();
}

}  // namespace

Value to_value(const py::handle& o) { return to_value(o, 0); }

void bind_value(py::module_& m) {
  m.def(
      "value_digest",
      [](const py::handle& o) {
        const Digest d = to_value(o, 0).digest();
        return py::make_tuple(d.hex(), static_cast<py::ssize_t>(d.fold()));
      },
      py::arg("value"), "(32-hex digest, hash) of one value, as pixelcache::Value::digest() (value.hpp).");
  m.def(
      "container_digest",
      [](const py::handle& o) {
        const Digest d = digest_of(to_value(o, 0));
        return py::make_tuple(d.hex(), static_cast<py::ssize_t>(d.fold()));
      },
      py::arg("container"),
      "(32-hex digest, hash) of a HashableList / HashableDict: the container's own digest, as in C++.");
}

}  // namespace pixelcache::python
