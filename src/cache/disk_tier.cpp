// The disk tier: entries in LMDB, bounded in bytes, least-recently-used
// eviction, shared by processes (disk_tier.hpp; layout in cache.hpp).
#include "cache/disk_tier.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "cache/lmdb_env.hpp"

namespace pixelcache::cache_detail {

namespace {

// Bytes counted per entry on top of its encoded size: its three records.
constexpr std::uint64_t kOverhead = 128;
// Reads are written back as recency updates after this many keys or seconds.
constexpr std::size_t kTouchBatch = 256;
constexpr auto kTouchDelay = std::chrono::seconds(2);

using KeyBytes = std::array<std::uint8_t, 16>;
using LruKey = std::array<std::uint8_t, 24>;

KeyBytes key_bytes(const Digest& d) {
  KeyBytes k;
  put_digest(k.data(), d);
  return k;
}

LruKey lru_key(std::uint64_t tick, const KeyBytes& k) {
  LruKey out;
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(tick >> (56 - 8 * i));
  std::memcpy(out.data() + 8, k.data(), 16);
  return out;
}

std::uint64_t load_u64(const void* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// An "info" record: {tick, cost}; zeros for a record of another size (a
// damaged value must not be read past its end).
std::array<std::uint64_t, 2> info_record(const MDB_val& v) {
  if (v.mv_size != 16) return {0, 0};
  return {load_u64(v.mv_data), load_u64(static_cast<const char*>(v.mv_data) + 8)};
}

// The "meta" counters, read at the start of a write transaction and stored
// at its end: the store's size and recency clock, and its lifetime counters.
struct Meta {
  std::uint64_t bytes = 0, entries = 0, tick = 0;
  StoreTotals totals;

  static constexpr const char* kNames[] = {"bytes",  "entries", "tick",      "hits",
                                           "misses", "writes",  "evictions", "corrupt"};
  std::array<std::uint64_t*, 8> fields() {
    return {&bytes, &entries, &tick, &totals.hits, &totals.misses, &totals.writes, &totals.evictions, &totals.corrupt};
  }

  static std::uint64_t get(MDB_txn* t, const LmdbEnv& e, const char* name) {
    MDB_val k = mdb_val(name, std::strlen(name)), v;
    const int rc = mdb_get(t, e.meta, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) lmdb_fail(e, rc, "cannot read the store counters");
    return v.mv_size == 8 ? load_u64(v.mv_data) : 0;
  }
  static Meta load(MDB_txn* t, const LmdbEnv& e) {
    Meta m;
    const auto f = m.fields();
    for (std::size_t i = 0; i < f.size(); ++i) *f[i] = get(t, e, kNames[i]);
    return m;
  }
  int store(MDB_txn* t, const LmdbEnv& e) {
    const auto f = fields();
    for (std::size_t i = 0; i < f.size(); ++i) {
      MDB_val k = mdb_val(kNames[i], std::strlen(kNames[i])), v = mdb_val(f[i], 8);
      if (int rc = mdb_put(t, e.meta, &k, &v, 0)) return rc;
    }
    return 0;
  }
};

// One write transaction's view of the entries.
struct Writer {
  MDB_txn* t;
  const LmdbEnv& e;
  Meta meta;
  std::uint64_t evicted_entries = 0, evicted_bytes = 0;

  Writer(MDB_txn* txn, const LmdbEnv& env) : t(txn), e(env), meta(Meta::load(txn, env)) {}

  // Removes `k` if present; returns an LMDB code (MDB_NOTFOUND when absent).
  int remove(const KeyBytes& k) {
    MDB_val key = mdb_val(k.data(), 16), v;
    int rc = mdb_get(t, e.info, &key, &v);
    if (rc) return rc;
    const auto [tick, cost] = info_record(v);
    const LruKey lk = lru_key(tick, k);
    MDB_val lkey = mdb_val(lk.data(), lk.size());
    if ((rc = mdb_del(t, e.lru, &lkey, nullptr)) && rc != MDB_NOTFOUND) return rc;
    if ((rc = mdb_del(t, e.info, &key, nullptr))) return rc;
    if ((rc = mdb_del(t, e.entries, &key, nullptr)) && rc != MDB_NOTFOUND) return rc;
    meta.bytes -= std::min(meta.bytes, cost);
    meta.entries -= meta.entries ? 1 : 0;
    return 0;
  }

  // Evicts least recently used entries until at most `target` bytes remain.
  int evict_to(std::uint64_t target) {
    while (meta.bytes > target) {
      MDB_cursor* c = nullptr;
      int rc = mdb_cursor_open(t, e.lru, &c);
      if (rc) return rc;
      MDB_val k, v;
      rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
      KeyBytes victim{};
      if (rc == 0 && k.mv_size == 24) std::memcpy(victim.data(), static_cast<const char*>(k.mv_data) + 8, 16);
      mdb_cursor_close(c);
      if (rc == MDB_NOTFOUND) {  // counters out of step with the records: trust the records
        meta.bytes = 0;
        meta.entries = 0;
        return 0;
      }
      if (rc) return rc;
      const std::uint64_t before = meta.bytes;
      if ((rc = remove(victim))) {
        if (rc != MDB_NOTFOUND) return rc;
        MDB_val lk = k;  // an index record without its entry: drop it
        if ((rc = mdb_del(t, e.lru, &lk, nullptr))) return rc;
        continue;
      }
      ++evicted_entries;
      ++meta.totals.evictions;
      evicted_bytes += before - meta.bytes;
    }
    return 0;
  }

  // Records a fresh tick for `k` (if still present).
  int touch(const KeyBytes& k) {
    MDB_val key = mdb_val(k.data(), 16), v;
    int rc = mdb_get(t, e.info, &key, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    std::array<std::uint64_t, 2> rec = info_record(v);
    const LruKey old_key = lru_key(rec[0], k);
    MDB_val lk = mdb_val(old_key.data(), old_key.size());
    if ((rc = mdb_del(t, e.lru, &lk, nullptr)) && rc != MDB_NOTFOUND) return rc;
    rec[0] = ++meta.tick;
    return index(k, rec[0], rec[1]);
  }

  // Writes the info and lru records of `k`.
  int index(const KeyBytes& k, std::uint64_t tick, std::uint64_t cost) {
    const std::uint64_t rec[2] = {tick, cost};
    MDB_val key = mdb_val(k.data(), 16), v = mdb_val(rec, sizeof rec);
    int rc = mdb_put(t, e.info, &key, &v, 0);
    if (rc) return rc;
    const LruKey lk = lru_key(tick, k);
    MDB_val lkey = mdb_val(lk.data(), lk.size()), empty = mdb_val(nullptr, 0);
    return mdb_put(t, e.lru, &lkey, &empty, 0);
  }

  // Applies the recency updates recorded by reads, and adds their hits,
  // misses and corrupt entries to the lifetime counters.
  int flush_touches(LmdbEnv& env) {
    std::vector<Digest> keys;
    {
      std::lock_guard lock(env.touch_mu);
      keys.swap(env.touched);
      meta.totals.hits += keys.size();
      meta.totals.misses += std::exchange(env.pending_misses, 0);
      meta.totals.corrupt += std::exchange(env.pending_corrupt, 0);
    }
    // A key read many times since the last flush is touched once, in the
    // order of its last read (a hot key read 256 times costs one update).
    std::vector<std::pair<Digest, std::size_t>> last;  // key, position of its last read
    last.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) last.emplace_back(keys[i], i);
    std::sort(last.begin(), last.end());
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < last.size(); ++i)
      if (i + 1 == last.size() || last[i + 1].first != last[i].first) order.push_back(last[i].second);
    std::sort(order.begin(), order.end());
    for (std::size_t i : order)
      if (int rc = touch(key_bytes(keys[i]))) return rc;
    return 0;
  }
};

// A failed write transaction (disk full, file size limit, store full, I/O
// error: LMDB reports a short write as EIO) backs off writes only; reads
// of what is stored go on, and back off by themselves if they fail too.
constexpr bool kWritesOnly = true;

}  // namespace

std::filesystem::path DiskTier::store_file(const std::filesystem::path& dir) { return dir / "pixelcache-v1.mdb"; }

DiskTier::DiskTier(const std::filesystem::path& dir, std::uint64_t max_bytes)
    : file_(store_file(dir)), max_bytes_(max_bytes), map_bytes_(max_bytes + max_bytes / 2 + (std::uint64_t{4} << 20)) {
  std::error_code ec;
  const auto st = std::filesystem::status(dir, ec);
  if (std::filesystem::exists(st) && !std::filesystem::is_directory(st))
    throw CacheError("cache directory " + dir.string() + " exists and is not a directory");
  if (!std::filesystem::exists(st)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw CacheError("cannot create cache directory " + dir.string() + ": " + ec.message());
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw CacheError("cache directory " + dir.string() + " is not writable: " + std::strerror(errno));
  env_ = LmdbEnv::open(file_, map_bytes_);
}

DiskTier::~DiskTier() {
  try {
    if (env_ && env_->generation == fork_generation()) flush();
  } catch (...) {
  }
}

std::shared_ptr<LmdbEnv> DiskTier::env() {
  std::lock_guard lock(mu_);
  if (!env_ || env_->generation != fork_generation()) {
    env_.reset();  // the parent's environment (its destructor leaves it open)
    try {
      env_ = LmdbEnv::open(file_, map_bytes_);
    } catch (const CacheError& e) {
      throw TierFailure(e.what());
    }
  }
  return env_;
}

std::uint64_t DiskTier::evictions() const noexcept { return evictions_.load(std::memory_order_relaxed); }

Lookup DiskTier::get(const Digest& key) {
  auto e = env();
  const KeyBytes k = key_bytes(key);
  Lookup out;
  e->read([&](MDB_txn* t) {
    MDB_val kv = mdb_val(k.data(), 16), v;
    const int rc = mdb_get(t, e->entries, &kv, &v);
    if (rc == MDB_NOTFOUND) return;
    if (rc) lmdb_fail(*e, rc, "cannot read an entry");
    try {
      out.entry = decode_entry({static_cast<const std::uint8_t*>(v.mv_data), v.mv_size});
    } catch (const CorruptEntryError&) {
      out.corrupt = true;
    }
  });
  if (!out.entry) {
    std::lock_guard lock(e->touch_mu);
    ++e->pending_misses;
    if (out.corrupt) ++e->pending_corrupt;
  }
  if (out.corrupt) {
    try {
      erase(key);  // best effort: a corrupt entry is a miss either way
    } catch (const TierFailure&) {
    }
    return out;
  }
  if (out.entry) {
    bool flush_now = false;
    {
      std::lock_guard lock(e->touch_mu);
      if (e->touched.empty()) e->first_touch = std::chrono::steady_clock::now();
      e->touched.push_back(key);
      flush_now = e->touched.size() >= kTouchBatch || std::chrono::steady_clock::now() - e->first_touch > kTouchDelay;
    }
    if (flush_now) flush();
  }
  return out;
}

void DiskTier::flush() {
  auto e = env();
  {
    std::lock_guard lock(e->touch_mu);
    if (e->touched.empty() && e->pending_misses == 0 && e->pending_corrupt == 0) return;
  }
  const int rc = e->write([&](MDB_txn* t) {
    Writer w(t, *e);
    if (int r = w.flush_touches(*e)) return r;
    return w.meta.store(t, *e);
  });
  if (rc) lmdb_fail(*e, rc, "cannot record recent reads", kWritesOnly);
}

void DiskTier::put(const Digest& key, const EncodedEntry& entry) {
  const std::uint64_t cost = entry.size() + kOverhead;
  if (cost > max_bytes_) return;  // larger than the whole tier
  auto e = env();
  const KeyBytes k = key_bytes(key);
  for (int attempt = 0;; ++attempt) {
    std::uint64_t evicted = 0;
    const int rc = e->write([&](MDB_txn* t) {
      Writer w(t, *e);
      int r = w.flush_touches(*e);
      if (r == 0 && (r = w.remove(k)) == MDB_NOTFOUND) r = 0;
      if (r == 0) r = w.evict_to(max_bytes_ - cost);
      if (r) return r;
      MDB_val kv = mdb_val(k.data(), 16), v = mdb_val(nullptr, entry.size());
      if ((r = mdb_put(t, e->entries, &kv, &v, MDB_RESERVE))) return r;
      entry.write(static_cast<std::uint8_t*>(v.mv_data));
      if ((r = w.index(k, ++w.meta.tick, cost))) return r;
      w.meta.bytes += cost;
      w.meta.entries += 1;
      w.meta.totals.writes += 1;
      evicted = w.evicted_entries;
      return w.meta.store(t, *e);
    });
    if (rc == 0) {
      evictions_.fetch_add(evicted, std::memory_order_relaxed);
      return;
    }
    if (rc != MDB_MAP_FULL || attempt == 3) lmdb_fail(*e, rc, "cannot store an entry", kWritesOnly);
    // The file is full although the counted bytes fit (free pages are
    // fragmented): evict more in a transaction of its own, whose freed
    // pages the next attempt can reuse.
    const std::uint64_t extra = (attempt + 1) * std::max(cost, max_bytes_ / 8);
    trim(max_bytes_ > extra ? max_bytes_ - extra : 0);
  }
}

bool DiskTier::contains(const Digest& key) {
  auto e = env();
  const KeyBytes k = key_bytes(key);
  bool found = false;
  e->read([&](MDB_txn* t) {
    MDB_val kv = mdb_val(k.data(), 16), v;
    const int rc = mdb_get(t, e->entries, &kv, &v);
    if (rc && rc != MDB_NOTFOUND) lmdb_fail(*e, rc, "cannot read an entry");
    found = rc == 0;
  });
  return found;
}

bool DiskTier::erase(const Digest& key) {
  auto e = env();
  const KeyBytes k = key_bytes(key);
  bool found = false;
  const int rc = e->write([&](MDB_txn* t) {
    Writer w(t, *e);
    int r = w.remove(k);
    if (r == MDB_NOTFOUND) {
      // An entry without index records (should not happen): delete it too.
      MDB_val kv = mdb_val(k.data(), 16);
      r = mdb_del(t, e->entries, &kv, nullptr);
      if (r == MDB_NOTFOUND) return MDB_NOTFOUND;
    }
    if (r) return r;
    found = true;
    return w.meta.store(t, *e);
  });
  if (rc && rc != MDB_NOTFOUND) lmdb_fail(*e, rc, "cannot delete an entry", kWritesOnly);
  return found;
}

void DiskTier::clear() {
  auto e = env();
  {
    std::lock_guard lock(e->touch_mu);
    e->touched.clear();
  }
  const int rc = e->write([&](MDB_txn* t) {
    for (MDB_dbi d : {e->entries, e->info, e->lru})
      if (int r = mdb_drop(t, d, 0)) return r;
    Meta m = Meta::load(t, *e);
    m.bytes = m.entries = 0;
    return m.store(t, *e);
  });
  if (rc) lmdb_fail(*e, rc, "cannot clear the store", kWritesOnly);
}

TrimReport DiskTier::trim(std::uint64_t max_bytes) {
  auto e = env();
  TrimReport report;
  const int rc = e->write([&](MDB_txn* t) {
    Writer w(t, *e);
    int r = w.flush_touches(*e);
    if (r == 0) r = w.evict_to(max_bytes);
    if (r == 0) r = w.meta.store(t, *e);
    report.evicted_entries = w.evicted_entries;
    report.evicted_bytes = w.evicted_bytes;
    report.entries = w.meta.entries;
    report.bytes = w.meta.bytes;
    return r;
  });
  if (rc) lmdb_fail(*e, rc, "cannot evict entries", kWritesOnly);
  evictions_.fetch_add(report.evicted_entries, std::memory_order_relaxed);
  return report;
}

namespace {
// Calls `f(key, entry bytes)` for every entry in a read transaction, until
// it returns false.
void each_entry(LmdbEnv& e, const std::function<bool(const Digest&, std::span<const std::uint8_t>)>& f) {
  e.read([&](MDB_txn* t) {
    MDB_cursor* c = nullptr;
    if (int rc = mdb_cursor_open(t, e.entries, &c)) lmdb_fail(e, rc, "cannot list the store");
    MDB_val k, v;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
      if (k.mv_size == 16 && !f(get_digest(static_cast<const std::uint8_t*>(k.mv_data)),
                                {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size}))
        break;
    mdb_cursor_close(c);
  });
}
}  // namespace

void DiskTier::for_each(const std::function<bool(const EntryInfo&)>& visit) {
  each_entry(*env(), [&](const Digest& key, std::span<const std::uint8_t> v) {
    const auto info = entry_info(key, v.first(std::min(v.size(), kHeaderSize + kMaxTagLength)), v.size());
    return !info || visit(*info);
  });
}

VerifyCounts DiskTier::verify() {
  {
    // The store's structure first (reading entries from a damaged tree
    // could crash): a damaged store is set aside and replaced by a new one,
    // and the pass reports the tier as failed.
    auto e = env();
    const LmdbCheck c = e->check();
    if (!c.ok) {
      try {
        e->replace_damaged(c.problem);
      } catch (const CacheError& err) {
        throw TierFailure(err.what());
      }
      throw TierFailure("disk cache " + file_.string() + ": " +
                        (e->set_aside_reason.empty() ? "the store was damaged (" + c.problem + ") and was replaced"
                                                     : e->set_aside_reason));
    }
  }
  VerifyCounts counts;
  std::vector<Digest> bad;
  each_entry(*env(), [&](const Digest& key, std::span<const std::uint8_t> v) {
    ++counts.checked;
    try {
      (void)decode_entry(v);
      ++counts.ok;
    } catch (const CorruptEntryError&) {
      bad.push_back(key);
    } catch (const LimitError&) {
      ++counts.ok;  // intact, but larger than this process's image limit
    }
    return true;
  });
  counts.corrupt = bad.size();
  if (!bad.empty()) {
    auto e = env();
    std::lock_guard lock(e->touch_mu);
    e->pending_corrupt += bad.size();
  }
  for (const auto& d : bad) erase(d);
  flush();  // the lifetime counters
  return counts;
}

std::optional<StoreTotals> DiskTier::totals() {
  auto e = env();
  Meta m;
  e->read([&](MDB_txn* t) { m = Meta::load(t, *e); });
  std::lock_guard lock(e->touch_mu);  // this process's reads not yet written
  m.totals.hits += e->touched.size();
  m.totals.misses += e->pending_misses;
  m.totals.corrupt += e->pending_corrupt;
  return m.totals;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> DiskTier::size() {
  auto e = env();
  std::pair<std::uint64_t, std::uint64_t> out;
  e->read([&](MDB_txn* t) { out = {Meta::get(t, *e, "entries"), Meta::get(t, *e, "bytes")}; });
  return out;
}

}  // namespace pixelcache::cache_detail
