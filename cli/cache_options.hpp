// The cache options of `pixelcache run` and `pixelcache batch` (--cache[=DIR],
// --cache-max-bytes N) and how the command line opens a Cache (cache.hpp).
//
// The command line's cache has no memory tier (a process writes each output
// once); its disk tier is DIR, or CacheOptions::from_environment()'s
// directory ($PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else
// ~/.cache/pixelcache); its Redis tier is $PIXELCACHE_REDIS_URL when set.
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

  /// The options: from_environment() with `dir` and `max_bytes` applied and
  /// the memory tier off. Throws CacheError when no directory is given and
  /// none can be determined.
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
  /// The opened cache, or nullptr without --cache (see CacheArgs::open).
  std::unique_ptr<Cache> open() const;
};

/// Registers --cache[=DIR] and --cache-max-bytes N (sizes as 500M, 4G, ...)
/// on `cmd`. `what` is the first sentence of --cache's help (what is looked
/// up); empty: the outputs of run / batch.
void add_cache_options(CLI::App& cmd, CacheSwitch& cache, std::string_view what = {});

/// `bytes` for people: "0 B", "512 B", "1.5 KiB", "3.2 MiB", "4.0 GiB".
std::string human_bytes(std::uint64_t bytes);

}  // namespace pixelcache::cli
