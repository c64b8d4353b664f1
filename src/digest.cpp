// XXH3-128 digests and the streaming Hasher (digest.hpp).
#include "pixelcache/digest.hpp"

// XXH_STATIC_LINKING_ONLY exposes XXH3_state_t so the state can live in
// Hasher. On x86-64 the update / one-shot calls go to libxxhash's runtime
// dispatch (AVX2 / AVX-512 where the CPU has them); the result is the same
// XXH3 on every path.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#if defined(__x86_64__) || defined(_M_X64)
#include <xxh_x86dispatch.h>
#endif

#include <cstring>

#include "pixelcache/error.hpp"

namespace pixelcache {

namespace {
Digest from_xxh(XXH128_hash_t h) { return Digest{h.high64, h.low64}; }
}  // namespace

std::string Digest::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    const std::uint64_t word = i < 8 ? high : low;
    const auto byte = static_cast<unsigned>((word >> (56 - 8 * (i % 8))) & 0xff);
    out[2 * i] = kHex[byte >> 4];
    out[2 * i + 1] = kHex[byte & 0xf];
  }
  return out;
}

Digest Digest::from_hex(std::string_view hex) {
  if (hex.size() != 32) throw InvalidArgument("digest hex must be 32 characters, got " + std::to_string(hex.size()));
  Digest d;
  for (std::size_t i = 0; i < 32; ++i) {
    const char c = hex[i];
    unsigned v;
    if (c >= '0' && c <= '9')
      v = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v = static_cast<unsigned>(c - 'A' + 10);
    else
      throw InvalidArgument("digest hex has a non-hex character at position " + std::to_string(i) + ": '" +
                            std::string(hex) + "'");
    std::uint64_t& word = i < 16 ? d.high : d.low;
    word = (word << 4) | v;
  }
  return d;
}

struct Hasher::State {
  XXH3_state_t xxh;
};

Hasher::Hasher() = default;
Hasher::~Hasher() = default;

Hasher::Hasher(Hasher&& o) noexcept : state_(std::move(o.state_)), inline_size_(o.inline_size_) {
  std::memcpy(inline_, o.inline_, inline_size_);
  o.inline_size_ = 0;
}

Hasher& Hasher::operator=(Hasher&& o) noexcept {
  if (this != &o) {
    state_ = std::move(o.state_);
    inline_size_ = o.inline_size_;
    std::memcpy(inline_, o.inline_, inline_size_);
    o.inline_size_ = 0;
  }
  return *this;
}

Hasher& Hasher::update(const void* data, std::size_t size) {
  if (size == 0) return *this;
  if (!state_) {
    if (size <= kInline - inline_size_) {
      std::memcpy(inline_ + inline_size_, data, size);
      inline_size_ += size;
      return *this;
    }
    state_ = std::make_unique<State>();
    XXH3_128bits_reset(&state_->xxh);
    XXH3_128bits_update(&state_->xxh, inline_, inline_size_);
    inline_size_ = 0;
  }
  XXH3_128bits_update(&state_->xxh, data, size);
  return *this;
}

Hasher& Hasher::update_u64(std::uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  return update(b, 8);
}

Hasher& Hasher::update_string(std::string_view s) {
  update_u64(s.size());
  return update(s.data(), s.size());
}

Hasher& Hasher::update_digest(const Digest& d) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH128_hash_t{d.low, d.high});
  return update(c.digest, sizeof c.digest);
}

Digest Hasher::finish() const {
  return from_xxh(state_ ? XXH3_128bits_digest(&state_->xxh) : XXH3_128bits(inline_, inline_size_));
}

Digest digest_bytes(const void* data, std::size_t size) { return from_xxh(XXH3_128bits(data, size)); }

}  // namespace pixelcache
