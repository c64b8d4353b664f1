// find_duplicates (dups.hpp): hash every file, check the JPEGs that may be
// exact duplicates at full size, then form exact groups (pixel digests) and
// near groups (hash_index.hpp) over the distinct images.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "../work_pool.hpp"
#include "dups_internal.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"
#include "pixelcache/version.hpp"

namespace pixelcache {

namespace {

// Runs `work` on the files `which` (indices into report.files) as phase
// `phase`; the files not started fail as stopped.
void run_phase(DuplicatePhase phase, const std::vector<std::size_t>& which, DuplicateReport& report,
               const DuplicateOptions& o, const std::function<bool(FileReport&)>& work) {
  if (o.on_phase) o.on_phase(phase, which.size());
  const unsigned workers = o.workers ? o.workers : detail::usable_cores();
  const std::size_t started = detail::run_pool(
      which.size(), workers,
      [&](unsigned, std::size_t i) {
        FileReport& f = report.files[which[i]];
        const bool cached = work(f);
        if (o.on_progress) o.on_progress({phase, which[i], f.ok, cached, f.ok ? nullptr : &f.error});
      },
      o.stop, o.heartbeat);
  for (std::size_t i = started; i < which.size(); ++i) {
    FileReport& f = report.files[which[i]];
    f.ok = false;
    f.error = escape_bytes(f.path) + ": not done: stopped";
    report.stopped = true;
  }
}

// One entry per distinct content: the first file with each bytes digest;
// `same_bytes[i]` lists the files of representative i.
struct Distinct {
  std::vector<std::size_t> reps;
  std::map<std::size_t, std::vector<std::size_t>> same_bytes;
};

Distinct distinct_bytes(const DuplicateReport& r) {
  Distinct d;
  std::map<Digest, std::size_t> first;
  for (std::size_t i = 0; i < r.files.size(); ++i) {
    if (!r.files[i].ok) continue;
    const auto [it, fresh] = first.emplace(r.files[i].bytes_digest, i);
    if (fresh) d.reps.push_back(i);
    d.same_bytes[it->second].push_back(i);
  }
  return d;
}

std::vector<ImageHash> hashes_of(const DuplicateReport& r, const std::vector<std::size_t>& which) {
  std::vector<ImageHash> out;
  out.reserve(which.size());
  for (std::size_t i : which) out.push_back(r.files[i].hash);
  return out;
}

// The representatives to decode at full size: those without a pixel digest
// that share their bytes with another file or whose hash lies within
// `radius` of another representative's.
std::vector<std::size_t> exact_candidates(const DuplicateReport& r, const Distinct& d, int radius) {
  std::set<std::size_t> out;
  for (const auto& [rep, files] : d.same_bytes)
    if (files.size() > 1) out.insert(rep);
  const HashIndex index(hashes_of(r, d.reps), radius);
  for (const HashPair& p : index.pairs()) out.insert(d.reps[p.a]), out.insert(d.reps[p.b]);
  std::vector<std::size_t> need;
  for (std::size_t i : out)
    if (!r.files[i].pixel_digest) need.push_back(i);
  return need;
}

bool by_path(const DuplicateReport& r, std::size_t a, std::size_t b) { return r.files[a].path < r.files[b].path; }

// Distinct images: representatives with one pixel digest merge; each
// image's files (all copies), sorted by path.
std::vector<std::vector<std::size_t>> images_of(const DuplicateReport& r, const Distinct& d) {
  std::vector<std::vector<std::size_t>> images;
  std::map<Digest, std::size_t> by_digest;
  for (std::size_t rep : d.reps) {
    if (!r.files[rep].ok) continue;  // failed its full decode
    std::size_t at = images.size();
    if (const auto& pd = r.files[rep].pixel_digest) at = by_digest.emplace(*pd, images.size()).first->second;
    if (at == images.size()) images.emplace_back();
    const auto& files = d.same_bytes.at(rep);
    images[at].insert(images[at].end(), files.begin(), files.end());
  }
  for (auto& files : images) std::sort(files.begin(), files.end(), [&](auto a, auto b) { return by_path(r, a, b); });
  std::sort(images.begin(), images.end(), [&](const auto& a, const auto& b) { return by_path(r, a[0], b[0]); });
  return images;
}

void form_groups(DuplicateReport& r, const Distinct& d) {
  const auto images = images_of(r, d);
  for (const auto& files : images)
    if (files.size() > 1) r.exact.push_back({*r.files[files[0]].pixel_digest, files});
  // Each image hashes as its first file.
  std::vector<ImageHash> hashes;
  for (const auto& files : images) hashes.push_back(r.files[files[0]].hash);
  for (const HashGroup& g : group_hashes(hashes, r.threshold, r.grouping)) {
    NearGroup near{images[g.centre][0], {}};
    for (const Neighbour& n : g.members)
      for (std::size_t f : images[n.index]) near.members.push_back({f, n.distance});
    std::sort(near.members.begin(), near.members.end(),
              [&](const NearMember& a, const NearMember& b) { return by_path(r, a.file, b.file); });
    r.near.push_back(std::move(near));
  }
  std::sort(r.near.begin(), r.near.end(),
            [&](const NearGroup& a, const NearGroup& b) { return by_path(r, a.members[0].file, b.members[0].file); });
}

// What names one file: a local file that exists is its device and inode
// (so `a.png`, `./a.png`, `dir/../a.png`, a symbolic link to it and a hard
// link all count once, as fdupes and jdupes count them); any other path its
// lexically normal form, a URL its text.
std::string file_identity(const std::string& path) {
  if (is_url(path)) return "url:" + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return "inode:" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  return "path:" + std::filesystem::path(path).lexically_normal().string();
}

}  // namespace

std::string duplicate_cache_version() { return std::string("2/") + version(); }

DuplicateReport find_duplicates(const std::vector<std::string>& paths, const DuplicateOptions& o) {
  o.hash.validate();
  DuplicateReport r;
  r.hash = o.hash;
  r.grouping = o.grouping;
  r.threshold = o.threshold < 0 ? default_threshold(o.hash) : o.threshold;
  if (r.threshold > o.hash.bits())
    throw InvalidArgument("threshold " + std::to_string(r.threshold) + " is above the " +
                          std::to_string(o.hash.bits()) + " bits of a " + o.hash.to_string() + " hash");
  std::set<std::string> seen;
  for (const auto& p : paths)
    if (seen.insert(file_identity(p)).second) {
      FileReport f;
      f.path = p;
      r.files.push_back(std::move(f));
    }
  std::unique_ptr<Cache> own;
  if (!o.cache) {  // single flight for identical bytes within the run
    CacheOptions co;
    co.memory_bytes = std::uint64_t{64} << 20;
    own = std::make_unique<Cache>(co);
  }
  detail::DuplicateContext ctx{o, o.cache ? *o.cache : *own};

  std::vector<std::size_t> all(r.files.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  run_phase(DuplicatePhase::Hash, all, r, o, [&](FileReport& f) { return detail::hash_one(f, ctx); });
  Distinct d = distinct_bytes(r);
  if (!r.stopped) {
    const int radius = std::max(r.threshold, o.hash.bits() / 8);
    run_phase(DuplicatePhase::Verify, exact_candidates(r, d, radius), r, o,
              [&](FileReport& f) { return detail::verify_one(f, ctx); });
    for (auto& [rep, files] : d.same_bytes)  // copies share the representative's result
      for (std::size_t f : files) {
        if (!r.files[rep].ok && r.files[f].ok)
          r.files[f].ok = false,
          r.files[f].error = escape_bytes(r.files[f].path) + ": as its copy " + r.files[rep].error;
        r.files[f].pixel_digest = r.files[rep].pixel_digest;
      }
    form_groups(r, d);
  }
  r.stats.files = r.files.size();
  for (const auto& f : r.files) r.stats.failed += f.ok ? 0 : 1;
  r.stats.hashes_computed = ctx.hashes_computed;
  r.stats.hashes_from_cache = ctx.hashes_from_cache;
  r.stats.full_decodes = ctx.full_decodes;
  r.stats.digests_from_cache = ctx.digests_from_cache;
  return r;
}

}  // namespace pixelcache
