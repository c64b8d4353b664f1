// Internal: the stored entry format of pixelcache/cache/entry_format.hpp —
// writing entries without a contiguous copy, the image and Value bodies,
// zstd helpers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/cache.hpp"

namespace pixelcache::cache_detail {

inline constexpr std::size_t kHeaderSize = 72;
inline constexpr std::uint8_t kFormatVersion = 2;
inline constexpr std::uint8_t kFlagZstd = 1;
inline constexpr std::uint8_t kFlagSigned = 2;
/// Length of the signature of a Code entry (HMAC-SHA256).
inline constexpr std::size_t kSignatureSize = 32;
/// Longest namespace, in bytes.
inline constexpr std::size_t kMaxNamespace = 256;
/// Longest entry head a listing needs: header, namespace and tag.
inline constexpr std::size_t kMaxHead = kHeaderSize + kMaxNamespace + kMaxTagLength;
/// Decompression bound: a body of S stored bytes may expand to at most
/// max(kFreeExpansion, kMaxExpansion x S) bytes.
inline constexpr std::uint64_t kFreeExpansion = std::uint64_t{64} << 20;
inline constexpr std::uint64_t kMaxExpansion = 1024;
/// Largest body accepted (encode and decode), 1 TiB.
inline constexpr std::uint64_t kMaxBody = std::uint64_t{1} << 40;

/// Writes / reads a digest as 16 bytes in Digest::hex() order (both halves
/// big-endian), the form used in entries and as disk keys.
void put_digest(std::uint8_t* p, const Digest& d);
Digest get_digest(const std::uint8_t* p);

/// Throws CorruptEntryError("cache entry: " + what).
[[noreturn]] void corrupt(const std::string& what);
/// Throws InvalidArgument unless `ns` is a valid namespace (1..256 bytes, no
/// control characters).
void validate_namespace(std::string_view ns);

// ---------------------------------------------------------------- writing

/// An entry ready to be written: the 48-byte header, the tag and the body,
/// the latter either borrowed (image pixels, already encoded bytes) or
/// owned (a Value's serialisation, a compressed body). Keeps what it
/// borrows from an Entry alive; raw() borrows without ownership.
class EncodedEntry {
 public:
  /// Encodes `entry` stored at `address`; the image pixels are referenced,
  /// not copied. A Code entry is left unsigned: signed() gives each tier its
  /// signed copy.
  static EncodedEntry prepare(const Entry& entry, const EntryAddress& address, Compression compression);
  /// Wraps bytes that already are an encoded entry (not copied: they must
  /// outlive this object). Not for Code entries (each tier signs its own).
  static EncodedEntry raw(std::span<const std::uint8_t> encoded);

  /// True for a Code entry, which needs signed() before it is written.
  bool needs_signature() const noexcept { return needs_signature_; }
  /// A copy signed with `key` (HMAC-SHA256 of every byte before the
  /// signature). Throws InvalidArgument for an empty key.
  EncodedEntry signed_with(std::span<const std::uint8_t> key) const;

  /// Total entry length.
  std::size_t size() const noexcept;
  /// Writes size() bytes to `dst`. Throws std::logic_error for a Code entry
  /// not signed yet.
  void write(std::uint8_t* dst) const;
  std::vector<std::uint8_t> to_vector() const;

 private:
  /// The pieces of the entry before the signature, in order.
  std::vector<std::span<const std::uint8_t>> pieces() const;

  std::span<const std::uint8_t> raw_;  // whole entry (raw())
  std::array<std::uint8_t, kHeaderSize> header_{};
  std::string ns_;
  std::string tag_;
  bool needs_signature_ = false;
  bool has_signature_ = false;
  std::array<std::uint8_t, kSignatureSize> signature_{};
  std::array<std::uint8_t, 16> canon_{};  // image body: canonical header
  bool has_canon_ = false;
  std::span<const std::uint8_t> pixels_;  // image body: pixels (borrowed)
  std::vector<std::uint8_t> owned_;       // value / compressed body
  std::span<const std::uint8_t> body_;    // the body when it is one piece
  Image keep_image_;
  Bytes keep_bytes_;
};

// ---------------------------------------------------------------- bodies

/// Appends the canonical form (digest.hpp) of `img`'s header and pixels.
void append_image_body(const Image& img, std::vector<std::uint8_t>& out);
/// An image from a canonical body held in memory. With `expected`, the body
/// must hash to it (else CorruptEntryError) and the image gets it as its
/// digest; the hash runs while the pixels are copied.
Image image_from_body(std::span<const std::uint8_t> body, const Digest* expected);

/// Appends the Value encoding of pixelcache/cache/entry_format.hpp.
void encode_value(const Value& v, std::vector<std::uint8_t>& out);
/// Parses a whole Value body; throws CorruptEntryError.
Value decode_value(std::span<const std::uint8_t> body);
/// Estimated bytes held by `v` (see Entry::byte_size()).
std::size_t value_byte_size(const Value& v);
/// True when `v` holds an empty Image anywhere.
bool value_has_empty_image(const Value& v);

// ---------------------------------------------------------------- zstd

/// Compresses the concatenation of `parts` into one zstd frame at `level`.
std::vector<std::uint8_t> zstd_compress(std::span<const std::span<const std::uint8_t>> parts, int level);
/// Decompresses one frame that must hold exactly `size` bytes; the buffer
/// grows with the output, so a false `size` cannot allocate more than the
/// frame really holds (plus 1 MiB). Throws CorruptEntryError.
std::vector<std::uint8_t> zstd_decompress(std::span<const std::uint8_t> frame, std::uint64_t size);
/// Decompresses the first `n` bytes of a frame into `dst` and returns a
/// streaming state for the rest (used to read an image body's 16-byte
/// header before allocating its pixels).
class ZstdReader {
 public:
  explicit ZstdReader(std::span<const std::uint8_t> frame);
  ~ZstdReader();
  ZstdReader(const ZstdReader&) = delete;
  ZstdReader& operator=(const ZstdReader&) = delete;
  /// Fills exactly dst.size() bytes; throws CorruptEntryError when the
  /// frame ends first or is malformed.
  void read(std::span<std::uint8_t> dst);
  /// Throws CorruptEntryError unless the frame ends exactly here with no
  /// input left.
  void finish();

 private:
  struct State;
  State* s_;
};

}  // namespace pixelcache::cache_detail
