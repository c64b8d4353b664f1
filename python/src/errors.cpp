// Python exception classes for pixelcache's typed C++ errors. Each also
// derives from the built-in exception a Python user would catch:
//   Error(Exception)
//   InvalidArgument(Error, ValueError)   wrong shape, dtype, range, option
//   InvalidType(Error, TypeError)        an argument of an unsupported type
//   IoError(Error, OSError)              unreadable / unwritable files
//   NetworkError(IoError)                URL failures
//   DecodeError(Error, ValueError)       corrupt or unknown encoded data
//   EncodeError(Error)                   writer failures
//   LimitError(Error, ValueError)        too many pixels
//   CacheError(Error, OSError)           a cache directory or store that cannot be used
#include <cstring>
#include <string>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

struct Classes {
  PyObject* error = nullptr;
  PyObject* invalid = nullptr;
  PyObject* invalid_type = nullptr;
  PyObject* io = nullptr;
  PyObject* network = nullptr;
  PyObject* decode = nullptr;
  PyObject* encode = nullptr;
  PyObject* limit = nullptr;
  PyObject* cache = nullptr;
};
Classes classes;

// A new exception class `name` with `bases`, added to module `m`. The
// reference is kept for the life of the interpreter (module state).
PyObject* make_class(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  py::dict ns;
  ns["__doc__"] = doc;
  ns["__module__"] = "pixelcache";
  py::object cls = py::module_::import("builtins").attr("type")(name, bases, ns);
  m.attr(name) = cls;
  return cls.release().ptr();
}

// Raises `cls` with `what`. Messages are UTF-8 (pixelcache escapes bytes
// from files), but one that is not still reaches Python: invalid bytes
// become \xNN escapes instead of an empty message.
void set_error(PyObject* cls, const char* what) {
  PyObject* message = PyUnicode_DecodeUTF8(what, static_cast<Py_ssize_t>(std::strlen(what)), "backslashreplace");
  if (!message) return;  // out of memory: that error stays set
  PyErr_SetObject(cls, message);
  Py_DECREF(message);
}

}  // namespace

void bind_errors(py::module_& m) {
  py::handle value_error(PyExc_ValueError), os_error(PyExc_OSError), type_error(PyExc_TypeError),
      exception(PyExc_Exception);
  classes.error = make_class(m, "Error", py::make_tuple(exception), "Base of every pixelcache error.");
  py::handle error(classes.error);
  classes.invalid = make_class(m, "InvalidArgument", py::make_tuple(error, value_error),
                               "A wrong argument: shape, dtype, value range, size or option.");
  classes.invalid_type = make_class(m, "InvalidType", py::make_tuple(error, type_error),
                                    "An argument of an unsupported type (also a TypeError).");
  classes.io = make_class(m, "IoError", py::make_tuple(error, os_error), "A file could not be read or written.");
  classes.network =
      make_class(m, "NetworkError", py::make_tuple(py::handle(classes.io)), "A URL could not be fetched.");
  classes.decode = make_class(m, "DecodeError", py::make_tuple(error, value_error),
                              "Encoded data is corrupt, truncated or of an unknown format.");
  classes.encode = make_class(m, "EncodeError", py::make_tuple(error), "An image could not be encoded.");
  classes.limit =
      make_class(m, "LimitError", py::make_tuple(error, value_error), "An image is larger than the pixel limit.");

  classes.cache = make_class(m, "CacheError", py::make_tuple(error, os_error),
                             "A cache directory or store cannot be used (a file, not writable, broken).");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidArgument& e) {
      set_error(classes.invalid, e.what());
    } catch (const InvalidType& e) {
      set_error(classes.invalid_type, e.what());
    } catch (const IoError& e) {
      set_error(classes.io, e.what());
    } catch (const NetworkError& e) {
      set_error(classes.network, e.what());
    } catch (const DecodeError& e) {
      set_error(classes.decode, e.what());
    } catch (const EncodeError& e) {
      set_error(classes.encode, e.what());
    } catch (const LimitError& e) {
      set_error(classes.limit, e.what());
    } catch (const CacheError& e) {
      set_error(classes.cache, e.what());
    } catch (const Error& e) {
      set_error(classes.error, e.what());
    }
  });
}

void raise_current_exception() {
  // What pybind11's dispatcher does with an exception escaping a binding.
  if (py::detail::apply_exception_translators(py::detail::get_local_internals().registered_exception_translators))
    return;
  if (py::detail::apply_exception_translators(py::detail::get_internals().registered_exception_translators)) return;
  PyErr_SetString(PyExc_SystemError, "pixelcache: an exception escaped every exception translator");
}

}  // namespace pixelcache::python
