// Python objects and exceptions held by C++ code that may run on other
// threads: a strong reference released under the GIL, and a Python exception
// carried across C++ (threads included) and raised again where the call
// started. Used by the cache's compute functions and pixelcache.data's
// augment callables.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <memory>

namespace pixelcache::python {

namespace py = pybind11;

/// True once the interpreter is shutting down (no reference may be released then).
inline bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

/// A strong reference released under the GIL, or leaked once the
/// interpreter is going. Not copyable; share it through a shared_ptr.
struct PyRef {
  PyObject* p = nullptr;
  explicit PyRef(PyObject* o) : p(o) { Py_XINCREF(p); }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef() {
    if (p == nullptr || !Py_IsInitialized() || interpreter_finalizing()) return;
    py::gil_scoped_acquire gil;
    Py_DECREF(p);
  }
};

/// A Python exception (type, value, traceback) carried through C++ and
/// raised again by restore(); copies share the references.
class PythonError : public std::exception {
 public:
  /// Takes the exception of `e`; `what` is the C++ message (it never reaches
  /// Python, which gets the original exception).
  PythonError(py::error_already_set& e, const char* what)
      : type_(std::make_shared<PyRef>(e.type().ptr())),
        value_(std::make_shared<PyRef>(e.value().ptr())),
        trace_(std::make_shared<PyRef>(e.trace().ptr())),
        what_(what) {}
  const char* what() const noexcept override { return what_; }
  /// Sets the Python error indicator (call with the GIL).
  void restore() const {
    Py_XINCREF(type_->p);
    Py_XINCREF(value_->p);
    Py_XINCREF(trace_->p);
    PyErr_Restore(type_->p, value_->p, trace_->p);
  }

 private:
  std::shared_ptr<PyRef> type_, value_, trace_;
  const char* what_;
};

}  // namespace pixelcache::python
