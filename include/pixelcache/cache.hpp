// pixelcache/cache.hpp — the content-addressed cache: memory,
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
// Integrity: every stored entry carries a format version, the namespace and
// key it is stored under, a checksum over both and its header, and the
// digest of its contents, all checked on every read from disk or Redis. An
// entry that fails any check — damaged, truncated, or stored under another
// key or namespace (a swapped or copied value, a damaged index) — is
// dropped, counted (stats().corrupt) and treated as a miss, so memoize()
// recomputes it; it is never returned.
//
// Trust: entries whose content runs code when a front loads it (kind Code:
// the Python front's pickles) are signed with HMAC-SHA256 under a key the
// user holds, and refused from any tier without a valid signature. The disk
// tier's key is CacheOptions::secret, else a random key the store keeps in
// a 0600 file beside it (so local use needs no set-up); the Redis tier's is
// CacheOptions::secret only (PIXELCACHE_CACHE_KEY): without one, the Redis
// tier neither stores nor returns Code entries. Images, Values and Bytes load
// without running code and need no key. Every decompression is bounded by
// the size the header declares, by the image limits, and by 1024 bytes out
// per stored byte beyond 64 MiB.
//
// ---------------------------------------------------------------------------
// Stored entry format, version 2 (disk values and Redis values are exactly
// these bytes; all integers little-endian unless said otherwise):
//
//   offset size  field
//   0      4     magic, ASCII "PXCE"
//   4      1     format version, 2
//   5      1     kind: 1 = image, 2 = value, 3 = bytes, 4 = code (bytes that
//                run code when loaded, e.g. a Python pickle)
//   6      1     flags: bit 0 set = the body is one zstd frame (RFC 8878);
//                bit 1 set = a 32-byte signature follows the body (set
//                exactly for kind 4); other bits are 0
//   7      1     T = tag length, 0..64
//   8      2     N = namespace length, 1..256, uint16
//   10     6     zero
//   16     8     S = stored body length (after compression), uint64
//   24     8     U = body length uncompressed, uint64 (U == S when not
//                compressed)
//   32     16    body digest: XXH3-128 (seed 0) of the U uncompressed body
//                bytes, in Digest::hex() order (high 64 bits big-endian,
//                then low 64 bits big-endian)
//   48     16    key: the key the entry is stored under, in Digest::hex()
//                order
//   64     8     checksum: XXH3-64 (seed 0) of bytes 0..63, then the N
//                namespace bytes, then the T tag bytes, then — only when
//                the body is compressed — the S stored body bytes; uint64
//   72     N     namespace (the Cache's key_namespace)
//   72+N   T     tag: printable ASCII (0x20..0x7e), e.g. "numpy"
//   72+N+T S     body
//   (kind 4 only) 32 bytes: HMAC-SHA256 (RFC 2104) under the tier's key of
//                every preceding byte of the entry
// The entry is exactly 72 + N + T + S bytes (+ 32 for kind 4). A reader
// checks the magic, the version, the checksum, the lengths, that the
// namespace and key are the ones it looked up, the signature (kind 4),
// then decompresses (when flagged) to exactly U bytes — refusing U above
// max(64 MiB, 1024 x S) before it starts — and checks the body digest, then
// parses the body. So every stored byte is covered: the header and the
// entry's place by the checksum, an uncompressed body by its digest, a
// compressed one by the checksum as stored and by the digest once
// decompressed. (XXH3 finds damage, not forgery: the signature is what
// keeps a forged Code entry out.)
//
// Bodies (uncompressed):
//   image  the image's canonical form of digest.hpp: 16 header bytes ("PXC1",
//          mode, sample type, channels, 0, width, height) then the packed
//          pixels. So the body digest *is* the image digest, and a decoded
//          image gets its digest without hashing again.
//   bytes, code  the bytes themselves (body digest = digest_bytes()).
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
// to half or less too: masks, flat images, repetitive values; bodies of
// 1 MiB and more only when the trial and the whole shrink 8-fold, since zstd
// decompresses a 2-3x compressible body at ~1 GB/s (a 12 MP smooth photo's
// hit would cost 3-5x a copy) but an 8x one at about copy speed. Photographs
// stay raw: zstd saves them ~8 % but makes a disk hit of a 12 MP photo ~6x
// slower (bench/bench_cache.cpp), while a 12 MP mask shrinks 29x. A body
// that would shrink beyond what a reader accepts (1024:1 above 64 MiB) is
// stored raw.
//
// Disk store layout (for tools; readers need only the entries database):
// <dir>/pixelcache-v2.mdb (+ "-lock"), an LMDB environment opened with
// MDB_NOSUBDIR, with named databases "entries" (store key -> entry, where
// the store key is the 16-byte key in Digest::hex() byte order followed by
// the namespace bytes), "info" (store key -> uint64 tick, uint64 cost),
// "lru" (uint64 tick big-endian + store key -> empty) and "meta" ("bytes",
// "entries", "tick", "max_bytes" (the store's bound), and the lifetime
// counters "hits", "misses", "writes", "evictions", "corrupt" -> uint64; see
// StoreTotals). <dir>/pixelcache-v2.key holds the store's signing key (32
// bytes, mode 0600). A damaged store file (truncated, overwritten, garbage
// pages) is found when a process opens the store, and by verify(): its
// structure is checked before LMDB reads it, and a damaged file is renamed
// <file>.broken-<unix ns> and replaced by an empty store.
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
/// that are neither images nor Values (e.g. encoded files, pickled objects).
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

/// What an entry holds (the kind byte of the stored format). Code is bytes
/// whose loading runs code (a Python pickle): stored signed, and returned by
/// a tier only when its signature verifies (see the file comment).
enum class EntryKind : std::uint8_t { Image = 1, Value = 2, Bytes = 3, Code = 4 };
/// "image", "value", "bytes" or "code".
const char* entry_kind_name(EntryKind kind) noexcept;

/// Longest tag, in bytes.
inline constexpr std::size_t kMaxTagLength = 64;

/// One cached result: an Image, a Value tree, Bytes or Code (bytes that run
/// code when loaded), plus a short tag chosen by the writer so a front end
/// can restore the original type (the Python front writes "py:" + type
/// codes, e.g. "py:T" for a HashableImage; its pickles are Code entries
/// tagged "pickle"; python/pixelcache/_codec.py). O(1) copies.
class Entry {
 public:
  /// A Code entry: `code` is loaded by running it (a pickle). Tiers store it
  /// signed and return it only when the signature verifies. Throws
  /// InvalidArgument for a tag as below.
  static Entry code(Bytes code, std::string tag = {});

  /// Throws InvalidArgument for an empty image, or a tag longer than
  /// kMaxTagLength bytes or with bytes outside printable ASCII (0x20..0x7e).
  Entry(Image image, std::string tag = {});
  /// Throws InvalidArgument for a tag as above, or a Value that holds an
  /// empty Image anywhere inside.
  Entry(Value value, std::string tag = {});
  /// Throws InvalidArgument for a tag as above.
  Entry(Bytes bytes, std::string tag = {});

  EntryKind kind() const noexcept { return code_ ? EntryKind::Code : static_cast<EntryKind>(v_.index() + 1); }
  const std::string& tag() const noexcept { return tag_; }
  /// The held image; throws InvalidArgument naming the kind when it is not one.
  const Image& image() const;
  /// The held Value; throws InvalidArgument when it is not one.
  const Value& value() const;
  /// The held bytes (of a Bytes or Code entry); throws InvalidArgument for
  /// another kind.
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
  bool code_ = false;
};

// ---------------------------------------------------------------- entry codec

/// Body compression of stored entries.
enum class Compression : std::uint8_t {
  None,  ///< never compress
  Auto,  ///< zstd when a trial and then the whole body show it halves the size (8-fold from 1 MiB; file comment)
  Zstd,  ///< always zstd (level 3) for bodies of 64 bytes and more
};

/// Where an entry is stored: the namespace and key it is written under and
/// looked up by. Both are part of the stored entry and of its checksum, so
/// an entry found under another address is corrupt.
struct EntryAddress {
  std::string key_namespace = "default";
  Digest key;
};

/// Encodes `entry`, stored at `address`, in the stored format (file
/// comment). A Code entry is signed with `signing_key` (HMAC-SHA256), which
/// it then requires (InvalidArgument when empty). Throws InvalidArgument for
/// a namespace that is empty, over 256 bytes or has a control character;
/// LimitError when the body would be larger than 2^40 bytes.
std::vector<std::uint8_t> encode_entry(const Entry& entry, const EntryAddress& address,
                                       Compression compression = Compression::Auto,
                                       std::span<const std::uint8_t> signing_key = {});

/// Decodes and verifies stored bytes looked up at `address` (every check of
/// the file comment). Throws CorruptEntryError saying what is wrong (an
/// entry of another address included; a Code entry whose signature does not
/// verify under `signing_key`); UnverifiedEntryError for a Code entry when
/// `signing_key` is empty (it may be valid for a holder of the key);
/// LimitError when an image in it is larger than max_image_bytes().
Entry decode_entry(std::span<const std::uint8_t> bytes, const EntryAddress& address,
                   std::span<const std::uint8_t> signing_key = {});

/// What the header of a stored entry says (no body checks).
struct EntryHeader {
  EntryKind kind = EntryKind::Bytes;
  std::string tag;
  std::string key_namespace;  ///< the namespace the entry was stored under
  Digest key;                 ///< the key the entry was stored under
  bool compressed = false;
  bool signed_entry = false;            ///< a signature follows the body (kind Code)
  std::uint64_t stored_body_bytes = 0;  ///< S
  std::uint64_t body_bytes = 0;         ///< U
  Digest body_digest;
  /// Whole entry length, 72 + N + T + S (+ 32 when signed).
  std::uint64_t entry_bytes() const noexcept {
    return 72 + key_namespace.size() + tag.size() + stored_body_bytes + (signed_entry ? 32 : 0);
  }
};
/// Parses and checks the 72-byte header, the namespace and the tag (magic,
/// version, kind, flags, lengths, checksum; not the address, the signature
/// or the body digest). `bytes` may be just the start of an entry (at least
/// 72 + N + T bytes); the checksum of a compressed entry is then checked
/// only when the whole stored body is present. Throws CorruptEntryError.
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

/// The digest CacheKey::add() takes for an argument: v.digest(), except that
/// a Value holding negative zeros (a float or a box coordinate, anywhere in
/// it) is told apart from the same Value with positive ones — Value digests
/// treat -0.0 as 0.0, as == does, but a function may not (1 / x, atan2,
/// copysign): then XXH3-128 of "PXZ1", v.digest(), u64 n, and the sign bits
/// of its n zero floats in order (one byte each, pre-order).
Digest argument_digest(const Value& v);

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
  /// Disk tier bound on the stored entries' bytes, at most kMaxDiskBytes.
  /// The bound belongs to the store and is recorded in it: nullopt (the
  /// default) takes the store's bound, or kDefaultDiskBytes for a new store;
  /// a value is the bound of a new store, and for an existing store with
  /// another bound the store's stays and take_notices() says so (trim()
  /// changes it). 0 = no disk tier. The store file never grows beyond 1.5 x
  /// the bound + 4 MiB (LMDB reuses freed pages rather than shrinking the
  /// file).
  std::optional<std::uint64_t> disk_bytes;
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
  /// Key that signs Code entries (HMAC-SHA256; any length, 16+ random bytes
  /// advised). Empty: the disk tier uses its own key file
  /// (<dir>/pixelcache-v2.key, made on first use, mode 0600) and the Redis
  /// tier neither stores nor returns Code entries.
  std::string secret;

  /// The defaults, with the disk tier in default_directory(), the Redis
  /// tier at $PIXELCACHE_REDIS_URL when that is set and not empty, and the
  /// secret from $PIXELCACHE_CACHE_KEY. Throws
  /// CacheError when no directory can be determined (no variable set and no
  /// home directory).
  static CacheOptions from_environment();
  /// $PIXELCACHE_CACHE_DIR, else $XDG_CACHE_HOME/pixelcache, else
  /// ~/.cache/pixelcache ($HOME, else the password database). Empty
  /// variables count as unset. Throws CacheError when none applies.
  static std::filesystem::path default_directory();
};

/// The disk store's file in cache directory `dir` (pixelcache-v2.mdb; its
/// lock file is this + "-lock", its signing key pixelcache-v2.key).
std::filesystem::path disk_store_file(const std::filesystem::path& dir);

/// Bound of a new disk store when CacheOptions::disk_bytes is not given:
/// 1 GiB (diskcache's default), so a cache nobody configured stays modest.
inline constexpr std::uint64_t kDefaultDiskBytes = std::uint64_t{1} << 30;
/// Largest disk bound accepted, 16 TiB.
inline constexpr std::uint64_t kMaxDiskBytes = std::uint64_t{1} << 44;

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
  std::string key_namespace;  ///< the namespace it is stored under
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
    /// Disk: the store's structure was damaged; the store was set aside
    /// (renamed *.broken-*) and replaced by an empty one.
    bool set_aside = false;
    std::string problem;  ///< what was wrong with a store set aside
  };
  std::vector<Tier> tiers;
  /// Sum of corrupt over the tiers, plus one per store set aside.
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
  /// Opens the tiers. Throws InvalidArgument for a bad namespace, a disk
  /// bound above kMaxDiskBytes or a malformed Redis URL (also rediss://),
  /// CacheError for an unusable disk directory (a file, not creatable, not
  /// writable). A damaged store is set aside and replaced (take_notices()
  /// says so). An unreachable Redis server is not an error: the tier starts
  /// in back-off.
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
  /// Makes `max_bytes` the disk store's bound (recorded in the store, for
  /// every process that uses it) and evicts least-recently-used entries
  /// until the store holds at most that. Throws InvalidArgument above
  /// kMaxDiskBytes.
  TrimReport trim(std::uint64_t max_bytes);
  /// Checks the disk store's structure, then reads every disk and Redis
  /// entry of every namespace and checks it completely (header, address,
  /// checksum, signature, body digest, contents); corrupt entries are
  /// dropped. A store whose structure is damaged is set aside and replaced
  /// (VerifyReport::Tier::set_aside).
  VerifyReport verify();
  /// Calls `visit` for each entry of `tier` stored under this Cache's
  /// namespace until it returns false. Entries whose header is unreadable
  /// are skipped (verify() finds them). `visit` must not call this Cache.
  /// Nothing happens for a disabled or failing tier (the failure is counted).
  void for_each_entry(TierKind tier, const std::function<bool(const EntryInfo&)>& visit);
  /// Writes what the disk tier keeps in memory between write transactions —
  /// the recency of recent reads and their hit / miss counts — to the store
  /// now (it is also written every 256 reads or 2 s, by the next put, and
  /// when the Cache is destroyed). Call it before a process ends without
  /// running destructors (the Python front does, also in multiprocessing
  /// and DataLoader workers). Never throws for tier failures.
  void flush();
  /// Messages for the user gathered since the last call (each said once):
  /// a damaged store set aside, a disk bound other than the one asked for,
  /// a tier that became unavailable and why. The CLI prints them; the
  /// Python front turns them into warnings.
  std::vector<std::string> take_notices();

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
