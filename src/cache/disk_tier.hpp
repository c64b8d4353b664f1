// Internal: the disk tier, an LMDB store bounded in bytes with
// least-recently-used eviction (layout in cache.hpp).
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/store_tier.hpp"

namespace pixelcache::cache_detail {

struct LmdbEnv;

class DiskTier final : public StoreTier {
 public:
  /// Opens (creating as needed) the store in `dir`, for entries of
  /// `binding.key_namespace`. `max_bytes`: the bound asked for (nullopt:
  /// the store's, or kDefaultDiskBytes for a new store); the store's
  /// recorded bound wins, with a notice when they differ. `secret`: the
  /// signing key of Code entries (empty: the store's key file). Throws
  /// CacheError for a directory that is a file, cannot be created or is not
  /// writable, or a store LMDB cannot open.
  DiskTier(const std::filesystem::path& dir, std::string key_namespace, std::optional<std::uint64_t> max_bytes,
           const std::string& secret);
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
  std::uint64_t max_bytes() const noexcept override { return max_bytes_.load(std::memory_order_relaxed); }
  std::optional<StoreTotals> totals() override;
  std::uint64_t evictions() const noexcept override;
  std::vector<std::string> take_notices() override;

  /// Makes `max_bytes` the store's bound and evicts least-recently-used
  /// entries until at most that remains.
  TrimReport trim(std::uint64_t max_bytes);
  /// Writes the pending least-recently-used updates of reads.
  void flush();

  /// The store file in `dir`, and the file of its signing key.
  static std::filesystem::path store_file(const std::filesystem::path& dir);
  static std::filesystem::path key_file(const std::filesystem::path& dir);
  /// Store files of earlier formats in `dir` (not read by this version).
  static std::vector<std::filesystem::path> legacy_files(const std::filesystem::path& dir);

 private:
  std::shared_ptr<LmdbEnv> env();
  /// Reads the store's bound, recording `asked` (or the default) in a new
  /// store; adds a notice when `asked` differs from a recorded bound.
  void adopt_bound(std::optional<std::uint64_t> asked);
  void notice(std::string message);
  /// Evicts down to `max_bytes`; with `record`, also makes it the store's bound.
  TrimReport evict(std::uint64_t max_bytes, bool record = false);
  /// Removes the entry and index records under a store key.
  bool erase_store_key(const std::string& store_key);

  std::filesystem::path dir_, file_;
  TierBinding binding_;
  std::atomic<std::uint64_t> max_bytes_;
  std::uint64_t map_bytes_;
  std::mutex mu_;
  std::shared_ptr<LmdbEnv> env_;
  std::atomic<std::uint64_t> evictions_{0};
  std::mutex notices_mu_;
  std::vector<std::string> notices_;
};

}  // namespace pixelcache::cache_detail
