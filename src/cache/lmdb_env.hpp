// Internal: one LMDB environment per store file and process, shared by every
// DiskTier on that file (LMDB forbids opening one file twice in a process),
// with transaction helpers.
#pragma once

#include <lmdb.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cache/lmdb_check.hpp"
#include "pixelcache/digest.hpp"

namespace pixelcache::cache_detail {

struct LmdbEnv {
  MDB_env* env = nullptr;
  MDB_dbi entries = 0;  ///< key -> encoded entry
  MDB_dbi info = 0;     ///< key -> u64 tick, u64 cost
  MDB_dbi lru = 0;      ///< u64 tick (big-endian) + key -> empty
  MDB_dbi meta = 0;     ///< "bytes" / "entries" / "tick" / lifetime counters -> u64
  std::uint64_t generation = 0;
  std::filesystem::path file;
  std::uint64_t map_bytes = 0;
  /// Shared by every transaction, exclusive to change the map size (LMDB
  /// requires that no transaction of the process is live then).
  std::shared_mutex remap;
  /// Keys read since the last write transaction, whose recency is written
  /// by the next one (reads stay read-only transactions).
  std::mutex touch_mu;
  std::vector<std::string> touched;  ///< store keys (key bytes + namespace)
  std::chrono::steady_clock::time_point first_touch;
  /// Misses and corrupt entries found by reads since the last write
  /// transaction, added to the store's lifetime counters by the next one
  /// (hits are touched.size()). Guarded by touch_mu.
  std::uint64_t pending_misses = 0, pending_corrupt = 0;
  /// Empty, or why the store file found at open (or by replace_damaged())
  /// was set aside as <file>.broken-<unix ns> and a new store made: the
  /// problem check_lmdb_meta / check_lmdb_file or LMDB reported, and the
  /// new name. Written while the environment is opened (before open()
  /// returns it) or under `remap` held exclusively. The library prints
  /// nothing: callers may report it.
  std::string set_aside_reason;

  LmdbEnv() = default;
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;
  /// Closes the environment — unless it was inherited across fork(): then
  /// it belongs to the parent and is left alone.
  ~LmdbEnv();

  /// The process's environment for `file` (opened with a map of at least
  /// `map_bytes`). A damaged store file — one that fails check_lmdb_meta
  /// before LMDB reads it, check_lmdb_file before LMDB touches a tree page
  /// (under LMDB's writer lock), or that LMDB itself reports as invalid or
  /// corrupt — is set aside as <file>.broken-<unix ns> (its lock file
  /// removed) and replaced by a new store; set_aside_reason says why.
  /// Throws CacheError when the store cannot be opened (a symbolic link or
  /// not a regular file, no permission, a lock file another process holds
  /// that this LMDB cannot use, a map the system refuses).
  static std::shared_ptr<LmdbEnv> open(const std::filesystem::path& file, std::uint64_t map_bytes);

  /// check_lmdb_file on the open store, inside a write transaction (LMDB's
  /// writer lock: no process changes the file meanwhile). Throws
  /// TierFailure when the transaction cannot begin.
  LmdbCheck check();
  /// Closes the environment (waiting for this process's transactions),
  /// sets the store file aside as open() does, with `problem` as the
  /// reason, and opens a new store in its place. Other processes keep the
  /// old file until they reopen it. Throws CacheError when the new store
  /// cannot be opened (the environment is then unusable: every transaction
  /// throws TierFailure).
  void replace_damaged(const std::string& problem);

  /// Runs `f` inside a read-only transaction. Throws TierFailure for LMDB
  /// errors.
  void read(const std::function<void(MDB_txn*)>& f);
  /// Runs `f` inside a write transaction and commits when it returns 0;
  /// returns `f`'s LMDB code, or the commit's (the transaction is aborted
  /// on any non-zero code or exception). MDB_MAP_FULL is retried a few
  /// times after clearing dead readers' slots and short waits (pages that
  /// readers of older snapshots pin are freed when they finish), so `f` may
  /// run more than once: it must start from what the transaction reads.
  int write(const std::function<int(MDB_txn*)>& f);

 private:
  MDB_txn* begin(unsigned flags, std::shared_lock<std::shared_mutex>& lock);
};

/// Throws TierFailure("disk cache <file>: <what>: <LMDB message>").
[[noreturn]] void lmdb_fail(const LmdbEnv& env, int rc, const std::string& what, bool writes_only = false);

inline MDB_val mdb_val(const void* p, std::size_t n) { return MDB_val{n, const_cast<void*>(p)}; }

}  // namespace pixelcache::cache_detail
