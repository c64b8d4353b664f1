// Internal: the disk tier, an LMDB store bounded in bytes with
// least-recently-used eviction (layout in cache.hpp).
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>

#include "cache/store_tier.hpp"

namespace pixelcache::cache_detail {

struct LmdbEnv;

class DiskTier final : public StoreTier {
 public:
  /// Opens (creating as needed) the store in `dir`. Throws CacheError for a
  /// directory that is a file, cannot be created or is not writable, or a
  /// store LMDB cannot open.
  DiskTier(const std::filesystem::path& dir, std::uint64_t max_bytes);
  ~DiskTier() override;

  TierKind kind() const noexcept override { return TierKind::Disk; }
  Lookup get(const Digest& key) override;
  void put(const Digest& key, const EncodedEntry& entry) override;
  bool contains(const Digest& key) override;
  bool erase(const Digest& key) override;
  void clear() override;
  void for_each(const std::function<bool(const EntryInfo&)>& visit) override;
  VerifyCounts verify() override;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> size() override;
  std::uint64_t max_bytes() const noexcept override { return max_bytes_; }
  std::uint64_t evictions() const noexcept override;

  /// Evicts least-recently-used entries until at most `max_bytes` remain.
  TrimReport trim(std::uint64_t max_bytes);
  /// Writes the pending least-recently-used updates of reads.
  void flush();

  /// The store file in `dir`.
  static std::filesystem::path store_file(const std::filesystem::path& dir);

 private:
  std::shared_ptr<LmdbEnv> env();

  std::filesystem::path file_;
  std::uint64_t max_bytes_;
  std::uint64_t map_bytes_;
  std::mutex mu_;
  std::shared_ptr<LmdbEnv> env_;
  std::atomic<std::uint64_t> evictions_{0};
};

}  // namespace pixelcache::cache_detail
