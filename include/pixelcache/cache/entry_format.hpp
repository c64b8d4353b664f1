// pixelcache/cache/entry_format.hpp — the stored entry format: the bytes a
// Cache's disk and Redis tiers hold for one Entry, with encode_entry(),
// decode_entry(), read_entry_header() and Compression (part of
// pixelcache/cache.hpp; doc/cache-format.md explains it).
//
// Thread safety: these functions keep no state; any number of threads may
// call them at once. EntryAddress and EntryHeader are plain values.
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
// ---------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pixelcache/cache/entry.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache {

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

}  // namespace pixelcache
