// pixelcache/digest.hpp — the 128-bit content digest and its canonical form.
//
// A Digest is XXH3-128 (xxHash, seed 0) over a canonical byte string. It is
// stable across processes, machines, runs and the C++ / Python boundary, so
// it may be stored and shared as a cache key.
//
// Canonical form of an image (pixelcache image digest, version 1):
//
//   offset size  field
//   0      4     ASCII "PXC1"
//   4      1     mode: 'R' (RGB), 'L' (gray), '1' (binary)
//   5      1     sample type: 1 = uint8, 4 = float32
//   6      1     channels: 3 for RGB, 1 for L and binary
//   7      1     0 (reserved)
//   8      4     width, uint32 little-endian
//   12     4     height, uint32 little-endian
//   16     ...   pixels, row-major, channels interleaved, no row padding:
//                uint8 samples as bytes (binary: 0 or 1); float32 samples as
//                IEEE-754 little-endian with -0.0 written as +0.0.
//
// Float images whose every sample is exactly k/255 (float32 k / 255.0f) are
// stored as uint8 on entry, so they digest like the 8-bit image. Float storage
// therefore only ever holds images that no 8-bit image equals.
//
// The hex form is 32 lowercase hex digits: the high 64 bits then the low 64
// bits, both big-endian (xxHash's XXH128_canonical_t order).
//
// Structural digests of containers (value.hpp) hash a tagged serialisation
// with the same function; see value.hpp.
//
// Thread safety: Digest is a value; Hasher is not shareable while in use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace pixelcache {

/// A 128-bit content digest.
struct Digest {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  /// 32 lowercase hex characters (high then low, big-endian).
  std::string hex() const;
  /// Parses hex(); throws InvalidArgument unless `hex` is 32 hex digits.
  static Digest from_hex(std::string_view hex);
  /// 64-bit fold for hash tables (high ^ low).
  std::size_t fold() const noexcept { return static_cast<std::size_t>(high ^ low); }

  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;
};

/// Streaming XXH3-128 over bytes, for building canonical forms. Up to
/// kInline bytes are gathered in the object itself and hashed in one shot by
/// finish() (no allocation: keys and small values digest in tens of ns);
/// beyond that the bytes stream through an XXH3 state. Same digest either way.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  /// Appends bytes.
  Hasher& update(const void* data, std::size_t size);
  Hasher& update(std::span<const std::uint8_t> bytes) { return update(bytes.data(), bytes.size()); }
  /// Appends one byte.
  Hasher& update_u8(std::uint8_t v) { return update(&v, 1); }
  /// Appends v as 8 bytes little-endian.
  Hasher& update_u64(std::uint64_t v);
  /// Appends a length-prefixed (u64 little-endian) string.
  Hasher& update_string(std::string_view s);
  /// Appends a digest (16 bytes: high then low, big-endian).
  Hasher& update_digest(const Digest& d);
  /// The digest of everything appended so far (the hasher stays usable).
  Digest finish() const;

 private:
  static constexpr std::size_t kInline = 240;  // XXH3's short-input bound
  struct State;
  std::unique_ptr<State> state_;  // once more than kInline bytes came
  std::size_t inline_size_ = 0;
  unsigned char inline_[kInline];
};

/// One-shot XXH3-128 of a byte string.
Digest digest_bytes(const void* data, std::size_t size);

}  // namespace pixelcache
