// Internal: the memory tier, an LRU of decoded entries bounded in bytes.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "pixelcache/cache.hpp"

namespace pixelcache::cache_detail {

struct DigestHash {
  std::size_t operator()(const Digest& d) const noexcept { return d.fold(); }
};

/// Thread-safe. Entries cost Entry::byte_size() plus a fixed overhead; an
/// entry costing more than the bound is not stored.
class MemoryTier {
 public:
  explicit MemoryTier(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}

  /// The entry (and marks it most recently used), or nullopt.
  std::optional<Entry> get(const Digest& key);
  bool contains(const Digest& key) const;
  /// Stores (or replaces) `key`, evicting least recently used entries;
  /// returns false when the entry is larger than the bound.
  bool put(const Digest& key, const Entry& entry);
  bool erase(const Digest& key);
  void clear();

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
  const std::uint64_t max_bytes_;
};

}  // namespace pixelcache::cache_detail
