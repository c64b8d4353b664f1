// CacheOptions defaults from the environment, and the small name tables of
// cache.hpp.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "pixelcache/cache.hpp"

namespace pixelcache {

namespace {
// The variable's value, or nullptr when it is unset or empty.
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}
}  // namespace

std::filesystem::path CacheOptions::default_directory() {
  if (const char* d = env("PIXELCACHE_CACHE_DIR")) return d;
  if (const char* x = env("XDG_CACHE_HOME")) return std::filesystem::path(x) / "pixelcache";
  const char* home = env("HOME");
  if (!home) {
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir && *pw->pw_dir) home = pw->pw_dir;
  }
  if (!home)
    throw CacheError(
        "cannot choose a cache directory: PIXELCACHE_CACHE_DIR, XDG_CACHE_HOME and HOME are unset and the user has "
        "no home directory");
  return std::filesystem::path(home) / ".cache" / "pixelcache";
}

CacheOptions CacheOptions::from_environment() {
  CacheOptions o;
  o.disk_path = default_directory();
  if (const char* url = env("PIXELCACHE_REDIS_URL")) o.redis_url = url;
  if (const char* key = env("PIXELCACHE_CACHE_KEY")) o.secret = key;
  return o;
}

const char* tier_name(TierKind tier) noexcept {
  switch (tier) {
    case TierKind::Memory: return "memory";
    case TierKind::Disk: return "disk";
    case TierKind::Redis: return "redis";
  }
  return "?";
}

const char* origin_name(Origin origin) noexcept {
  switch (origin) {
    case Origin::Memory: return "memory";
    case Origin::Disk: return "disk";
    case Origin::Redis: return "redis";
    case Origin::Computed: return "computed";
    case Origin::Joined: return "joined";
  }
  return "?";
}

std::optional<TierStats> CacheStats::tier(TierKind t) const {
  for (const auto& s : tiers)
    if (s.tier == t) return s;
  return std::nullopt;
}

std::uint64_t VerifyReport::corrupt() const noexcept {
  std::uint64_t n = 0;
  for (const auto& t : tiers) n += t.corrupt + (t.set_aside ? 1 : 0);
  return n;
}

}  // namespace pixelcache
