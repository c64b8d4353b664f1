// One shared LMDB environment per store file and process (lmdb_env.hpp).
#include "cache/lmdb_env.hpp"

#include <map>

#include "cache/store_tier.hpp"

namespace pixelcache::cache_detail {

namespace {

// (Not MDB_NOMEMINIT: it leaves stale heap bytes in the unused parts of pages.)
constexpr unsigned kEnvFlags = MDB_NOSUBDIR | MDB_NOTLS | MDB_NOSYNC;
constexpr unsigned kMaxReaders = 1022;

std::mutex g_registry_mu;
std::map<std::string, std::weak_ptr<LmdbEnv>> g_registry;  // for the current fork generation
std::uint64_t g_registry_generation = 0;

bool store_is_broken(int rc) {
  return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_VERSION_MISMATCH || rc == MDB_PANIC;
}

// Creates and opens the environment; returns the LMDB code of the open.
int try_open(LmdbEnv& e) {
  int rc = mdb_env_create(&e.env);
  if (rc) return rc;
  mdb_env_set_maxdbs(e.env, 4);
  mdb_env_set_maxreaders(e.env, kMaxReaders);
  mdb_env_set_mapsize(e.env, e.map_bytes);
  rc = mdb_env_open(e.env, e.file.c_str(), kEnvFlags, 0644);
  if (rc) {
    mdb_env_close(e.env);
    e.env = nullptr;
  }
  return rc;
}

void open_databases(LmdbEnv& e) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(e.env, nullptr, 0, &txn);
  if (rc == 0) {
    rc = mdb_dbi_open(txn, "entries", MDB_CREATE, &e.entries);
    if (rc == 0) rc = mdb_dbi_open(txn, "info", MDB_CREATE, &e.info);
    if (rc == 0) rc = mdb_dbi_open(txn, "lru", MDB_CREATE, &e.lru);
    if (rc == 0) rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &e.meta);
    rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
  }
  if (rc) throw CacheError("cannot open the disk cache store " + e.file.string() + ": " + mdb_strerror(rc));
}

}  // namespace

LmdbEnv::~LmdbEnv() {
  if (env && generation == fork_generation()) mdb_env_close(env);
}

std::shared_ptr<LmdbEnv> LmdbEnv::open(const std::filesystem::path& file, std::uint64_t map_bytes) {
  std::lock_guard lock(g_registry_mu);
  const std::uint64_t gen = fork_generation();
  if (gen != g_registry_generation) {
    // Inherited across fork: those environments are the parent's (their
    // destructors leave them open).
    g_registry.clear();
    g_registry_generation = gen;
  }
  if (auto it = g_registry.find(file.string()); it != g_registry.end()) {
    if (auto e = it->second.lock()) {
      if (map_bytes > e->map_bytes) {
        std::unique_lock remap(e->remap);
        if (mdb_env_set_mapsize(e->env, map_bytes) == 0) e->map_bytes = map_bytes;
      }
      return e;
    }
  }
  auto e = std::make_shared<LmdbEnv>();
  e->file = file;
  e->map_bytes = map_bytes;
  e->generation = gen;
  int rc = try_open(*e);
  if (store_is_broken(rc)) {
    // A cache can be rebuilt: keep the broken store for inspection and
    // start a new one.
    const auto stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    std::error_code ec;
    std::filesystem::rename(file, file.string() + ".broken-" + stamp, ec);
    std::filesystem::remove(file.string() + "-lock", ec);
    rc = try_open(*e);
  }
  if (rc) throw CacheError("cannot open the disk cache store " + file.string() + ": " + mdb_strerror(rc));
  int dead = 0;
  mdb_reader_check(e->env, &dead);  // slots of killed processes
  open_databases(*e);
  g_registry[file.string()] = e;
  return e;
}

MDB_txn* LmdbEnv::begin(unsigned flags, std::shared_lock<std::shared_mutex>& lock) {
  for (int attempt = 0;; ++attempt) {
    MDB_txn* txn = nullptr;
    const int rc = mdb_txn_begin(env, nullptr, flags, &txn);
    if (rc == 0) return txn;
    if (attempt < 3 && rc == MDB_MAP_RESIZED) {
      // Another process grew the store beyond our map: adopt its size.
      lock.unlock();
      {
        std::unique_lock remap_lock(remap);
        mdb_env_set_mapsize(env, 0);
      }
      lock.lock();
      continue;
    }
    if (attempt < 3 && rc == MDB_READERS_FULL) {
      int dead = 0;
      mdb_reader_check(env, &dead);
      continue;
    }
    lmdb_fail(*this, rc, "cannot begin a transaction");
  }
}

void LmdbEnv::read(const std::function<void(MDB_txn*)>& f) {
  std::shared_lock lock(remap);
  MDB_txn* txn = begin(MDB_RDONLY, lock);
  try {
    f(txn);
  } catch (...) {
    mdb_txn_abort(txn);
    throw;
  }
  mdb_txn_abort(txn);
}

int LmdbEnv::write(const std::function<int(MDB_txn*)>& f) {
  std::shared_lock lock(remap);
  MDB_txn* txn = begin(0, lock);
  int rc;
  try {
    rc = f(txn);
  } catch (...) {
    mdb_txn_abort(txn);
    throw;
  }
  if (rc) {
    mdb_txn_abort(txn);
    return rc;
  }
  return mdb_txn_commit(txn);
}

void lmdb_fail(const LmdbEnv& env, int rc, const std::string& what, bool writes_only) {
  throw TierFailure("disk cache " + env.file.string() + ": " + what + ": " + mdb_strerror(rc), writes_only);
}

}  // namespace pixelcache::cache_detail
