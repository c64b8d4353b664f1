// The command line's cache options (cache_options.hpp).
#include "cache_options.hpp"

#include <cstdio>

namespace pixelcache::cli {

CacheOptions CacheArgs::options() const {
  CacheOptions o;
  if (!tiers.empty()) {
    o = CacheOptions::from_specs(tiers);
    o.secret = cache_environment().cache_key;
  } else {
    try {
      o = CacheOptions::from_environment();
    } catch (const CacheError&) {
      if (dir.empty()) throw;  // no directory given and none to default to
      const CacheEnvironment env = cache_environment();
      o.redis_url = env.redis_url;
      o.secret = env.cache_key;
    }
    o.memory_bytes = 0;
  }
  if (!dir.empty()) o.disk_path = dir;
  if (!key_namespace.empty()) o.key_namespace = key_namespace;
  if (max_bytes) o.disk_bytes = max_bytes;
  return o;
}

std::unique_ptr<Cache> CacheArgs::open() const {
  auto cache = std::make_unique<Cache>(options());
  print_notices(*cache);
  return cache;
}

void print_notices(Cache& cache) {
  for (const auto& n : cache.take_notices()) std::fprintf(stderr, "pixelcache: note: %s\n", n.c_str());
}

std::unique_ptr<Cache> CacheSwitch::open() const {
  if (flag.empty() && args.tiers.empty()) return nullptr;
  CacheArgs a = args;
  if (!flag.empty() && flag != kDefaultDir) a.dir = flag;
  return a.open();
}

void add_cache_options(CLI::App& cmd, CacheSwitch& cache, std::string_view what) {
  // A flag, so `--cache STEP` never takes the step for a directory: the
  // directory is given as --cache=DIR.
  const std::string first =
      what.empty() ? "Look each output up in the cache before decoding; store it after computing." : std::string(what);
  cmd.add_flag("--cache", cache.flag,
               first +
                   " --cache=DIR puts the "
                   "store in DIR (default: $PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else "
                   "~/.cache/pixelcache; a folder named 'true': --cache=./true); a Redis tier is added when "
                   "$PIXELCACHE_REDIS_URL is set")
      ->option_text("[=DIR]");
  cmd.add_option_function<std::uint64_t>(
         "--cache-max-bytes", [&cache](const std::uint64_t& n) { cache.args.max_bytes = n; },
         "Bound of a new cache store, e.g. 500M or 10G (default 1G); least recently used entries are evicted beyond "
         "it. An existing store keeps the bound recorded in it (`pixelcache cache trim --max-bytes` changes it)")
      ->transform(CLI::AsSizeValue(false));
  add_cache_tier_option(cmd, cache.args.tiers);
}

void add_cache_tier_option(CLI::App& cmd, std::vector<std::string>& tiers) {
  cmd.add_option("--cache-tier", tiers,
                 "A cache tier by its spec, repeatable, top first: memory:SIZE, lmdb:DIR[?max=SIZE], "
                 "redis://[[user]:pass@]host[:port][/db][?prefix=P&ttl=S&timeout=MS], unix:///path[?db=N&...]. "
                 "Given, these are the cache's tiers (a cache even without --cache) instead of the environment's; "
                 "--cache=DIR and --cache-max-bytes still set the disk tier")
      ->option_text("SPEC")
      ->expected(1)
      ->take_all();
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace pixelcache::cli
