// Internal: the Redis tier (hiredis), and Redis URL parsing.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cache/store_tier.hpp"

struct redisContext;

namespace pixelcache::cache_detail {

/// A parsed Redis URL: "redis://[[user]:password@]host[:port][/db]" or
/// "unix:///path[?db=N]".
struct RedisUrl {
  bool unix_socket = false;
  std::string host;  ///< without IPv6 brackets
  int port = 6379;
  std::string path;  ///< unix socket path
  std::string user, password;
  int db = 0;
  /// Throws InvalidArgument naming the (escaped, password-free) URL and the
  /// problem; rediss:// is refused (no TLS in hiredis 0.14).
  static RedisUrl parse(std::string_view url);
  /// For messages: host:port or the socket path, and the db.
  std::string describe() const;
};

class RedisTier final : public StoreTier {
 public:
  /// Keys are "<key_prefix>:<namespace>:" + the key's 32 hex digits;
  /// entries are checked against `binding`. Does not connect yet.
  RedisTier(RedisUrl url, TierBinding binding, std::chrono::seconds ttl, std::chrono::milliseconds connect_timeout,
            std::chrono::milliseconds command_timeout, const std::string& key_prefix = "pixelcache");
  ~RedisTier() override;

  TierKind kind() const noexcept override { return TierKind::Redis; }
  Lookup get(const Digest& key) override;
  void put(const Digest& key, const EncodedEntry& entry) override;
  bool contains(const Digest& key) override;
  bool erase(const Digest& key) override;
  void clear() override;
  void for_each(const std::function<bool(const EntryInfo&)>& visit) override;
  VerifyCounts verify() override;

  struct Conn;

 private:
  std::string key_of(const Digest& d) const { return prefix_ + d.hex(); }
  /// An idle connection, or a new one (throws TierFailure).
  Conn acquire();
  /// Calls `visit` with every key of this namespace (SCAN), in batches.
  void scan(const std::function<bool(const std::vector<std::string>&)>& visit);
  /// Reads the server's largest value (proto-max-bulk-len) once.
  void learn_value_limit(Conn& conn);

  RedisUrl url_;
  TierBinding binding_;
  std::string prefix_;
  /// Largest value the server accepts: Redis's default 512 MiB until the
  /// server says otherwise.
  std::atomic<std::uint64_t> max_value_{std::uint64_t{512} << 20};
  std::atomic<bool> limit_known_{false};
  std::chrono::seconds ttl_;
  std::chrono::milliseconds connect_timeout_, command_timeout_;
  std::mutex mu_;
  std::vector<redisContext*> idle_;
  std::uint64_t generation_;
};

}  // namespace pixelcache::cache_detail
