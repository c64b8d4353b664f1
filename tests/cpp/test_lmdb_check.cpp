// The LMDB store validator (src/cache/lmdb_check.hpp) and what LmdbEnv does
// with a damaged store: hand-made bad files through check_lmdb_meta /
// check_lmdb_file, hundreds of seeded damages to a real store (truncations,
// flipped bytes in every page kind, garbage, zeroed, swapped and copied
// pages) each opened and used by a Cache in a child process, which must
// exit normally with only misses or the stored values; healthy stores (also
// one written by another process meanwhile) never set aside; garbage lock
// files; Cache::verify on a store damaged while open; the fuzz seed stores.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "cache/lmdb_check.hpp"
#include "cache/lmdb_env.hpp"
#include "cache_support.hpp"

namespace pixelcache::test {
namespace {

using cache_detail::check_lmdb_file;
using cache_detail::check_lmdb_meta;
using cache_detail::LmdbCheck;
using Bytes8 = std::vector<std::uint8_t>;

const std::size_t kPage = static_cast<std::size_t>(std::min<long>(::sysconf(_SC_PAGESIZE), 0x8000));

std::filesystem::path store_in(const std::filesystem::path& dir) { return dir / "pixelcache-v2.mdb"; }

Bytes8 read_all(const std::filesystem::path& f) { return read_file(f); }

void write_all(const std::filesystem::path& f, const Bytes8& b) {
  std::ofstream(f, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(b.data()), b.size());
}

template <class T>
T get(const Bytes8& b, std::size_t off) {
  T v{};
  if (off + sizeof v <= b.size()) std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}
template <class T>
void put(Bytes8& b, std::size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

// Runs a check on bytes written to a file.
LmdbCheck check_bytes(const Bytes8& b, bool full, const std::filesystem::path& dir) {
  const auto f = dir / "check.mdb";
  write_all(f, b);
  const int fd = ::open(f.c_str(), O_RDONLY);
  const LmdbCheck c = full ? check_lmdb_file(fd) : check_lmdb_meta(fd);
  ::close(fd);
  return c;
}

// ------------------------------------------------------------ a real store

struct Stored {
  Digest key;
  Entry entry;
};

// A store written through the public API: small values and images that
// need overflow pages, some erased (a free list) and some written again.
std::vector<Stored> build_store(const std::filesystem::path& dir, int n, int seed,
                                std::uint64_t disk_bytes = 64u << 20) {
  std::vector<Stored> all;
  Cache cache(tiers(0, dir, disk_bytes));
  for (int i = 0; i < n; ++i) {
    const int id = seed * 100000 + i;
    Entry e = i % 4 == 0    ? Entry(noise_image(16 + i % 40, 30, static_cast<std::uint32_t>(id)))  // 1.4-5 KB
              : i % 23 == 0 ? Entry(noise_image(90, 90, static_cast<std::uint32_t>(id)))           // 24 KB
                            : Entry(Bytes(noise_bytes(4 + (i * 37) % 300, static_cast<std::uint32_t>(id))));
    cache.put(key_for(id), e);
    all.push_back({key_for(id), std::move(e)});
  }
  std::vector<Stored> kept;
  for (int i = 0; i < n; ++i) {
    if (i % 5 == 2) {
      cache.erase(all[i].key);
    } else {
      kept.push_back(all[i]);
    }
  }
  for (int i = 0; i < n / 10; ++i) {  // reuse of freed pages
    const int id = seed * 100000 + n + i;
    Entry e = Entry(noise_image(20, 20 + i % 30, static_cast<std::uint32_t>(id)));
    cache.put(key_for(id), e);
    kept.push_back({key_for(id), std::move(e)});
  }
  return kept;
}

// The pages of a healthy store by kind (a walk that trusts the file).
struct PageMap {
  int meta = 0;  // the meta page in use
  std::uint64_t last_pg = 0;
  std::vector<std::uint64_t> branch, leaf, overflow, free_leaf, main_leaf;
  std::vector<std::uint64_t> entries_leaf;  // the leaves of the "entries" tree (also in `leaf`)
  std::uint64_t entries_root = 0;
};

PageMap page_map(const Bytes8& b) {
  PageMap m;
  m.meta = get<std::uint64_t>(b, kPage + 144) > get<std::uint64_t>(b, 144) ? 1 : 0;
  const std::size_t mo = m.meta * kPage;
  m.last_pg = get<std::uint64_t>(b, mo + 136);
  std::function<void(std::uint64_t, int)> walk = [&](std::uint64_t pg, int tree) {  // 0 free, 1 main, 2 named
    const std::size_t o = pg * kPage;
    const auto flags = get<std::uint16_t>(b, o + 10);
    const std::size_t n = (get<std::uint16_t>(b, o + 12) - 16) / 2;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t nd = o + get<std::uint16_t>(b, o + 16 + 2 * i);
      const std::uint64_t lo = get<std::uint16_t>(b, nd), hi = get<std::uint16_t>(b, nd + 2);
      const auto nf = get<std::uint16_t>(b, nd + 4);
      const std::size_t ks = get<std::uint16_t>(b, nd + 6);
      if (flags & 1) {
        walk(lo | hi << 16 | std::uint64_t{nf} << 32, tree);
      } else if (nf & 1) {
        m.overflow.push_back(get<std::uint64_t>(b, nd + 8 + ks));
      } else if (nf & 2) {
        const std::uint64_t root = get<std::uint64_t>(b, nd + 8 + ks + 40);
        if (ks == 7 && std::memcmp(&b[nd + 8], "entries", 7) == 0) m.entries_root = root;
        if (root != ~std::uint64_t{0}) walk(root, root == m.entries_root ? 3 : 2);
      }
    }
    (flags & 1 ? m.branch : tree == 0 ? m.free_leaf : tree == 1 ? m.main_leaf : m.leaf).push_back(pg);
    if (tree == 3 && !(flags & 1)) m.entries_leaf.push_back(pg);
  };
  for (int db = 0; db < 2; ++db) {
    const std::uint64_t root = get<std::uint64_t>(b, mo + 16 + 24 + 48 * db + 40);
    if (root != ~std::uint64_t{0}) walk(root, db);
  }
  return m;
}

// Opens a Cache on `dir` in a child process and uses it: every key is
// either a miss or exactly its stored value, a few puts, verify. The exit
// code: 0 fine, 3 a wrong value, 98 an exception, 128 + n signal n.
int use_in_child(const std::filesystem::path& dir, const std::vector<Stored>& stored) {
  return in_child([&] {
    ::alarm(30);  // a hang shows as SIGALRM
    Cache cache(tiers(0, dir));
    for (const auto& s : stored) {
      const auto got = cache.get(s.key);
      if (got && !(*got == s.entry)) return 3;
    }
    for (int i = 0; i < 4; ++i) {
      const Entry e(noise_image(30, 30 + i, static_cast<std::uint32_t>(900000 + i)));
      cache.put(key_for(900000 + i), e);
      const auto got = cache.get(key_for(900000 + i));
      if (got && !(*got == e)) return 3;
    }
    (void)cache.verify();
    for (const auto& s : stored) {
      const auto got = cache.get(s.key);
      if (got && !(*got == s.entry)) return 3;
    }
    return 0;
  });
}

bool set_aside_in(const std::filesystem::path& dir) {
  for (const auto& f : std::filesystem::directory_iterator(dir))
    if (f.path().filename().string().starts_with("pixelcache-v2.mdb.broken-")) return true;
  return false;
}

// A TempDir in memory when /dev/shm exists: the damage sweep writes
// hundreds of store files (~3x faster than on a disk file system).
class ScratchDir : public TempDir {
 public:
  ScratchDir() : TempDir(shm_or_tmp()) {}

 private:
  static std::filesystem::path shm_or_tmp() {
    std::error_code ec;
    return std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                         : std::filesystem::temp_directory_path();
  }
};

class LmdbStore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    stored_ = new std::vector<Stored>(build_store(dir_->path() / "store", 400, 1));
    bytes_ = new Bytes8(read_all(store_in(dir_->path() / "store")));
  }
  static void TearDownTestSuite() {
    delete bytes_;
    delete stored_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::vector<Stored>* stored_;
  static Bytes8* bytes_;
  ScratchDir scratch_;
};
TempDir* LmdbStore::dir_ = nullptr;
std::vector<Stored>* LmdbStore::stored_ = nullptr;
Bytes8* LmdbStore::bytes_ = nullptr;

// ------------------------------------------------------------ unit tests

TEST_F(LmdbStore, HealthyStorePasses) {
  const PageMap m = page_map(*bytes_);
  EXPECT_GE(m.branch.size(), 1u) << "the entries tree should have two levels";
  EXPECT_GE(m.overflow.size(), 50u);
  EXPECT_GE(m.free_leaf.size(), 1u);
  const int fd = ::open(store_in(dir_->path() / "store").c_str(), O_RDONLY);
  EXPECT_TRUE(check_lmdb_meta(fd).ok);
  ::close(fd);
  const LmdbCheck c = check_bytes(*bytes_, true, scratch_.path());
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.pages, m.branch.size() + m.leaf.size() + m.free_leaf.size() + m.main_leaf.size() + m.overflow.size());
  EXPECT_TRUE(check_bytes(*bytes_, false, scratch_.path()).ok);
}

TEST_F(LmdbStore, MetaProblems) {
  const auto expect_bad = [&](const Bytes8& b, const std::string& what) {
    const LmdbCheck c = check_bytes(b, false, scratch_.path());
    EXPECT_FALSE(c.ok) << what;
    EXPECT_NE(c.problem.find(what), std::string::npos) << c.problem;
    EXPECT_FALSE(check_bytes(b, true, scratch_.path()).ok) << what;
  };
  const int mi = page_map(*bytes_).meta;
  const std::size_t mo = mi * kPage;
  expect_bad({}, "shorter than its two meta pages");
  expect_bad(Bytes8(bytes_->begin(), bytes_->begin() + 100), "shorter");
  Bytes8 b = *bytes_;
  put<std::uint32_t>(b, 16, 0xDEADBEEF);
  expect_bad(b, "bad magic");
  b = *bytes_;
  put<std::uint32_t>(b, kPage + 20, 2);
  expect_bad(b, "data version 2");
  b = *bytes_;
  put<std::uint32_t>(b, 40, 0);  // page size 0: LMDB would divide by it
  expect_bad(b, "page size 0");
  b = *bytes_;
  put<std::uint32_t>(b, 40, 1 << 20);
  expect_bad(b, "page size");
  b = *bytes_;
  put<std::uint16_t>(b, kPage + 10, 2);  // page 1 a leaf
  expect_bad(b, "not a meta page");
  b = *bytes_;
  put<std::uint64_t>(b, mo + 144, get<std::uint64_t>(b, mo + 144) + 2);  // same parity, still picked
  EXPECT_TRUE(check_bytes(b, false, scratch_.path()).ok);
  put<std::uint64_t>(b, mo + 144, get<std::uint64_t>(b, mo + 144) + 1);  // parity of the other page
  expect_bad(b, "txnid on the wrong meta page");
  b = *bytes_;
  put<std::uint64_t>(b, mo + 136, std::uint64_t{1} << 40);  // last page
  expect_bad(b, "last page");
  b = *bytes_;
  put<std::uint64_t>(b, mo + 32, 3 * kPage);  // map size below the pages used
  expect_bad(b, "map size");
  b = *bytes_;
  put<std::uint64_t>(b, mo + 32, std::uint64_t{1} << 50);
  expect_bad(b, "map size");
  b = *bytes_;
  put<std::uint64_t>(b, mo + 88 + 40, 1);  // main DB root: a meta page
  expect_bad(b, "root page 1");
  b = *bytes_;
  put<std::uint64_t>(b, mo + 88 + 40, get<std::uint64_t>(b, mo + 136) + 1);
  expect_bad(b, "root page");
  b = *bytes_;
  put<std::uint16_t>(b, mo + 88 + 6, 33);  // main DB depth
  expect_bad(b, "depth 33");
  b = *bytes_;
  put<std::uint16_t>(b, mo + 88 + 4, MDB_DUPSORT);
  expect_bad(b, "main DB flags");
  b = *bytes_;
  put<std::uint16_t>(b, mo + 40 + 4, get<std::uint16_t>(b, mo + 40 + 4) | MDB_DUPSORT);
  expect_bad(b, "free DB flags");
}

TEST_F(LmdbStore, TreeProblems) {
  const PageMap m = page_map(*bytes_);
  const auto expect_bad = [&](const Bytes8& b, const std::string& what) {
    EXPECT_TRUE(check_bytes(b, false, scratch_.path()).ok) << what << ": the meta pages are fine";
    const LmdbCheck c = check_bytes(b, true, scratch_.path());
    EXPECT_FALSE(c.ok) << what;
    EXPECT_NE(c.problem.find(what), std::string::npos) << c.problem;
  };
  expect_bad(Bytes8(bytes_->begin(), bytes_->begin() + 2 * kPage), "past the end of the file");
  expect_bad(Bytes8(bytes_->begin(), bytes_->begin() + bytes_->size() / 2 / kPage * kPage), "past the end of the file");
  {  // the last page a tree uses cut short: a partial page is not in the file
    std::uint64_t top = 0;
    for (const auto* v : {&m.branch, &m.leaf, &m.free_leaf, &m.main_leaf})
      for (const std::uint64_t p : *v) top = std::max(top, p);
    // (Refused; which check speaks first depends on the layout: the cut
    // page, or a free-list record that reaches into it.)
    EXPECT_FALSE(check_bytes(Bytes8(bytes_->begin(), bytes_->begin() + static_cast<long>(top * kPage + 100)), true,
                             scratch_.path())
                     .ok);
  }
  const std::uint64_t leaf = m.entries_leaf.at(m.entries_leaf.size() / 2);
  const std::size_t lo = leaf * kPage;
  Bytes8 b = *bytes_;
  put<std::uint64_t>(b, lo, leaf + 1);
  expect_bad(b, "header says page");
  b = *bytes_;
  put<std::uint16_t>(b, lo + 10, 1);  // a leaf marked as a branch
  expect_bad(b, "where a leaf page belongs");
  b = *bytes_;
  put<std::uint16_t>(b, lo + 14, get<std::uint16_t>(b, lo + 12) - 2);  // upper below lower
  expect_bad(b, "lower");
  b = *bytes_;
  put<std::uint16_t>(b, lo + 14, get<std::uint16_t>(b, lo + 14) - 1);  // an odd upper (LMDB would add odd nodes)
  expect_bad(b, "upper");
  b = *bytes_;
  put<std::uint16_t>(b, lo + 16, 4095);  // an odd node offset
  expect_bad(b, "offset 4095");
  b = *bytes_;
  {
    const std::size_t nd = lo + get<std::uint16_t>(b, lo + 16);
    put<std::uint16_t>(b, nd + 6, 600);  // key size
    expect_bad(b, "key of 600 bytes");
  }
  b = *bytes_;
  {  // two node pointers swapped: keys out of order
    const auto p0 = get<std::uint16_t>(b, lo + 16), p1 = get<std::uint16_t>(b, lo + 18);
    put<std::uint16_t>(b, lo + 16, p1);
    put<std::uint16_t>(b, lo + 18, p0);
    expect_bad(b, "out of order");
  }
  b = *bytes_;
  {  // two pointers to one node
    put<std::uint16_t>(b, lo + 18, get<std::uint16_t>(b, lo + 16));
    expect_bad(b, "overlaps another node");
  }
  b = *bytes_;
  {  // a branch whose child is itself: a cycle
    const std::uint64_t br = m.branch.at(0);
    const std::size_t nd = br * kPage + get<std::uint16_t>(b, br * kPage + 18);
    put<std::uint16_t>(b, nd, static_cast<std::uint16_t>(br & 0xffff));
    put<std::uint16_t>(b, nd + 2, static_cast<std::uint16_t>(br >> 16));
    expect_bad(b, "used twice");
  }
  b = *bytes_;
  {  // an overflow run that is not one
    const std::uint64_t ov = m.overflow.at(3);
    put<std::uint16_t>(b, ov * kPage + 10, 2);
    expect_bad(b, "where an overflow page belongs");
    b = *bytes_;
    put<std::uint32_t>(b, ov * kPage + 12, 0);
    expect_bad(b, "needed");
    b = *bytes_;
    put<std::uint32_t>(b, ov * kPage + 12, 1u << 30);
    expect_bad(b, "outside [2, last page");
  }
  b = *bytes_;
  {  // the free list names a page in use
    const std::uint64_t fl = m.free_leaf.at(0);
    const std::size_t nd = fl * kPage + get<std::uint16_t>(b, fl * kPage + 16);
    const std::size_t ks = get<std::uint16_t>(b, nd + 6);
    const std::size_t idl = nd + 8 + ks;
    ASSERT_GE(get<std::uint64_t>(b, idl), 1u) << "a free list record with pages";
    // Its smallest page becomes the lowest page a tree uses (order kept).
    std::uint64_t in_use = ~std::uint64_t{0};
    for (const auto* v : {&m.branch, &m.leaf, &m.main_leaf})
      for (const std::uint64_t p : *v) in_use = std::min(in_use, p);
    const std::uint64_t count = get<std::uint64_t>(b, idl);
    ASSERT_TRUE(count < 2 || in_use < get<std::uint64_t>(b, idl + 8 * (count - 1)));
    put<std::uint64_t>(b, idl + 8 * count, in_use);
    expect_bad(b, "used twice");
    b = *bytes_;
    put<std::uint64_t>(b, idl, 100000);  // count past the record
    expect_bad(b, "lists 100000 pages");
    b = *bytes_;
    put<std::uint64_t>(b, nd + 8, 0);  // txnid 0
    expect_bad(b, "txnid 0");
  }
  b = *bytes_;
  {  // the entries tree one level deeper than recorded: its depth counts
    const std::size_t mo = m.meta * kPage;
    const std::uint64_t main = get<std::uint64_t>(b, mo + 88 + 40);
    const std::size_t nd = main * kPage + get<std::uint16_t>(b, main * kPage + 16);
    ASSERT_EQ(get<std::uint16_t>(b, nd + 4), 2) << "the first main DB record is a database";
    const std::size_t db = nd + 8 + get<std::uint16_t>(b, nd + 6);
    put<std::uint16_t>(b, db + 6, get<std::uint16_t>(b, db + 6) + 1);
    expect_bad(b, "where a branch page belongs");
    put<std::uint16_t>(b, db + 4, MDB_DUPSORT);
    expect_bad(b, "has flags");
  }
}

TEST_F(LmdbStore, ChecksEveryPageOnceQuickly) {
  const auto f = scratch_.path() / "s.mdb";
  write_all(f, *bytes_);
  const int fd = ::open(f.c_str(), O_RDONLY);
  const auto t0 = std::chrono::steady_clock::now();
  LmdbCheck c;
  for (int i = 0; i < 20; ++i) c = check_lmdb_file(fd);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 20;
  ::close(fd);
  EXPECT_TRUE(c.ok);
  EXPECT_LT(ms, 50.0) << "a check of " << c.pages << " pages";
}

// ------------------------------------------------------------ damages

struct Damage {
  std::string name;
  Bytes8 bytes;
};

std::vector<Damage> damages(const Bytes8& healthy, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const PageMap m = page_map(healthy);
  const std::size_t size = healthy.size(), pages = size / kPage;
  std::vector<Damage> out;
  const auto add = [&](std::string name, Bytes8 b) { out.push_back({std::move(name), std::move(b)}); };

  // Truncations: the two meta pages only, half, and many more.
  std::vector<std::size_t> cuts = {0,
                                   1,
                                   100,
                                   kPage,
                                   kPage + 152,
                                   2 * kPage,
                                   2 * kPage + 1000,
                                   3 * kPage,
                                   size / 2,
                                   size / 2 + 123,
                                   size - kPage,
                                   size - 1};
  for (int i = 0; i < 40; ++i) cuts.push_back(i % 2 ? rng() % size : (rng() % pages) * kPage);
  for (const std::size_t c : cuts)
    add("truncated to " + std::to_string(c), Bytes8(healthy.begin(), healthy.begin() + c));

  std::vector<std::uint64_t> trees;  // every page a tree uses
  for (const auto* v : {&m.branch, &m.leaf, &m.free_leaf, &m.main_leaf, &m.overflow})
    trees.insert(trees.end(), v->begin(), v->end());
  const std::vector<std::pair<std::string, std::vector<std::uint64_t>>> kinds = {{"meta", {0, 1}},
                                                                                 {"branch", m.branch},
                                                                                 {"leaf", m.leaf},
                                                                                 {"free list", m.free_leaf},
                                                                                 {"main DB", m.main_leaf},
                                                                                 {"overflow header", m.overflow},
                                                                                 {"entries root", {m.entries_root}},
                                                                                 {"any page", [&] {
                                                                                    std::vector<std::uint64_t> all;
                                                                                    for (std::uint64_t p = 2; p < pages;
                                                                                         ++p)
                                                                                      all.push_back(p);
                                                                                    return all;
                                                                                  }()}};
  const auto offset_in = [&](const std::string& kind) -> std::size_t {
    if (kind == "meta") return rng() % 160;            // the meta fields
    if (kind == "overflow header") return rng() % 16;  // only its header is structure
    switch (rng() % 4) {
      case 0: return rng() % 16;       // the header
      case 1: return 16 + rng() % 64;  // node offsets
      default: return rng() % kPage;   // nodes, anywhere
    }
  };
  for (const auto& kind_pages : kinds) {
    const std::string& kind = kind_pages.first;  // (not a structured binding: lambdas capture it)
    const std::vector<std::uint64_t>& list = kind_pages.second;
    if (list.empty()) continue;
    const auto pick = [&] { return list[rng() % list.size()]; };
    for (int i = 0; i < 14; ++i) {  // one flipped bit
      Bytes8 b = healthy;
      const std::uint64_t pg = pick();
      const std::size_t off = pg * kPage + offset_in(kind);
      b[off] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      add(kind + " page " + std::to_string(pg) + ": bit flipped at " + std::to_string(off), std::move(b));
    }
    for (int i = 0; i < 6; ++i) {  // one byte set
      Bytes8 b = healthy;
      const std::uint64_t pg = pick();
      const std::size_t off = pg * kPage + offset_in(kind);
      b[off] = static_cast<std::uint8_t>(rng());
      add(kind + " page " + std::to_string(pg) + ": byte set at " + std::to_string(off), std::move(b));
    }
    for (int i = 0; i < 5; ++i) {  // 30 bytes
      Bytes8 b = healthy;
      const std::uint64_t pg = pick();
      for (int k = 0; k < 30; ++k) b[pg * kPage + offset_in(kind)] = static_cast<std::uint8_t>(rng());
      add(kind + " page " + std::to_string(pg) + ": 30 bytes", std::move(b));
    }
    for (int i = 0; i < 3; ++i) {  // garbage
      Bytes8 b = healthy;
      const std::uint64_t pg = pick();
      for (std::size_t k = 0; k < kPage; ++k) b[pg * kPage + k] = static_cast<std::uint8_t>(rng());
      add(kind + " page " + std::to_string(pg) + ": garbage", std::move(b));
    }
    {
      Bytes8 b = healthy;
      const std::uint64_t pg = pick();
      std::fill_n(b.begin() + static_cast<long>(pg * kPage), kPage, 0);
      add(kind + " page " + std::to_string(pg) + ": zeroed", std::move(b));
    }
  }
  for (int i = 0; i < 20; ++i) {  // 30 bytes over several tree pages
    Bytes8 b = healthy;
    for (int k = 0; k < 30; ++k)
      b[trees[rng() % trees.size()] * kPage + rng() % kPage] = static_cast<std::uint8_t>(rng());
    add("30 bytes over tree pages", std::move(b));
  }
  for (int i = 0; i < 20; ++i) {  // swapped pages
    Bytes8 b = healthy;
    const std::uint64_t x = trees[rng() % trees.size()], y = 2 + rng() % (pages - 2);
    std::swap_ranges(b.begin() + static_cast<long>(x * kPage), b.begin() + static_cast<long>((x + 1) * kPage),
                     b.begin() + static_cast<long>(y * kPage));
    add("pages " + std::to_string(x) + " and " + std::to_string(y) + " swapped", std::move(b));
  }
  for (int i = 0; i < 10; ++i) {  // a page copied over another
    Bytes8 b = healthy;
    const std::uint64_t x = trees[rng() % trees.size()], y = trees[rng() % trees.size()];
    std::copy_n(healthy.begin() + static_cast<long>(x * kPage), kPage, b.begin() + static_cast<long>(y * kPage));
    add("page " + std::to_string(x) + " copied over " + std::to_string(y), std::move(b));
  }
  for (int i = 0; i < 15; ++i) {  // random garbage pages behind valid meta pages
    Bytes8 b = healthy;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      const std::uint64_t pg = 2 + rng() % (pages - 2);
      for (std::size_t j = 0; j < kPage; ++j) b[pg * kPage + j] = static_cast<std::uint8_t>(rng());
    }
    add(std::to_string(n) + " garbage pages", std::move(b));
  }
  return out;
}

TEST_F(LmdbStore, DamagedStoresNeverKillTheProcess) {
  const auto start = std::chrono::steady_clock::now();
  int set_aside = 0, n = 0;
  for (const std::uint64_t seed : {1, 2}) {
    for (const Damage& d : damages(*bytes_, seed)) {
      const auto dir = scratch_.path() / ("d" + std::to_string(n++));
      std::filesystem::create_directories(dir);
      write_all(store_in(dir), d.bytes);
      const int rc = use_in_child(dir, *stored_);
      EXPECT_EQ(rc, 0) << "seed " << seed << ", " << d.name
                       << (rc == 3    ? ": a wrong value"
                           : rc > 128 ? ": a signal"
                                      : "");
      set_aside += set_aside_in(dir);
      std::filesystem::remove_all(dir);
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[   info   ] %d damaged stores, %d set aside, %.1f s\n", n, set_aside, s);
  EXPECT_GE(n, 500);
  EXPECT_GE(set_aside, n / 2);
}

TEST_F(LmdbStore, HealthyStoreIsNotSetAside) {
  const auto dir = scratch_.path() / "healthy";
  std::filesystem::create_directories(dir);
  write_all(store_in(dir), *bytes_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(use_in_child(dir, *stored_), 0);
    EXPECT_FALSE(set_aside_in(dir));
  }
  Cache cache(tiers(0, dir));
  for (const auto& s : *stored_) {
    const auto got = cache.get(s.key);
    ASSERT_TRUE(got);
    EXPECT_TRUE(*got == s.entry);
  }
}

TEST_F(LmdbStore, GarbageLockFileIsHarmless) {
  // LMDB re-initialises a lock file no process holds.
  const auto dir = scratch_.path() / "lock";
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(7);
  for (const std::size_t n : {0, 1, 100, 4096, 65536, 200000}) {
    write_all(store_in(dir), *bytes_);
    Bytes8 garbage(n);
    for (auto& c : garbage) c = static_cast<std::uint8_t>(rng());
    write_all(dir / "pixelcache-v2.mdb-lock", garbage);
    EXPECT_EQ(use_in_child(dir, *stored_), 0) << n;
    EXPECT_FALSE(set_aside_in(dir)) << n;
    Cache cache(tiers(0, dir));
    EXPECT_TRUE(cache.get(stored_->front().key)) << n;
  }
}

TEST_F(LmdbStore, SetAsideWithItsReason) {
  const auto dir = scratch_.path() / "reason";
  std::filesystem::create_directories(dir);
  write_all(store_in(dir), Bytes8(bytes_->begin(), bytes_->begin() + 2 * kPage));
  const auto env = cache_detail::LmdbEnv::open(store_in(dir), 64u << 20);
  EXPECT_TRUE(set_aside_in(dir));
  EXPECT_NE(env->set_aside_reason.find("past the end of the file"), std::string::npos) << env->set_aside_reason;
  EXPECT_NE(env->set_aside_reason.find(".broken-"), std::string::npos) << env->set_aside_reason;
  EXPECT_TRUE(env->check().ok);
}

TEST_F(LmdbStore, VerifyFindsAStoreDamagedWhileOpen) {
  const auto dir = scratch_.path() / "verify";
  std::filesystem::create_directories(dir);
  write_all(store_in(dir), *bytes_);
  Cache cache(tiers(0, dir));
  ASSERT_TRUE(cache.get(stored_->front().key));
  {  // another writer's bug: a leaf of the entries tree overwritten
    const PageMap m = page_map(*bytes_);
    const int fd = ::open(store_in(dir).c_str(), O_WRONLY);
    const Bytes8 junk(kPage, 0x5A);
    ASSERT_EQ(::pwrite(fd, junk.data(), kPage, static_cast<off_t>(m.leaf.back() * kPage)), static_cast<ssize_t>(kPage));
    ::close(fd);
  }
  const VerifyReport r = cache.verify();
  ASSERT_EQ(r.tiers.size(), 1u);
  EXPECT_TRUE(r.tiers[0].set_aside);
  EXPECT_FALSE(r.tiers[0].problem.empty());
  EXPECT_EQ(r.corrupt(), 1u);
  EXPECT_TRUE(set_aside_in(dir));
  const auto notices = cache.take_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("replaced by an empty one"), std::string::npos) << notices[0];
  cache.put(key_for(1), Entry(image_for(1)));
  EXPECT_TRUE(cache.get(key_for(1)));
  EXPECT_FALSE(cache.get(stored_->front().key));  // a new store
}

// The seed corpus of fuzz_lmdb_check: small stores, each valid.
// PIXELCACHE_WRITE_LMDB_CORPUS=1 writes them again.
TEST(CacheLmdbCheck, FuzzSeedStoresPass) {
  const std::filesystem::path corpus = std::filesystem::path(PIXELCACHE_FUZZ_DIR) / "corpus" / "lmdb_check";
  if (std::getenv("PIXELCACHE_WRITE_LMDB_CORPUS")) {
    std::filesystem::create_directories(corpus);
    const std::vector<std::pair<std::string, int>> stores = {
        {"empty", 0}, {"small", 6}, {"overflow", 14}, {"two-levels", 50}};
    for (const auto& [name, n] : stores) {
      TempDir dir;
      if (n == 0) {
        Cache cache(tiers(0, dir.path()));
      } else {
        build_store(dir.path(), n, 7);
      }
      std::filesystem::copy_file(store_in(dir.path()), corpus / (name + ".mdb"),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(corpus)) {
    const int fd = ::open(f.path().c_str(), O_RDONLY);
    const LmdbCheck c = check_lmdb_file(fd);
    ::close(fd);
    EXPECT_TRUE(c.ok) << f.path() << ": " << c.problem;
    EXPECT_LE(std::filesystem::file_size(f.path()), 256u << 10) << f.path();
    ++n;
  }
  EXPECT_GE(n, 4);
}

}  // namespace

// A store written by another process all the while: every open checks it
// (the meta pages without a lock, the whole file under the writer lock) and
// must never find it damaged.
TEST(CacheConcurrency, LiveStoreIsNeverSetAside) {
  TempDir dir;
  { Cache cache(tiers(0, dir.path(), 4u << 20)); }
  const pid_t writer = spawn([&] {
    Cache cache(tiers(0, dir.path(), 4u << 20));  // small: evictions, a busy free list
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
      cache.put(key_for(i % 500), i % 3 ? Entry(Bytes(noise_bytes(10 + i % 700, i))) : Entry(image_for(i)));
      if (i % 7 == 0) cache.erase(key_for((i * 13) % 500));
      if (i % 50 == 0) cache.put(key_for(1000 + i % 40), Entry(noise_image(120, 120, i)));  // 43 KB
    }
    return 0;
  });
  int opens = 0, status = 0;
  while (::waitpid(writer, &status, WNOHANG) == 0) {
    Cache cache(tiers(0, dir.path(), 4u << 20));
    (void)cache.get(key_for(opens % 500));
    ++opens;
    ASSERT_FALSE(set_aside_in(dir.path())) << "after " << opens << " opens";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(set_aside_in(dir.path()));
  EXPECT_GE(opens, 20);
  std::printf("[   info   ] %d opens while another process wrote\n", opens);
}

}  // namespace pixelcache::test
