// pixelcache/cache/cache.hpp — class Cache: memory, disk (LMDB) and Redis
// tiers stacked behind one object, keyed by 128-bit digests (part of
// pixelcache/cache.hpp).
//
// A Cache holds results — images, Value trees (value.hpp) and byte strings —
// under 128-bit keys (Digest). Keys for function results are derived from
// (namespace, function name, user version, the arguments' digests) by
// CacheKey; memoize() wraps a function so it only runs on a miss.
//
// Tiers, top to bottom (each optional; a size of 0 or an empty path / URL
// turns it off):
//   memory  an LRU of decoded results in this process, bounded in bytes;
//           a hit returns the stored handle (O(1), images share storage).
//   disk    an LMDB store in a directory, bounded in bytes with
//           least-recently-used eviction; many processes may use one
//           directory at once; survives restarts and kill -9.
//   redis   a Redis server (hiredis): keys "pixelcache:<namespace>:<hex key>"
//           (another prefix by CacheOptions::redis_prefix), optional TTL,
//           connect and command time-outs, reconnects.
//   others  tiers of schemes registered by the program
//           (CacheOptions::extra_tiers), in the order given.
// Each tier is named by one spec string (tier_spec.hpp): memory:256MiB,
// lmdb:DIR?max=4GiB, redis://host:6379/0?ttl=60; Cache::tiers() lists them.
// get() looks in each tier in order and copies a hit into every tier above
// it (read-through). put() writes to every tier. A tier that fails (Redis
// down or slow, disk full, store full) is counted in stats() and skipped;
// after `retry_backoff` (doubling per consecutive failure, at most 32x) it is
// tried again. The result of a call never depends on a tier being up: a
// failing tier makes a hit a miss, never an error.
//
// Integrity: every stored entry carries a format version, the namespace and
// key it is stored under, a checksum over both and its header, and the
// digest of its contents, all checked on every read from disk or Redis. An
// entry that fails any check — damaged, truncated, or stored under another
// key or namespace (a swapped or copied value, a damaged index) — is
// dropped, counted (stats().corrupt) and treated as a miss, so memoize()
// recomputes it; it is never returned.
//
// Trust: entries whose content runs code when a front loads it (kind Code:
// the Python front's pickles) are signed with HMAC-SHA256 under a key the
// user holds, and refused from any tier without a valid signature. The disk
// tier's key is CacheOptions::secret, else a random key the store keeps in
// a 0600 file beside it (so local use needs no set-up); the Redis tier's is
// CacheOptions::secret only (PIXELCACHE_CACHE_KEY): without one, the Redis
// tier neither stores nor returns Code entries. Images, Values and Bytes load
// without running code and need no key. Every decompression is bounded by
// the size the header declares, by the image limits, and by 1024 bytes out
// per stored byte beyond 64 MiB.
//
// Disk store layout (for tools; readers need only the entries database):
// <dir>/pixelcache-v2.mdb (+ "-lock"), an LMDB environment opened with
// MDB_NOSUBDIR, with named databases "entries" (store key -> entry, where
// the store key is the 16-byte key in Digest::hex() byte order followed by
// the namespace bytes), "info" (store key -> uint64 tick, uint64 cost),
// "lru" (uint64 tick big-endian + store key -> empty) and "meta" ("bytes",
// "entries", "tick", "max_bytes" (the store's bound), and the lifetime
// counters "hits", "misses", "writes", "evictions", "corrupt" -> uint64; see
// StoreTotals). <dir>/pixelcache-v2.key holds the store's signing key (32
// bytes, mode 0600). A damaged store file (truncated, overwritten, garbage
// pages) is found when a process opens the store, and by verify(): its
// structure is checked before LMDB reads it, and a damaged file is renamed
// <file>.broken-<unix ns> and replaced by an empty store.
//
// Thread safety: a Cache may be used from any number of threads at once; all
// its functions are safe to call concurrently and block only on their own
// I/O (callers such as the Python bindings may release their own locks
// around them). Entry, Bytes, CacheKey results and the option / statistics
// structs are plain values. After fork(), a Cache inherited by the child
// reopens its LMDB store and Redis connections on first use (neither may be
// shared across fork); forking while another thread is inside a Cache call
// is not supported.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pixelcache/cache/bytes.hpp"
#include "pixelcache/cache/entry.hpp"
#include "pixelcache/cache/options.hpp"
#include "pixelcache/cache/stats.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

/// One enabled tier of a Cache, as Cache::tiers() lists it.
struct TierInfo {
  TierKind kind = TierKind::Memory;
  /// tier_name(kind) for the built-in tiers, the scheme for another one.
  std::string name;
  /// Its spec (tier_spec.hpp), password included.
  std::string spec;
};

/// A stack of cache tiers (see the file comment). Not copyable; share it by
/// reference or shared_ptr. Thread-safe.
class Cache {
 public:
  /// Opens the tiers (the built-in ones and extra_tiers, through the tier
  /// registry). Throws InvalidArgument for a bad namespace, a disk
  /// bound above kMaxDiskBytes, a malformed Redis URL (also rediss://) or
  /// prefix, an extra tier of an unknown scheme or with a malformed spec,
  /// CacheError for an unusable disk directory (a file, not creatable, not
  /// writable). A damaged store is set aside and replaced (take_notices()
  /// says so). An unreachable Redis server is not an error: the tier starts
  /// in back-off.
  explicit Cache(CacheOptions options);
  /// Opens CacheOptions::from_environment().
  Cache();
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  const CacheOptions& options() const noexcept;
  /// True when `tier` is enabled.
  bool has_tier(TierKind tier) const noexcept;
  /// The enabled tiers, top first, with their specs.
  const std::vector<TierInfo>& tiers() const noexcept;

  /// The entry under `key`, looked up tier by tier and copied into the tiers
  /// above the one that had it; nullopt on a miss. `found_in`, when given,
  /// receives the tier of the hit. Never throws for tier failures.
  std::optional<Entry> get(const Digest& key, TierKind* found_in = nullptr);
  /// get() for an entry that must be an image: nullopt on a miss; throws
  /// InvalidArgument when the entry holds another kind.
  std::optional<Image> get_image(const Digest& key);
  /// get() for a Value entry (throws InvalidArgument for another kind).
  std::optional<Value> get_value(const Digest& key);
  /// get() for a bytes entry (throws InvalidArgument for another kind).
  std::optional<Bytes> get_bytes(const Digest& key);

  /// Stores `entry` under `key` in every tier (replacing what was there).
  /// An entry larger than a tier's bound is not stored in that tier.
  void put(const Digest& key, const Entry& entry);
  /// True when some tier holds `key` (no checksum check, no promotion).
  bool contains(const Digest& key);
  /// Removes `key` from every tier; true when some tier had it.
  bool erase(const Digest& key);
  /// Removes every entry: the memory tier, the whole disk store, and the
  /// Redis keys of this namespace. True when every enabled tier was cleared.
  bool clear();

  /// The result under `key`, or `compute()`'s result, stored under `key`.
  /// Concurrent calls for one key in this process run `compute` once: the
  /// others wait and share its result (or its exception, rethrown in each).
  /// `compute` runs on the calling thread without any Cache lock held; it
  /// must not call get_or_compute() for the same key (InvalidArgument).
  struct Fetched {
    Entry entry;
    Origin origin;
    /// memory_generation() as read while the memory tier held `entry` under
    /// `key` (after the hit, promotion or store); nullopt when it did not
    /// hold it (no memory tier, an entry larger than its bound, a Joined
    /// call).
    std::optional<std::uint64_t> memory_generation;
  };
  Fetched get_or_compute(const Digest& key, const std::function<Entry()>& compute);

  /// A counter that moves on whenever an entry leaves the memory tier or is
  /// replaced in it — erase(), clear(), trim() (conservatively), put() over
  /// a stored key, eviction for the byte bound — and stays when entries are
  /// only added or read. So while it still has the value that
  /// Fetched::memory_generation reported, the memory tier still holds that
  /// entry unchanged and get() of its key returns it: an in-process front of
  /// decoded results (the Python memoize) keeps them tagged with it and
  /// drops them all when it moves. 0 without a memory tier. Lock-free.
  std::uint64_t memory_generation() const noexcept;
  /// Adds `n` to the memory tier's hits in stats(): hits such a front served
  /// from what the memory tier holds. Nothing without a memory tier.
  /// Lock-free.
  void count_memory_hits(std::uint64_t n) noexcept;

  /// Counters and sizes per tier.
  CacheStats stats() const;
  /// Makes `max_bytes` the disk store's bound (recorded in the store, for
  /// every process that uses it) and evicts least-recently-used entries
  /// until the store holds at most that. Throws InvalidArgument above
  /// kMaxDiskBytes.
  TrimReport trim(std::uint64_t max_bytes);
  /// Checks the disk store's structure, then reads every disk and Redis
  /// entry of every namespace and checks it completely (header, address,
  /// checksum, signature, body digest, contents); corrupt entries are
  /// dropped. A store whose structure is damaged is set aside and replaced
  /// (VerifyReport::Tier::set_aside).
  VerifyReport verify();
  /// Calls `visit` for each entry of `tier` stored under this Cache's
  /// namespace until it returns false. Entries whose header is unreadable
  /// are skipped (verify() finds them). `visit` must not call this Cache.
  /// Nothing happens for a disabled or failing tier (the failure is counted).
  void for_each_entry(TierKind tier, const std::function<bool(const EntryInfo&)>& visit);
  /// Writes what the disk tier keeps in memory between write transactions —
  /// the recency of recent reads and their hit / miss counts — to the store
  /// now (it is also written every 256 reads or 2 s, by the next put, and
  /// when the Cache is destroyed). Call it before a process ends without
  /// running destructors (the Python front does, also in multiprocessing
  /// and DataLoader workers). Never throws for tier failures.
  void flush();
  /// Messages for the user gathered since the last call (each said once):
  /// a damaged store set aside, a disk bound other than the one asked for,
  /// a tier that became unavailable and why. The CLI prints them; the
  /// Python front turns them into warnings.
  std::vector<std::string> take_notices();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pixelcache
