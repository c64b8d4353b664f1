// pixelcache/cache/environment.hpp — the environment variables the cache
// reads, read in one place (part of pixelcache/cache.hpp). The command line
// and the Python package take them from here.
//
// Thread safety: cache_environment() reads the environment each call: safe
// from any thread, but not while another thread changes the environment
// (setenv, putenv).
#pragma once

#include <string>
#include <vector>

namespace pixelcache {

/// The variables, each empty when unset or empty.
struct CacheEnvironment {
  std::string cache_dir;       ///< $PIXELCACHE_CACHE_DIR: the disk tier's directory
  std::string xdg_cache_home;  ///< $XDG_CACHE_HOME: the directory is its pixelcache/
  std::string home;            ///< $HOME: else ~/.cache/pixelcache
  std::string redis_url;       ///< $PIXELCACHE_REDIS_URL: the Redis tier
  std::string cache_key;       ///< $PIXELCACHE_CACHE_KEY: CacheOptions::secret
  std::string cache_tiers;     ///< $PIXELCACHE_CACHE_TIERS: the tiers as specs, separated by commas

  /// cache_tiers cut at its commas (empty pieces dropped); a spec holding a
  /// comma cannot be given there.
  std::vector<std::string> tier_specs() const;
};

/// The variables as they are now.
CacheEnvironment cache_environment();

}  // namespace pixelcache
