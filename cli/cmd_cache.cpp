// `pixelcache cache info|stats|clear|trim --max-bytes N|verify [--json]
// [--dir DIR] [--cache-tier SPEC]...`: inspect and maintain the cache that
// `run --cache` and `batch --cache` use (the disk store in DIR or the default
// directory, and the Redis tier when $PIXELCACHE_REDIS_URL is set; or the
// tiers given as specs). `info` prints each tier's spec. Human-readable lines
// by default, one JSON object with --json.
//
// Exit status: 0 success; 1 an error (a tier that could not be cleared or
// trimmed, an unusable directory); 2 usage. `verify`, like fsck, ORs: 1 when
// corrupt entries were found (they are dropped, so the cache is consistent
// again and those results will be recomputed), 4 when a tier could not be
// checked completely (unreachable, failing).
#include <filesystem>
#include <iostream>

#include "cache_options.hpp"
#include "commands.hpp"

namespace pixelcache::cli {

namespace fs = std::filesystem;

namespace {

struct Args {
  std::string dir;
  std::string ns;  // --namespace; empty: "default", and the whole disk store for clear
  bool json = false;
  std::uint64_t max_bytes = 0;
  std::vector<std::string> tiers;  // --cache-tier
};

// The command line's options for `a`.
CacheOptions cache_options(const Args& a) {
  CacheArgs args;
  args.dir = a.dir;
  args.key_namespace = a.ns;
  args.tiers = a.tiers;
  return args.options();
}

// The cache to maintain. A directory without a store gets no disk tier, so
// inspecting a cache never creates one; `disk_dir` receives the directory.
std::unique_ptr<Cache> open_cache(const Args& a, fs::path& disk_dir, bool& has_store) {
  CacheOptions o = cache_options(a);
  disk_dir = o.disk_path;
  std::error_code ec;
  has_store = !disk_dir.empty() && fs::exists(disk_store_file(disk_dir), ec);
  if (!has_store) o.disk_path.clear();
  return std::make_unique<Cache>(o);
}

// (entries, bytes) of a tier, counted by listing this namespace's entries.
std::pair<std::uint64_t, std::uint64_t> count_entries(Cache& cache, TierKind tier) {
  std::pair<std::uint64_t, std::uint64_t> n{0, 0};
  cache.for_each_entry(tier, [&](const EntryInfo& e) {
    ++n.first;
    n.second += e.bytes;
    return true;
  });
  return n;
}

const char* redis_source = "$PIXELCACHE_REDIS_URL";

int stats(Cache& cache, const fs::path& dir, bool has_store, bool named, bool json) {
  std::optional<std::pair<std::uint64_t, std::uint64_t>> redis;
  if (cache.has_tier(TierKind::Redis)) redis = count_entries(cache, TierKind::Redis);
  const std::string& ns = cache.options().key_namespace;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> in_ns;  // the disk entries of --namespace
  if (has_store && named) in_ns = count_entries(cache, TierKind::Disk);
  const CacheStats st = cache.stats();
  std::error_code ec;
  const auto file_bytes = has_store ? fs::file_size(disk_store_file(dir), ec) : 0;
  std::string out = json ? "{\"directory\": " + json_string(printable(dir.string())) + ", \"tiers\": [" : "";
  // The disk tier, present or not.
  const auto disk = st.tier(TierKind::Disk);
  if (json) {
    out += "{\"tier\": \"disk\", \"store\": " + std::string(has_store ? "true" : "false") +
           ", \"available\": " + (disk && !disk->available ? "false" : "true") +
           ", \"entries\": " + std::to_string(disk ? disk->entries.value_or(0) : 0) +
           ", \"bytes\": " + std::to_string(disk ? disk->bytes.value_or(0) : 0) +
           ", \"max_bytes\": " + std::to_string(disk ? disk->max_bytes : 0) +
           ", \"file_bytes\": " + std::to_string(ec ? 0 : file_bytes);
    if (in_ns)
      out += ", \"namespace\": " + json_string(printable(ns)) +
             ", \"namespace_entries\": " + std::to_string(in_ns->first) +
             ", \"namespace_bytes\": " + std::to_string(in_ns->second);
    const StoreTotals t = disk ? disk->totals.value_or(StoreTotals{}) : StoreTotals{};
    out += ", \"hits\": " + std::to_string(t.hits) + ", \"misses\": " + std::to_string(t.misses) +
           ", \"writes\": " + std::to_string(t.writes) + ", \"evictions\": " + std::to_string(t.evictions) +
           ", \"corrupt\": " + std::to_string(t.corrupt) + ", \"errors\": " + std::to_string(disk ? disk->errors : 0) +
           "}";
  } else if (!has_store) {
    out += "disk   " + printable(dir.string()) + ": no cache store yet\n";
  } else {
    out += "disk   " + printable(dir.string()) + " (store file " + human_bytes(ec ? 0 : file_bytes) + ")\n";
    if (disk && disk->entries) {
      const StoreTotals t = disk->totals.value_or(StoreTotals{});
      out += "       " + std::to_string(*disk->entries) + " entries, " + human_bytes(disk->bytes.value_or(0)) +
             " stored of at most " + human_bytes(disk->max_bytes) +
             "\n       since created: " + std::to_string(t.hits) + " hits, " + std::to_string(t.misses) + " misses, " +
             std::to_string(t.writes) + " writes, " + std::to_string(t.evictions) + " evictions, " +
             std::to_string(t.corrupt) + " corrupt entries dropped\n";
      if (in_ns)
        out += "       namespace \"" + printable(ns) + "\": " + std::to_string(in_ns->first) + " entries, " +
               human_bytes(in_ns->second) + "\n";
    } else {
      out += "       unreadable (" + std::to_string(disk ? disk->errors : 0) + " errors)\n";
    }
  }
  if (const auto r = st.tier(TierKind::Redis)) {
    // Entries and bytes are counted by listing; the server keeps no per-namespace hit counts.
    const bool up = r->available && r->errors == 0;
    if (json) {
      out += ", {\"tier\": \"redis\", \"namespace\": " + json_string(printable(cache.options().key_namespace)) +
             ", \"available\": " + (up ? "true" : "false") +
             ", \"entries\": " + (up ? std::to_string(redis->first) : "null") +
             ", \"bytes\": " + (up ? std::to_string(redis->second) : "null") +
             ", \"hits\": null, \"misses\": null, \"writes\": null, \"evictions\": null, \"corrupt\": null"
             ", \"errors\": " +
             std::to_string(r->errors) + "}";
    } else {
      out += "redis  " + std::string(redis_source) + ", namespace \"" + printable(cache.options().key_namespace) +
             "\": " +
             (up ? std::to_string(redis->first) + " entries, " + human_bytes(redis->second) + "\n"
                 : "unreachable (" + std::to_string(r->errors) + " errors)\n");
    }
  }
  std::cout << out << (json ? "]}\n" : "") << std::flush;
  return 0;
}

// Each tier's spec (passwords hidden), top first; nothing is opened.
int info(const Args& a) {
  const CacheOptions o = cache_options(a);
  std::string human, js = "{\"namespace\": " + json_string(printable(o.key_namespace)) + ", \"tiers\": [";
  bool first = true;
  for (const auto& spec : o.tier_specs()) {
    const std::string shown = printable_tier_spec(spec);
    js += std::string(first ? "" : ", ") + "{\"scheme\": " + json_string(tier_scheme(spec)) +
          ", \"spec\": " + json_string(shown) + "}";
    human += shown + "\n";
    first = false;
  }
  std::cout << (a.json ? js + "]}\n" : human) << std::flush;
  return 0;
}

// Erases this namespace's entries (the disk store's and Redis's); true when
// every erase worked.
bool clear_namespace(Cache& cache) {
  std::vector<Digest> keys;
  for (TierKind t : {TierKind::Disk, TierKind::Redis})
    if (cache.has_tier(t))
      cache.for_each_entry(t, [&](const EntryInfo& e) {
        keys.push_back(e.key);
        return true;
      });
  const auto before = cache.stats();
  for (const Digest& k : keys) cache.erase(k);
  const auto after = cache.stats();
  for (const auto& t : before.tiers)
    if (const auto now = after.tier(t.tier); !now || now->errors != t.errors) return false;
  return true;
}

int clear(Cache& cache, bool has_store, bool named, bool json) {
  const CacheStats before = cache.stats();
  std::optional<std::pair<std::uint64_t, std::uint64_t>> redis, disk_ns;
  if (cache.has_tier(TierKind::Redis)) redis = count_entries(cache, TierKind::Redis);
  if (named && has_store) disk_ns = count_entries(cache, TierKind::Disk);
  // --namespace: only its entries; otherwise the whole disk store and the
  // default namespace's Redis keys.
  const bool ok = named ? clear_namespace(cache) : cache.clear();
  const CacheStats after = cache.stats();
  std::string human, js = "{\"cleared\": " + std::string(ok ? "true" : "false") + ", \"tiers\": [";
  bool first = true;
  for (const auto& t : before.tiers) {
    std::uint64_t entries = t.entries.value_or(0), bytes = t.bytes.value_or(0);
    if (t.tier == TierKind::Redis && redis) std::tie(entries, bytes) = *redis;
    if (t.tier == TierKind::Disk && disk_ns) std::tie(entries, bytes) = *disk_ns;
    const auto now = after.tier(t.tier);
    const bool tier_ok = now && now->errors == t.errors;
    js += std::string(first ? "" : ", ") + "{\"tier\": \"" + tier_name(t.tier) +
          "\", \"cleared\": " + (tier_ok ? "true" : "false") + ", \"entries\": " + std::to_string(entries) +
          ", \"bytes\": " + std::to_string(bytes) + "}";
    first = false;
    human += tier_ok ? "cleared " + std::string(tier_name(t.tier)) + ": " + std::to_string(entries) + " entries (" +
                           human_bytes(bytes) + ")\n"
                     : "";
    if (!tier_ok) report("cache clear: the " + std::string(tier_name(t.tier)) + " tier could not be cleared");
  }
  if (!has_store) human += "disk: no cache store, nothing to clear\n";
  std::cout << (json ? js + "]}\n" : human) << std::flush;
  return ok ? 0 : 1;
}

int trim(Cache& cache, bool has_store, std::uint64_t max_bytes, bool json) {
  if (!has_store) {
    std::cout << (json ? "{\"tier\": \"disk\", \"max_bytes\": " + std::to_string(max_bytes) +
                             ", \"evicted_entries\": 0, \"evicted_bytes\": 0, \"entries\": 0, \"bytes\": 0}\n"
                       : "disk: no cache store, nothing to trim\n");
    return 0;
  }
  const TrimReport r = cache.trim(max_bytes);
  if (!r.ok) {
    report("cache trim: the disk store could not be trimmed");
    return 1;
  }
  if (json)
    std::cout << "{\"tier\": \"disk\", \"max_bytes\": " << max_bytes << ", \"evicted_entries\": " << r.evicted_entries
              << ", \"evicted_bytes\": " << r.evicted_bytes << ", \"entries\": " << r.entries
              << ", \"bytes\": " << r.bytes << "}\n";
  else
    std::cout << "trimmed the disk store to " << human_bytes(max_bytes) << ": evicted " << r.evicted_entries
              << " entries (" << human_bytes(r.evicted_bytes) << "); " << r.entries << " entries ("
              << human_bytes(r.bytes) << ") left\n";
  return 0;
}

int verify(Cache& cache, bool has_store, bool json) {
  const VerifyReport r = cache.verify();
  int status = 0;
  std::string human, js = "{\"tiers\": [";
  for (std::size_t i = 0; i < r.tiers.size(); ++i) {
    const auto& t = r.tiers[i];
    if (t.corrupt > 0 || t.set_aside) status |= 1;
    if (!t.complete) status |= 4;
    js += std::string(i ? ", " : "") + "{\"tier\": \"" + tier_name(t.tier) +
          "\", \"checked\": " + std::to_string(t.checked) + ", \"ok\": " + std::to_string(t.ok) +
          ", \"corrupt\": " + std::to_string(t.corrupt) + ", \"complete\": " + (t.complete ? "true" : "false") +
          ", \"set_aside\": " + (t.set_aside ? "true" : "false") +
          ", \"problem\": " + (t.set_aside ? json_string(printable(t.problem)) : "null") + "}";
    if (t.set_aside)
      human += std::string(tier_name(t.tier)) + ": the store was damaged (" + printable(t.problem) +
               "); it was set aside and a new, empty one made\n";
    human += std::string(tier_name(t.tier)) + ": " + std::to_string(t.checked) + " entries checked, " +
             std::to_string(t.ok) + " intact, " + std::to_string(t.corrupt) + " corrupt" +
             (t.corrupt ? " (dropped: they will be recomputed)" : "") +
             (t.complete ? "" : "; the check could not finish (tier unreachable or failing)") + "\n";
  }
  if (!has_store) human += "disk: no cache store, nothing to verify\n";
  std::cout << (json ? js + "], \"corrupt\": " + std::to_string(r.corrupt()) + "}\n" : human) << std::flush;
  return status;
}

}  // namespace

Runner add_cache(CLI::App& app) {
  auto* cmd = app.add_subcommand("cache", "Inspect and maintain the cache of run --cache / batch --cache");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --json and --dir after the action too
  cmd->footer(
      "The cache is the disk store in --dir (default: $PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else "
      "~/.cache/pixelcache) and, when $PIXELCACHE_REDIS_URL is set, the Redis tier; $PIXELCACHE_CACHE_TIERS or "
      "--cache-tier SPEC give other tiers.\n"
      "Exit status: 0 done, 1 error, 2 usage; verify: 1 corrupt entries found (and dropped), 4 a tier could not be "
      "checked completely (both: 5).\n");
  auto a = std::make_shared<Args>();
  cmd->add_option("--dir", a->dir, "Cache directory (default: as run --cache)");
  cmd->add_option("--namespace", a->ns,
                  "The cache namespace (Python Cache(namespace=...); default \"default\"): stats counts its entries, "
                  "clear removes only them; Redis keys are always this namespace's");
  cmd->add_flag("--json", a->json, "One JSON object instead of lines for people");
  add_cache_tier_option(*cmd, a->tiers);
  auto* in = cmd->add_subcommand("info", "Each tier's spec, top first (passwords hidden); nothing is opened");
  auto* st = cmd->add_subcommand(
      "stats", "Entries and bytes per tier, and the disk store's lifetime hits, misses, writes, evictions, corrupt");
  auto* cl = cmd->add_subcommand("clear", "Remove every entry (disk store, and this namespace's Redis keys)");
  auto* tr = cmd->add_subcommand(
      "trim",
      "Make --max-bytes the disk store's bound (for every user of it) and evict least recently used entries "
      "down to it");
  tr->add_option("--max-bytes", a->max_bytes, "Bytes to keep at most, e.g. 500M, 2G, 0")
      ->required()
      ->transform(CLI::AsSizeValue(false));
  auto* ve = cmd->add_subcommand("verify",
                                 "Check the disk store's structure and every stored entry (its place, checksum, "
                                 "signature, contents); corrupt entries are dropped, a damaged store set aside");
  return [a, in, st, cl, tr, ve]() -> int {
    if (in->parsed()) return info(*a);
    fs::path dir;
    bool has_store = false;
    const auto cache = open_cache(*a, dir, has_store);
    print_notices(*cache);
    if (st->parsed()) return stats(*cache, dir, has_store, !a->ns.empty(), a->json);
    if (cl->parsed()) return clear(*cache, has_store, !a->ns.empty(), a->json);
    if (tr->parsed()) return trim(*cache, has_store, a->max_bytes, a->json);
    if (ve->parsed()) {
      const int status = verify(*cache, has_store, a->json);
      print_notices(*cache);
      return status;
    }
    return 2;
  };
}

}  // namespace pixelcache::cli
