// pixelcache/cache/options.hpp — CacheOptions, how a Cache is made (tiers,
// bounds, Redis URL and time-outs, compression, signing secret), where it
// finds its defaults, the tiers as specs (tier_spec.hpp), and the disk bound
// constants (part of pixelcache/cache.hpp).
//
// Thread safety: CacheOptions is a plain value (concurrent reads of one object
// are safe; a write needs the object to itself). from_environment() and
// default_directory() read environment variables (through
// cache_environment(), environment.hpp) and the password database: safe from
// any thread, but not while another thread changes the environment (setenv,
// putenv). add_tier() and from_specs() read the tier registry, which may be
// extended concurrently. disk_store_file() keeps no state.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/cache/entry_format.hpp"
#include "pixelcache/cache/stats.hpp"

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
  /// First part of the Redis keys: "<redis_prefix>:<namespace>:<hex key>";
  /// 1..64 letters, digits, '_', '-' or '.' (else InvalidArgument when the
  /// Cache is made).
  std::string redis_prefix = "pixelcache";
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
  /// Tiers of schemes registered besides the built-in ones, as specs
  /// (tier_spec.hpp), stacked below the built-in tiers in this order.
  std::vector<std::string> extra_tiers;

  /// Sets the tier `spec` names (tier_spec.hpp): a built-in tier's spec sets
  /// its fields (memory_bytes; disk_path and disk_bytes; redis_url,
  /// redis_prefix, redis_ttl and the time-outs; query parameters left out
  /// keep their values), replacing what was there;
  /// another registered scheme's spec is checked and appended to
  /// extra_tiers. Throws InvalidArgument naming the spec and what is wrong
  /// (an unknown scheme, a bad size, a malformed URL or parameter).
  void add_tier(std::string_view spec);
  /// Options with every tier off, then add_tier() of each spec in order;
  /// the other fields keep their defaults. Throws as add_tier().
  static CacheOptions from_specs(const std::vector<std::string>& specs);
  /// The specs of the enabled tiers, top first (memory, disk, Redis, then
  /// extra_tiers); add_tier() of each on from_specs({}) gives these tiers
  /// back. A Redis spec holds the password, if any: show it through
  /// printable_tier_spec().
  std::vector<std::string> tier_specs() const;
  /// The spec of built-in tier `tier` (memory, disk or Redis), or an empty
  /// string when that tier is off.
  std::string tier_spec(TierKind tier) const;

  /// The defaults, with the disk tier in default_directory(), the Redis
  /// tier at $PIXELCACHE_REDIS_URL when that is set and not empty, and the
  /// secret from $PIXELCACHE_CACHE_KEY. When $PIXELCACHE_CACHE_TIERS is set
  /// (specs separated by commas), its tiers replace the disk and Redis
  /// tiers: add_tier() of each on CacheOptions{} (so the memory tier keeps
  /// its default bound unless a memory: spec is given; memory:0 turns it
  /// off). Throws CacheError when no
  /// directory can be determined (no variable set and no home directory),
  /// InvalidArgument naming PIXELCACHE_CACHE_TIERS for a bad spec in it.
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
