// Internal to find_duplicates (dups.hpp): the per-file work and its cache
// entries (dups_files.cpp), and the worker pool (dups.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "pixelcache/dups.hpp"

namespace pixelcache::detail {

/// What every file's work shares.
struct DuplicateContext {
  DuplicateContext(const DuplicateOptions& o, Cache& c) : options(o), cache(c) {}
  const DuplicateOptions& options;
  Cache& cache;  ///< the caller's, or a memory-only one for this run
  std::atomic<std::size_t> hashes_computed{0}, hashes_from_cache{0};
  std::atomic<std::size_t> full_decodes{0}, digests_from_cache{0};
};

/// The cache key of a file's hash (dups.hpp, "Cache").
Digest image_hash_key(std::string_view key_namespace, const Digest& bytes_digest, const HashSpec& spec);
/// The cache key of a file's pixel digest (dups.hpp, "Cache").
Digest pixel_digest_key(std::string_view key_namespace, const Digest& bytes_digest);

/// Reads `f.path` (file or URL) and fills f.bytes_digest, f.hash and, when
/// the decode was full or the cache knew it, f.pixel_digest; ok, or the
/// error. Returns whether the hash came from the cache. Never throws.
bool hash_one(FileReport& f, DuplicateContext& ctx);
/// Fills f.pixel_digest from the cache or a full decode of `f.path`; on
/// failure f becomes failed with the error. Returns whether the digest came
/// from the cache. Never throws.
bool verify_one(FileReport& f, DuplicateContext& ctx);

}  // namespace pixelcache::detail
