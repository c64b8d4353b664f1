// Fuzz target: any bytes through the cache entry decoder (cache.hpp) must
// give an Entry or a pixelcache::Error — never a crash, a hang, another
// exception type or an allocation past the image limit — and a decoded entry
// must survive encode + decode unchanged. Each input is also tried
// "resealed": its header checksum (and, for uncompressed bodies, its body
// digest and lengths) recomputed as cache.hpp documents, so mutations reach
// the body parsers instead of stopping at the checksums. Builds as a
// libFuzzer target with clang (-fsanitize=fuzzer) or with
// standalone_driver.cpp under g++.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <xxhash.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "pixelcache/pixelcache.hpp"

namespace {

// The golden corpus (tests/cpp/test_cache_entry.cpp) is signed with this.
const std::vector<std::uint8_t> kSecret = {'s', 'e', 'c', 'r', 'e', 't'};

void check(std::span<const std::uint8_t> bytes) {
  try {
    // Read at the address the entry states (a wrong address is covered by
    // the unit tests; here the body parsers are the target).
    const pixelcache::EntryHeader h = pixelcache::read_entry_header(bytes);
    const pixelcache::EntryAddress at{h.key_namespace, h.key};
    const pixelcache::Entry e = pixelcache::decode_entry(bytes, at, kSecret);
    const pixelcache::Entry again =
        pixelcache::decode_entry(pixelcache::encode_entry(e, at, pixelcache::Compression::Auto, kSecret), at, kSecret);
    if (!(again == e) || again.content_digest() != e.content_digest()) std::abort();
  } catch (const pixelcache::Error&) {
  }
}

void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Rewrites the integrity fields of an entry as the header documents them:
// lengths and body digest (uncompressed bodies), checksum, signature.
bool reseal(std::vector<std::uint8_t>& v) {
  if (v.size() < 72) return false;
  const std::size_t tag = v[7], ns = v[8] | (v[9] << 8);
  const bool signed_entry = (v[6] & 2) != 0;
  const std::size_t head = 72 + ns + tag, tail = signed_entry ? 32 : 0;
  if (tag > 64 || ns > 256 || v.size() < head + tail) return false;
  const std::size_t body = v.size() - head - tail;
  if (!(v[6] & 1)) {
    put_u64(&v[16], body);
    put_u64(&v[24], body);
    const XXH128_hash_t h = XXH3_128bits(v.data() + head, body);
    for (int i = 0; i < 8; ++i) {
      v[32 + i] = static_cast<std::uint8_t>(h.high64 >> (56 - 8 * i));
      v[40 + i] = static_cast<std::uint8_t>(h.low64 >> (56 - 8 * i));
    }
  } else {
    put_u64(&v[16], body);
  }
  std::vector<std::uint8_t> covered(v.begin(), v.begin() + 64);
  covered.insert(covered.end(), v.begin() + 72, v.begin() + static_cast<long>(head));
  if (v[6] & 1) covered.insert(covered.end(), v.begin() + static_cast<long>(head), v.end() - static_cast<long>(tail));
  put_u64(&v[64], XXH3_64bits(covered.data(), covered.size()));
  if (signed_entry) {
    unsigned int n = 0;
    HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()), v.data(), v.size() - 32,
         v.data() + v.size() - 32, &n);
  }
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
