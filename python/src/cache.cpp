// Binding of the content-addressed cache (cache.hpp) as _pixelcache._Cache,
// plus the key helpers of pixelcache.memoize. The pure-Python front
// (python/pixelcache/_cache.py, _memoize.py) turns Python results into
// entries and back; this file moves entries, keys and statistics across.
//
// The GIL is released during every tier operation (memory, LMDB, Redis) and
// while waiting for another thread's computation; get_or_compute()
// re-acquires it only to run the Python function. A Python exception raised
// by that function is kept (type, value, traceback) and raised again in the
// caller and in every thread that waited for the same key.
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "py_error.hpp"

namespace pixelcache::python {

py::bytes digest_to_bytes(const Digest& d) {
  char out[16];
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(d.high >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(d.low >> (56 - 8 * i));
  }
  return py::bytes(out, 16);
}

namespace {

// --------------------------------------------------------------- keys

Digest digest_from_bytes(std::string_view b) {
  Digest d;
  for (int i = 0; i < 8; ++i) {
    d.high = (d.high << 8) | static_cast<unsigned char>(b[i]);
    d.low = (d.low << 8) | static_cast<unsigned char>(b[8 + i]);
  }
  return d;
}

std::string type_name(py::handle o) { return py::str(py::type::handle_of(o).attr("__name__")).cast<std::string>(); }

// A digest given as 32 hex digits or 16 bytes.
Digest parse_key(py::handle key) {
  if (PyUnicode_Check(key.ptr())) {
    const std::string s = key.cast<std::string>();
    bool hex = s.size() == 32;
    for (char c : s) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
    if (!hex)
      throw InvalidArgument("a cache key string must be 32 hex digits, got '" + escape_bytes(s.substr(0, 80)) + "' (" +
                            std::to_string(s.size()) + " characters); wrap other values in a tuple: (value,)");
    std::string lower = s;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Digest::from_hex(lower);
  }
  if (PyBytes_Check(key.ptr())) {
    const std::string_view b = key.cast<py::bytes>();
    if (b.size() != 16)
      throw InvalidArgument("a cache key of bytes must be 16 bytes (a 128-bit digest), got " +
                            std::to_string(b.size()) + " bytes");
    return digest_from_bytes(b);
  }
  throw InvalidType("a cache key must be a str of 32 hex digits or 16 bytes, got " + type_name(key));
}

// --------------------------------------------------------------- values out

// Dict keys back in Python: lists become tuples so that they hash.
py::object hashable(py::object o) {
  if (PyList_Check(o.ptr())) {
    py::list l = o.cast<py::list>();
    py::tuple t(l.size());
    for (std::size_t i = 0; i < l.size(); ++i) t[i] = hashable(l[i]);
    return t;
  }
  return o;
}

py::object array_out(const Array& a) {
  if (a.dtype == "bytes") return py::bytes(reinterpret_cast<const char*>(a.data.data()), a.data.size());
  std::vector<py::ssize_t> shape(a.shape.begin(), a.shape.end());
  py::array out(py::dtype(a.dtype), shape);
  if (static_cast<std::size_t>(out.nbytes()) != a.data.size())
    throw InvalidArgument("cached array of dtype " + a.dtype + " holds " + std::to_string(a.data.size()) +
                          " bytes, not " + std::to_string(out.nbytes()));
  std::memcpy(out.mutable_data(), a.data.data(), a.data.size());
  if (shape.empty()) return out.attr("reshape")(py::tuple());  // py::array makes shape (1,) of an empty shape
  return out;
}

// (kind, tag, payload): payload is a _pixelcache.Image, a plain Python value
// tree (value_to_python) or bytes.
py::tuple entry_out(const Entry& e) {
  py::object payload;
  switch (e.kind()) {
    case EntryKind::Image: payload = py::cast(e.image()); break;
    case EntryKind::Value: payload = value_to_python(e.value()); break;
    case EntryKind::Bytes:
    case EntryKind::Code: payload = py::bytes(e.bytes().view().data(), e.bytes().size()); break;
  }
  return py::make_tuple(entry_kind_name(e.kind()), e.tag(), payload);
}

// An Entry from (kind, tag, payload) as entry_out() gives them.
Entry entry_in(const std::string& kind, const std::string& tag, py::handle payload) {
  if (kind == "image") {
    if (!py::isinstance<Image>(payload))
      throw InvalidType("an image entry holds a _pixelcache.Image, got " + type_name(payload));
    return Entry(payload.cast<Image>(), tag);
  }
  if (kind == "value") return Entry(to_value(payload), tag);
  if (kind == "bytes" || kind == "code") {
    if (!PyBytes_Check(payload.ptr())) throw InvalidType("a " + kind + " entry holds bytes, got " + type_name(payload));
    Bytes b(std::string_view(payload.cast<py::bytes>()));
    return kind == "code" ? Entry::code(std::move(b), tag) : Entry(std::move(b), tag);
  }
  throw InvalidArgument("entry kind must be \"image\", \"value\", \"bytes\" or \"code\", got \"" + escape_bytes(kind) +
                        "\"");
}

// --------------------------------------------------------------- options and stats

// The options of _Cache(...): the defaults of CacheOptions, the keyword
// arguments given, then each of `tiers` (specs, tier_spec.hpp) added.
struct PyCacheOptions {
  std::string ns = "default";
  std::uint64_t memory_bytes = 0;
  std::string disk_path;
  std::optional<std::uint64_t> disk_bytes;
  std::string redis_url;
  double redis_ttl = 0, connect_timeout = 0.5, command_timeout = 2.0, retry_backoff = 1.0;
  std::string compression = "auto";
  std::string secret;
  std::vector<std::string> tiers;

  CacheOptions options() const {
    auto check = [](double v, const char* name, bool positive) {
      if (!std::isfinite(v) || v < 0 || (positive && v == 0))
        throw InvalidArgument(std::string("Cache: ") + name + " must be a " + (positive ? "positive" : "non-negative") +
                              " number of seconds, got " + std::to_string(v));
    };
    check(redis_ttl, "redis_ttl", false);
    check(connect_timeout, "connect_timeout", true);
    check(command_timeout, "command_timeout", true);
    check(retry_backoff, "retry_backoff", false);
    CacheOptions o;
    o.key_namespace = ns;
    o.memory_bytes = memory_bytes;
    o.disk_path = disk_path;
    o.disk_bytes = disk_bytes;
    o.redis_url = redis_url;
    o.secret = secret;
    o.redis_ttl = std::chrono::seconds(static_cast<std::int64_t>(std::ceil(redis_ttl)));
    auto ms = [](double s) { return std::chrono::milliseconds(std::max<std::int64_t>(1, std::llround(s * 1000))); };
    o.connect_timeout = ms(connect_timeout);
    o.command_timeout = ms(command_timeout);
    o.retry_backoff = std::chrono::milliseconds(std::llround(retry_backoff * 1000));
    o.compression = parse_compression(compression);
    for (const auto& spec : tiers) o.add_tier(spec);
    return o;
  }

  static Compression parse_compression(const std::string& name) {
    if (name == "auto") return Compression::Auto;
    if (name == "none") return Compression::None;
    if (name == "zstd") return Compression::Zstd;
    throw InvalidArgument("Cache: compression must be \"auto\", \"none\" or \"zstd\", got \"" + escape_bytes(name) +
                          "\"");
  }
};

py::dict tier_dict(const TierStats& t) {
  py::dict d;
  d["available"] = t.available;
  d["hits"] = t.hits;
  d["misses"] = t.misses;
  d["writes"] = t.writes;
  d["evictions"] = t.evictions;
  d["corrupt"] = t.corrupt;
  d["errors"] = t.errors;
  d["entries"] = t.entries ? py::object(py::int_(*t.entries)) : py::none();
  d["bytes"] = t.bytes ? py::object(py::int_(*t.bytes)) : py::none();
  d["max_bytes"] = t.max_bytes;
  if (t.totals) {
    py::dict s;
    s["hits"] = t.totals->hits;
    s["misses"] = t.totals->misses;
    s["writes"] = t.totals->writes;
    s["evictions"] = t.totals->evictions;
    s["corrupt"] = t.totals->corrupt;
    d["store"] = s;
  }
  return d;
}

py::dict stats_dict(const Cache& c) {
  CacheStats s;
  {
    py::gil_scoped_release nogil;
    s = c.stats();
  }
  py::dict d;
  for (const auto& t : s.tiers) d[py::str(t.name)] = tier_dict(t);
  d["computed"] = s.computed;
  d["joined"] = s.joined;
  return d;
}

// Where a get() hit came from, or None.
py::object tier_or_none(const std::optional<Entry>& e, TierKind t) {
  return e ? py::object(py::str(tier_name(t))) : py::none();
}

// fetch_with() of a Python `compute`.
py::tuple fetch_digest(Cache& c, const Digest& k, const py::function& compute, bool front = false) {
  return fetch_with(
      c, k, [&compute] { return compute(); }, front);
}

py::tuple fetch(Cache& c, py::handle key, const py::function& compute) {
  return fetch_digest(c, parse_key(key), compute);
}

}  // namespace

py::object value_to_python(const Value& v, bool lists_as_tuples) {
  switch (v.kind()) {
    case Value::Kind::Null: return py::none();
    case Value::Kind::Bool: return py::bool_(v.as<bool>());
    case Value::Kind::Int: return py::int_(v.as<std::int64_t>());
    case Value::Kind::Float: return py::float_(v.as<double>());
    case Value::Kind::String: return py::str(v.as<std::string>());
    case Value::Kind::Image: return py::cast(v.as<Image>());
    case Value::Kind::BoundingBox: return py::cast(v.as<BoundingBox>());
    case Value::Kind::Array: return array_out(v.as<Array>());
    case Value::Kind::List: {
      const auto& l = v.as<HashableList>();
      py::list out(l.size());
      for (std::size_t i = 0; i < l.size(); ++i) out[i] = value_to_python(l[i], lists_as_tuples);
      return lists_as_tuples ? py::object(py::tuple(out)) : py::object(out);
    }
    case Value::Kind::Dict: {
      py::dict out;
      for (const auto& [k, x] : v.as<HashableDict>())
        out[hashable(value_to_python(k, lists_as_tuples))] = value_to_python(x, lists_as_tuples);
      return out;
    }
  }
  return py::none();
}

Digest memo_key(std::string_view ns, std::string_view function, std::string_view version, py::handle arguments,
                py::handle names) {
  if (!PyList_Check(arguments.ptr()) && !PyTuple_Check(arguments.ptr()))
    throw InvalidType("cache key arguments must be a list or tuple, got " + type_name(arguments));
  const py::sequence args = py::reinterpret_borrow<py::sequence>(arguments);
  const std::size_t n = args.size();
  std::vector<Digest> digests;
  digests.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const py::handle value =
        PyList_Check(arguments.ptr()) ? PyList_GET_ITEM(arguments.ptr(), i) : PyTuple_GET_ITEM(arguments.ptr(), i);
    try {
      digests.push_back(argument_digest(to_value(value)));
    } catch (const Error& e) {
      std::string what = "argument " + std::to_string(i);
      if (PySequence_Check(names.ptr()) && static_cast<std::size_t>(PySequence_Size(names.ptr())) > i)
        what = py::str(py::reinterpret_borrow<py::sequence>(names)[i]).cast<std::string>();
      const std::string message = what + " cannot be part of a cache key: " + e.what();
      if (dynamic_cast<const InvalidType*>(&e)) throw InvalidType(message);
      throw InvalidArgument(message);
    }
  }
  return cache_key(ns, function, version, digests);
}

py::tuple fetch_with(Cache& c, const Digest& k, const std::function<py::object()>& compute, bool front) {
  py::object computed;  // the leader's own result object
  std::optional<PythonError> failure;
  std::optional<Cache::Fetched> fetched;
  {
    py::gil_scoped_release nogil;
    try {
      fetched = c.get_or_compute(k, [&]() -> Entry {
        py::gil_scoped_acquire gil;
        try {
          const py::tuple r = compute();  // a non-tuple raises here
          if (r.size() != 4) throw InvalidArgument("get_or_compute: compute() must return 4 items");
          Entry e = entry_in(r[0].cast<std::string>(), r[1].cast<std::string>(), r[2]);
          computed = r[3];
          return e;
        } catch (py::error_already_set& e) {
          throw PythonError(e, "a Python exception in a compute function");
        }
      });
    } catch (const PythonError& e) {
      failure = e;
    }
  }
  if (failure) {
    failure->restore();
    throw py::error_already_set();
  }
  const char* origin = origin_name(fetched->origin);
  py::object entry = py::none();
  if (fetched->origin != Origin::Computed) {
    entry = entry_out(fetched->entry);
    computed = py::none();
  }
  if (!front) return py::make_tuple(entry, origin, computed);
  py::object token = py::none();
  if (fetched->memory_generation)
    token = py::make_tuple(*fetched->memory_generation, static_cast<std::uint64_t>(fetched->entry.byte_size()));
  return py::make_tuple(entry, origin, computed, token);
}

namespace {

using nogil = py::call_guard<py::gil_scoped_release>;
using CacheClass = py::class_<Cache, std::shared_ptr<Cache>>;

// Cache.trim() as {evicted_entries, evicted_bytes, entries, bytes, ok}.
py::dict trim_dict(Cache& c, std::uint64_t max_bytes) {
  TrimReport r;
  {
    py::gil_scoped_release nogil;
    r = c.trim(max_bytes);
  }
  py::dict d;
  d["evicted_entries"] = r.evicted_entries;
  d["evicted_bytes"] = r.evicted_bytes;
  d["entries"] = r.entries;
  d["bytes"] = r.bytes;
  d["ok"] = r.ok;
  return d;
}

// Cache.verify() as {tier: {checked, ok, corrupt, complete, set_aside, problem}}.
py::dict verify_dict(Cache& c) {
  VerifyReport r;
  {
    py::gil_scoped_release nogil;
    r = c.verify();
  }
  py::dict d;
  for (const auto& t : r.tiers) {
    py::dict x;
    x["checked"] = t.checked;
    x["ok"] = t.ok;
    x["corrupt"] = t.corrupt;
    x["complete"] = t.complete;
    x["set_aside"] = t.set_aside;
    x["problem"] = t.problem;
    d[tier_name(t.tier)] = x;
  }
  return d;
}

// The module-level key helpers of pixelcache.memoize.
void bind_key_functions(py::module_& m) {
  m.def(
      "cache_key",
      [](const std::string& ns, const std::string& function, const std::string& version, py::handle arguments,
         py::handle names) { return digest_to_bytes(memo_key(ns, function, version, arguments, names)); },
      py::arg("namespace"), py::arg("function"), py::arg("version"), py::arg("arguments"), py::arg("names"),
      "The 16-byte key of (namespace, function, version, each argument's Value digest) (cache.hpp CacheKey); "
      "names[i] names arguments[i] in the InvalidType raised for a value that cannot be keyed.");
  m.def(
      "key_hex", [](py::handle key) { return parse_key(key).hex(); }, py::arg("key"),
      "A key (32 hex digits or 16 bytes) as 32 lowercase hex digits; InvalidArgument / InvalidType otherwise.");
  m.def(
      "key_bytes", [](py::handle key) { return digest_to_bytes(parse_key(key)); }, py::arg("key"),
      "A key (32 hex digits or 16 bytes) as 16 bytes.");
  m.def(
      "file_digest",
      [](const std::string& path) {
        Digest d;
        {
          py::gil_scoped_release nogil;
          const auto data = read_file(path);
          d = digest_bytes(data.data(), data.size());
        }
        return digest_to_bytes(d);
      },
      py::arg("path"), "XXH3-128 of a file's bytes, as 16 bytes; IoError naming the path when unreadable.");
}

// _Cache's entry methods: get, put, contains, erase, clear, get_or_compute, memo_call.
void bind_entry_methods(CacheClass& cls) {
  cls.def(
         "get",
         [](Cache& c, py::handle key) -> py::object {
           const Digest k = parse_key(key);
           std::optional<Entry> e;
           TierKind found = TierKind::Memory;
           {
             py::gil_scoped_release nogil;
             e = c.get(k, &found);
           }
           if (!e) return py::none();
           py::tuple out = entry_out(*e);
           return py::make_tuple(out[0], out[1], out[2], tier_or_none(e, found));
         },
         py::arg("key"), "(kind, tag, payload, tier) or None on a miss.")
      .def(
          "put",
          [](Cache& c, py::handle key, const std::string& kind, const std::string& tag, py::handle payload) {
            const Digest k = parse_key(key);
            const Entry e = entry_in(kind, tag, payload);
            py::gil_scoped_release nogil;
            c.put(k, e);
          },
          py::arg("key"), py::arg("kind"), py::arg("tag"), py::arg("payload"))
      .def(
          "contains",
          [](Cache& c, py::handle key) {
            const Digest k = parse_key(key);
            py::gil_scoped_release nogil;
            return c.contains(k);
          },
          py::arg("key"))
      .def(
          "erase",
          [](Cache& c, py::handle key) {
            const Digest k = parse_key(key);
            py::gil_scoped_release nogil;
            return c.erase(k);
          },
          py::arg("key"))
      .def("clear", &Cache::clear, nogil())
      .def("get_or_compute", &fetch, py::arg("key"), py::arg("compute"),
           "((kind, tag, payload) or None, origin, computed): the entry under key, or compute()'s (kind, tag, "
           "payload, result) stored under key; concurrent calls for one key run compute once. origin is "
           "memory / disk / redis / computed / joined; on \"computed\" the entry is None and computed is the "
           "result compute() returned.")
      .def(
          "memo_call",
          [](Cache& c, const std::string& function, const std::string& version, py::handle arguments, py::handle names,
             const py::function& compute) {
            const Digest k = memo_key(c.options().key_namespace, function, version, arguments, names);
            return fetch_digest(c, k, compute, true);
          },
          py::arg("function"), py::arg("version"), py::arg("arguments"), py::arg("names"), py::arg("compute"),
          "get_or_compute() under the key of (namespace, function, version, the arguments' digests), in one call; "
          "a fourth item: (memory generation, entry bytes) when the memory tier holds the entry (for "
          "_MemoFront._front_store), else None.");
}

// _Cache's statistics and upkeep: stats, flush, take_notices, trim, verify.
void bind_maintenance_methods(CacheClass& cls) {
  cls.def("stats", &stats_dict, "Counters per tier ({tier: {...}}) and computed / joined.")
      .def("flush", &Cache::flush, nogil(),
           "Writes the disk tier's pending recency updates and read counts to the store now.")
      .def("take_notices", &Cache::take_notices, nogil(),
           "Messages for the user since the last call (a store set aside, a bound other than the one asked for).")
      .def("trim", &trim_dict, py::arg("max_bytes"))
      .def("verify", &verify_dict);
}

// _Cache's tiers: has_tier, tiers, disk_path, redis_url, memory_bytes.
void bind_tier_methods(CacheClass& cls) {
  cls.def(
         "has_tier",
         [](const Cache& c, const std::string& tier) {
           for (const auto& t : c.tiers())
             if (t.name == tier) return true;
           if (tier == "memory" || tier == "disk" || tier == "redis") return false;
           throw InvalidArgument(
               "tier must be \"memory\", \"disk\", \"redis\" or the scheme of an enabled tier, got \"" +
               escape_bytes(tier) + "\"");
         },
         py::arg("tier"))
      .def(
          "tiers",
          [](const Cache& c) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& t : c.tiers()) out.emplace_back(t.name, t.spec);
            return out;
          },
          "The enabled tiers, top first, as (name, spec).")
      .def(
          "disk_path",
          [](const Cache& c) -> std::optional<std::string> {
            if (!c.has_tier(TierKind::Disk)) return std::nullopt;
            return c.options().disk_path.string();
          },
          "The disk tier's directory, or None without a disk tier.")
      .def(
          "redis_url",
          [](const Cache& c) -> std::optional<std::string> {
            if (!c.has_tier(TierKind::Redis)) return std::nullopt;
            return c.options().redis_url;
          },
          "The Redis tier's URL, or None without a Redis tier.")
      .def(
          "memory_bytes", [](const Cache& c) { return c.has_tier(TierKind::Memory) ? c.options().memory_bytes : 0; },
          "The memory tier's bound in bytes (0 without a memory tier).");
}

// _pixelcache.cache_environment().
void bind_environment(py::module_& m) {
  m.def(
      "cache_environment",
      [] {
        const CacheEnvironment e = cache_environment();
        py::dict d;
        d["cache_dir"] = e.cache_dir;
        d["xdg_cache_home"] = e.xdg_cache_home;
        d["home"] = e.home;
        d["redis_url"] = e.redis_url;
        d["cache_key"] = e.cache_key;
        d["cache_tiers"] = e.tier_specs();
        return d;
      },
      "The cache's environment variables as the library reads them (each \"\" when unset; cache_tiers: "
      "$PIXELCACHE_CACHE_TIERS cut at its commas).");
}

}  // namespace

void bind_cache(py::module_& m) {
  bind_key_functions(m);
  bind_environment(m);
  CacheClass cls(m, "_Cache", "The C++ cache (pixelcache::Cache); see pixelcache.Cache.");
  cls.def(py::init([](const std::string& ns, std::uint64_t memory_bytes, const std::string& disk_path,
                      std::optional<std::uint64_t> disk_bytes, const std::string& redis_url, double redis_ttl,
                      double connect_timeout, double command_timeout, double retry_backoff,
                      const std::string& compression, const std::string& secret, std::vector<std::string> tiers) {
            const PyCacheOptions p{ns,        memory_bytes,    disk_path,       disk_bytes,    redis_url,
                                   redis_ttl, connect_timeout, command_timeout, retry_backoff, compression,
                                   secret,    std::move(tiers)};
            CacheOptions o = p.options();
            py::gil_scoped_release nogil;
            return std::make_shared<Cache>(std::move(o));
          }),
          py::kw_only(), py::arg("namespace") = "default", py::arg("memory_bytes") = 0, py::arg("disk_path") = "",
          py::arg("disk_bytes") = py::none(), py::arg("redis_url") = "", py::arg("redis_ttl") = 0.0,
          py::arg("connect_timeout") = 0.5, py::arg("command_timeout") = 2.0, py::arg("retry_backoff") = 1.0,
          py::arg("compression") = "auto", py::arg("secret") = "", py::arg("tiers") = std::vector<std::string>{},
          "Keyword arguments only: the CacheOptions fields, then `tiers` (specs such as \"lmdb:DIR?max=1GiB\" "
          "or \"redis://host/0?ttl=60\") added in order.")
      .def_static(
          "default_directory", [] { return CacheOptions::default_directory().string(); },
          "$PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else ~/.cache/pixelcache.");
  bind_tier_methods(cls);
  bind_entry_methods(cls);
  bind_maintenance_methods(cls);
}

}  // namespace pixelcache::python
