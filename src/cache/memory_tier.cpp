// The memory tier (memory_tier.hpp).
#include "cache/memory_tier.hpp"

namespace pixelcache::cache_detail {

namespace {
constexpr std::uint64_t kNodeOverhead = 128;  // list node, hash slot, key
}

std::optional<Entry> MemoryTier::get(const Digest& key, std::uint64_t* generation) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  if (generation) *generation = generation_.load(std::memory_order_relaxed);
  return it->second->entry;
}

bool MemoryTier::contains(const Digest& key) const {
  std::lock_guard lock(mu_);
  return index_.count(key) != 0;
}

bool MemoryTier::put(const Digest& key, const Entry& entry, std::uint64_t* generation) {
  const std::uint64_t cost = entry.byte_size() + kNodeOverhead;
  std::list<Node> dropped;  // freed after the lock is released
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      bytes_ -= it->second->cost;
      dropped.splice(dropped.end(), lru_, it->second);
      index_.erase(it);
      generation_.fetch_add(1, std::memory_order_release);
    }
    if (cost > max_bytes_) return false;
    while (bytes_ + cost > max_bytes_ && !lru_.empty()) {
      auto last = std::prev(lru_.end());
      bytes_ -= last->cost;
      index_.erase(last->key);
      dropped.splice(dropped.end(), lru_, last);
      ++evictions_;
      generation_.fetch_add(1, std::memory_order_release);
    }
    lru_.push_front(Node{key, entry, cost});
    index_[key] = lru_.begin();
    bytes_ += cost;
    if (generation) *generation = generation_.load(std::memory_order_relaxed);
  }
  return true;
}

bool MemoryTier::erase(const Digest& key) {
  std::list<Node> dropped;
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  bytes_ -= it->second->cost;
  dropped.splice(dropped.end(), lru_, it->second);
  index_.erase(it);
  generation_.fetch_add(1, std::memory_order_release);
  return true;
}

void MemoryTier::clear() {
  std::list<Node> dropped;
  std::lock_guard lock(mu_);
  dropped.swap(lru_);
  index_.clear();
  bytes_ = 0;
  generation_.fetch_add(1, std::memory_order_release);
}

std::uint64_t MemoryTier::entries() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

std::uint64_t MemoryTier::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::uint64_t MemoryTier::evictions() const {
  std::lock_guard lock(mu_);
  return evictions_;
}

std::vector<EntryInfo> MemoryTier::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<EntryInfo> out;
  out.reserve(lru_.size());
  for (const auto& n : lru_) out.push_back(EntryInfo{n.key, ns_, n.entry.kind(), n.entry.tag(), n.cost, false});
  return out;
}

}  // namespace pixelcache::cache_detail
