// pixelcache/cache/stats.hpp — what a Cache reports about itself: TierKind,
// per-tier and store counters (TierStats, StoreTotals, CacheStats), entry
// listings (EntryInfo), verify() and trim() reports, and Origin (part of
// pixelcache/cache.hpp).
//
// Thread safety: these are plain values, snapshots taken when the Cache call
// returned (concurrent reads of one object are safe; a write needs the object
// to itself). tier_name() and origin_name() may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pixelcache/cache/entry.hpp"
#include "pixelcache/digest.hpp"

namespace pixelcache {

/// The tiers, top to bottom. Other: a tier of a scheme registered besides
/// the built-in ones (its name is its scheme: TierStats::name, TierInfo).
enum class TierKind : std::uint8_t { Memory, Disk, Redis, Other };
/// "memory", "disk", "redis" or "other".
const char* tier_name(TierKind tier) noexcept;

/// Counters a disk store keeps in itself, summed over every process that
/// used it since it was created (clear() and trim() keep them). Reads are
/// added by the next write transaction of their process (a put, a flush of
/// recent reads — every 256 hits or 2 s — or closing the Cache), so a process
/// killed with -9 loses its last reads' counts.
struct StoreTotals {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t writes = 0;     ///< entries stored (puts and promotions)
  std::uint64_t evictions = 0;  ///< entries evicted for the bound or by trim()
  std::uint64_t corrupt = 0;    ///< corrupt entries found and dropped (reads and verify())
};

/// Counters of one tier. hits ... errors count the calls of this Cache
/// object since it was made; entries / bytes describe the store itself (for
/// the disk tier: every process's entries).
struct TierStats {
  TierKind tier = TierKind::Memory;
  /// tier_name(tier) for the built-in tiers, the scheme for another one.
  std::string name;
  /// False while the tier waits out its back-off after an error.
  bool available = true;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t writes = 0;     ///< entries written (puts and promotions)
  std::uint64_t evictions = 0;  ///< entries evicted by this object to respect the bound
  std::uint64_t corrupt = 0;    ///< corrupt entries found (and dropped)
  std::uint64_t errors = 0;     ///< failed operations (tier down, disk full, time-outs)
  /// Stored entries and their bytes, where the tier knows them cheaply
  /// (memory, disk); empty for Redis (use Cache::for_each_entry to count).
  std::optional<std::uint64_t> entries;
  std::optional<std::uint64_t> bytes;
  std::uint64_t max_bytes = 0;  ///< the bound; 0 when the tier has none (Redis)
  /// The store's own lifetime counters (disk tier; this process's reads
  /// included); empty for memory and Redis.
  std::optional<StoreTotals> totals;
};

/// Statistics of a Cache.
struct CacheStats {
  std::vector<TierStats> tiers;  ///< the enabled tiers, top first
  std::uint64_t computed = 0;    ///< get_or_compute() calls that ran the function
  std::uint64_t joined = 0;      ///< get_or_compute() calls that waited for another thread's run
  /// The stats of `tier`, or nullopt when it is not enabled.
  std::optional<TierStats> tier(TierKind tier) const;
};

/// One stored entry, as listed by Cache::for_each_entry().
struct EntryInfo {
  Digest key;
  std::string key_namespace;  ///< the namespace it is stored under
  EntryKind kind = EntryKind::Bytes;
  std::string tag;
  std::uint64_t bytes = 0;  ///< stored size (memory tier: Entry::byte_size())
  bool compressed = false;
};

/// Result of Cache::verify(), per tier with a store (disk, Redis).
struct VerifyReport {
  struct Tier {
    TierKind tier = TierKind::Disk;
    std::string name;           ///< as TierStats::name
    std::uint64_t checked = 0;  ///< entries read
    std::uint64_t ok = 0;       ///< entries that passed every check
    std::uint64_t corrupt = 0;  ///< entries that failed and were dropped
    bool complete = true;       ///< false when the tier failed during the pass
    /// Disk: the store's structure was damaged; the store was set aside
    /// (renamed *.broken-*) and replaced by an empty one.
    bool set_aside = false;
    std::string problem;  ///< what was wrong with a store set aside
  };
  std::vector<Tier> tiers;
  /// Sum of corrupt over the tiers, plus one per store set aside.
  std::uint64_t corrupt() const noexcept;
};

/// Result of Cache::trim().
struct TrimReport {
  std::uint64_t evicted_entries = 0;
  std::uint64_t evicted_bytes = 0;
  std::uint64_t entries = 0;  ///< left in the disk store
  std::uint64_t bytes = 0;
  bool ok = true;  ///< false when there is no usable disk tier
};

/// Where get_or_compute() found its result.
enum class Origin : std::uint8_t {
  Memory,    ///< memory tier hit
  Disk,      ///< disk tier hit
  Redis,     ///< Redis tier hit
  Computed,  ///< this call ran the function
  Joined,    ///< another thread was computing the same key; this call waited for it
  Other,     ///< a hit in a tier of another registered scheme (TierKind::Other)
};
/// "memory", "disk", "redis", "computed", "joined" or "other".
const char* origin_name(Origin origin) noexcept;

}  // namespace pixelcache
