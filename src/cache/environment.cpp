// The environment the cache reads, in one place (environment.hpp), and the
// defaults CacheOptions takes from it.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "pixelcache/cache.hpp"

namespace pixelcache {

namespace {
// The variable's value, or "" when it is unset.
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::vector<std::string> CacheEnvironment::tier_specs() const {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= cache_tiers.size()) {
    const auto comma = std::min(cache_tiers.find(',', start), cache_tiers.size());
    if (comma > start) out.push_back(cache_tiers.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

CacheEnvironment cache_environment() {
  CacheEnvironment e;
  e.cache_dir = env("PIXELCACHE_CACHE_DIR");
  e.xdg_cache_home = env("XDG_CACHE_HOME");
  e.home = env("HOME");
  e.redis_url = env("PIXELCACHE_REDIS_URL");
  e.cache_key = env("PIXELCACHE_CACHE_KEY");
  e.cache_tiers = env("PIXELCACHE_CACHE_TIERS");
  return e;
}

std::filesystem::path CacheOptions::default_directory() {
  const CacheEnvironment e = cache_environment();
  if (!e.cache_dir.empty()) return e.cache_dir;
  if (!e.xdg_cache_home.empty()) return std::filesystem::path(e.xdg_cache_home) / "pixelcache";
  std::string home = e.home;
  if (home.empty()) {
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir && *pw->pw_dir) home = pw->pw_dir;
  }
  if (home.empty())
    throw CacheError(
        "cannot choose a cache directory: PIXELCACHE_CACHE_DIR, XDG_CACHE_HOME and HOME are unset and the user has "
        "no home directory");
  return std::filesystem::path(home) / ".cache" / "pixelcache";
}

CacheOptions CacheOptions::from_environment() {
  const CacheEnvironment e = cache_environment();
  CacheOptions o;
  if (!e.cache_tiers.empty()) {
    try {
      for (const auto& spec : e.tier_specs()) o.add_tier(spec);  // the memory tier's default, disk and Redis off
    } catch (const InvalidArgument& x) {
      throw InvalidArgument(std::string("PIXELCACHE_CACHE_TIERS: ") + x.what());
    }
  } else {
    o.disk_path = default_directory();
    o.redis_url = e.redis_url;
  }
  o.secret = e.cache_key;
  return o;
}

}  // namespace pixelcache
