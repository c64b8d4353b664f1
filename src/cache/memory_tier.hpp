// Internal: the memory tier, an LRU of decoded entries bounded in bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pixelcache/cache.hpp"

namespace pixelcache::cache_detail {

struct DigestHash {
  std::size_t operator()(const Digest& d) const noexcept { return d.fold(); }
};

/// Thread-safe. Entries cost Entry::byte_size() plus a fixed overhead; an
/// entry costing more than the bound is not stored.
///
/// The generation (Cache::memory_generation()) grows whenever an entry
/// leaves the tier or is replaced (erase, clear, eviction, put over a stored
/// key, invalidate()), never when one is only added; get() and put() report
/// it as read under the lock, while the entry was held.
class MemoryTier {
 public:
  /// `key_namespace`: the Cache's, reported by snapshot().
  MemoryTier(std::uint64_t max_bytes, std::string key_namespace)
      : max_bytes_(max_bytes), ns_(std::move(key_namespace)) {}

  /// The entry (and marks it most recently used), or nullopt; `generation`,
  /// when given, receives the generation on a hit.
  std::optional<Entry> get(const Digest& key, std::uint64_t* generation = nullptr);
  bool contains(const Digest& key) const;
  /// Stores (or replaces) `key`, evicting least recently used entries;
  /// returns false when the entry is larger than the bound. `generation`,
  /// when given, receives the generation after the store.
  bool put(const Digest& key, const Entry& entry, std::uint64_t* generation = nullptr);
  bool erase(const Digest& key);
  void clear();
  /// Moves the generation on without touching an entry.
  void invalidate() { generation_.fetch_add(1, std::memory_order_release); }
  /// The generation (lock-free).
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  std::uint64_t entries() const;
  std::uint64_t bytes() const;
  std::uint64_t max_bytes() const noexcept { return max_bytes_; }
  std::uint64_t evictions() const;
  /// A copy of the index, most recently used first.
  std::vector<EntryInfo> snapshot() const;

 private:
  struct Node {
    Digest key;
    Entry entry;
    std::uint64_t cost;
  };
  mutable std::mutex mu_;
  std::list<Node> lru_;  // front: most recently used
  std::unordered_map<Digest, std::list<Node>::iterator, DigestHash> index_;
  std::uint64_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
  std::atomic<std::uint64_t> generation_{0};  // changed under mu_ (or by invalidate())
  const std::uint64_t max_bytes_;
  const std::string ns_;
};

}  // namespace pixelcache::cache_detail
