// Bindings of hash_index.hpp and dups.hpp for pixelcache.group_hashes and
// pixelcache.find_duplicates (python/pixelcache/_dups.py shapes the
// results). The work runs with the GIL released; a progress callback and
// Ctrl-C are served from the calling thread every ~100 ms.
#include "pixelcache/dups.hpp"

#include <pybind11/stl.h>

#include <atomic>
#include <string>
#include <vector>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

py::list groups_to_python(const std::vector<HashGroup>& groups) {
  py::list out;
  for (const auto& g : groups) {
    py::list members;
    for (const auto& n : g.members) members.append(py::make_tuple(n.index, n.distance));
    out.append(py::make_tuple(g.centre, members));
  }
  return out;
}

py::list group_hashes_py(const std::vector<ImageHash>& hashes, int threshold, const std::string& grouping) {
  const Grouping g = parse_grouping(grouping);
  std::vector<HashGroup> groups;
  {
    py::gil_scoped_release nogil;
    groups = group_hashes(hashes, threshold, g);
  }
  return groups_to_python(groups);
}

// A Python error raised in the heartbeat (KeyboardInterrupt, or the progress
// callback's own), kept until the run has ended.
struct PendingError {
  PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
  std::atomic<bool> set{false};
  void take() {  // with the GIL held
    PyErr_Fetch(&type, &value, &trace);
    set = true;
  }
  void raise() {
    PyErr_Restore(type, value, trace);
    throw py::error_already_set();
  }
};

py::dict report_to_python(const DuplicateReport& r) {
  py::list files;
  for (const auto& f : r.files) {
    py::dict d;
    d["path"] = f.path;
    d["ok"] = f.ok;
    d["error"] = f.ok ? py::object(py::none()) : py::object(py::str(f.error));
    d["hash"] = f.ok ? py::cast(f.hash) : py::object(py::none());
    d["pixel_digest"] = f.pixel_digest ? py::object(py::str(f.pixel_digest->hex())) : py::object(py::none());
    d["hash_from_cache"] = f.hash_from_cache;
    files.append(d);
  }
  py::list exact, near;
  for (const auto& g : r.exact) exact.append(py::make_tuple(g.digest.hex(), py::cast(g.files)));
  for (const auto& g : r.near) {
    py::list members;
    for (const auto& m : g.members) members.append(py::make_tuple(m.file, m.distance));
    near.append(py::make_tuple(g.centre, members));
  }
  py::dict stats;
  stats["files"] = r.stats.files;
  stats["failed"] = r.stats.failed;
  stats["hashes_computed"] = r.stats.hashes_computed;
  stats["hashes_from_cache"] = r.stats.hashes_from_cache;
  stats["full_decodes"] = r.stats.full_decodes;
  stats["digests_from_cache"] = r.stats.digests_from_cache;
  stats["decoded"] = r.stats.decoded();
  py::dict out;
  out["files"] = files;
  out["exact"] = exact;
  out["near"] = near;
  out["stats"] = stats;
  out["threshold"] = r.threshold;
  out["stopped"] = r.stopped;
  return out;
}

py::dict find_duplicates_py(const std::vector<std::string>& paths, const std::string& kind, int hash_size,
                            int highfreq_factor, int threshold, const std::string& grouping, unsigned workers,
                            const py::object& cache, std::uint64_t max_pixels, const py::object& progress) {
  DuplicateOptions o;
  o.hash = {parse_hash_kind(kind), hash_size, highfreq_factor};
  o.threshold = threshold;
  o.grouping = parse_grouping(grouping);
  o.workers = workers;
  o.load.max_pixels = max_pixels;
  std::shared_ptr<Cache> keep;
  if (!cache.is_none()) {
    keep = cache.cast<std::shared_ptr<Cache>>();
    o.cache = keep.get();
  }
  std::atomic<std::size_t> done{0}, total{0};
  std::atomic<int> phase{0};
  PendingError pending;
  const auto report = [&] {  // with the GIL held
    if (progress.is_none() || pending.set) return;
    try {
      progress(phase.load() == 0 ? "hash" : "verify", done.load(), total.load());
    } catch (py::error_already_set& e) {
      e.restore();
      pending.take();
    }
  };
  o.on_phase = [&](DuplicatePhase p, std::size_t n) {
    phase = p == DuplicatePhase::Hash ? 0 : 1;
    total = n;
    done = 0;
    py::gil_scoped_acquire gil;
    report();
  };
  o.on_progress = [&](const DuplicateProgress&) { ++done; };
  o.heartbeat = [&] {
    py::gil_scoped_acquire gil;
    if (!pending.set && PyErr_CheckSignals() != 0) pending.take();
    report();
  };
  o.stop = [&] { return pending.set.load(); };
  DuplicateReport r;
  {
    py::gil_scoped_release nogil;
    r = find_duplicates(paths, o);
  }
  report();  // the last count
  if (pending.set) pending.raise();
  return report_to_python(r);
}

}  // namespace

void bind_dups(py::module_& m) {
  m.def("group_hashes", &group_hashes_py, py::arg("hashes"), py::arg("threshold"), py::arg("grouping"),
        "Groups of hashes within `threshold` bits: [(centre, [(index, distance), ...]), ...] (hash_index.hpp).");
  m.def("find_duplicates", &find_duplicates_py, py::arg("paths"), py::arg("kind"), py::arg("hash_size"),
        py::arg("highfreq_factor"), py::arg("threshold"), py::arg("grouping"), py::arg("workers"), py::arg("cache"),
        py::arg("max_pixels"), py::arg("progress"),
        "pixelcache::find_duplicates (dups.hpp) as a dict: files, exact, near, stats, threshold, stopped.");
  m.def("duplicate_cache_version", &duplicate_cache_version);
}

}  // namespace pixelcache::python
