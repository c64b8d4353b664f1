// Fuzz target: any bytes as an LMDB store file (src/cache/lmdb_check.hpp).
// check_lmdb_meta and check_lmdb_file must never crash, hang or allocate
// without bound, and a file that passes must be safe for LMDB: it is opened
// as the disk tier opens it, every record of every database is read
// (forwards, backwards and by key) and a small write transaction is
// committed, so a hole in the validator shows up here as a crash (SIGBUS,
// SIGSEGV, an LMDB assertion). After the write the file must pass again:
// what LMDB writes to a store the validator accepted is a valid store (a
// validator stricter than LMDB would set healthy stores aside).
//
// Seeds: tests/fuzz/corpus/lmdb_check/ (small stores the disk tier wrote;
// test_lmdb_check.cpp writes them again with PIXELCACHE_WRITE_LMDB_CORPUS=1).
#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cache/lmdb_check.hpp"
#include "pixelcache/error.hpp"

namespace {

using pixelcache::cache_detail::LmdbCheck;

[[noreturn]] void invariant(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz invariant: %s %s\n", what, detail.c_str());
  std::abort();
}

// A directory of its own, in memory when /dev/shm exists (a store written
// and truncated per input costs ~3 ms on a disk file system, ~0.1 ms there).
const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "fuzz_lmdb_check-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) invariant("mkdtemp failed");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(work_dir(), ec);
    });
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

LmdbCheck check(const std::filesystem::path& file, bool full) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0) invariant("cannot open the file");
  const LmdbCheck c =
      full ? pixelcache::cache_detail::check_lmdb_file(fd) : pixelcache::cache_detail::check_lmdb_meta(fd);
  ::close(fd);
#ifdef PIXELCACHE_FUZZ_CHECK_MESSAGES
  if (!c.ok && pixelcache::escape_bytes(c.problem) != c.problem) invariant("unescaped bytes in", c.problem);
#endif
  if (!c.ok && c.problem.empty()) invariant("a failed check without a problem");
  return c;
}

volatile std::uint8_t g_sink;

void touch(const MDB_val& v) {
  std::uint8_t x = 0;
  const auto* p = static_cast<const std::uint8_t*>(v.mv_data);
  for (std::size_t i = 0; i < v.mv_size; i += 97) x ^= p[i];  // every page of it, without the full cost
  if (v.mv_size) x ^= p[v.mv_size - 1];
  g_sink = x;
}

// Reads every record of `dbi` forwards, backwards and by key.
void read_all(MDB_txn* txn, MDB_dbi dbi, std::vector<std::string>* keys) {
  MDB_cursor* c = nullptr;
  if (mdb_cursor_open(txn, dbi, &c)) return;
  MDB_val k, v;
  std::vector<std::string> seen;
  for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    touch(k);
    touch(v);
    seen.emplace_back(static_cast<const char*>(k.mv_data), k.mv_size);
  }
  for (int rc = mdb_cursor_get(c, &k, &v, MDB_LAST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) touch(v);
  for (const auto& key : seen) {
    MDB_val kk{key.size(), const_cast<char*>(key.data())};
    if (mdb_get(txn, dbi, &kk, &v) == 0) touch(v);
  }
  mdb_cursor_close(c);
  if (keys) *keys = std::move(seen);
}

void use_with_lmdb(const std::filesystem::path& file) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env)) return;
  mdb_env_set_maxdbs(env, 8);
  mdb_env_set_mapsize(env, std::size_t{64} << 20);
  if (mdb_env_open(env, file.c_str(), MDB_NOSUBDIR | MDB_NOTLS | MDB_NOSYNC, 0644)) {
    mdb_env_close(env);
    return;
  }
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) == 0) {
    std::vector<std::string> names;
    MDB_dbi main_db;  // (opening it sets its comparison function)
    if (mdb_dbi_open(txn, nullptr, 0, &main_db) == 0) read_all(txn, main_db, &names);  // its keys name the DBs
    for (const auto& name : names) {
      MDB_dbi dbi;
      if (name.find('\0') == std::string::npos && mdb_dbi_open(txn, name.c_str(), 0, &dbi) == 0)
        read_all(txn, dbi, nullptr);
    }
    mdb_txn_abort(txn);
  }
  // A write transaction as the disk tier makes them: its databases, a small
  // and a large value (overflow pages), the first record of each deleted.
  // (The check refuses txnids from 2^62 on, which this commit may reach.)
  MDB_envinfo info;
  mdb_env_info(env, &info);
  const bool recheck = info.me_last_txnid + 1 < (std::size_t{1} << 62);
  if (mdb_txn_begin(env, nullptr, 0, &txn) == 0) {
    int rc = 0;
    for (const char* name : {"entries", "info", "lru", "meta"}) {
      MDB_dbi dbi;
      if ((rc = mdb_dbi_open(txn, name, MDB_CREATE, &dbi)) != 0) break;
      std::vector<std::uint8_t> big(9000, 0x5A);
      MDB_val k{16, const_cast<char*>("fuzz-key-0123456")}, v{big.size(), big.data()};
      if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0) break;
      MDB_val k2{5, const_cast<char*>("small")}, v2{3, const_cast<char*>("abc")};
      if ((rc = mdb_put(txn, dbi, &k2, &v2, 0)) != 0) break;
      MDB_cursor* c = nullptr;
      if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0) break;
      MDB_val fk, fv;
      if (mdb_cursor_get(c, &fk, &fv, MDB_FIRST) == 0) rc = mdb_cursor_del(c, 0);
      mdb_cursor_close(c);
      if (rc) break;
    }
    rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
    if (rc == 0) {
      mdb_env_close(env);
      const LmdbCheck after = check(file, true);
      if (recheck && !after.ok) invariant("LMDB's write to a valid store fails the check:", after.problem);
      return;
    }
  }
  mdb_env_close(env);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path file = work_dir() / "store.mdb";
  {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) invariant("cannot write the store");
    for (std::size_t done = 0; done < size;) {
      const ssize_t w = ::write(fd, data + done, size - done);
      if (w <= 0) invariant("cannot write the store");
      done += static_cast<std::size_t>(w);
    }
    ::close(fd);
  }
  const LmdbCheck meta = check(file, false);
  const LmdbCheck full = check(file, true);
  if (full.ok && !meta.ok) invariant("the file passes but its meta pages do not:", meta.problem);
  if (full.ok) use_with_lmdb(file);
  return 0;
}
