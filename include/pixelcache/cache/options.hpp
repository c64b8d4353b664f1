// pixelcache/cache/options.hpp — CacheOptions, how a Cache is made (tiers,
// bounds, Redis URL and time-outs, compression, signing secret), where it
// finds its defaults, and the disk bound constants (part of
// pixelcache/cache.hpp).
//
// Thread safety: CacheOptions is a plain value (concurrent reads of one object
// are safe; a write needs the object to itself). from_environment() and
// default_directory() read environment variables (and the password
// database): safe from any thread, but not while another thread changes the
// environment (setenv, putenv). disk_store_file() keeps no state.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "pixelcache/cache/entry_format.hpp"

namespace pixelcache {

/// How a Cache is made. Sizes in bytes; a size of 0, an empty disk path or an
/// empty Redis URL turns that tier off.
struct CacheOptions {
  /// Separates users of one Redis server (key prefix) and is part of every
  /// memoize() key. 1..256 bytes, no control characters.
  std::string key_namespace = "default";
  /// Memory tier bound (decoded results); 0 = no memory tier.
  std::uint64_t memory_bytes = std::uint64_t{256} << 20;
  /// Disk tier directory (created if missing); empty = no disk tier.
  std::filesystem::path disk_path;
  /// Disk tier bound on the stored entries' bytes, at most kMaxDiskBytes.
  /// The bound belongs to the store and is recorded in it: nullopt (the
  /// default) takes the store's bound, or kDefaultDiskBytes for a new store;
  /// a value is the bound of a new store, and for an existing store with
  /// another bound the store's stays and take_notices() says so (trim()
  /// changes it). 0 = no disk tier. The store file never grows beyond 1.5 x
  /// the bound + 4 MiB (LMDB reuses freed pages rather than shrinking the
  /// file).
  std::optional<std::uint64_t> disk_bytes;
  /// "redis://[[user]:password@]host[:port][/db]" or "unix:///path[?db=N]";
  /// empty = no Redis tier. TLS (rediss://) is not supported.
  std::string redis_url;
  /// Expiry of Redis entries; 0 = none (the server's own eviction applies).
  std::chrono::seconds redis_ttl{0};
  /// Redis connect time-out.
  std::chrono::milliseconds connect_timeout{500};
  /// Redis time-out for one command (send and reply).
  std::chrono::milliseconds command_timeout{2000};
  /// Wait before a failed tier is tried again; doubles per consecutive
  /// failure up to 32x.
  std::chrono::milliseconds retry_backoff{1000};
  /// Compression of stored entries (disk and Redis).
  Compression compression = Compression::Auto;
  /// Key that signs Code entries (HMAC-SHA256; any length, 16+ random bytes
  /// advised). Empty: the disk tier uses its own key file
  /// (<dir>/pixelcache-v2.key, made on first use, mode 0600) and the Redis
  /// tier neither stores nor returns Code entries.
  std::string secret;

  /// The defaults, with the disk tier in default_directory(), the Redis
  /// tier at $PIXELCACHE_REDIS_URL when that is set and not empty, and the
  /// secret from $PIXELCACHE_CACHE_KEY. Throws
  /// CacheError when no directory can be determined (no variable set and no
  /// home directory).
  static CacheOptions from_environment();
  /// $PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else
  /// ~/.cache/pixelcache ($HOME, else the password database). Empty
  /// variables count as unset. Throws CacheError when none applies.
  static std::filesystem::path default_directory();
};

/// The disk store's file in cache directory `dir` (pixelcache-v2.mdb; its
/// lock file is this + "-lock", its signing key pixelcache-v2.key).
std::filesystem::path disk_store_file(const std::filesystem::path& dir);

/// Bound of a new disk store when CacheOptions::disk_bytes is not given:
/// 1 GiB (diskcache's default), so a cache nobody configured stays modest.
inline constexpr std::uint64_t kDefaultDiskBytes = std::uint64_t{1} << 30;
/// Largest disk bound accepted, 16 TiB.
inline constexpr std::uint64_t kMaxDiskBytes = std::uint64_t{1} << 44;

}  // namespace pixelcache
