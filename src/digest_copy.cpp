// One-pass copy + XXH3-128 (digest_copy.hpp).
//
// The AVX2 routine re-states XXH3's long-input loop (xxhash.h 0.8,
// XXH3_hashLong_128b_internal with the default secret): stripes of 64 bytes
// accumulated with the secret advancing 8 bytes a stripe, a scramble after
// every 16 stripes, a last stripe at len - 64, then the two merges. Only the
// stripe routine differs from xxhash's: it also stores the stripe it loaded.
// The header's internals (secret, primes, merge) come from the Debian
// package's xxhash.h, inlined into this file only (XXH_INLINE_ALL renames
// its symbols, so they do not clash with libxxhash's).
#include "digest_copy.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace pixelcache::detail {

namespace {

// Input shorter than this is hashed by XXH3's short-input paths.
constexpr std::size_t kLongInput = 241;
constexpr std::size_t kStripe = 64;
// The portable routine hashes and copies chunks of this size, so each is
// copied while it is still in cache.
constexpr std::size_t kChunk = 128 * 1024;

}  // namespace

Digest copy_and_digest_portable(const void* src, std::size_t len, void* dst, std::size_t skip) {
  const auto* s = static_cast<const std::uint8_t*>(src);
  auto* d = static_cast<std::uint8_t*>(dst);
  Hasher h;
  for (std::size_t off = 0; off < len; off += kChunk) {
    const std::size_t n = std::min(kChunk, len - off);
    h.update(s + off, n);
    // The part of this chunk at or after `skip`.
    const std::size_t from = std::max(off, skip);
    if (from < off + n) std::memcpy(d + (from - skip), s + from, off + n - from);
  }
  return h.finish();
}

#if defined(__x86_64__)

bool cpu_has_avx2() noexcept { return __builtin_cpu_supports("avx2"); }

namespace {

// One lane of XXH3_accumulate_512 (AVX2): 32 bytes of input into an
// accumulator, with the secret at `secret`.
__attribute__((target("avx2"), always_inline)) inline __m256i accumulate_lane(__m256i acc, __m256i data,
                                                                              const std::uint8_t* secret) {
  const __m256i key = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(secret));
  const __m256i data_key = _mm256_xor_si256(data, key);
  const __m256i data_key_lo = _mm256_shuffle_epi32(data_key, _MM_SHUFFLE(0, 3, 0, 1));
  const __m256i product = _mm256_mul_epu32(data_key, data_key_lo);
  const __m256i swapped = _mm256_shuffle_epi32(data, _MM_SHUFFLE(1, 0, 3, 2));
  return _mm256_add_epi64(product, _mm256_add_epi64(acc, swapped));
}

// XXH3_accumulate_512 (AVX2) of the stripe at `in`, which it also stores to
// `out` when Store.
template <bool Store>
__attribute__((target("avx2"), always_inline)) inline void accumulate(__m256i acc[2], const std::uint8_t* in,
                                                                      const std::uint8_t* secret, std::uint8_t* out) {
  for (int i = 0; i < 2; ++i) {
    const __m256i data = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in) + i);
    if constexpr (Store) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out) + i, data);
    acc[i] = accumulate_lane(acc[i], data, secret + 32 * i);
  }
}

// XXH3_scrambleAcc (AVX2).
__attribute__((target("avx2"), always_inline)) inline void scramble(__m256i acc[2], const std::uint8_t* secret) {
  const __m256i prime32 = _mm256_set1_epi32(static_cast<int>(XXH_PRIME32_1));
  for (int i = 0; i < 2; ++i) {
    const __m256i shifted = _mm256_xor_si256(acc[i], _mm256_srli_epi64(acc[i], 47));
    const __m256i key = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(secret) + i);
    const __m256i data_key = _mm256_xor_si256(shifted, key);
    const __m256i data_key_hi = _mm256_shuffle_epi32(data_key, _MM_SHUFFLE(0, 3, 0, 1));
    const __m256i prod_lo = _mm256_mul_epu32(data_key, prime32);
    const __m256i prod_hi = _mm256_mul_epu32(data_key_hi, prime32);
    acc[i] = _mm256_add_epi64(prod_lo, _mm256_slli_epi64(prod_hi, 32));
  }
}

}  // namespace

__attribute__((target("avx2"))) Digest copy_and_digest_avx2(const void* src, std::size_t len, void* dst,
                                                            std::size_t skip) {
  if (len < kLongInput) return copy_and_digest_portable(src, len, dst, skip);
  const auto* s = static_cast<const std::uint8_t*>(src);
  auto* d = static_cast<std::uint8_t*>(dst);
  const std::uint8_t* secret = XXH3_kSecret;
  constexpr std::size_t kSecretSize = sizeof(XXH3_kSecret);
  constexpr std::size_t kStripesPerBlock = (kSecretSize - kStripe) / XXH_SECRET_CONSUME_RATE;
  constexpr std::size_t kBlock = kStripe * kStripesPerBlock;
  const std::size_t blocks = (len - 1) / kBlock;
  const std::size_t last_stripes = ((len - 1) - kBlock * blocks) / kStripe;

  alignas(32) xxh_u64 init[XXH_ACC_NB] = XXH3_INIT_ACC;
  __m256i acc[2] = {_mm256_load_si256(reinterpret_cast<const __m256i*>(init)),
                    _mm256_load_si256(reinterpret_cast<const __m256i*>(init) + 1)};
  // Stripes before `skip` are stored to scratch; the first stripe stored in
  // place is the one starting at `direct` (skip rounded up to a stripe).
  alignas(32) std::uint8_t scratch[kStripe];
  const std::size_t direct = (skip + kStripe - 1) / kStripe * kStripe;
  std::size_t off = 0;
  for (std::size_t b = 0; b <= blocks; ++b) {
    const std::size_t n = b < blocks ? kStripesPerBlock : last_stripes;
    for (std::size_t i = 0; i < n; ++i, off += kStripe) {
      std::uint8_t* out = off >= direct ? d + (off - skip) : scratch;
      accumulate<true>(acc, s + off, secret + i * XXH_SECRET_CONSUME_RATE, out);
    }
    if (b < blocks) scramble(acc, secret + kSecretSize - kStripe);
  }
  accumulate<false>(acc, s + len - kStripe, secret + kSecretSize - kStripe - XXH_SECRET_LASTACC_START, nullptr);

  // Bytes the stripes did not store: [skip, direct) and the tail past them.
  if (skip < std::min(direct, off)) std::memcpy(d, s + skip, std::min(direct, off) - skip);
  const std::size_t tail = std::max(off, skip);
  if (tail < len) std::memcpy(d + (tail - skip), s + tail, len - tail);

  alignas(32) xxh_u64 a[XXH_ACC_NB];
  _mm256_store_si256(reinterpret_cast<__m256i*>(a), acc[0]);
  _mm256_store_si256(reinterpret_cast<__m256i*>(a) + 1, acc[1]);
  const xxh_u64 low = XXH3_mergeAccs(a, secret + XXH_SECRET_MERGEACCS_START, static_cast<xxh_u64>(len) * XXH_PRIME64_1);
  const xxh_u64 high = XXH3_mergeAccs(a, secret + kSecretSize - sizeof a - XXH_SECRET_MERGEACCS_START,
                                      ~(static_cast<xxh_u64>(len) * XXH_PRIME64_2));
  return Digest{high, low};
}

Digest copy_and_digest(const void* src, std::size_t len, void* dst, std::size_t skip) {
  static const bool avx2 = cpu_has_avx2();
  return avx2 ? copy_and_digest_avx2(src, len, dst, skip) : copy_and_digest_portable(src, len, dst, skip);
}

#else

bool cpu_has_avx2() noexcept { return false; }

Digest copy_and_digest_avx2(const void* src, std::size_t len, void* dst, std::size_t skip) {
  return copy_and_digest_portable(src, len, dst, skip);
}

Digest copy_and_digest(const void* src, std::size_t len, void* dst, std::size_t skip) {
  return copy_and_digest_portable(src, len, dst, skip);
}

#endif

}  // namespace pixelcache::detail
