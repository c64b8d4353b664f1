// Internal: a structural validator of an LMDB 0.9.x data file, run before
// LMDB touches a tree page of it.
//
// Why. LMDB trusts its file completely: it memory-maps it and follows page
// numbers, node offsets and sizes as they are written. A truncated file
// gives SIGBUS (pages past the end of the file are mapped), flipped bytes in
// a tree page give SIGSEGV inside mdb_cursor_get or trip one of its
// assertions (abort), and a bad free list makes it hand out pages that are
// still in use (wrong answers later). A cache store must never take the
// process down, so LmdbEnv::open (lmdb_env.cpp) validates the file's
// structure first and sets a damaged store aside.
//
// The format checked is the one Debian's liblmdb 0.9.24 writes on a 64-bit
// little-endian host (8-byte page numbers, host byte order), for a store
// opened as pixelcache opens it: MDB_NOSUBDIR, the OS page size (LMDB
// creates files with it; a file with another page size is refused), no
// DUPSORT / DUPFIXED / INTEGERKEY / REVERSEKEY databases (memcmp key order),
// named databases as F_SUBDATA records of the main database.
//
// What is checked, and why:
//   * meta pages (check_lmdb_meta): both pages 0 and 1 are meta pages with
//     LMDB's magic and data version and the same page size, which must be
//     the OS page size (LMDB takes it from the file: 0 would divide by zero,
//     a wrong one puts the second meta page elsewhere). The meta LMDB uses is
//     chosen as mdb_env_pick_meta chooses it (the larger txnid, page 0 on a
//     tie), and it must sit on the page its txnid's parity names (LMDB
//     addresses it as metas[txnid & 1] once a lock file holds the txnid),
//     and its txnid is below 2^62 (far from wrapping to 0).
//     Its last page number and map size must agree ((last_pg + 1) pages fit
//     in mm_mapsize, which is at most kMaxMapBytes: the map LMDB makes is at
//     least that large). The file holds at least two pages. (A trailing
//     partial page counts as past the end of the file: LMDB writes whole
//     pages, so it must be a free page, which LMDB never reads.)
//     The free and main databases' records: no flag that changes how LMDB
//     reads a tree (DUPSORT & co.), roots either P_INVALID with depth 0 or a
//     page number in [2, last_pg] with depth 1..32.
//   * every tree page (check_lmdb_file) reachable from that meta: the free
//     database, the main database, and each named database whose F_SUBDATA
//     record is in the main database. Each page number is in [2, last_pg]
//     and inside the file; the page header's pgno equals its position; its
//     kind is right for its place (branch pages above, leaf pages at exactly
//     the tree's recorded depth, which is at most 32, LMDB's cursor stack;
//     overflow pages only under F_BIGDATA nodes; no LEAF2 / sub-pages);
//     mp_lower / mp_upper are consistent (both even: LMDB adds a node at
//     upper minus its even size; lower <= upper <= page size); every node
//     is 2-byte aligned, lies in
//     [mp_upper, page size), overlaps no other node and is at most half a
//     page (LMDB's me_nodemax: larger values go to overflow pages, and its
//     page splits rely on it); key sizes are at most 511 (the free
//     database's keys are 8-byte txnids in [1, txnid]); branch pages have
//     at least two children (LMDB asserts it); keys are strictly ascending
//     within each page and lie within the key range their parent gives
//     them (memcmp order; the free database in integer order); leaf node
//     flags are 0, F_BIGDATA or (main database only) F_SUBDATA; F_BIGDATA
//     nodes name an overflow page whose header has the right pgno and kind
//     and whose mp_pages covers the data size (at least OVPAGES(size): LMDB
//     overwrites an overflow value in place with a smaller one without
//     shrinking the run) and lies inside the file; F_SUBDATA records are
//     48-byte MDB_db records without flags whose trees are checked the same
//     way.
//   * the free list: each free-database record is an IDL (a count, then
//     that many page numbers, strictly descending, each in [2, last_pg]);
//     records kept in overflow pages are read in full (they are page
//     numbers, not values).
//   * no page is used twice: across every tree, every overflow run and the
//     free list (LMDB's invariant: each page up to last_pg is either in a
//     tree or free). Pages past the end of the file must all be free (a
//     transaction may free pages it never wrote; anything else there means
//     a truncated file or a damaged last_pg).
// Not checked: the counters of MDB_db (entries, page counts: LMDB never
// addresses memory with them), pages that are neither used nor free (a
// leak wastes space but is harmless), and the contents of values (the
// cache's entries carry their own checksums). Only the 16-byte header of an
// overflow page is read. A flipped bit inside a key that keeps the keys in
// order moves that value to another key: with 16-byte digests as keys,
// one nobody asks for.
//
// Cost. check_lmdb_meta: two 152-byte preads. check_lmdb_file: the file's
// whole pages mapped read-only (pread when mmap is refused) and every
// branch / leaf page read through the map (their nodes prefetched
// together: the walk is bound by memory latency), one 16-byte pread per
// value kept in overflow pages, and the free list; time linear in the tree
// pages and values, memory one bit per page of the file plus the nodes of
// one page per tree level. Measured (bench/bench_lmdb_check.cpp, 2 shared
// cores): with the file in the page cache 28 ms for 20,000 values of
// ~200 KB (a 4 GB file: ~700 tree pages and 20,000 overflow headers) and
// 21 ms for 200,000 values of ~100 bytes (72 MB, 17,500 tree pages) — the
// whole cost of opening such a store; from disk 1.6 s and 85 ms (the first
// reads 20,000 scattered pages, the overflow headers). Read-ahead is
// turned off (MADV_RANDOM) when LMDB's counters say overflow pages
// outnumber tree pages, so that reading tree pages does not read the
// values around them.
//
// Thread safety and scope. Both functions are reentrant (no shared state;
// pread leaves the descriptor's offset alone; the map is the function's
// own). They check the file as it is while they read it: the caller must
// keep writers out (LmdbEnv holds LMDB's writer lock, a write transaction,
// while it checks), or a concurrent commit may be reported as damage. The
// map is read only below the file's size at the start, so a file that does
// not shrink meanwhile cannot raise SIGBUS (LMDB never shrinks its file; a
// truncation by someone else would hit LMDB's own map just the same).
// Damage done to the file by another process *after* a store passed its
// check and is open — bytes overwritten under a live LMDB environment, a
// truncation while it is mapped — is out of scope: LMDB reads its map
// without any check, and nothing short of checking every page on every
// access could catch that (Cache::verify runs the check again on demand).
// The lock file (<file>-lock) is not checked here (see lmdb_env.cpp).
#pragma once

#include <cstdint>
#include <string>

namespace pixelcache::cache_detail {

struct LmdbCheck {
  bool ok = true;
  std::string problem;      // what is wrong, with page numbers, when !ok
  std::uint64_t pages = 0;  // branch/leaf/overflow pages visited
};

/// Largest mm_mapsize accepted (64 TiB): more than any disk tier asks for
/// (1.5 x disk_bytes + 4 MiB), less than the 128 TiB of user address space
/// of x86-64.
inline constexpr std::uint64_t kMaxMapBytes = std::uint64_t{1} << 46;

/// Validates the meta pages only (magic, version, page size, txnid choice
/// as LMDB makes it, last page vs the file size, map size sane, root page
/// numbers in range; the list above). Never crashes on any input: reads
/// with pread (two 152-byte reads), with or without a lock held (a commit
/// under way can make it report a problem that is gone when it is run again).
LmdbCheck check_lmdb_meta(int fd);
/// check_lmdb_meta, then every page reachable from the meta LMDB would pick
/// (main DB, every named DB whose record is in the main DB, the free DB and
/// the page numbers listed in it), as listed above: page numbers within
/// [2, last_pg] and the file, header pgno equal to the position, the right
/// page kind for the place, mp_lower / mp_upper consistent, nodes inside
/// the page and not overlapping, key sizes <= 511, keys strictly ascending
/// within each page and within their parent's key range, F_BIGDATA nodes
/// naming an overflow run whose mp_pages covers the data size and lies in
/// the file, F_SUBDATA records well formed (48-byte MDB_db, no flags, their
/// trees checked), tree depth exactly the recorded one and <= 32, no page
/// used twice (trees, overflow runs, free list), free-list IDLs well formed
/// and every page past the end of the file free. Never crashes, hangs
/// (each page is read at most once) or allocates more than one bit per page
/// of the file plus a page buffer per tree level and the free list's pages
/// past the end of the file. `pages` counts the branch and leaf pages read
/// and the overflow headers read.
LmdbCheck check_lmdb_file(int fd);

/// The smallest map LMDB makes for the file: (last_pg + 1) x the page size,
/// from the meta it picks; 0 when check_lmdb_meta fails.
std::uint64_t lmdb_map_bytes_needed(int fd);

}  // namespace pixelcache::cache_detail
