// What the store validator (src/cache/lmdb_check.hpp) costs each time a
// disk store is opened: builds a store through the public API (once; kept
// in DIR) and times check_lmdb_meta, check_lmdb_file and a whole Cache open
// with the file in the page cache (warm) and evicted from it (cold:
// posix_fadvise(DONTNEED) on the store file alone).
//
//   bench_lmdb_check large|small DIR [RUNS]
//     large: 20,000 entries of ~200 KB (4 GB: the values in overflow pages)
//     small: 200,000 entries of ~100 bytes (the values in leaf pages)
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cache/lmdb_check.hpp"
#include "pixelcache/pixelcache.hpp"

using namespace pixelcache;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::uint8_t> noise(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> v(n);
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < n; i += 8) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    std::memcpy(&v[i], &s, std::min<std::size_t>(8, n - i));
  }
  return v;
}

CacheOptions options(const std::filesystem::path& dir, std::uint64_t disk_bytes) {
  CacheOptions o;
  o.key_namespace = "bench";
  o.memory_bytes = 0;
  o.disk_path = dir;
  o.disk_bytes = disk_bytes;
  o.compression = Compression::None;
  return o;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void evict(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s large|small DIR [RUNS]\n", argv[0]);
    return 2;
  }
  const bool large = std::string(argv[1]) == "large";
  const std::filesystem::path dir = argv[2];
  const int runs = argc > 3 ? std::atoi(argv[3]) : 5;
  const int entries = large ? 20000 : 200000;
  const std::size_t value = large ? 200000 : 100;
  const std::uint64_t disk_bytes = large ? (std::uint64_t{6} << 30) : (std::uint64_t{256} << 20);
  const std::filesystem::path file = dir / "pixelcache-v2.mdb";

  if (!std::filesystem::exists(file)) {
    const auto t0 = Clock::now();
    Cache cache(options(dir, disk_bytes));
    for (int i = 0; i < entries; ++i)
      cache.put(CacheKey("bench", "lmdb_check", "1").add(Value(i)).digest(),
                Entry(Bytes(noise(value - 40 + static_cast<std::size_t>(i % 80), static_cast<std::uint32_t>(i)))));
    std::printf("built %d entries of ~%zu bytes in %.1f s\n", entries, value, ms_since(t0) / 1000);
  }
  std::printf("store: %.1f MB\n", static_cast<double>(std::filesystem::file_size(file)) / 1e6);

  for (const bool cold : {false, true}) {
    std::vector<double> meta, full, open;
    cache_detail::LmdbCheck c;
    for (int r = 0; r < runs; ++r) {
      if (cold) evict(file);
      const int fd = ::open(file.c_str(), O_RDONLY);
      auto t0 = Clock::now();
      c = cache_detail::check_lmdb_meta(fd);
      meta.push_back(ms_since(t0));
      if (cold) evict(file);
      t0 = Clock::now();
      c = cache_detail::check_lmdb_file(fd);
      full.push_back(ms_since(t0));
      ::close(fd);
      if (!c.ok) {
        std::printf("check failed: %s\n", c.problem.c_str());
        return 1;
      }
      if (cold) evict(file);
      t0 = Clock::now();
      { Cache cache(options(dir, disk_bytes)); }  // the open checks (meta, then the whole file) and closes
      open.push_back(ms_since(t0));
    }
    std::printf(
        "%s: check_lmdb_meta %.3f ms, check_lmdb_file %.1f ms (%llu pages), Cache open + close %.1f ms"
        " (medians of %d)\n",
        cold ? "cold" : "warm", median(meta), median(full), static_cast<unsigned long long>(c.pages), median(open),
        runs);
  }
  return 0;
}
