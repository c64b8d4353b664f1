// The cache options of `pixelcache run`, `batch` and `dups` (--cache[=DIR],
// --cache-max-bytes N, --cache-tier SPEC) and how the command line opens a
// Cache (cache.hpp).
//
// The command line's cache has no memory tier (a process writes each output
// once); its disk tier is DIR, or CacheOptions::from_environment()'s
// directory ($PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else
// ~/.cache/pixelcache); its Redis tier is $PIXELCACHE_REDIS_URL when set;
// $PIXELCACHE_CACHE_TIERS replaces both. --cache-tier SPEC (repeatable;
// tier_spec.hpp) gives the tiers instead, a memory tier included if asked
// for; --cache=DIR and --cache-max-bytes then still set the disk tier. The
// environment is read by the library (cache_environment()).
//
// Thread safety: plain values and functions; the Cache returned is
// thread-safe (cache.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/cache.hpp"

namespace pixelcache::cli {

/// Where and how big the command line's cache is.
struct CacheArgs {
  /// The disk tier's directory; empty = the default directory.
  std::string dir;
  /// The namespace (CacheOptions::key_namespace); empty = "default".
  std::string key_namespace;
  /// Bound of the disk tier in bytes (CacheOptions::disk_bytes); nullopt:
  /// the store's own.
  std::optional<std::uint64_t> max_bytes;
  /// Tier specs (--cache-tier); empty: the environment's tiers.
  std::vector<std::string> tiers;

  /// The options: CacheOptions::from_specs(tiers) with the environment's
  /// secret, or from_environment() with the memory tier off; then `dir` and
  /// `max_bytes` applied. Throws CacheError when no directory is given and
  /// none can be determined, InvalidArgument for a bad spec.
  CacheOptions options() const;
  /// Opens the cache and prints its notices. Throws CacheError naming the
  /// directory when it cannot be used, InvalidArgument for a malformed
  /// $PIXELCACHE_REDIS_URL.
  std::unique_ptr<Cache> open() const;
};

/// Prints the cache's notices (Cache::take_notices()) to stderr, each as
/// "pixelcache: note: ...".
void print_notices(Cache& cache);

/// The cache options of run / batch as parsed.
struct CacheSwitch {
  /// The value of --cache: empty when it was not given, kDefaultDir for a
  /// bare --cache (CLI11 gives a bare flag the value "true"), else DIR.
  std::string flag;
  CacheArgs args;
  static constexpr const char* kDefaultDir = "true";
  /// The opened cache, or nullptr without --cache and --cache-tier (see
  /// CacheArgs::open).
  std::unique_ptr<Cache> open() const;
};

/// Registers --cache[=DIR], --cache-max-bytes N (sizes as 500M, 4G, ...)
/// and --cache-tier SPEC on `cmd`. `what` is the first sentence of --cache's help (what is looked
/// up); empty: the outputs of run / batch.
void add_cache_options(CLI::App& cmd, CacheSwitch& cache, std::string_view what = {});

/// `bytes` for people: "0 B", "512 B", "1.5 KiB", "3.2 MiB", "4.0 GiB".
std::string human_bytes(std::uint64_t bytes);

/// Registers --cache-tier SPEC (repeatable) on `cmd`, appending to `tiers`.
void add_cache_tier_option(CLI::App& cmd, std::vector<std::string>& tiers);

}  // namespace pixelcache::cli
