// Internal: the interface of the stored tiers (disk, Redis) behind a Cache,
// their failure type, and fork detection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "cache/entry_format.hpp"
#include "pixelcache/cache.hpp"

namespace pixelcache::cache_detail {

/// An environmental failure of a tier: I/O error, server down, time-out,
/// store full. Cache catches it, counts it and backs the tier off.
/// `writes_only` failures (disk full, store full) back off writes and leave
/// reads on.
class TierFailure : public std::runtime_error {
 public:
  explicit TierFailure(const std::string& what, bool writes_only = false)
      : std::runtime_error(what), writes_only_(writes_only) {}
  bool writes_only() const noexcept { return writes_only_; }

 private:
  bool writes_only_;
};

/// Starts at 0 and increases in the child after each fork(); a tier holding
/// process-bound resources (an LMDB environment, sockets) reopens them when
/// it sees a new value.
std::uint64_t fork_generation() noexcept;

/// A tier's answer to get().
struct Lookup {
  std::optional<Entry> entry;  ///< the verified entry on a hit
  bool corrupt = false;        ///< an entry was there, failed its checks and was dropped
  /// The verified encoded entry, when the tier had it in one piece that
  /// outlives the call (Redis replies), for promotion without re-encoding.
  std::span<const std::uint8_t> raw;
  std::shared_ptr<const void> raw_owner;
};

struct VerifyCounts {
  std::uint64_t checked = 0, ok = 0, corrupt = 0;
  bool set_aside = false;  ///< the store's structure was damaged: set aside, replaced
  std::string problem;     ///< why it was set aside
};

/// What a stored tier checks entries against: the namespace it reads and
/// writes, and the key that signs and verifies Code entries (none: such
/// entries are neither stored nor returned by the tier).
struct TierBinding {
  std::string key_namespace;
  std::optional<std::vector<std::uint8_t>> signing_key;

  /// The signing key as bytes (empty when there is none).
  std::span<const std::uint8_t> key_bytes() const noexcept {
    return signing_key ? std::span<const std::uint8_t>(*signing_key) : std::span<const std::uint8_t>();
  }
};

/// A tier that stores encoded entries. Every function may throw
/// TierFailure (or another std::exception) for environmental failures;
/// get() drops corrupt entries itself and says so in Lookup::corrupt.
class StoreTier {
 public:
  virtual ~StoreTier() = default;
  virtual TierKind kind() const noexcept = 0;
  virtual Lookup get(const Digest& key) = 0;
  virtual void put(const Digest& key, const EncodedEntry& entry) = 0;
  virtual bool contains(const Digest& key) = 0;
  virtual bool erase(const Digest& key) = 0;
  virtual void clear() = 0;
  virtual void for_each(const std::function<bool(const EntryInfo&)>& visit) = 0;
  virtual VerifyCounts verify() = 0;
  /// (entries, bytes) when the tier knows them cheaply.
  virtual std::optional<std::pair<std::uint64_t, std::uint64_t>> size() { return std::nullopt; }
  virtual std::uint64_t max_bytes() const noexcept { return 0; }
  /// The counters the store keeps for all its users, when it keeps them.
  virtual std::optional<StoreTotals> totals() { return std::nullopt; }
  /// Entries this object evicted to respect its bound.
  virtual std::uint64_t evictions() const noexcept { return 0; }
  /// Messages for the user since the last call (Cache::take_notices()).
  virtual std::vector<std::string> take_notices() { return {}; }
};

/// EntryInfo from the start of an encoded entry of `total` bytes (its key
/// and namespace as the entry states them), or nullopt when its header is
/// unreadable.
std::optional<EntryInfo> entry_info(std::span<const std::uint8_t> head, std::uint64_t total);

}  // namespace pixelcache::cache_detail
