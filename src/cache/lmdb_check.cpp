// Structural validation of an LMDB 0.9.x data file (lmdb_check.hpp).
//
// The layout, as liblmdb 0.9.24 writes it on a 64-bit host (all fields in
// host byte order, page numbers 8 bytes):
//   page header (16 bytes): pgno u64 | pad u16 | flags u16 | lower u16 |
//     upper u16 (overflow pages: the run's page count u32 in lower/upper);
//     branch and leaf pages then hold (lower - 16) / 2 u16 node offsets, and
//     the nodes themselves in [upper, page size).
//   node (8 bytes + key + data): lo u16 | hi u16 | flags u16 | ksize u16 |
//     key | data. Leaf: data size lo | hi << 16 and the data (an 8-byte
//     overflow page number for F_BIGDATA, a 48-byte database record for
//     F_SUBDATA). Branch: child page lo | hi << 16 | flags << 32, no data.
//   meta page: header, then magic u32 | version u32 | address u64 |
//     mapsize u64 | free DB record | main DB record | last_pg u64 | txnid u64.
//   database record (48 bytes): pad u32 (the page size in the free DB's) |
//     flags u16 | depth u16 | branch, leaf, overflow page counts u64 |
//     entries u64 | root u64.
#include "cache/lmdb_check.hpp"

#include <lmdb.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "pixelcache/error.hpp"

namespace pixelcache::cache_detail {

namespace {

static_assert(sizeof(std::size_t) == 8, "the LMDB layout checked is the 64-bit one (8-byte page numbers)");

constexpr std::size_t kPageHeader = 16;
constexpr std::size_t kNodeHeader = 8;
constexpr std::size_t kDbRecord = 48;
constexpr std::size_t kMetaBytes = kPageHeader + 136;  // what mdb_env_read_header reads of a meta page
constexpr std::uint16_t kBranch = 0x01, kLeaf = 0x02, kOverflow = 0x04, kMetaPage = 0x08;
constexpr std::uint16_t kBigData = 0x01, kSubData = 0x02;
constexpr std::uint32_t kMagic = 0xBEEFC0DE;
constexpr std::uint32_t kDataVersion = 1;
constexpr std::size_t kMaxKey = 511;                  // MDB_MAXKEYSIZE
constexpr unsigned kMaxDepth = 32;                    // CURSOR_STACK
constexpr std::uint64_t kMaxPageSize = 0x8000;        // MAX_PAGESIZE: LMDB's cap on the OS page size
constexpr std::uint64_t kNoPage = ~std::uint64_t{0};  // P_INVALID: an empty tree
constexpr std::uint64_t kMaxTxnid = std::uint64_t{1} << 62;
// The free DB's record carries the environment's flags of the low 16 bits.
constexpr unsigned kFreeDbFlags = MDB_FIXEDMAP | MDB_NOSUBDIR | MDB_INTEGERKEY;

template <class T>
T load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Reads exactly n bytes at offset `off`; false on a short read or an error.
bool read_at(int fd, void* buf, std::size_t n, std::uint64_t off) {
  auto* p = static_cast<std::uint8_t*>(buf);
  while (n) {
    const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) {
      errno = EIO;  // the file ends here
      return false;
    }
    p += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return true;
}

std::string num(std::uint64_t v) { return std::to_string(v); }

struct DbRecord {
  std::uint32_t pad = 0;
  std::uint16_t flags = 0, depth = 0;
  std::uint64_t tree_pages = 0, overflow_pages = 0;  // LMDB's counters: hints, not checked
  std::uint64_t root = kNoPage;
};

DbRecord db_record(const std::uint8_t* p) {
  DbRecord d;
  d.pad = load<std::uint32_t>(p);
  d.flags = load<std::uint16_t>(p + 4);
  d.depth = load<std::uint16_t>(p + 6);
  d.tree_pages = load<std::uint64_t>(p + 8) + load<std::uint64_t>(p + 16);
  d.overflow_pages = load<std::uint64_t>(p + 24);
  d.root = load<std::uint64_t>(p + 40);
  return d;
}

struct Meta {
  std::uint64_t pgno = 0;
  std::uint16_t page_flags = 0;
  std::uint32_t magic = 0, version = 0;
  std::uint64_t mapsize = 0;
  DbRecord dbs[2];  // free, main
  std::uint64_t last_pg = 0, txnid = 0;
};

Meta parse_meta(const std::uint8_t* p) {
  Meta m;
  m.pgno = load<std::uint64_t>(p);
  m.page_flags = load<std::uint16_t>(p + 10);
  m.magic = load<std::uint32_t>(p + 16);
  m.version = load<std::uint32_t>(p + 20);
  m.mapsize = load<std::uint64_t>(p + 32);
  m.dbs[0] = db_record(p + 40);
  m.dbs[1] = db_record(p + 88);
  m.last_pg = load<std::uint64_t>(p + 136);
  m.txnid = load<std::uint64_t>(p + 144);
  return m;
}

// What the meta check learnt, for the tree walk.
struct Layout {
  std::uint64_t psize = 0;
  std::uint64_t file_pages = 0;  // whole pages in the file
  Meta meta;                     // the one LMDB uses
};

bool fail(LmdbCheck& out, std::string problem) {
  out.ok = false;
  out.problem = std::move(problem);
  return false;
}

std::uint64_t os_page_size() {
  const long p = ::sysconf(_SC_PAGESIZE);
  const std::uint64_t s = p > 0 ? static_cast<std::uint64_t>(p) : 4096;
  return std::min(s, kMaxPageSize);
}

// A database record's root and depth: an empty tree, or a root in range
// with a depth LMDB's cursors can hold.
bool check_root(LmdbCheck& out, const DbRecord& d, std::uint64_t last_pg, const std::string& what) {
  if (d.root == kNoPage) {
    if (d.depth != 0) return fail(out, what + ": empty tree with depth " + num(d.depth));
    return true;
  }
  if (d.root < 2 || d.root > last_pg)
    return fail(out, what + ": root page " + num(d.root) + " outside [2, last page " + num(last_pg) + "]");
  if (d.depth < 1 || d.depth > kMaxDepth)
    return fail(out, what + ": depth " + num(d.depth) + " (root page " + num(d.root) + ")");
  return true;
}

bool check_meta(int fd, LmdbCheck& out, Layout& lay) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(out, std::string("cannot stat the file: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(out, "not a regular file");
  const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t psize = os_page_size();
  lay.psize = psize;
  if (size < 2 * psize)
    return fail(out, "file of " + num(size) + " bytes is shorter than its two meta pages (" + num(2 * psize) + ")");
  lay.file_pages = size / psize;

  Meta metas[2];
  for (int i = 0; i < 2; ++i) {
    std::array<std::uint8_t, kMetaBytes> buf;
    // As mdb_env_read_header: the second meta page where the first says.
    const std::uint64_t off = i == 0 ? 0 : metas[0].dbs[0].pad;
    if (!read_at(fd, buf.data(), buf.size(), off))
      return fail(out, "cannot read meta page " + num(i) + ": " + std::strerror(errno));
    Meta& m = metas[i] = parse_meta(buf.data());
    const std::string what = "meta page " + num(i);
    if (m.pgno != static_cast<std::uint64_t>(i) || m.page_flags != kMetaPage)
      return fail(out, what + ": not a meta page (header pgno " + num(m.pgno) + ", flags " + num(m.page_flags) + ")");
    if (m.magic != kMagic) return fail(out, what + ": bad magic " + num(m.magic));
    if (m.version != kDataVersion) return fail(out, what + ": data version " + num(m.version) + ", expected 1");
    if (m.dbs[0].pad != psize) return fail(out, what + ": page size " + num(m.dbs[0].pad) + ", expected " + num(psize));
    // LMDB carries the larger map size of the two metas into the next commit.
    if (m.mapsize > kMaxMapBytes) return fail(out, what + ": map size " + num(m.mapsize) + " bytes");
  }
  // mdb_env_pick_meta: the larger txnid, page 0 on a tie.
  const int pick = metas[1].txnid > metas[0].txnid ? 1 : 0;
  const Meta& m = lay.meta = metas[pick];
  const std::string what = "meta page " + num(pick) + " (txnid " + num(m.txnid) + ")";
  // Once a lock file holds the txnid, LMDB addresses the meta as
  // metas[txnid & 1]: it must be the one picked.
  if ((m.txnid & 1) != static_cast<std::uint64_t>(pick)) return fail(out, what + ": txnid on the wrong meta page");
  // The next commits would wrap the txnid to 0 and LMDB would keep picking
  // this meta (no store commits 2^62 times).
  if (m.txnid >= kMaxTxnid) return fail(out, what + ": txnid past 2^62");
  if (m.last_pg < 1 || m.last_pg >= kMaxMapBytes / psize) return fail(out, what + ": last page " + num(m.last_pg));
  if (m.mapsize < (m.last_pg + 1) * psize)
    return fail(out,
                what + ": map size " + num(m.mapsize) + " bytes is smaller than its " + num(m.last_pg + 1) + " pages");
  if (m.dbs[0].flags & ~kFreeDbFlags) return fail(out, what + ": free DB flags " + num(m.dbs[0].flags));
  if (m.dbs[1].flags != 0) return fail(out, what + ": main DB flags " + num(m.dbs[1].flags));
  if (!check_root(out, m.dbs[0], m.last_pg, what + ": free DB")) return false;
  if (!check_root(out, m.dbs[1], m.last_pg, what + ": main DB")) return false;
  return true;
}

// ---------------------------------------------------------------- tree walk

// The file's whole pages, mapped read-only; bytes are fetched only from
// pages below `pages` (the file's size when it was checked), so the map is
// never touched past the end of the file. Without a map (mmap refused: an
// address space limit) bytes are read with pread into a caller's buffer.
class FileView {
 public:
  FileView(int fd, std::uint64_t psize, std::uint64_t pages) : fd_(fd), bytes_(psize * pages) {
    void* m = ::mmap(nullptr, bytes_, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return;
    map_ = static_cast<const std::uint8_t*>(m);
  }
  // No read-ahead around the pages looked at: for a file not in the page
  // cache whose tree pages lie among values' overflow pages (read-ahead
  // would read the values; where tree pages are most of the file it saves
  // most reads, so it stays on there).
  void random_access() const {
    if (map_) ::madvise(const_cast<std::uint8_t*>(map_), bytes_, MADV_RANDOM);
  }
  ~FileView() {
    if (map_) ::munmap(const_cast<std::uint8_t*>(map_), bytes_);
  }
  FileView(const FileView&) = delete;
  FileView& operator=(const FileView&) = delete;

  // `n` bytes at `off` (within the pages): a pointer into the map, or into
  // `buf` (resized) filled by pread; null when the read fails.
  const std::uint8_t* at(std::uint64_t off, std::size_t n, std::vector<std::uint8_t>& buf) const {
    if (map_) return map_ + off;
    buf.resize(n);
    return read_at(fd_, buf.data(), n, off) ? buf.data() : nullptr;
  }

 private:
  int fd_;
  std::uint64_t bytes_;
  const std::uint8_t* map_ = nullptr;
};

enum class TreeKind { Free, Main, Named };

struct Key {
  const std::uint8_t* p = nullptr;
  std::size_t n = 0;
};

class Walker {
 public:
  Walker(int fd, const Layout& lay, LmdbCheck& out)
      : file_(fd, lay.psize, lay.file_pages),
        fd_(fd),
        psize_(lay.psize),
        node_max_((((lay.psize - kPageHeader) / 2) & ~std::uint64_t{1}) - 2),
        file_pages_(lay.file_pages),
        last_pg_(lay.meta.last_pg),
        txnid_(lay.meta.txnid),
        out_(out),
        used_((lay.file_pages + 63) / 64) {
    used_[0] |= 3;  // the meta pages
  }

  bool walk(TreeKind kind, const DbRecord& db, std::string name) {
    if (db.root == kNoPage) return true;
    kind_ = kind;
    depth_ = db.depth;
    tree_ = std::move(name);
    return page(db.root, 0, nullptr, nullptr);
  }

  void random_access() const { file_.random_access(); }

  // Named databases found in the main DB, walked after it.
  struct Named {
    std::string name;
    DbRecord db;
  };
  std::vector<Named> named;

  // Free pages past the end of the file must be exactly [file_pages, last_pg].
  bool finish() {
    std::sort(beyond_.begin(), beyond_.end());
    for (std::size_t i = 1; i < beyond_.size(); ++i)
      if (beyond_[i] == beyond_[i - 1]) return fail(out_, "free list: page " + num(beyond_[i]) + " listed twice");
    const std::uint64_t missing = last_pg_ + 1 > file_pages_ ? last_pg_ + 1 - file_pages_ : 0;
    if (beyond_.size() != missing)
      return fail(out_, "the file ends at page " + num(file_pages_) + " but the last page is " + num(last_pg_) +
                            ", and only " + num(beyond_.size()) + " of the pages past the end are free");
    return true;
  }

 private:
  // "<tree>, page N[, node I]: " for messages.
  std::string where(std::uint64_t pgno, std::size_t node = kNoNode) const {
    return tree_ + ", page " + num(pgno) + (node == kNoNode ? "" : ", node " + num(node)) + ": ";
  }
  static constexpr std::size_t kNoNode = ~std::size_t{0};

  // Marks bits [from, to) of `bits`; false when one of them was set.
  static bool mark(std::uint64_t* bits, std::uint64_t from, std::uint64_t to, std::uint64_t* first_set) {
    for (std::uint64_t p = from; p < to;) {
      const std::uint64_t w = p / 64, bit = p % 64;
      const std::uint64_t n = std::min<std::uint64_t>(64 - bit, to - p);
      const std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1)) << bit;
      if (bits[w] & mask) {
        *first_set = w * 64 + static_cast<std::uint64_t>(__builtin_ctzll(bits[w] & mask));
        return false;
      }
      bits[w] |= mask;
      p += n;
    }
    return true;
  }

  // Takes pages [first, first + count) for one use; `what()` starts the
  // message of a failure.
  template <class What>
  bool claim(std::uint64_t first, std::uint64_t count, const What& what) {
    if (first < 2 || first > last_pg_ || count > last_pg_ + 1 - first)
      return fail(out_,
                  what() + "pages " + num(first) + "+" + num(count) + " outside [2, last page " + num(last_pg_) + "]");
    if (first + count > file_pages_)
      return fail(out_, what() + "pages " + num(first) + "+" + num(count) + " past the end of the file (" +
                            num(file_pages_) + " pages)");
    std::uint64_t dup = 0;
    if (!mark(used_.data(), first, first + count, &dup))
      return fail(out_, what() + "page " + num(dup) + " is used twice");
    return true;
  }

  // Key order: memcmp then length (mdb_cmp_memn); the free DB's 8-byte
  // txnids as integers.
  int compare(const Key& a, const Key& b) const {
    if (kind_ == TreeKind::Free) {
      const std::uint64_t x = load<std::uint64_t>(a.p), y = load<std::uint64_t>(b.p);
      return x < y ? -1 : x > y;
    }
    const int c = std::memcmp(a.p, b.p, std::min(a.n, b.n));
    if (c) return c;
    return a.n < b.n ? -1 : a.n > b.n;
  }

  // The header of page `pgno` (at `p`, at `level` of the tree, a leaf or a
  // branch page): its number, flags and free space; its node count into *n
  // and the start of its nodes into *upper.
  bool header(const std::uint8_t* p, std::uint64_t pgno, unsigned level, bool leaf, std::size_t* n,
              std::uint16_t* upper) {
    const auto header_pgno = load<std::uint64_t>(p);
    const auto flags = load<std::uint16_t>(p + 10);
    const auto lower = load<std::uint16_t>(p + 12);
    *upper = load<std::uint16_t>(p + 14);
    if (header_pgno != pgno) return fail(out_, where(pgno) + "header says page " + num(header_pgno));
    if (flags != (leaf ? kLeaf : kBranch))
      return fail(out_, where(pgno) + "flags " + num(flags) + " where a " + (leaf ? "leaf" : "branch") +
                            " page belongs (level " + num(level) + " of depth " + num(depth_) + ")");
    // (Both even: LMDB adds a node at upper - its even size.)
    if (lower < kPageHeader || lower % 2 || *upper % 2 || *upper < lower || *upper > psize_)
      return fail(out_, where(pgno) + "lower " + num(lower) + ", upper " + num(*upper));
    *n = (lower - kPageHeader) / 2;
    if (*n < (leaf ? 1u : 2u)) return fail(out_, where(pgno) + num(*n) + " nodes");
    return true;
  }

  // The value of leaf node `i` of page `pgno` (its key, node flags, data
  // size and data): a free DB record's txnid and pages, an overflow run, or
  // a named database's record.
  bool leaf_value(std::uint64_t pgno, std::size_t i, const Key& key, std::uint16_t nflags, std::uint64_t dsize,
                  const std::uint8_t* data) {
    const std::size_t ksize = key.n;
    if (kind_ == TreeKind::Free) {
      if (ksize != 8) return fail(out_, where(pgno, i) + "free DB key of " + num(ksize) + " bytes");
      const auto id = load<std::uint64_t>(key.p);
      if (id < 1 || id > txnid_) return fail(out_, where(pgno, i) + "free DB record of txnid " + num(id));
    }
    if (nflags == kBigData) return overflow(load<std::uint64_t>(data), dsize, pgno, i);
    if (nflags == kSubData && kind_ == TreeKind::Main) {
      const std::string name =
          "DB '" +
          escape_bytes(std::string_view(reinterpret_cast<const char*>(key.p), std::min<std::size_t>(ksize, 64))) + "'";
      if (dsize != kDbRecord)
        return fail(out_, where(pgno, i) + name + ": database record of " + num(dsize) + " bytes");
      const DbRecord db = db_record(data);
      if (db.flags != 0) return fail(out_, where(pgno, i) + name + " has flags " + num(db.flags));
      if (!check_root(out_, db, last_pg_, where(pgno, i) + name)) return false;
      named.push_back({name, db});
      return true;
    }
    if (nflags != 0) return fail(out_, where(pgno, i) + "node flags " + num(nflags));
    if (kind_ == TreeKind::Free) return free_ids(data, dsize, pgno, i);
    return true;
  }

  // The `n` keys of page `pgno` strictly ascending, within [lo, hi). Key 0
  // of a branch page is not a key.
  bool keys_in_order(std::uint64_t pgno, const Key* keys, std::size_t n, bool leaf, const Key* lo,
                     const Key* hi) const {
    const std::size_t first = leaf ? 0 : 1;
    if (lo && compare(*lo, keys[first]) > 0)
      return fail(out_, where(pgno, first) + "key below the range the parent page gives");
    for (std::size_t i = first + 1; i < n; ++i)
      if (compare(keys[i - 1], keys[i]) >= 0) return fail(out_, where(pgno, i) + "key out of order");
    if (hi && compare(keys[n - 1], *hi) >= 0)
      return fail(out_, where(pgno, n - 1) + "key above the range the parent page gives");
    return true;
  }

  bool page(std::uint64_t pgno, unsigned level, const Key* lo, const Key* hi) {
    const bool leaf = level + 1 == depth_;
    if (level >= depth_ || level >= kMaxDepth)
      return fail(out_, where(pgno) + "tree deeper than its depth " + num(depth_));
    if (!claim(pgno, 1, [&] { return where(pgno); })) return false;
    Level& lv = levels_[level];
    const std::uint8_t* p = file_.at(pgno * psize_, psize_, lv.page);
    if (!p) return fail(out_, where(pgno) + "cannot read the page: " + std::strerror(errno));
    ++out_.pages;
    std::size_t n = 0;
    std::uint16_t upper = 0;
    if (!header(p, pgno, level, leaf, &n, &upper)) return false;

    // The nodes' cache lines, fetched together rather than one miss at a
    // time (the walk is bound by memory latency: every node is new).
    for (std::size_t i = 0; i < n; ++i)
      __builtin_prefetch(p + (load<std::uint16_t>(p + kPageHeader + 2 * i) & (psize_ - 1)));
    // Node extents, for the overlap check: one bit per 2-byte unit.
    std::array<std::uint64_t, kMaxPageSize / 128> span;
    std::fill_n(span.begin(), psize_ / 128, 0);
    lv.keys.resize(n);
    lv.children.resize(leaf ? 0 : n);
    Key* keys = lv.keys.data();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t off = load<std::uint16_t>(p + kPageHeader + 2 * i);
      if (off % 2 || off < upper || off + kNodeHeader > psize_)
        return fail(out_, where(pgno, i) + "offset " + num(off) + " (upper " + num(upper) + ")");
      const std::uint8_t* nd = p + off;
      const std::uint64_t lo16 = load<std::uint16_t>(nd), hi16 = load<std::uint16_t>(nd + 2);
      const std::uint16_t nflags = load<std::uint16_t>(nd + 4);
      const std::size_t ksize = load<std::uint16_t>(nd + 6);
      if (ksize > kMaxKey) return fail(out_, where(pgno, i) + "key of " + num(ksize) + " bytes");
      const std::uint64_t dsize = lo16 | hi16 << 16;
      std::uint64_t size = kNodeHeader + ksize;
      if (leaf) size += (nflags & kBigData) ? 8 : dsize;
      // LMDB keeps a value in its node only while the node fits in half a
      // page (me_nodemax; its page splits rely on it).
      if (off + size > psize_ || size > node_max_)
        return fail(out_, where(pgno, i) + num(size) + " bytes at offset " + num(off));
      std::uint64_t unused = 0;
      if (!mark(span.data(), off / 2, (off + size + 1) / 2, &unused))
        return fail(out_, where(pgno, i) + "overlaps another node");
      keys[i] = {nd + kNodeHeader, ksize};
      if (!leaf) {
        lv.children[i] = dsize | static_cast<std::uint64_t>(nflags) << 32;
        // Key 0 of a branch page is not used (it stands for -infinity).
        if (i > 0 && kind_ == TreeKind::Free && ksize != 8)
          return fail(out_, where(pgno, i) + "free DB key of " + num(ksize) + " bytes");
        continue;
      }
      if (!leaf_value(pgno, i, keys[i], nflags, dsize, nd + kNodeHeader + ksize)) return false;
    }

    if (!keys_in_order(pgno, keys, n, leaf, lo, hi)) return false;
    if (leaf) return true;
    for (std::size_t i = 0; i < n; ++i)
      if (!page(lv.children[i], level + 1, i == 0 ? lo : &keys[i], i + 1 == n ? hi : &keys[i + 1])) return false;
    return true;
  }

  // An F_BIGDATA value of `dsize` bytes starting at overflow page `ov`, named
  // by node `node` of page `pgno`: only the run's header is read (and a
  // free-list record's contents).
  bool overflow(std::uint64_t ov, std::uint64_t dsize, std::uint64_t pgno, std::size_t node) {
    const auto what = [&] { return where(pgno, node) + "overflow page " + num(ov) + ": "; };
    if (ov < 2 || ov > last_pg_ || ov >= file_pages_) return claim(ov, 1, what);  // (fails, with the reason)
    // (pread: a 16-byte copy costs less than mapping a page in.)
    std::array<std::uint8_t, kPageHeader> hbuf;
    if (!read_at(fd_, hbuf.data(), hbuf.size(), ov * psize_))
      return fail(out_, what() + "cannot read its header: " + std::strerror(errno));
    const std::uint8_t* h = hbuf.data();
    ++out_.pages;
    const auto header_pgno = load<std::uint64_t>(h);
    const auto flags = load<std::uint16_t>(h + 10);
    const auto count = load<std::uint32_t>(h + 12);
    if (header_pgno != ov) return fail(out_, what() + "header says page " + num(header_pgno));
    if (flags != kOverflow) return fail(out_, what() + "flags " + num(flags) + " where an overflow page belongs");
    const std::uint64_t need = (kPageHeader - 1 + dsize) / psize_ + 1;  // OVPAGES
    if (count < need)
      return fail(out_, what() + num(count) + " pages for " + num(dsize) + " bytes (" + num(need) + " needed)");
    if (!claim(ov, count, what)) return false;
    if (kind_ != TreeKind::Free) return true;
    // Within the run just claimed, so within the file.
    const std::uint8_t* ids = file_.at(ov * psize_ + kPageHeader, dsize, scratch_);
    if (!ids) return fail(out_, what() + "cannot read it: " + std::strerror(errno));
    return free_ids(ids, dsize, pgno, node);
  }

  // A free-list record: an IDL, a count then that many page numbers,
  // strictly descending.
  bool free_ids(const std::uint8_t* data, std::uint64_t dsize, std::uint64_t pgno, std::size_t node) {
    if (dsize < 8 || dsize % 8) return fail(out_, where(pgno, node) + "free list record of " + num(dsize) + " bytes");
    const auto count = load<std::uint64_t>(data);
    if (count > dsize / 8 - 1)
      return fail(out_,
                  where(pgno, node) + "free list record of " + num(dsize) + " bytes lists " + num(count) + " pages");
    std::uint64_t prev = kNoPage;
    for (std::uint64_t j = 1; j <= count; ++j) {
      const auto pg = load<std::uint64_t>(data + 8 * j);
      if (pg >= prev) return fail(out_, where(pgno, node) + "free list not descending at page " + num(pg));
      prev = pg;
      if (pg < 2 || pg > last_pg_)
        return fail(out_, where(pgno, node) + "free page " + num(pg) + " outside [2, last page " + num(last_pg_) + "]");
      if (pg >= file_pages_) {
        beyond_.push_back(pg);
      } else if (used_[pg / 64] >> (pg % 64) & 1) {
        return fail(out_, where(pgno, node) + "free page " + num(pg) + " is used twice");
      } else {
        used_[pg / 64] |= std::uint64_t{1} << (pg % 64);
      }
    }
    return true;
  }

  struct Level {
    std::vector<std::uint8_t> page;
    std::vector<Key> keys;
    std::vector<std::uint64_t> children;
  };

  FileView file_;
  int fd_;
  std::uint64_t psize_, node_max_, file_pages_, last_pg_, txnid_;
  LmdbCheck& out_;
  std::vector<std::uint64_t> used_;  // one bit per page of the file
  std::vector<std::uint64_t> beyond_;
  std::array<Level, kMaxDepth> levels_;  // the page at each level (without a map), its keys and children
  std::vector<std::uint8_t> scratch_;    // overflow headers and free lists (without a map)
  TreeKind kind_ = TreeKind::Main;
  unsigned depth_ = 0;
  std::string tree_;
};

}  // namespace

LmdbCheck check_lmdb_meta(int fd) {
  LmdbCheck out;
  Layout lay;
  check_meta(fd, out, lay);
  return out;
}

std::uint64_t lmdb_map_bytes_needed(int fd) {
  LmdbCheck out;
  Layout lay;
  return check_meta(fd, out, lay) ? (lay.meta.last_pg + 1) * lay.psize : 0;
}

LmdbCheck check_lmdb_file(int fd) {
  LmdbCheck out;
  Layout lay;
  if (!check_meta(fd, out, lay)) return out;
  Walker w(fd, lay, out);
  if (!w.walk(TreeKind::Free, lay.meta.dbs[0], "free DB") || !w.walk(TreeKind::Main, lay.meta.dbs[1], "main DB"))
    return out;
  std::uint64_t tree = 0, overflow = 0;
  for (const Walker::Named& d : w.named) {
    tree += d.db.tree_pages;
    overflow += d.db.overflow_pages;
  }
  if (overflow > tree) w.random_access();
  for (std::size_t i = 0; i < w.named.size(); ++i) {
    const Walker::Named& d = w.named[i];
    if (!w.walk(TreeKind::Named, d.db, d.name)) return out;
  }
  w.finish();
  return out;
}

}  // namespace pixelcache::cache_detail
