// _pixelcache._MemoFront: the C-level call of pixelcache.memoize, an
// in-process front of the memory tier (the base class of
// pixelcache._memoize.Memoized).
//
// Calling a Memoized runs front_call() below: for a call whose positional
// arguments are all of exactly the types str, bytes, int, float (not NaN),
// bool, None, tuples of these (at most kMaxDepth deep, kMaxItems items)
// or HashableImage (by its image's digest, computed once per image), and
// that has no keyword arguments, it builds a type-tagged key (so 1, 1.0
// and True stay apart, as they are in the tiers' keys) and looks it up in a
// dict of results. A hit returns the stored result object and counts as a
// memory-tier hit of the Cache. Anything else — a miss, another argument
// type, keyword arguments, a front not bound to a Cache yet — calls the
// Python slow path, Memoized._call(*args, **kwargs), which keys the
// arguments by their content digests and asks the tiers (_Cache.memo_call).
// The slow path stores a result in the front (_front_store) only when it is
// handed out shared (immutable: images, hashable containers, plain values;
// mutable results keep coming back as fresh copies) and the memory tier held
// its entry at generation g (Cache::Fetched::memory_generation).
//
// For a Cache without a memory tier (disk and / or Redis only) the front
// holds nothing; there the tier path itself runs in C (_front_direct binds
// it): a call with exactly the function's positional arguments and no
// keywords is keyed (memo_key), fetched (fetch_with, whose compute calls
// Memoized._compute on a miss) and decoded (_entries.decode) without the
// Python frames of _call — about 1.5 us of a 9 us disk hit. An argument
// that cannot be keyed hands the call to _call (which raises its error);
// errors of the lookup or the computation are raised as the binding would
// raise them, never retried; an entry that does not decode (another type
// under the key) is recomputed and replaced (_replace_positional), as _call
// does.
//
// Soundness: a front entry stands for an entry the memory tier holds, so it
// is what the tiers would return. Entries are tagged with the memory tier's
// generation (Cache::memory_generation()), which moves on whenever an entry
// leaves the memory tier or is replaced (erase, put over a key, clear, trim,
// eviction); a call that sees another generation drops the whole front, and
// a store whose g is no longer the generation is not made. A Cache without a
// memory tier gets no front. Bound: at most kMaxEntries entries and at most
// the memory tier's bound in entry bytes (the tier's own measure, so images
// count their pixels although they share them with the tier); a store that
// would exceed either drops the front first.
//
// Thread safety: every function runs with the GIL held and calls no Python
// code between reading the generation and using the dict (key hashing and
// comparison are those of str, bytes, int, float, bool, None, tuples and
// type objects); the generation is an atomic load.
#include "bindings.hpp"

namespace pixelcache::python {
namespace {

constexpr int kMaxDepth = 4;          // tuples in tuples in ...
constexpr Py_ssize_t kMaxItems = 64;  // items of one key
constexpr Py_ssize_t kMaxEntries = 1 << 16;

struct Front {
  PyObject ob_base;
  PyObject* entries;         // dict: argument key -> result (nullptr once cleared by the GC)
  PyObject* cache_obj;       // the _pixelcache._Cache bound, or nullptr
  Cache* cache;              // its C++ Cache (kept alive by cache_obj)
  std::uint64_t generation;  // the memory generation the entries belong to
  std::uint64_t bytes;       // entry bytes of the entries
  std::uint64_t max_bytes;   // the memory tier's bound
  // The C tier path (_front_direct), for a Cache without a memory tier:
  PyObject* direct;         // the arguments of _front_direct as a tuple (items: the kDirect* indices), or nullptr
  Cache* direct_cache;      // the C++ Cache of its _Cache (which the tuple keeps alive), or nullptr when unbound
  Py_ssize_t direct_arity;  // the positional arguments a call must have
};

// Items of Front::direct (the arguments of _front_direct, in order).
enum : Py_ssize_t {
  kDirectCache,
  kDirectName,
  kDirectVersion,
  kDirectExtra,
  kDirectNames,
  kDirectArity,
  kDirectDecode,
  kDirectCompute
};

PyObject* g_call_name = nullptr;     // interned "_call"
PyObject* g_img_name = nullptr;      // interned "_img"
PyObject* g_replace_name = nullptr;  // interned "_replace_positional"
PyObject* g_image_type = nullptr;    // pixelcache.HashableImage, once _memoize registered it

// The key item of a HashableImage: its image's digest (computed once per
// image, then cached on it; the tiers key the image by a function of it),
// as 16 bytes. nullptr without a Python error when `x` has no image.
PyObject* image_digest(PyObject* x) {
  PyObject* img = PyObject_GetAttr(x, g_img_name);
  if (!img) {
    PyErr_Clear();
    return nullptr;
  }
  PyObject* out = nullptr;
  try {
    out = digest_to_bytes(py::handle(img).cast<const Image&>().digest()).release().ptr();
  } catch (const std::exception&) {  // not an Image (cast_error), out of memory (error_already_set)
    PyErr_Clear();
  }
  Py_DECREF(img);
  return out;
}

// Collects the tagged encoding of `x` into items[*n...]: (type, x) for a
// scalar, (HashableImage, digest) for an image, (tuple, length, items...)
// for a tuple. New references; false (no Python error) for a value the
// front does not key.
bool encode(PyObject* x, PyObject** items, Py_ssize_t* n, int depth) {
  PyTypeObject* t = Py_TYPE(x);
  if (t == &PyTuple_Type) {
    const Py_ssize_t len = PyTuple_GET_SIZE(x);
    if (depth >= kMaxDepth || *n + 2 > kMaxItems) return false;
    PyObject* count = PyLong_FromSsize_t(len);
    if (!count) {
      PyErr_Clear();
      return false;
    }
    items[(*n)++] = Py_NewRef(reinterpret_cast<PyObject*>(t));
    items[(*n)++] = count;
    for (Py_ssize_t i = 0; i < len; ++i)
      if (!encode(PyTuple_GET_ITEM(x, i), items, n, depth + 1)) return false;
    return true;
  }
  if (reinterpret_cast<PyObject*>(t) == g_image_type) {
    if (*n + 2 > kMaxItems) return false;
    PyObject* digest = image_digest(x);
    if (!digest) return false;
    items[(*n)++] = Py_NewRef(reinterpret_cast<PyObject*>(t));
    items[(*n)++] = digest;
    return true;
  }
  if (t == &PyFloat_Type) {
    const double v = PyFloat_AS_DOUBLE(x);
    if (Py_IS_NAN(v)) return false;     // NaN != NaN: no dict key finds it again
    if (v == 0.0 && std::signbit(v)) {  // -0.0 == 0.0 in a dict: keyed apart, as the tiers key it
      if (*n + 2 > kMaxItems) return false;
      PyObject* mark = PyUnicode_FromString("-0.0");
      if (!mark) {
        PyErr_Clear();
        return false;
      }
      items[(*n)++] = Py_NewRef(reinterpret_cast<PyObject*>(t));
      items[(*n)++] = mark;
      return true;
    }
  } else if (t != &PyUnicode_Type && t != &PyBytes_Type && t != &PyLong_Type && t != &PyBool_Type && x != Py_None) {
    return false;
  }
  if (*n + 2 > kMaxItems) return false;
  items[(*n)++] = Py_NewRef(reinterpret_cast<PyObject*>(t));
  items[(*n)++] = Py_NewRef(x);
  return true;
}

// The front's key of positional arguments `args` (a tuple), a new
// reference; nullptr without a Python error for arguments it does not key.
// One str, bytes, int or None is its own key (none of these equals another
// of them, nor a tuple); anything else is a tuple of the tagged encodings.
PyObject* front_key(PyObject* args) {
  const Py_ssize_t count = PyTuple_GET_SIZE(args);
  if (count == 1) {
    PyObject* a = PyTuple_GET_ITEM(args, 0);
    PyTypeObject* t = Py_TYPE(a);
    if (t == &PyUnicode_Type || t == &PyBytes_Type || t == &PyLong_Type || a == Py_None) return Py_NewRef(a);
  }
  PyObject* items[kMaxItems];
  Py_ssize_t n = 0;
  bool ok = true;
  for (Py_ssize_t i = 0; ok && i < count; ++i) ok = encode(PyTuple_GET_ITEM(args, i), items, &n, 0);
  PyObject* key = ok ? PyTuple_New(n) : nullptr;
  if (!key) {
    PyErr_Clear();  // out of memory here: the slow path reports it, if it persists
    for (Py_ssize_t i = 0; i < n; ++i) Py_DECREF(items[i]);
    return nullptr;
  }
  for (Py_ssize_t i = 0; i < n; ++i) PyTuple_SET_ITEM(key, i, items[i]);
  return key;
}

// Empties the front (a new dict first, so that results freed by the old one
// find the front consistent).
int drop(Front* self, std::uint64_t generation) {
  PyObject* fresh = PyDict_New();
  if (!fresh) return -1;
  PyObject* old = self->entries;
  self->entries = fresh;
  self->generation = generation;
  self->bytes = 0;
  Py_XDECREF(old);
  return 0;
}

PyObject* slow_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  PyObject* slow = PyObject_GetAttr(self, g_call_name);
  if (!slow) return nullptr;
  PyObject* out = PyObject_Call(slow, args, kwargs);
  Py_DECREF(slow);
  return out;
}

// A UTF-8 view of a str held by the front.
std::string_view utf8(PyObject* s) {
  Py_ssize_t n = 0;
  const char* p = PyUnicode_AsUTF8AndSize(s, &n);
  if (!p) throw py::error_already_set();
  return {p, static_cast<std::size_t>(n)};
}

// The C tier path (see the file comment). The binding's objects are held
// for the call: the GIL is released during the lookup, and the Cache must
// outlive it even if the front were rebound.
PyObject* direct_call(Front* self, PyObject* args) {
  PyObject* const obj = reinterpret_cast<PyObject*>(self);
  const py::object binding = py::reinterpret_borrow<py::object>(self->direct);
  const auto item = [&binding](Py_ssize_t i) { return PyTuple_GET_ITEM(binding.ptr(), i); };
  PyObject* const compute = item(kDirectCompute);
  Cache& cache = *self->direct_cache;
  // The key. Nothing has run yet: an argument that cannot be keyed goes to
  // _call, which raises the Python path's error for it.
  Digest key;
  try {
    const py::object values = py::reinterpret_steal<py::object>(PySequence_Concat(item(kDirectExtra), args));
    if (!values) throw py::error_already_set();
    key = memo_key(cache.options().key_namespace, utf8(item(kDirectName)), utf8(item(kDirectVersion)), values,
                   item(kDirectNames));
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  } catch (const std::exception&) {
    return slow_call(obj, args, nullptr);
  }
  // The lookup, or the computation: errors from here on are raised, never
  // retried (the function may have run).
  py::tuple fetched;
  try {
    fetched = fetch_with(
        cache, key,
        [compute, args] {
          PyObject* r = PyObject_Call(compute, args, nullptr);
          if (!r) throw py::error_already_set();
          return py::reinterpret_steal<py::object>(r);
        },
        false);
  } catch (py::error_already_set& e) {  // compute() raised: its exception, as _call would raise it
    e.restore();
    return nullptr;
  } catch (...) {
    raise_current_exception();
    return nullptr;
  }
  PyObject* entry = PyTuple_GET_ITEM(fetched.ptr(), 0);
  if (entry == Py_None) return Py_NewRef(PyTuple_GET_ITEM(fetched.ptr(), 2));  // computed by this call
  PyObject* result = PyObject_Call(item(kDirectDecode), entry, nullptr);
  if (result || !PyErr_ExceptionMatches(PyExc_Exception)) return result;  // KeyboardInterrupt & co. propagate
  // An entry of another type under the key (a changed function without a
  // new version): computed again and replaced, as _call does.
  PyErr_Clear();
  PyObject* replace = PyObject_GetAttr(obj, g_replace_name);
  if (!replace) return nullptr;
  result = PyObject_Call(replace, args, nullptr);
  Py_DECREF(replace);
  return result;
}

PyObject* front_call(PyObject* obj, PyObject* args, PyObject* kwargs) {
  auto* self = reinterpret_cast<Front*>(obj);
  if (self->direct_cache != nullptr && (kwargs == nullptr || PyDict_GET_SIZE(kwargs) == 0) &&
      PyTuple_GET_SIZE(args) == self->direct_arity)
    return direct_call(self, args);
  if (self->cache == nullptr || self->entries == nullptr || (kwargs != nullptr && PyDict_GET_SIZE(kwargs) != 0))
    return slow_call(obj, args, kwargs);
  PyObject* key = front_key(args);
  if (!key) return slow_call(obj, args, kwargs);
  const std::uint64_t generation = self->cache->memory_generation();
  if (generation != self->generation) {
    Py_DECREF(key);
    if (drop(self, generation) != 0) return nullptr;
    return slow_call(obj, args, kwargs);
  }
  PyObject* hit = PyDict_GetItemWithError(self->entries, key);
  Py_DECREF(key);
  if (hit) {
    self->cache->count_memory_hits(1);
    return Py_NewRef(hit);
  }
  if (PyErr_Occurred()) return nullptr;
  return slow_call(obj, args, kwargs);
}

// _front_store(cache, args, result, generation, nbytes): binds the front to
// `cache` (a _pixelcache._Cache; a new binding starts empty) and stores
// `result` under the key of `args` when the front keys them and the memory
// tier is still at `generation`. True when stored.
PyObject* front_store(PyObject* obj, PyObject* const* argv, Py_ssize_t argc) {
  auto* self = reinterpret_cast<Front*>(obj);
  if (argc != 5 || !PyTuple_Check(argv[1])) {
    PyErr_SetString(PyExc_TypeError, "_front_store(cache, args: tuple, result, generation, nbytes)");
    return nullptr;
  }
  const unsigned long long generation = PyLong_AsUnsignedLongLong(argv[3]);
  const unsigned long long nbytes = PyLong_AsUnsignedLongLong(argv[4]);
  if (PyErr_Occurred()) return nullptr;
  if (argv[0] != self->cache_obj) {
    Cache* cache = nullptr;
    try {
      cache = &py::handle(argv[0]).cast<Cache&>();
    } catch (const py::cast_error&) {
      PyErr_SetString(PyExc_TypeError, "_front_store: cache must be a _pixelcache._Cache");
      return nullptr;
    }
    const bool memory = cache->has_tier(TierKind::Memory);  // no memory tier, no front
    Py_XSETREF(self->cache_obj, memory ? Py_NewRef(argv[0]) : nullptr);
    self->cache = memory ? cache : nullptr;
    self->max_bytes = cache->options().memory_bytes;
    if (drop(self, memory ? cache->memory_generation() : 0) != 0) return nullptr;
    if (!memory) Py_RETURN_FALSE;
  }
  if (self->cache->memory_generation() != generation) Py_RETURN_FALSE;  // the tier changed since it held the entry
  PyObject* key = front_key(argv[1]);
  if (!key) Py_RETURN_FALSE;
  bool dropped = false;
  if (self->entries == nullptr || self->generation != generation) {
    if (drop(self, generation) != 0) goto fail;
    dropped = true;
  }
  int present;
  present = PyDict_Contains(self->entries, key);
  if (present < 0) goto fail;
  if (!present && (PyDict_GET_SIZE(self->entries) >= kMaxEntries || self->bytes + nbytes > self->max_bytes)) {
    if (drop(self, generation) != 0) goto fail;
    dropped = true;
  }
  // Freeing dropped results may have run Python code (and other threads):
  // the tier and the front must still be at `generation`.
  if (dropped && (self->cache == nullptr || self->entries == nullptr ||
                  self->cache->memory_generation() != generation || self->generation != generation)) {
    Py_DECREF(key);
    Py_RETURN_FALSE;
  }
  if (PyDict_SetItem(self->entries, key, argv[2]) != 0) goto fail;
  Py_DECREF(key);
  if (!present) self->bytes += nbytes;
  Py_RETURN_TRUE;
fail:
  Py_DECREF(key);
  return nullptr;
}

// _front_direct(cache, name, version, extra, names, arity, decode, compute):
// binds the C tier path (see the file comment) to `cache`, a
// _pixelcache._Cache without a memory tier; None for cache unbinds it.
PyObject* front_direct(PyObject* obj, PyObject* const* argv, Py_ssize_t argc) {
  auto* self = reinterpret_cast<Front*>(obj);
  if (argc != 8 || !PyUnicode_Check(argv[1]) || !PyUnicode_Check(argv[2]) || !PyTuple_Check(argv[3]) ||
      !PyList_Check(argv[4]) || !PyLong_Check(argv[5]) || !PyCallable_Check(argv[6]) || !PyCallable_Check(argv[7])) {
    PyErr_SetString(PyExc_TypeError,
                    "_front_direct(cache, name: str, version: str, extra: tuple, names: list, arity: int, decode, "
                    "compute)");
    return nullptr;
  }
  Cache* cache = nullptr;
  if (argv[0] != Py_None) {
    try {
      cache = &py::handle(argv[0]).cast<Cache&>();
    } catch (const py::cast_error&) {
      PyErr_SetString(PyExc_TypeError, "_front_direct: cache must be a _pixelcache._Cache or None");
      return nullptr;
    }
    if (cache->has_tier(TierKind::Memory)) {
      PyErr_SetString(PyExc_ValueError, "_front_direct: the cache has a memory tier (the front serves it)");
      return nullptr;
    }
  }
  const Py_ssize_t arity = PyLong_AsSsize_t(argv[5]);
  if (arity == -1 && PyErr_Occurred()) return nullptr;
  PyObject* binding = nullptr;
  if (cache) {
    binding = PyTuple_New(argc);
    if (!binding) return nullptr;
    for (Py_ssize_t i = 0; i < argc; ++i) PyTuple_SET_ITEM(binding, i, Py_NewRef(argv[i]));
  }
  self->direct_cache = nullptr;
  Py_XSETREF(self->direct, binding);
  self->direct_arity = arity;
  self->direct_cache = cache;
  Py_RETURN_NONE;
}

PyObject* front_drop(PyObject* obj, PyObject*) {
  auto* self = reinterpret_cast<Front*>(obj);
  if (drop(self, self->generation) != 0) return nullptr;
  Py_RETURN_NONE;
}

PyObject* front_info(PyObject* obj, PyObject*) {
  auto* self = reinterpret_cast<Front*>(obj);
  return Py_BuildValue("(nKO)", self->entries ? PyDict_GET_SIZE(self->entries) : 0,
                       static_cast<unsigned long long>(self->bytes), self->cache_obj ? Py_True : Py_False);
}

PyObject* front_new(PyTypeObject* type, PyObject*, PyObject*) {
  auto* self = reinterpret_cast<Front*>(type->tp_alloc(type, 0));
  if (!self) return nullptr;
  self->entries = PyDict_New();
  if (!self->entries) {
    Py_DECREF(self);
    return nullptr;
  }
  return reinterpret_cast<PyObject*>(self);
}

int front_traverse(PyObject* obj, visitproc visit, void* arg) {
  auto* self = reinterpret_cast<Front*>(obj);
  Py_VISIT(self->entries);
  Py_VISIT(self->cache_obj);
  Py_VISIT(self->direct);
  return 0;
}

int front_clear(PyObject* obj) {
  auto* self = reinterpret_cast<Front*>(obj);
  self->cache = nullptr;
  self->direct_cache = nullptr;
  Py_CLEAR(self->entries);
  Py_CLEAR(self->cache_obj);
  Py_CLEAR(self->direct);
  return 0;
}

void front_dealloc(PyObject* obj) {
  PyObject_GC_UnTrack(obj);
  front_clear(obj);
  Py_TYPE(obj)->tp_free(obj);
}

PyMethodDef front_methods[] = {
    {"_front_store", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(front_store)), METH_FASTCALL,
     "_front_store(cache, args, result, generation, nbytes) -> bool: stores result for args (see memo_front.cpp)."},
    {"_front_direct", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(front_direct)), METH_FASTCALL,
     "_front_direct(cache, name, version, extra, names, arity, decode, compute): binds the C tier path for a "
     "Cache without a memory tier (see memo_front.cpp); cache None unbinds it."},
    {"_front_drop", front_drop, METH_NOARGS, "Empties the front."},
    {"_front_info", front_info, METH_NOARGS, "(entries, entry bytes, bound to a cache) of the front."},
    {nullptr, nullptr, 0, nullptr}};

PyTypeObject front_type{};  // filled in by bind_memo_front()

}  // namespace

void bind_memo_front(py::module_& m) {
  g_call_name = PyUnicode_InternFromString("_call");
  g_img_name = PyUnicode_InternFromString("_img");
  g_replace_name = PyUnicode_InternFromString("_replace_positional");
  if (!g_call_name || !g_img_name || !g_replace_name) throw py::error_already_set();
  Py_SET_REFCNT(reinterpret_cast<PyObject*>(&front_type), 1);  // what PyVarObject_HEAD_INIT would set
  front_type.tp_name = "pixelcache._pixelcache._MemoFront";
  front_type.tp_doc =
      "The C-level call of pixelcache.memoize: an in-process front of the memory tier (base of Memoized).";
  front_type.tp_basicsize = sizeof(Front);
  front_type.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC;
  front_type.tp_new = front_new;
  front_type.tp_call = front_call;
  front_type.tp_traverse = front_traverse;
  front_type.tp_clear = front_clear;
  front_type.tp_dealloc = front_dealloc;
  front_type.tp_methods = front_methods;
  if (PyType_Ready(&front_type) < 0) throw py::error_already_set();
  m.attr("_MemoFront") = py::handle(reinterpret_cast<PyObject*>(&front_type));
  m.def(
      "_front_image_type", [](py::handle type) { g_image_type = type.inc_ref().ptr(); }, py::arg("type"),
      "Registers pixelcache.HashableImage, whose arguments the front keys by their image's digest.");
}

}  // namespace pixelcache::python
