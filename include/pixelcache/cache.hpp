// pixelcache/cache.hpp — the content-addressed cache (DESIGN §5): memory,
// disk (LMDB) and Redis tiers stacked behind one Cache, keyed by 128-bit
// digests, and memoize().
//
// A Cache holds results — images, Value trees (value.hpp) and byte strings —
// under 128-bit keys (Digest). Keys for function results are derived from
// (namespace, function name, user version, the arguments' digests) by
// CacheKey; memoize() wraps a function so it only runs on a miss.
//
// Tiers, top to bottom (each optional; a size of 0 or an empty path / URL
// turns it off):
//   memory  an LRU of decoded results in this process, bounded in bytes;
//           a hit returns the stored handle (O(1), images share storage).
//   disk    an LMDB store in a directory, bounded in bytes with
//           least-recently-used eviction; many processes may use one
//           directory at once; survives restarts and kill -9.
//   redis   a Redis server (hiredis): keys "pixelcache:<namespace>:<hex key>",
//           optional TTL, connect and command time-outs, reconnects.
// get() looks in each tier in order and copies a hit into every tier above
// it (read-through). put() writes to every tier. A tier that fails (Redis
// down or slow, disk full, store full) is counted in stats() and skipped;
// after `retry_backoff` (doubling per consecutive failure, at most 32x) it is
// tried again. The result of a call never depends on a tier being up: a
// failing tier makes a hit a miss, never an error.
//
// Integrity: every stored entry carries a format version, a header checksum
// and the digest of its contents, all checked on every read from disk or
// Redis. A corrupt or truncated entry is dropped, counted (stats().corrupt),
// and treated as a miss, so memoize() recomputes it; it is never returned.
//
// ---------------------------------------------------------------------------
// Stored entry format, version 1 (disk values and Redis values are exactly
// these bytes; all integers little-endian unless said otherwise):
//
//   offset size  field
//   0      4     magic, ASCII "PXCE"
//   4      1     format version, 1
//   5      1     kind: 1 = image, 2 = value, 3 = bytes
//   6      1     flags: bit 0 set = the body is one zstd frame (RFC 8878);
//                other bits are 0
//   7      1     T = tag length, 0..64
//   8      8     S = stored body length (after compression), uint64
//   16     8     U = body length uncompressed, uint64 (U == S when not
//                compressed)
//   24     16    body digest: XXH3-128 (seed 0) of the U uncompressed body
//                bytes, in Digest::hex() order (high 64 bits big-endian,
//                then low 64 bits big-endian)
//   40     8     checksum: XXH3-64 (seed 0) of bytes 0..39, then the T tag
//                bytes, then — only when the body is compressed — the S
//                stored body bytes; uint64
//   48     T     tag: printable ASCII (0x20..0x7e), e.g. "numpy"
//   48+T   S     body
// The entry is exactly 48 + T + S bytes. A reader checks the magic, the
// version, the checksum, the lengths, then decompresses (when flagged) to
// exactly U bytes and checks the body digest, then parses the body. So every
// stored byte is covered: an uncompressed body by its digest, a compressed
// one by the checksum as stored and by the digest once decompressed.
//
// Bodies (uncompressed):
//   image  the image's canonical form of digest.hpp: 16 header bytes ("PXC1",
//          mode, sample type, channels, 0, width, height) then the packed
//          pixels. So the body digest *is* the image digest, and a decoded
//          image gets its digest without hashing again.
//   bytes  the bytes themselves (body digest = digest_bytes()).
//   value  one encoded Value, recursively (each starts with a tag byte):
//            'N'                                       null
//            'B' u8 (0 or 1)                           bool
//            'I' int64                                 int
//            'F' float64 (IEEE-754 bits)               float
//            'S' u64 n, n bytes                        string
//            'M' u64 n, n bytes: an image body as above image
//            'X' 4 x float64 (xmin, ymin, xmax, ymax), u8 normalized (0/1),
//                u8 has_size (0/1), [int64 height, int64 width]   bbox
//            'A' u64 n, n bytes dtype, u64 rank, rank x int64 dims,
//                u64 m, m bytes data                   array
//            'L' u64 count, count values               list
//            'D' u64 count, count x (key value, value) dict, insertion order
//          Nesting is at most 128 deep. The value must fill the body
//          exactly.
// Compression: with Compression::Auto, bodies of 4 KiB and more are zstd-
// compressed (level 3) when a trial on their first 16 KiB (level 1) shrinks
// to half or less, and stored compressed when the whole body then shrinks
// to half or less too: masks, flat images, repetitive values. Photographs stay
// raw: zstd saves them ~8 % but makes a disk hit of a 12 MP photo ~6x
// slower (bench/bench_cache.cpp), while a 12 MP mask shrinks 29x.
//
// Disk store layout (for tools; readers need only the entries database):
// <dir>/pixelcache-v1.mdb (+ "-lock"), an LMDB environment opened with
// MDB_NOSUBDIR, with named databases "entries" (16-byte key in Digest::hex()
// byte order -> entry), "info" (key -> uint64 tick, uint64 cost), "lru"
// (uint64 tick big-endian + key -> empty) and "meta" ("bytes", "entries",
// "tick", and the lifetime counters "hits", "misses", "writes", "evictions",
// "corrupt" -> uint64; see StoreTotals). A damaged store file (truncated,
// overwritten, garbage pages) is found when a process opens the store, and
// by verify(): its structure is checked before LMDB reads it, and a damaged
// file is renamed <file>.broken-<unix ns> and replaced by an empty store.
//
// Keys: CacheKey computes XXH3-128 of "PXK1", then the namespace, function
// name and version each as a u64 length + bytes, then u64 argument count,
// then each argument digest (16 bytes, Digest::hex() order). Arguments are
// digested as Values (value.hpp); byte strings as a Value Array of dtype
// "bytes" and shape {n}.
// ---------------------------------------------------------------------------
//
// Thread safety: a Cache may be used from any number of threads at once; all
// its functions are safe to call concurrently and block only on their own
// I/O (callers such as the Python bindings may release their own locks
// around them). Entry, Bytes, CacheKey results and the option / statistics
// structs are plain values. After fork(), a Cache inherited by the child
// reopens its LMDB store and Redis connections on first use (neither may be
// shared across fork); forking while another thread is inside a Cache call
// is not supported.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "pixelcache/digest.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

// ---------------------------------------------------------------- values

/// An immutable byte string with O(1) copies (shared storage), for results
/// that are neither images nor Values (e.g. pickled objects).
class Bytes {
 public:
  /// The empty byte string.
  Bytes() = default;
  /// Takes ownership of `data`.
  explicit Bytes(std::vector<std::uint8_t> data);
  /// Copies `data`.
  explicit Bytes(std::span<const std::uint8_t> data);
  /// Copies the characters of `data`.
  explicit Bytes(std::string_view data);

  const std::uint8_t* data() const noexcept { return data_ ? data_->data() : nullptr; }
  /// Length in bytes.
  std::size_t size() const noexcept { return data_ ? data_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  std::span<const std::uint8_t> span() const noexcept { return {data(), size()}; }
  /// The bytes as characters (no copy).
  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(data()), size()}; }
  /// digest_bytes() of the content.
  Digest digest() const { return digest_bytes(data(), size()); }
  /// Equal content.
  bool operator==(const Bytes& o) const noexcept;

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> data_;
};

/// What an entry holds (the kind byte of the stored format).
enum class EntryKind : std::uint8_t { Image = 1, Value = 2, Bytes = 3 };
/// "image", "value" or "bytes".
const char* entry_kind_name(EntryKind kind) noexcept;

/// Longest tag, in bytes.
inline constexpr std::size_t kMaxTagLength = 64;

/// One cached result: an Image, a Value tree or Bytes, plus a short tag
/// chosen by the writer so a front end can restore the original type (the
/// Python front writes "py:" + type codes, e.g. "py:T" for a HashableImage,
/// or "pickle"; python/pixelcache/_codec.py). O(1) copies.
class Entry {
 public:
  /// Throws InvalidArgument for an empty image, or a tag longer than
  /// kMaxTagLength bytes or with bytes outside printable ASCII (0x20..0x7e).
  Entry(Image image, std::string tag = {});
  /// Throws InvalidArgument for a tag as above, or a Value that holds an
  /// empty Image anywhere inside.
  Entry(Value value, std::string tag = {});
  /// Throws InvalidArgument for a tag as above.
  Entry(Bytes bytes, std::string tag = {});

  EntryKind kind() const noexcept { return static_cast<EntryKind>(v_.index() + 1); }
  const std::string& tag() const noexcept { return tag_; }
  /// The held image; throws InvalidArgument naming the kind when it is not one.
  const Image& image() const;
  /// The held Value; throws InvalidArgument when it is not one.
  const Value& value() const;
  /// The held bytes; throws InvalidArgument when they are not.
  const Bytes& bytes() const;
  const std::variant<Image, Value, Bytes>& variant() const noexcept { return v_; }

  /// The content digest: Image::digest(), Value::digest() or Bytes::digest().
  Digest content_digest() const;
  /// Estimated memory held, in bytes (pixels, strings, array data, ...);
  /// what the memory tier counts against its bound.
  std::size_t byte_size() const;
  /// Same kind, tag and content.
  bool operator==(const Entry& o) const;

 private:
  std::variant<Image, Value, Bytes> v_;
  std::string tag_;
};

// ---------------------------------------------------------------- entry codec

/// Body compression of stored entries.
enum class Compression : std::uint8_t {
  None,  ///< never compress
  Auto,  ///< zstd when a trial and then the whole body show it halves the size (see file comment)
  Zstd,  ///< always zstd (level 3) for bodies of 64 bytes and more
};

/// Encodes `entry` in the stored format (file comment). Throws LimitError
/// when the body would be larger than 2^40 bytes.
std::vector<std::uint8_t> encode_entry(const Entry& entry, Compression compression = Compression::Auto);

/// Decodes and verifies stored bytes (every check of the file comment).
/// Throws CorruptEntryError saying what is wrong; LimitError when an image
/// in it is larger than max_image_bytes().
Entry decode_entry(std::span<const std::uint8_t> bytes);

/// What the header of a stored entry says (no body checks).
struct EntryHeader {
  EntryKind kind = EntryKind::Bytes;
  std::string tag;
  bool compressed = false;
  std::uint64_t stored_body_bytes = 0;  ///< S
  std::uint64_t body_bytes = 0;         ///< U
  Digest body_digest;
  /// Whole entry length, 48 + T + S.
  std::uint64_t entry_bytes() const noexcept { return 48 + tag.size() + stored_body_bytes; }
};
/// Parses and checks the 48-byte header and the tag (magic, version, kind,
/// flags, checksum; not the body digest). `bytes` may be just the start of
/// an entry (at least 48 + T bytes); the checksum of a compressed entry is
/// then checked only when the whole stored body is present. Throws
/// CorruptEntryError.
EntryHeader read_entry_header(std::span<const std::uint8_t> bytes);

// ---------------------------------------------------------------- keys

/// Builds a cache key: the digest of (namespace, function name, user
/// version, the arguments' digests) — see the file comment for the bytes.
/// Change `version` when the function's output changes, to stop reading old
/// results.
class CacheKey {
 public:
  CacheKey(std::string_view key_namespace, std::string_view function, std::string_view version = {});
  /// Appends an argument by its Value digest (images, numbers, strings,
  /// bools, null, boxes, arrays, containers — anything a Value holds).
  CacheKey& add(const Value& argument);
  /// Appends a byte-string argument (digested as a Value Array of dtype
  /// "bytes", shape {n}).
  CacheKey& add(const Bytes& argument);
  /// Appends an argument already reduced to its digest.
  CacheKey& add_digest(const Digest& argument_digest);
  /// The argument digests appended so far.
  const std::vector<Digest>& arguments() const noexcept { return args_; }
  /// The key.
  Digest digest() const;

 private:
  std::string ns_, function_, version_;
  std::vector<Digest> args_;
};

/// The key of (namespace, function, version, argument digests) in one call.
Digest cache_key(std::string_view key_namespace, std::string_view function, std::string_view version,
                 std::span<const Digest> argument_digests);

// ---------------------------------------------------------------- options

/// How a Cache is made. Sizes in bytes; a size of 0, an empty disk path or an
/// empty Redis URL turns that tier off.
struct CacheOptions {
  /// Separates users of one Redis server (key prefix) and is part of every
  /// memoize() key. 1..256 bytes, no control characters.
  std::string key_namespace = "default";
  /// Memory tier bound (decoded results); 0 = no memory tier.
  std::uint64_t memory_bytes = std::uint64_t{256} << 20;
  /// Disk tier directory (created if missing); empty = no disk tier.
  std::filesystem::path disk_path;
  /// Disk tier bound on the stored entries' bytes; 0 = no disk tier. The
  /// store file itself never grows beyond 1.5 x this + 4 MiB (LMDB reuses
  /// freed pages rather than shrinking the file).
  std::uint64_t disk_bytes = std::uint64_t{4} << 30;
  /// "redis://[[user]:password@]host[:port][/db]" or "unix:///path[?db=N]";
  /// empty = no Redis tier. TLS (rediss://) is not supported.
  std::string redis_url;
  /// Expiry of Redis entries; 0 = none (the server's own eviction applies).
  std::chrono::seconds redis_ttl{0};
  /// Redis connect time-out.
  std::chrono::milliseconds connect_timeout{500};
  /// Redis time-out for one command (send and reply).
  std::chrono::milliseconds command_timeout{2000};
  /// Wait before a failed tier is tried again; doubles per consecutive
  /// failure up to 32x.
  std::chrono::milliseconds retry_backoff{1000};
  /// Compression of stored entries (disk and Redis).
  Compression compression = Compression::Auto;

  /// The defaults, with the disk tier in default_directory() and the Redis
  /// tier at $PIXELCACHE_REDIS_URL when that is set and not empty. Throws
  /// CacheError when no directory can be determined (no variable set and no
  /// home directory).
  static CacheOptions from_environment();
  /// $PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else
  /// ~/.cache/pixelcache ($HOME, else the password database). Empty
  /// variables count as unset. Throws CacheError when none applies.
  static std::filesystem::path default_directory();
};

// ---------------------------------------------------------------- statistics

/// The tiers, top to bottom.
enum class TierKind : std::uint8_t { Memory, Disk, Redis };
/// "memory", "disk" or "redis".
const char* tier_name(TierKind tier) noexcept;

/// Counters a disk store keeps in itself, summed over every process that
/// used it since it was created (clear() and trim() keep them). Reads are
/// added by the next write transaction of their process (a put, a flush of
/// recent reads — every 256 hits or 2 s — or closing the Cache), so a process
/// killed with -9 loses its last reads' counts.
struct StoreTotals {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t writes = 0;     ///< entries stored (puts and promotions)
  std::uint64_t evictions = 0;  ///< entries evicted for the bound or by trim()
  std::uint64_t corrupt = 0;    ///< corrupt entries found and dropped (reads and verify())
};

/// Counters of one tier. hits ... errors count the calls of this Cache
/// object since it was made; entries / bytes describe the store itself (for
/// the disk tier: every process's entries).
struct TierStats {
  TierKind tier = TierKind::Memory;
  /// False while the tier waits out its back-off after an error.
  bool available = true;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t writes = 0;     ///< entries written (puts and promotions)
  std::uint64_t evictions = 0;  ///< entries evicted by this object to respect the bound
  std::uint64_t corrupt = 0;    ///< corrupt entries found (and dropped)
  std::uint64_t errors = 0;     ///< failed operations (tier down, disk full, time-outs)
  /// Stored entries and their bytes, where the tier knows them cheaply
  /// (memory, disk); empty for Redis (use Cache::for_each_entry to count).
  std::optional<std::uint64_t> entries;
  std::optional<std::uint64_t> bytes;
  std::uint64_t max_bytes = 0;  ///< the bound; 0 when the tier has none (Redis)
  /// The store's own lifetime counters (disk tier; this process's reads
  /// included); empty for memory and Redis.
  std::optional<StoreTotals> totals;
};

/// Statistics of a Cache.
struct CacheStats {
  std::vector<TierStats> tiers;  ///< the enabled tiers, top first
  std::uint64_t computed = 0;    ///< get_or_compute() calls that ran the function
  std::uint64_t joined = 0;      ///< get_or_compute() calls that waited for another thread's run
  /// The stats of `tier`, or nullopt when it is not enabled.
  std::optional<TierStats> tier(TierKind tier) const;
};

/// One stored entry, as listed by Cache::for_each_entry().
struct EntryInfo {
  Digest key;
  EntryKind kind = EntryKind::Bytes;
  std::string tag;
  std::uint64_t bytes = 0;  ///< stored size (memory tier: Entry::byte_size())
  bool compressed = false;
};

/// Result of Cache::verify(), per tier with a store (disk, Redis).
struct VerifyReport {
  struct Tier {
    TierKind tier = TierKind::Disk;
    std::uint64_t checked = 0;  ///< entries read
    std::uint64_t ok = 0;       ///< entries that passed every check
    std::uint64_t corrupt = 0;  ///< entries that failed and were dropped
    bool complete = true;       ///< false when the tier failed during the pass
  };
  std::vector<Tier> tiers;
  /// Sum of corrupt over the tiers.
  std::uint64_t corrupt() const noexcept;
};

/// Result of Cache::trim().
struct TrimReport {
  std::uint64_t evicted_entries = 0;
  std::uint64_t evicted_bytes = 0;
  std::uint64_t entries = 0;  ///< left in the disk store
  std::uint64_t bytes = 0;
  bool ok = true;  ///< false when there is no usable disk tier
};

/// Where get_or_compute() found its result.
enum class Origin : std::uint8_t {
  Memory,    ///< memory tier hit
  Disk,      ///< disk tier hit
  Redis,     ///< Redis tier hit
  Computed,  ///< this call ran the function
  Joined,    ///< another thread was computing the same key; this call waited for it
};
/// "memory", "disk", "redis", "computed" or "joined".
const char* origin_name(Origin origin) noexcept;

// ---------------------------------------------------------------- the cache

/// A stack of cache tiers (see the file comment). Not copyable; share it by
/// reference or shared_ptr. Thread-safe.
class Cache {
 public:
  /// Opens the tiers. Throws InvalidArgument for a bad namespace or a
  /// malformed Redis URL (also rediss://), CacheError for an unusable disk
  /// directory (a file, not creatable, not writable) or store. An
  /// unreachable Redis server is not an error: the tier starts in back-off.
  explicit Cache(CacheOptions options);
  /// Opens CacheOptions::from_environment().
  Cache();
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  const CacheOptions& options() const noexcept;
  /// True when `tier` is enabled.
  bool has_tier(TierKind tier) const noexcept;

  /// The entry under `key`, looked up tier by tier and copied into the tiers
  /// above the one that had it; nullopt on a miss. `found_in`, when given,
  /// receives the tier of the hit. Never throws for tier failures.
  std::optional<Entry> get(const Digest& key, TierKind* found_in = nullptr);
  /// get() for an entry that must be an image: nullopt on a miss; throws
  /// InvalidArgument when the entry holds another kind.
  std::optional<Image> get_image(const Digest& key);
  /// get() for a Value entry (throws InvalidArgument for another kind).
  std::optional<Value> get_value(const Digest& key);
  /// get() for a bytes entry (throws InvalidArgument for another kind).
  std::optional<Bytes> get_bytes(const Digest& key);

  /// Stores `entry` under `key` in every tier (replacing what was there).
  /// An entry larger than a tier's bound is not stored in that tier.
  void put(const Digest& key, const Entry& entry);
  /// True when some tier holds `key` (no checksum check, no promotion).
  bool contains(const Digest& key);
  /// Removes `key` from every tier; true when some tier had it.
  bool erase(const Digest& key);
  /// Removes every entry: the memory tier, the whole disk store, and the
  /// Redis keys of this namespace. True when every enabled tier was cleared.
  bool clear();

  /// The result under `key`, or `compute()`'s result, stored under `key`.
  /// Concurrent calls for one key in this process run `compute` once: the
  /// others wait and share its result (or its exception, rethrown in each).
  /// `compute` runs on the calling thread without any Cache lock held; it
  /// must not call get_or_compute() for the same key (InvalidArgument).
  struct Fetched {
    Entry entry;
    Origin origin;
    /// memory_generation() as read while the memory tier held `entry` under
    /// `key` (after the hit, promotion or store); nullopt when it did not
    /// hold it (no memory tier, an entry larger than its bound, a Joined
    /// call).
    std::optional<std::uint64_t> memory_generation;
  };
  Fetched get_or_compute(const Digest& key, const std::function<Entry()>& compute);

  /// A counter that moves on whenever an entry leaves the memory tier or is
  /// replaced in it — erase(), clear(), trim() (conservatively), put() over
  /// a stored key, eviction for the byte bound — and stays when entries are
  /// only added or read. So while it still has the value that
  /// Fetched::memory_generation reported, the memory tier still holds that
  /// entry unchanged and get() of its key returns it: an in-process front of
  /// decoded results (the Python memoize) keeps them tagged with it and
  /// drops them all when it moves. 0 without a memory tier. Lock-free.
  std::uint64_t memory_generation() const noexcept;
  /// Adds `n` to the memory tier's hits in stats(): hits such a front served
  /// from what the memory tier holds. Nothing without a memory tier.
  /// Lock-free.
  void count_memory_hits(std::uint64_t n) noexcept;

  /// Counters and sizes per tier.
  CacheStats stats() const;
  /// Evicts least-recently-used disk entries until the store holds at most
  /// `max_bytes` (a one-off: the configured bound is unchanged).
  TrimReport trim(std::uint64_t max_bytes);
  /// Reads every disk and Redis entry and checks it completely (header,
  /// checksum, body digest, contents); corrupt entries are dropped.
  VerifyReport verify();
  /// Calls `visit` for each entry of `tier` (Redis: the keys of this
  /// namespace) until it returns false. Entries whose header is unreadable
  /// are skipped (verify() finds them). `visit` must not call this Cache.
  /// Nothing happens for a disabled or failing tier (the failure is counted).
  void for_each_entry(TierKind tier, const std::function<bool(const EntryInfo&)>& visit);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- memoize

namespace detail {
// The result types memoize() can store: Entry's kinds and Value's alternatives.
template <class R>
inline constexpr bool is_value_alternative_v =
    std::is_same_v<R, bool> || std::is_same_v<R, std::int64_t> || std::is_same_v<R, double> ||
    std::is_same_v<R, std::string> || std::is_same_v<R, BoundingBox> || std::is_same_v<R, Array> ||
    std::is_same_v<R, HashableList> || std::is_same_v<R, HashableDict>;

template <class R>
Entry to_entry(R r) {
  if constexpr (std::is_same_v<R, Image> || std::is_same_v<R, Value> || std::is_same_v<R, Bytes>)
    return Entry(std::move(r));
  else
    return Entry(Value(std::move(r)));
}

// The stored result as R, or nullopt when the entry holds another type.
template <class R>
std::optional<R> from_entry(const Entry& e) {
  if constexpr (std::is_same_v<R, Image>) {
    if (e.kind() == EntryKind::Image) return e.image();
  } else if constexpr (std::is_same_v<R, Bytes>) {
    if (e.kind() == EntryKind::Bytes) return e.bytes();
  } else if constexpr (std::is_same_v<R, Value>) {
    if (e.kind() == EntryKind::Value) return e.value();
  } else if (e.kind() == EntryKind::Value) {
    if (const R* p = std::get_if<R>(&e.value().variant())) return *p;
  }
  return std::nullopt;
}

template <class A>
void add_argument(CacheKey& key, const A& a) {
  if constexpr (std::is_same_v<A, Digest>)
    key.add_digest(a);
  else if constexpr (std::is_same_v<A, Bytes>)
    key.add(a);
  else
    key.add(Value(a));
}
}  // namespace detail

/// A function wrapped by memoize(): calling it looks the result up by the
/// key of (cache namespace, function name, version, the arguments' digests)
/// and runs the function only on a miss (once for concurrent identical
/// misses). Arguments must convert to Value (Image, numbers, strings, boxes,
/// arrays, containers ...), or be Bytes, or a Digest (taken as the
/// argument's digest). The result type must be Image, Value, Bytes, or one of
/// Value's alternatives (bool, std::int64_t, double, std::string,
/// BoundingBox, Array, HashableList, HashableDict). A stored entry of another
/// type under the key (a changed function without a new version) is
/// recomputed and replaced. Holds a reference to the Cache, which must
/// outlive it. Thread-safe when the function is.
template <class F>
class Memoized {
 public:
  Memoized(Cache& cache, std::string function, std::string version, F fn)
      : cache_(&cache), function_(std::move(function)), version_(std::move(version)), fn_(std::move(fn)) {}

  /// The key a call with `args` uses.
  template <class... A>
  Digest key(const A&... args) const {
    CacheKey k(cache_->options().key_namespace, function_, version_);
    (detail::add_argument(k, args), ...);
    return k.digest();
  }

  template <class... A>
  auto operator()(const A&... args) const {
    using R = std::decay_t<std::invoke_result_t<const F&, const A&...>>;
    static_assert(std::is_same_v<R, Image> || std::is_same_v<R, Value> || std::is_same_v<R, Bytes> ||
                      detail::is_value_alternative_v<R>,
                  "memoize: the result must be Image, Value, Bytes or a Value alternative");
    const Digest k = key(args...);
    auto fetched = cache_->get_or_compute(k, [&] { return detail::to_entry<R>(fn_(args...)); });
    if (auto r = detail::from_entry<R>(fetched.entry)) return std::move(*r);
    R fresh = fn_(args...);
    cache_->put(k, detail::to_entry<R>(fresh));
    return fresh;
  }

 private:
  Cache* cache_;
  std::string function_, version_;
  F fn_;
};

/// Wraps `fn` so its results are cached in `cache` under the name
/// `function` and `version` (see Memoized). Example:
///   auto thumb = memoize(cache, "thumbnail", "1",
///                        [](const std::string& path) { return resize(load(path), {256, 256}); });
///   Image t = thumb("cat.jpg");   // computed once, then served by the cache
template <class F>
Memoized<F> memoize(Cache& cache, std::string function, std::string version, F fn) {
  return Memoized<F>(cache, std::move(function), std::move(version), std::move(fn));
}

}  // namespace pixelcache
