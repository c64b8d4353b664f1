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
#include "cache/signature.hpp"

namespace pixelcache::cache_detail {

namespace {

// Bytes counted per entry on top of its encoded size: its three records.
constexpr std::uint64_t kOverhead = 128;
// The map reserved for a bound: 1.5 x the bound + 4 MiB.
std::uint64_t map_for(std::uint64_t bound) { return bound + bound / 2 + (std::uint64_t{4} << 20); }
// Reads are written back as recency updates after this many keys or seconds.
constexpr std::size_t kTouchBatch = 256;
constexpr auto kTouchDelay = std::chrono::seconds(2);

// A store key: the 16 key bytes (Digest::hex() order), then the namespace.
using KeyBytes = std::string;
using LruKey = std::string;

KeyBytes key_bytes(const Digest& d, std::string_view ns) {
  KeyBytes k(16 + ns.size(), '\0');
  put_digest(reinterpret_cast<std::uint8_t*>(k.data()), d);
  std::memcpy(k.data() + 16, ns.data(), ns.size());
  return k;
}

// The address a store key names; nullopt for a malformed key.
std::optional<EntryAddress> address_of(std::span<const std::uint8_t> k) {
  if (k.size() < 17 || k.size() > 16 + kMaxNamespace) return std::nullopt;
  return EntryAddress{std::string(reinterpret_cast<const char*>(k.data()) + 16, k.size() - 16), get_digest(k.data())};
}

LruKey lru_key(std::uint64_t tick, const KeyBytes& k) {
  LruKey out(8 + k.size(), '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(tick >> (56 - 8 * i));
  std::memcpy(out.data() + 8, k.data(), k.size());
  return out;
}

MDB_val val_of(const std::string& s) { return mdb_val(s.data(), s.size()); }

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
// ("max_bytes" is the store's bound: 0 until a process records one.)
struct Meta {
  std::uint64_t bytes = 0, entries = 0, tick = 0, max_bytes = 0;
  StoreTotals totals;

  static constexpr const char* kNames[] = {"bytes",  "entries", "tick",      "max_bytes", "hits",
                                           "misses", "writes",  "evictions", "corrupt"};
  std::array<std::uint64_t*, 9> fields() {
    return {&bytes,         &entries,          &tick,          &max_bytes, &totals.hits, &totals.misses,
            &totals.writes, &totals.evictions, &totals.corrupt};
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
    MDB_val key = val_of(k), v;
    int rc = mdb_get(t, e.info, &key, &v);
    if (rc) return rc;
    const auto [tick, cost] = info_record(v);
    const LruKey lk = lru_key(tick, k);
    MDB_val lkey = val_of(lk);
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
      KeyBytes victim;
      if (rc == 0 && k.mv_size > 8) victim.assign(static_cast<const char*>(k.mv_data) + 8, k.mv_size - 8);
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
    MDB_val key = val_of(k), v;
    int rc = mdb_get(t, e.info, &key, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    std::array<std::uint64_t, 2> rec = info_record(v);
    const LruKey old_key = lru_key(rec[0], k);
    MDB_val lk = val_of(old_key);
    if ((rc = mdb_del(t, e.lru, &lk, nullptr)) && rc != MDB_NOTFOUND) return rc;
    rec[0] = ++meta.tick;
    return index(k, rec[0], rec[1]);
  }

  // Writes the info and lru records of `k`.
  int index(const KeyBytes& k, std::uint64_t tick, std::uint64_t cost) {
    const std::uint64_t rec[2] = {tick, cost};
    MDB_val key = val_of(k), v = mdb_val(rec, sizeof rec);
    int rc = mdb_put(t, e.info, &key, &v, 0);
    if (rc) return rc;
    const LruKey lk = lru_key(tick, k);
    MDB_val lkey = val_of(lk), empty = mdb_val(nullptr, 0);
    return mdb_put(t, e.lru, &lkey, &empty, 0);
  }

  // Applies the recency updates recorded by reads, and adds their hits,
  // misses and corrupt entries to the lifetime counters.
  int flush_touches(LmdbEnv& env) {
    std::vector<std::string> keys;
    {
      std::lock_guard lock(env.touch_mu);
      keys.swap(env.touched);
      meta.totals.hits += keys.size();
      meta.totals.misses += std::exchange(env.pending_misses, 0);
      meta.totals.corrupt += std::exchange(env.pending_corrupt, 0);
    }
    // A key read many times since the last flush is touched once, in the
    // order of its last read (a hot key read 256 times costs one update).
    std::vector<std::pair<std::string, std::size_t>> last;  // key, position of its last read
    last.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) last.emplace_back(keys[i], i);
    std::sort(last.begin(), last.end());
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < last.size(); ++i)
      if (i + 1 == last.size() || last[i + 1].first != last[i].first) order.push_back(last[i].second);
    std::sort(order.begin(), order.end());
    for (std::size_t i : order)
      if (int rc = touch(keys[i])) return rc;
    return 0;
  }
};

// A failed write transaction (disk full, file size limit, store full, I/O
// error: LMDB reports a short write as EIO) backs off writes only; reads
// of what is stored go on, and back off by themselves if they fail too.
constexpr bool kWritesOnly = true;

}  // namespace

std::filesystem::path DiskTier::store_file(const std::filesystem::path& dir) { return dir / "pixelcache-v2.mdb"; }
}  // namespace pixelcache::cache_detail

std::filesystem::path pixelcache::disk_store_file(const std::filesystem::path& dir) {
  return cache_detail::DiskTier::store_file(dir);
}

namespace pixelcache::cache_detail {

std::filesystem::path DiskTier::key_file(const std::filesystem::path& dir) { return dir / "pixelcache-v2.key"; }

std::vector<std::filesystem::path> DiskTier::legacy_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const char* name : {"pixelcache-v1.mdb", "pixelcache-v1.mdb-lock"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(std::filesystem::symlink_status(dir / name, ec))) out.push_back(dir / name);
  }
  return out;
}

DiskTier::DiskTier(const std::filesystem::path& dir, std::string key_namespace, std::optional<std::uint64_t> max_bytes,
                   const std::string& secret)
    : dir_(dir),
      file_(store_file(dir)),
      binding_{std::move(key_namespace), std::nullopt},
      max_bytes_(max_bytes.value_or(kDefaultDiskBytes)),
      map_bytes_(map_for(max_bytes.value_or(kDefaultDiskBytes))) {
  if (dir.native().find('\0') != std::string::npos)
    throw InvalidArgument("cache directory '" + escape_bytes(dir.native()) + "' contains a NUL byte");
  if (max_bytes && *max_bytes > kMaxDiskBytes)
    throw InvalidArgument("disk cache bound of " + std::to_string(*max_bytes) +
                          " bytes is over the limit of 16 TiB (2^44 bytes)");
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
  if (!secret.empty()) {
    binding_.signing_key.emplace(secret.begin(), secret.end());
  } else {
    std::string problem;
    binding_.signing_key = store_signing_key(key_file(dir), problem);
    if (!binding_.signing_key)
      notice("disk cache " + dir.string() + ": no signing key (" + problem +
             "); results that need one (pickles) are not cached on disk");
  }
  env_ = LmdbEnv::open(file_, map_bytes_);
  if (!env_->set_aside_reason.empty())
    notice("disk cache " + dir.string() + ": the store was damaged and has been replaced by an empty one (" +
           env_->set_aside_reason + ")");
  adopt_bound(max_bytes);
}

void DiskTier::notice(std::string message) {
  std::lock_guard lock(notices_mu_);
  notices_.push_back(std::move(message));
}

std::vector<std::string> DiskTier::take_notices() {
  std::lock_guard lock(notices_mu_);
  return std::exchange(notices_, {});
}

void DiskTier::adopt_bound(std::optional<std::uint64_t> asked) {
  auto e = env_;
  std::uint64_t recorded = 0;
  e->read([&](MDB_txn* t) { recorded = Meta::get(t, *e, "max_bytes"); });
  if (recorded == 0) {
    const std::uint64_t bound = asked.value_or(kDefaultDiskBytes);
    const int rc = e->write([&](MDB_txn* t) {
      Meta m = Meta::load(t, *e);
      if (m.max_bytes != 0) {  // another process was first
        recorded = m.max_bytes;
        return 0;
      }
      m.max_bytes = recorded = bound;
      return m.store(t, *e);
    });
    if (rc) lmdb_fail(*e, rc, "cannot record the store's bound");
    if (recorded == bound) asked.reset();  // no notice: ours is the bound
  }
  recorded = std::min(recorded, kMaxDiskBytes);
  max_bytes_.store(recorded, std::memory_order_relaxed);
  if (asked && *asked != recorded)
    notice("disk cache " + dir_.string() + ": the store's bound is " + std::to_string(recorded) +
           " bytes (recorded in the store); this process asked for " + std::to_string(*asked) +
           " and uses the store's. `pixelcache cache trim --max-bytes N` (Cache.trim) changes it.");
  if (map_for(recorded) > map_bytes_) {
    map_bytes_ = map_for(recorded);
    env_ = LmdbEnv::open(file_, map_bytes_);  // the same environment, its map grown
  }
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
  const KeyBytes k = key_bytes(key, binding_.key_namespace);
  Lookup out;
  bool unverified = false;
  e->read([&](MDB_txn* t) {
    MDB_val kv = val_of(k), v;
    const int rc = mdb_get(t, e->entries, &kv, &v);
    if (rc == MDB_NOTFOUND) return;
    if (rc) lmdb_fail(*e, rc, "cannot read an entry");
    try {
      out.entry = decode_entry({static_cast<const std::uint8_t*>(v.mv_data), v.mv_size},
                               EntryAddress{binding_.key_namespace, key}, binding_.key_bytes());
    } catch (const CorruptEntryError&) {
      out.corrupt = true;
    } catch (const UnverifiedEntryError&) {
      unverified = true;  // a miss for us, perhaps not for a holder of the key
    }
  });
  (void)unverified;
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
      e->touched.push_back(k);
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

void DiskTier::put(const Digest& key, const EncodedEntry& encoded) {
  std::optional<EncodedEntry> signed_copy;
  if (encoded.needs_signature()) {
    if (!binding_.signing_key) return;  // no key: Code entries are not stored here
    signed_copy = encoded.signed_with(binding_.key_bytes());
  }
  const EncodedEntry& entry = signed_copy ? *signed_copy : encoded;
  const std::uint64_t cost = entry.size() + kOverhead + binding_.key_namespace.size() * 3;
  if (cost > max_bytes()) return;  // larger than the whole tier
  auto e = env();
  const KeyBytes k = key_bytes(key, binding_.key_namespace);
  for (int attempt = 0;; ++attempt) {
    std::uint64_t evicted = 0;
    const int rc = e->write([&](MDB_txn* t) {
      Writer w(t, *e);
      // The store's bound, as recorded (another process may have changed it).
      const std::uint64_t bound = w.meta.max_bytes ? std::min(w.meta.max_bytes, kMaxDiskBytes) : max_bytes();
      max_bytes_.store(bound, std::memory_order_relaxed);
      if (cost > bound) return 0;
      int r = w.flush_touches(*e);
      if (r == 0 && (r = w.remove(k)) == MDB_NOTFOUND) r = 0;
      if (r == 0) r = w.evict_to(bound - cost);
      if (r) return r;
      MDB_val kv = val_of(k), v = mdb_val(nullptr, entry.size());
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
    const std::uint64_t bound = max_bytes();
    const std::uint64_t extra = (attempt + 1) * std::max(cost, bound / 8);
    evict(bound > extra ? bound - extra : 0);
  }
}

bool DiskTier::contains(const Digest& key) {
  auto e = env();
  const KeyBytes k = key_bytes(key, binding_.key_namespace);
  bool found = false;
  e->read([&](MDB_txn* t) {
    MDB_val kv = val_of(k), v;
    const int rc = mdb_get(t, e->entries, &kv, &v);
    if (rc && rc != MDB_NOTFOUND) lmdb_fail(*e, rc, "cannot read an entry");
    found = rc == 0;
  });
  return found;
}

bool DiskTier::erase(const Digest& key) { return erase_store_key(key_bytes(key, binding_.key_namespace)); }

bool DiskTier::erase_store_key(const std::string& k) {
  auto e = env();
  bool found = false;
  const int rc = e->write([&](MDB_txn* t) {
    Writer w(t, *e);
    int r = w.remove(k);
    if (r == MDB_NOTFOUND) {
      // An entry without (sound) index records: delete what there is.
      MDB_val kv = val_of(k);
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
  for (const auto& old : legacy_files(dir_)) {  // stores of earlier formats, never read again
    std::error_code ec;
    std::filesystem::remove(old, ec);
  }
}

TrimReport DiskTier::trim(std::uint64_t max_bytes) {
  if (max_bytes > kMaxDiskBytes)
    throw InvalidArgument("disk cache bound of " + std::to_string(max_bytes) +
                          " bytes is over the limit of 16 TiB (2^44 bytes)");
  if (map_for(max_bytes) > map_bytes_) {
    std::lock_guard lock(mu_);
    map_bytes_ = map_for(max_bytes);
    env_ = LmdbEnv::open(file_, map_bytes_);  // the same environment, its map grown
  }
  return evict(max_bytes, /*record=*/true);
}

TrimReport DiskTier::evict(std::uint64_t max_bytes, bool record) {
  auto e = env();
  TrimReport report;
  const int rc = e->write([&](MDB_txn* t) {
    Writer w(t, *e);
    if (record) w.meta.max_bytes = max_bytes;
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
  if (record) max_bytes_.store(max_bytes, std::memory_order_relaxed);
  evictions_.fetch_add(report.evicted_entries, std::memory_order_relaxed);
  return report;
}

namespace {
// Calls `f(store key, entry bytes)` for every entry in a read transaction,
// until it returns false.
void each_entry(LmdbEnv& e,
                const std::function<bool(std::span<const std::uint8_t>, std::span<const std::uint8_t>)>& f) {
  e.read([&](MDB_txn* t) {
    MDB_cursor* c = nullptr;
    if (int rc = mdb_cursor_open(t, e.entries, &c)) lmdb_fail(e, rc, "cannot list the store");
    MDB_val k, v;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
      if (!f({static_cast<const std::uint8_t*>(k.mv_data), k.mv_size},
             {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size}))
        break;
    mdb_cursor_close(c);
  });
}
}  // namespace

void DiskTier::for_each(const std::function<bool(const EntryInfo&)>& visit) {
  each_entry(*env(), [&](std::span<const std::uint8_t> k, std::span<const std::uint8_t> v) {
    const auto address = address_of(k);
    if (!address || address->key_namespace != binding_.key_namespace) return true;
    const auto info = entry_info(v.first(std::min(v.size(), kMaxHead)), v.size());
    // (An entry that states another address than its place is skipped, as
    // an unreadable one: verify() drops it.)
    if (!info || info->key != address->key || info->key_namespace != address->key_namespace) return true;
    return visit(*info);
  });
}

VerifyCounts DiskTier::verify() {
  VerifyCounts counts;
  {
    // The store's structure first (reading entries from a damaged tree
    // could crash): a damaged store is set aside and replaced by a new,
    // empty one, and the pass says so.
    auto e = env();
    const LmdbCheck c = e->check();
    if (!c.ok) {
      try {
        e->replace_damaged(c.problem);
      } catch (const CacheError& err) {
        throw TierFailure(err.what());
      }
      counts.set_aside = true;
      counts.problem = e->set_aside_reason.empty() ? c.problem : e->set_aside_reason;
      notice("disk cache " + dir_.string() + ": the store was damaged and has been replaced by an empty one (" +
             counts.problem + ")");
      adopt_bound(max_bytes());  // the new store keeps the bound
      return counts;
    }
  }
  std::vector<std::string> bad;
  each_entry(*env(), [&](std::span<const std::uint8_t> k, std::span<const std::uint8_t> v) {
    ++counts.checked;
    const auto address = address_of(k);
    try {
      if (!address) corrupt("a store key of " + std::to_string(k.size()) + " bytes");
      (void)decode_entry(v, *address, binding_.key_bytes());
      ++counts.ok;
    } catch (const CorruptEntryError&) {
      bad.emplace_back(reinterpret_cast<const char*>(k.data()), k.size());
    } catch (const UnverifiedEntryError&) {
      ++counts.ok;  // intact as far as this process can tell (no signing key)
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
  for (const auto& k : bad) erase_store_key(k);
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
