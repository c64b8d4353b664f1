// One shared LMDB environment per store file and process (lmdb_env.hpp).
#include "cache/lmdb_env.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

#include "cache/store_tier.hpp"

namespace pixelcache::cache_detail {

namespace {

// (Not MDB_NOMEMINIT: it leaves stale heap bytes in the unused parts of pages.)
constexpr unsigned kEnvFlags = MDB_NOSUBDIR | MDB_NOTLS | MDB_NOSYNC;
constexpr unsigned kMaxReaders = 1022;
// Set-asides one open() may do before it gives up (a new store passes).
constexpr int kMaxSetAsides = 3;

std::mutex g_registry_mu;
std::map<std::string, std::weak_ptr<LmdbEnv>> g_registry;  // for the current fork generation
std::uint64_t g_registry_generation = 0;

// LMDB codes that say the data file is not a usable LMDB file.
bool store_is_broken(int rc) {
  return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_VERSION_MISMATCH || rc == MDB_PANIC ||
         rc == MDB_PAGE_NOTFOUND;
}

std::string lmdb_message(int rc) { return mdb_strerror(rc); }

[[noreturn]] void cannot_open(const std::filesystem::path& file, const std::string& why) {
  throw CacheError("cannot open the disk cache store " + file.string() + ": " + why);
}

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> file_id(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

// What the store file looked like before LMDB opened it.
struct PreCheck {
  bool exists = false;
  std::uint64_t size = 0;
  std::uint64_t needed_map = 0;  // lmdb_map_bytes_needed
  LmdbCheck meta;
  FileId id;
};

// Reads the meta pages of `file` (if it exists) with a descriptor of our
// own: read-only, not through a symbolic link, not blocking on a FIFO.
PreCheck precheck(const std::filesystem::path& file) {
  PreCheck pc;
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return pc;
    if (errno == ELOOP) cannot_open(file, "it is a symbolic link");
    cannot_open(file, std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    cannot_open(file, "not a regular file");
  }
  pc.exists = true;
  pc.size = static_cast<std::uint64_t>(st.st_size);
  pc.id = {st.st_dev, st.st_ino};
  // A commit rewrites the meta page it does not pick while we read without
  // a lock (a torn read), and a process creating the store writes its two
  // meta pages just after creating the file: only a failure that persists
  // counts.
  for (int attempt = 0;; ++attempt) {
    pc.meta = check_lmdb_meta(fd);
    if (pc.meta.ok || attempt == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (pc.meta.ok) pc.needed_map = lmdb_map_bytes_needed(fd);
  ::close(fd);
  return pc;
}

// Renames `file` to <file>.broken-<unix ns> and removes its lock file —
// unless `file` is no longer the file `id` (another process set it aside
// and made a new store first). Returns the new name, or "" when nothing was
// renamed. Set-asides of processes sharing the directory are serialised
// by flock() on the directory, so the identity check and the rename are
// one step for them.
std::string set_aside(const std::filesystem::path& file, const std::optional<FileId>& id) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    while (::flock(dfd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  std::string renamed;
  struct stat st;
  if (::lstat(file.c_str(), &st) == 0 && (!id || (FileId{st.st_dev, st.st_ino} == *id))) {
    const auto stamp = std::to_string(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    const std::string target = file.string() + ".broken-" + stamp;
    if (::rename(file.c_str(), target.c_str()) == 0) {
      renamed = target;
      std::error_code ec;
      std::filesystem::remove(file.string() + "-lock", ec);
    }
  }
  if (dfd >= 0) ::close(dfd);  // (releases the flock)
  return renamed;
}

void note_set_aside(LmdbEnv& e, const std::string& problem, const std::string& renamed) {
  if (renamed.empty()) return;  // another process did it
  e.set_aside_reason = "the store " + e.file.string() + " was damaged (" + problem + "); it was set aside as " +
                       renamed + " and a new store was made";
}

// Creates and opens the environment; returns the LMDB code of the open.
int try_open(LmdbEnv& e) {
  int rc = mdb_env_create(&e.env);
  if (rc) return rc;
  mdb_env_set_maxdbs(e.env, 4);
  mdb_env_set_maxreaders(e.env, kMaxReaders);
  mdb_env_set_mapsize(e.env, e.map_bytes);
  // mdb_env_open reads the two meta pages with pread (mdb_env_read_header),
  // maps the file and reads the meta pages in the map (mdb_env_pick_meta,
  // through mdb_env_share_locks): no tree page. Its dangers are a page
  // size of 0 or one that puts the second meta page outside the map,
  // which check_lmdb_meta rules out first.
  rc = mdb_env_open(e.env, e.file.c_str(), kEnvFlags, 0644);
  if (rc) {
    mdb_env_close(e.env);
    e.env = nullptr;
  }
  return rc;
}

void close_env(LmdbEnv& e) {
  if (e.env) mdb_env_close(e.env);
  e.env = nullptr;
}

// Begins a write transaction (LMDB's writer lock), adopting a larger map
// another process made. mdb_txn_begin reads only the lock file and the
// meta page (mdb_txn_renew0 copies the free and main DB records from it):
// no tree page.
int begin_write(LmdbEnv& e, MDB_txn** txn) {
  for (int attempt = 0;; ++attempt) {
    const int rc = mdb_txn_begin(e.env, nullptr, 0, txn);
    if (rc != MDB_MAP_RESIZED || attempt == 3) return rc;
    mdb_env_set_mapsize(e.env, 0);
  }
}

int open_databases(LmdbEnv& e, MDB_txn* txn) {
  int rc = mdb_dbi_open(txn, "entries", MDB_CREATE, &e.entries);
  if (rc == 0) rc = mdb_dbi_open(txn, "info", MDB_CREATE, &e.info);
  if (rc == 0) rc = mdb_dbi_open(txn, "lru", MDB_CREATE, &e.lru);
  if (rc == 0) rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &e.meta);
  return rc;
}

// What one attempt at opening the store (or one step of it) found: go on
// (after the last step: open), try again as it is, or a damaged store
// (`problem`) whose file `id` is set aside before the next try.
struct Attempt {
  enum Outcome { next, again, damaged } outcome = next;
  std::string problem;
  std::optional<FileId> id;
};

// A damaged store: `problem`, the file `id` to set aside.
Attempt damaged(std::string problem, std::optional<FileId> id) {
  return {Attempt::damaged, std::move(problem), std::move(id)};
}

// Step 2 of an attempt, LMDB's open of e.file checked by `pre`: the lock
// file and the meta pages. Throws CacheError when the store cannot be used.
Attempt open_env(LmdbEnv& e, const PreCheck& pre, bool& lock_retried) {
  const int rc = try_open(e);
  if (rc == 0) return {};
  if ((rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) && (!pre.exists || pre.meta.ok || pre.size == 0)) {
    // The data file's meta pages are fine (or there were none), so the
    // lock file is at fault: its header is checked only when another
    // process holds it (the first user re-initialises it; garbage in a
    // lock file nobody holds is harmless). That process uses it — maybe
    // an LMDB of another build or version — so it is not removed: one
    // more try (the holder may just have closed it), then an error.
    if (!lock_retried) {
      lock_retried = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return {Attempt::again, {}, std::nullopt};
    }
    cannot_open(e.file, "its lock file " + e.file.string() +
                            "-lock is held by another process and is not a lock file of this LMDB (" +
                            lmdb_message(rc) + "); it is left alone");
  }
  if (store_is_broken(rc))
    return damaged("LMDB: " + lmdb_message(rc), pre.exists ? std::optional<FileId>(pre.id) : std::nullopt);
  if ((rc == ENOMEM || rc == EINVAL) && pre.exists && pre.needed_map > e.map_bytes && pre.needed_map / 2 > pre.size) {
    // The meta claims far more pages than the file holds, and no map
    // that large can be made. (A map refused although the file is about
    // as large as its meta says is the system's limit: an error, the
    // store of the process that grew it is kept.)
    return damaged("a map of " + std::to_string(pre.needed_map) + " bytes for a file of " + std::to_string(pre.size) +
                       " bytes: " + lmdb_message(rc),
                   pre.id);
  }
  cannot_open(e.file, lmdb_message(rc));
}

// Step 3 of an attempt: the whole file (descriptor `fd`, file `id`), under
// the writer lock begun into *txn, before anything touches a tree page
// (mdb_dbi_open searches the main DB). *txn is left open when it goes on.
Attempt check_whole_file(LmdbEnv& e, int fd, const std::optional<FileId>& id, MDB_txn** txn) {
  const int rc = begin_write(e, txn);
  if (rc) {
    if (store_is_broken(rc)) return damaged("LMDB: " + lmdb_message(rc), id);
    close_env(e);
    cannot_open(e.file, lmdb_message(rc));
  }
  LmdbCheck check = check_lmdb_file(fd);
  if (check.ok) {
    // The meta LMDB uses is metas[txnid & 1] for the txnid in the lock
    // file; check_lmdb_file checked the one mdb_env_pick_meta picks.
    MDB_envinfo info;
    mdb_env_info(e.env, &info);
    if (mdb_txn_id(*txn) != info.me_last_txnid + 1) {
      check.ok = false;
      check.problem = "the lock file's txnid " + std::to_string(mdb_txn_id(*txn) - 1) + " is not the meta pages' " +
                      std::to_string(info.me_last_txnid);
    }
  }
  if (!check.ok) {
    mdb_txn_abort(*txn);
    return damaged(check.problem, id);
  }
  return {};
}

// Step 4 of an attempt: the databases, in the write transaction `txn` of
// step 3, which this commits (or aborts). (MDB_INCOMPATIBLE: a record of
// that name in the main DB is not a database.)
Attempt open_databases_checked(LmdbEnv& e, MDB_txn* txn, const std::optional<FileId>& id) {
  int rc = open_databases(e, txn);
  rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
  if (rc) {
    if (store_is_broken(rc) || rc == MDB_INCOMPATIBLE) return damaged("LMDB: " + lmdb_message(rc), id);
    close_env(e);
    cannot_open(e.file, lmdb_message(rc));
  }
  return {};
}

// One attempt at opening e.file into e.env with its databases, in four
// steps; `lock_retried` says whether a foreign lock file was waited for.
Attempt open_attempt(LmdbEnv& e, bool& lock_retried) {
  // 1. The meta pages, before LMDB reads them. (An empty file is left to
  // LMDB, which makes a new store of it: a process creating the store
  // writes its meta pages just after creating the file.)
  const PreCheck pre = precheck(e.file);
  if (pre.exists && !pre.meta.ok && pre.size > 0) return damaged(pre.meta.problem, pre.id);
  // 2. LMDB's open: the lock file and the meta pages.
  if (Attempt a = open_env(e, pre, lock_retried); a.outcome != Attempt::next) return a;
  int fd = -1;
  mdb_env_get_fd(e.env, &fd);
  const std::optional<FileId> id = file_id(fd);
  int dead = 0;
  mdb_reader_check(e.env, &dead);  // slots of killed processes (the lock file only)
  // 3. The whole file, under the writer lock.
  MDB_txn* txn = nullptr;
  if (Attempt a = check_whole_file(e, fd, id, &txn); a.outcome != Attempt::next) return a;
  // 4. The databases, in the same transaction.
  return open_databases_checked(e, txn, id);
}

// Opens e.file into e.env with its databases, setting a damaged store
// aside (see LmdbEnv::open). On return the environment is open and its
// databases exist; throws CacheError otherwise (e.env is then null).
void open_checked(LmdbEnv& e) {
  int set_asides = 0;
  bool lock_retried = false;
  for (;;) {
    const Attempt a = open_attempt(e, lock_retried);
    if (a.outcome == Attempt::next) return;
    if (a.outcome == Attempt::damaged) {
      close_env(e);
      if (++set_asides > kMaxSetAsides) cannot_open(e.file, a.problem);
      note_set_aside(e, a.problem, set_aside(e.file, a.id));
    }
  }
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
        if (e->env && mdb_env_set_mapsize(e->env, map_bytes) == 0) e->map_bytes = map_bytes;
      }
      return e;
    }
  }
  auto e = std::make_shared<LmdbEnv>();
  e->file = file;
  e->map_bytes = map_bytes;
  e->generation = gen;
  open_checked(*e);
  g_registry[file.string()] = e;
  return e;
}

LmdbCheck LmdbEnv::check() {
  std::shared_lock lock(remap);
  MDB_txn* txn = begin(0, lock);
  int fd = -1;
  mdb_env_get_fd(env, &fd);
  LmdbCheck c = check_lmdb_file(fd);
  mdb_txn_abort(txn);
  return c;
}

void LmdbEnv::replace_damaged(const std::string& problem) {
  std::unique_lock lock(remap);  // no transaction of this process is live
  if (!env) return;
  int fd = -1;
  mdb_env_get_fd(env, &fd);
  const std::optional<FileId> id = file_id(fd);
  close_env(*this);
  note_set_aside(*this, problem, set_aside(file, id));
  open_checked(*this);
}

MDB_txn* LmdbEnv::begin(unsigned flags, std::shared_lock<std::shared_mutex>& lock) {
  for (int attempt = 0;; ++attempt) {
    if (!env) throw TierFailure("disk cache " + file.string() + ": the store could not be reopened");
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

// Retries of a write transaction that found the store full (1 + 2 + 4 + 8
// ms of waiting at most).
constexpr int kMapFullRetries = 4;

int LmdbEnv::write(const std::function<int(MDB_txn*)>& f) {
  for (int attempt = 0;; ++attempt) {
    int rc;
    {
      std::shared_lock lock(remap);
      MDB_txn* txn = begin(0, lock);
      try {
        rc = f(txn);
      } catch (...) {
        mdb_txn_abort(txn);
        throw;
      }
      if (rc)
        mdb_txn_abort(txn);
      else
        rc = mdb_txn_commit(txn);
    }
    // MDB_MAP_FULL while the counted bytes fit is usually transient: pages
    // freed by recent transactions cannot be reused while a reader (another
    // thread or process, perhaps descheduled, or a killed one whose slot
    // remains) still sees an older snapshot. Clear dead readers' slots, let
    // live ones finish, and try again; a full store stays full and is
    // returned to the caller, who evicts.
    if (rc != MDB_MAP_FULL || attempt == kMapFullRetries) return rc;
    {
      std::shared_lock lock(remap);  // (replace_damaged() changes env)
      int dead = 0;
      if (env) mdb_reader_check(env, &dead);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1 << attempt));
  }
}

void lmdb_fail(const LmdbEnv& env, int rc, const std::string& what, bool writes_only) {
  throw TierFailure("disk cache " + env.file.string() + ": " + what + ": " + mdb_strerror(rc), writes_only);
}

}  // namespace pixelcache::cache_detail
