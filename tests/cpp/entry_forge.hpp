// Test helper: stored entries built by hand from the documented format
// (cache.hpp), as an attacker who knows it would — here a decompression
// bomb, sealed with correct XXH3 checksums.
#pragma once

#include <xxhash.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "pixelcache/cache.hpp"

namespace pixelcache::test {

/// One zstd frame holding `n` zero bytes (built in 1 MiB pieces: ~32 bytes
/// of frame per MiB).
inline std::vector<std::uint8_t> zstd_zeros(std::uint64_t n) {
  const std::vector<std::uint8_t> zeros(1 << 20, 0);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setPledgedSrcSize(cctx, n);
  std::vector<std::uint8_t> frame(1 << 20);
  ZSTD_outBuffer out{frame.data(), frame.size(), 0};
  for (std::uint64_t left = n;;) {
    const std::size_t piece = left < zeros.size() ? static_cast<std::size_t>(left) : zeros.size();
    left -= piece;
    ZSTD_inBuffer in{zeros.data(), piece, 0};
    const ZSTD_EndDirective mode = left == 0 ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      const std::size_t rc = ZSTD_compressStream2(cctx, &out, &in, mode);
      if (ZSTD_isError(rc)) throw std::runtime_error("zstd failed");
      if (mode == ZSTD_e_end ? rc == 0 : in.pos == in.size) break;
    }
    if (left == 0) break;
  }
  ZSTD_freeCCtx(cctx);
  frame.resize(out.pos);
  return frame;
}

/// A bytes entry at `at` whose body is `frame` (compressed) and which
/// declares `declared` uncompressed bytes; checksum sealed, body digest 0.
inline std::vector<std::uint8_t> sealed_compressed_entry(const EntryAddress& at, const std::vector<std::uint8_t>& frame,
                                                         std::uint64_t declared) {
  std::vector<std::uint8_t> b(72, 0);
  std::memcpy(b.data(), "PXCE", 4);
  b[4] = 2;  // version
  b[5] = 3;  // bytes
  b[6] = 1;  // zstd
  b[8] = static_cast<std::uint8_t>(at.key_namespace.size());
  b[9] = static_cast<std::uint8_t>(at.key_namespace.size() >> 8);
  const auto put64 = [&](std::size_t pos, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b[pos + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put64(16, frame.size());
  put64(24, declared);
  for (int i = 0; i < 8; ++i) {
    b[48 + i] = static_cast<std::uint8_t>(at.key.high >> (56 - 8 * i));
    b[56 + i] = static_cast<std::uint8_t>(at.key.low >> (56 - 8 * i));
  }
  b.insert(b.end(), at.key_namespace.begin(), at.key_namespace.end());
  b.insert(b.end(), frame.begin(), frame.end());
  std::vector<std::uint8_t> covered(b.begin(), b.begin() + 64);
  covered.insert(covered.end(), b.begin() + 72, b.end());
  put64(64, XXH3_64bits(covered.data(), covered.size()));
  return b;
}

}  // namespace pixelcache::test
