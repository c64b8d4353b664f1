// Fuzz target: any bytes through the cache entry decoder (cache.hpp) must
// give an Entry or a pixelcache::Error — never a crash, a hang, another
// exception type or an allocation past the image limit — and a decoded entry
// must survive encode + decode unchanged. Each input is also tried
// "resealed": its header checksum (and, for uncompressed bodies, its body
// digest and lengths) recomputed as cache.hpp documents, so mutations reach
// the body parsers instead of stopping at the checksums. Builds as a
// libFuzzer target with clang (-fsanitize=fuzzer) or with
// standalone_driver.cpp under g++.
#include <xxhash.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "pixelcache/pixelcache.hpp"

namespace {

void check(std::span<const std::uint8_t> bytes) {
  try {
    const pixelcache::Entry e = pixelcache::decode_entry(bytes);
    const pixelcache::Entry again =
        pixelcache::decode_entry(pixelcache::encode_entry(e, pixelcache::Compression::Auto));
    if (!(again == e) || again.content_digest() != e.content_digest()) std::abort();
  } catch (const pixelcache::Error&) {
  }
}

void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Rewrites the integrity fields of an entry as the header documents them.
bool reseal(std::vector<std::uint8_t>& v) {
  if (v.size() < 48) return false;
  const std::size_t tag = v[7];
  if (tag > 64 || v.size() < 48 + tag) return false;
  if (!(v[6] & 1)) {
    const std::size_t body = v.size() - 48 - tag;
    put_u64(&v[8], body);
    put_u64(&v[16], body);
    const XXH128_hash_t h = XXH3_128bits(v.data() + 48 + tag, body);
    for (int i = 0; i < 8; ++i) {
      v[24 + i] = static_cast<std::uint8_t>(h.high64 >> (56 - 8 * i));
      v[32 + i] = static_cast<std::uint8_t>(h.low64 >> (56 - 8 * i));
    }
  }
  std::vector<std::uint8_t> covered(v.begin(), v.begin() + 40);
  covered.insert(covered.end(), v.begin() + 48, v.begin() + 48 + static_cast<long>(tag));
  put_u64(&v[40], XXH3_64bits(covered.data(), covered.size()));
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool limited = [] {
    pixelcache::set_max_image_bytes(std::uint64_t{64} << 20);  // keep each case small and fast
    return true;
  }();
  (void)limited;
  check({data, size});
  std::vector<std::uint8_t> v(data, data + size);
  if (reseal(v)) check(v);
  return 0;
}
