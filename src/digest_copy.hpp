// Internal: the XXH3-128 digest of a buffer computed while copying it.
//
// A cache hit must both copy an image body out of the store and check it
// against its stored digest. Done as two passes (hash, then memcpy) the data
// is read twice; done in one, each 64-byte stripe is loaded once, fed to
// XXH3's accumulators and stored to the destination: the copy then costs
// only its stores (a 256x256 hit 7.4 -> 5.1 us, a 12 MP hit below a plain
// memcpy when the destination is already mapped).
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstddef>

#include "pixelcache/digest.hpp"

namespace pixelcache::detail {

/// Returns digest_bytes(src, len) and copies src[skip, len) to dst (which
/// must hold len - skip bytes and not overlap src). Uses the AVX2 routine
/// when the CPU has AVX2, else the portable one; both give the same digest.
/// Requires skip <= len.
Digest copy_and_digest(const void* src, std::size_t len, void* dst, std::size_t skip);

/// The portable routine: hashes and copies in cache-sized chunks.
Digest copy_and_digest_portable(const void* src, std::size_t len, void* dst, std::size_t skip);

/// True when this CPU runs copy_and_digest_avx2.
bool cpu_has_avx2() noexcept;

/// The one-pass AVX2 routine (call only when cpu_has_avx2()).
Digest copy_and_digest_avx2(const void* src, std::size_t len, void* dst, std::size_t skip);

}  // namespace pixelcache::detail
