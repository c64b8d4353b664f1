// `pixelcache dups PATH... [--hash phash|dhash|ahash] [--threshold N] [--json]
// [--cache[=DIR]] [-j N]`: exact and near duplicate images (dups.hpp) among
// files, folders (walked as by `batch`), @LIST and - (stdin).
//
// Output on stdout, groups sorted by their first path:
//   text    one block per group, a blank line between blocks:
//             exact 2 files  ed65aa01c3f6aae80ccb80578f5bcd11
//                 assets/chelsea.png
//                 tests/data/chelsea.bmp
//             near 3 files  phash distance to the centre (*)
//               *  0  tests/data/chelsea.png
//                  2  tests/data/chelsea_q95.jpg
//                  4  tests/data/exif_orient6.jpg
//   --json  one JSON object per group and line:
//             {"group": "exact", "digest": "<hex>", "files": ["a", "b"]}
//             {"group": "near", "hash": "phash", "threshold": 10, "centre": "a",
//              "files": [{"path": "a", "distance": 0}, ...]}
// Failures are "pixelcache: <path>: <error>" lines on stderr as they happen;
// a summary line ends stderr. A progress bar is drawn on stderr when it is a
// terminal. Exit status: 0 every file compared, 1 some failed (the others
// are compared), 2 usage, 128 + N stopped by signal N (nothing printed).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "batch_inputs.hpp"
#include "cache_options.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "pixelcache/dups.hpp"
#include "progress.hpp"

namespace pixelcache::cli {

namespace {

struct Args {
  std::vector<std::string> inputs;
  std::string hash = "phash", groups = "centre", glob;
  int hash_size = 8;
  int threshold = -1;
  bool json = false;
  unsigned jobs = 0;
  CacheSwitch cache;
};

std::string path_of(const DuplicateReport& r, std::size_t i) { return printable(r.files[i].path); }

void print_text(const DuplicateReport& r) {
  bool first = true;
  const auto separate = [&] {
    if (!first) std::cout << '\n';
    first = false;
  };
  for (const auto& g : r.exact) {
    separate();
    std::cout << "exact " << g.files.size() << " files  " << g.digest.hex() << '\n';
    for (std::size_t f : g.files) std::cout << "    " << path_of(r, f) << '\n';
  }
  for (const auto& g : r.near) {
    separate();
    std::cout << "near " << g.members.size() << " files  " << hash_kind_name(r.hash.kind)
              << " distance to the centre (*)\n";
    for (const auto& m : g.members) {
      char num[16];
      std::snprintf(num, sizeof num, "%2d", m.distance);
      std::cout << (m.file == g.centre ? "  * " : "    ") << num << "  " << path_of(r, m.file) << '\n';
    }
  }
}

void print_json(const DuplicateReport& r) {
  for (const auto& g : r.exact) {
    std::cout << "{\"group\": \"exact\", \"digest\": \"" << g.digest.hex() << "\", \"files\": [";
    for (std::size_t i = 0; i < g.files.size(); ++i)
      std::cout << (i ? ", " : "") << json_string(path_of(r, g.files[i]));
    std::cout << "]}\n";
  }
  for (const auto& g : r.near) {
    std::cout << "{\"group\": \"near\", \"hash\": \"" << hash_kind_name(r.hash.kind)
              << "\", \"threshold\": " << r.threshold << ", \"centre\": " << json_string(path_of(r, g.centre))
              << ", \"files\": [";
    for (std::size_t i = 0; i < g.members.size(); ++i)
      std::cout << (i ? ", " : "") << "{\"path\": " << json_string(path_of(r, g.members[i].file))
                << ", \"distance\": " << g.members[i].distance << "}";
    std::cout << "]}\n";
  }
}

std::string summary(const DuplicateReport& r, std::size_t listing_failures, double seconds) {
  std::size_t exact_files = 0, near_files = 0;
  for (const auto& g : r.exact) exact_files += g.files.size();
  for (const auto& g : r.near) near_files += g.members.size();
  const auto& s = r.stats;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "pixelcache dups: %zu files (%zu failed): %zu exact groups (%zu files), %zu near groups (%zu files) "
                "within %d bits of %s; %zu decoded, %zu hashes and %zu digests from the cache, in %.1f s",
                s.files + listing_failures, s.failed + listing_failures, r.exact.size(), exact_files, r.near.size(),
                near_files, r.threshold, r.hash.to_string().c_str(), s.decoded(), s.hashes_from_cache,
                s.digests_from_cache, seconds);
  return buf;
}

int run(const Args& a) {
  const auto t0 = std::chrono::steady_clock::now();
  DuplicateOptions o;
  o.hash = {parse_hash_kind(a.hash), a.hash_size, 4};
  o.hash.validate();
  if (a.threshold > o.hash.bits()) {  // a usage error, before any work
    std::cerr << "pixelcache dups: --threshold " << a.threshold << " is above the " << o.hash.bits() << " bits of a "
              << o.hash.to_string() << " hash\n";
    return 2;
  }
  o.threshold = a.threshold;
  o.grouping = parse_grouping(a.groups);
  o.workers = a.jobs;
  // Folders walked, lists read; a folder that cannot be listed fails alone.
  const std::vector<BatchInput> inputs = collect_inputs(a.inputs, a.glob, {}, std::cin);
  const std::unique_ptr<Cache> cache = a.cache.open();  // an unusable cache stops before any work
  o.cache = cache.get();
  std::vector<std::string> paths;
  std::size_t listing_failures = 0;
  for (const auto& in : inputs) {
    if (in.error.empty()) {
      paths.push_back(in.source);
    } else {
      report(in.error);
      ++listing_failures;
    }
  }
  Interrupts interrupts(1);
  const bool bar = ::isatty(STDERR_FILENO) == 1;
  std::unique_ptr<Progress> progress;
  o.on_phase = [&](DuplicatePhase phase, std::size_t n) {
    if (progress) progress->clear();
    progress = std::make_unique<Progress>(n, bar && n > 0, stderr,
                                          phase == DuplicatePhase::Hash ? "hashing" : "checking at full size");
  };
  o.on_progress = [&](const DuplicateProgress& p) {
    progress->count(p.ok ? Outcome::Written : Outcome::Failed, p.from_cache);
    if (!p.ok) progress->note("pixelcache: " + printable(*p.error));
  };
  o.heartbeat = [&] { progress->draw(); };
  o.stop = [&] { return interrupts.stop_requested(); };
  const DuplicateReport r = find_duplicates(paths, o);
  if (progress) progress->clear();
  if (const int sig = interrupts.signal_number(); sig != 0) {
    std::cerr << "pixelcache dups: interrupted; no groups printed\n";
    return 128 + sig;
  }
  if (a.json)
    print_json(r);
  else
    print_text(r);
  std::cout.flush();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << summary(r, listing_failures, seconds) << '\n';
  return r.stats.failed + listing_failures > 0 ? 1 : 0;
}

}  // namespace

Runner add_dups(CLI::App& app) {
  auto* cmd = app.add_subcommand("dups", "Find exact and near duplicate images (perceptual hashes, imagehash's)");
  cmd->footer(
      "Inputs: files, folders (walked recursively: image extensions, or --glob), @LIST, - (stdin), URLs.\n"
      "Exact groups: files whose decoded pixels are identical (the content digest `pixelcache hash` prints), "
      "whatever the format or EXIF orientation. Near groups: distinct images whose hashes differ in at most "
      "--threshold bits, each member within the threshold of its group's centre (--groups connected: connected "
      "components instead). Default thresholds (8x8 hashes): phash 10, dhash 10, ahash 8.\n"
      "Output: one block per group (--json: one JSON object per group and line); failures and a summary on "
      "stderr. Exit status: 0 all compared, 1 some files failed, 2 usage, 128+N stopped by signal N.\n"
      "With --cache each file's hash is kept under its bytes' digest: a rerun decodes nothing.");
  auto a = std::make_shared<Args>();
  cmd->add_option("inputs", a->inputs, "Files, folders, @LIST, - or URLs")->required();
  cmd->add_option("--hash", a->hash, "phash (default), dhash or ahash")
      ->check(CLI::IsMember({"phash", "dhash", "ahash"}));
  cmd->add_option("--hash-size", a->hash_size, "Bits per side of the hash (2..64; default 8: 64 bits)")
      ->check(CLI::Range(2, 64));
  cmd->add_option("--threshold", a->threshold,
                  "Near when the hashes differ in at most N bits (default: 10 of 64 for phash and dhash, 8 for ahash, "
                  "scaled with the bit count)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--groups", a->groups, "centre (default) or connected")
      ->check(CLI::IsMember({"centre", "center", "connected"}));
  cmd->add_option("--glob", a->glob, "Files to take from folders, e.g. '*.jpg' (default: image extensions)");
  cmd->add_flag("--json", a->json, "One JSON object per group and line");
  cmd->add_option("-j,--jobs", a->jobs, "Worker threads (default: the cores this process may use)")
      ->check(CLI::Range(1u, 1024u));
  add_cache_options(*cmd, a->cache,
                    "Keep each file's hash (and pixel digest) in the cache under the digest of its bytes; a rerun "
                    "decodes nothing.");
  return [a] { return run(*a); };
}

}  // namespace pixelcache::cli
