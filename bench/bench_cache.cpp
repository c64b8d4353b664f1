// Cache benchmarks: hits of a 256x256 result from the memory,
// disk (LMDB) and Redis tiers; a disk hit of a 12 MP image against a memcpy
// of its 36 MB in the same run (target: at most 1.5x); put costs; and the
// compression choice (a zstd-compressed 12 MP photo and a compressed mask).
// The Redis rows start their own redis-server on a free loopback port.
#include <benchmark/benchmark.h>

#include <cstring>

#include "bench_data.hpp"
#include "redis_server.hpp"

namespace pixelcache::bench {
namespace {

Image thumb_256() {
  static const Image img = resize(photo_12mp(), {256, 256});
  return img;
}

Image mask_12mp() {
  static const Image img = to_binary(to_gray(photo_12mp()), 0.5);
  return img;
}

// A scratch cache directory, removed at exit.
const std::filesystem::path& scratch() {
  static const struct Dir {
    std::filesystem::path path;
    Dir() {
      std::string t = (std::filesystem::temp_directory_path() / "pixelcache-bench-XXXXXX").string();
      if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
      path = t;
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } dir;
  return dir.path;
}

test::RedisServer& redis() {
  static test::RedisServer server;
  return server;
}

CacheOptions options(std::uint64_t memory, bool disk, bool use_redis, Compression c = Compression::Auto) {
  CacheOptions o;
  o.key_namespace = "bench";
  o.memory_bytes = memory;
  o.disk_path = disk ? scratch() : std::filesystem::path();
  o.disk_bytes = std::uint64_t{2} << 30;
  o.redis_url = use_redis ? redis().url() : "";
  o.compression = c;
  return o;
}

Digest key(const char* name, int i = 0) { return CacheKey("bench", name).add(Value(i)).digest(); }

void BM_Memcpy36MB(benchmark::State& state) { memcpy_12mp(state); }
BENCHMARK(BM_Memcpy36MB)->Unit(benchmark::kMillisecond)->UseRealTime();

// A hit of `img` (stored under `name`) from a cache with the given tiers.
void hit(benchmark::State& state, const char* name, const Image& img, CacheOptions o) {
  Cache cache(o);
  cache.put(key(name), Entry(img));
  for (auto _ : state) {
    const auto got = cache.get_image(key(name));
    if (!got) {
      state.SkipWithError("miss");
      return;
    }
    benchmark::DoNotOptimize(got->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * img.byte_size()));
}

void BM_MemoryHit256(benchmark::State& state) { hit(state, "mem256", thumb_256(), options(64 << 20, false, false)); }
BENCHMARK(BM_MemoryHit256);

void BM_DiskHit256(benchmark::State& state) { hit(state, "disk256", thumb_256(), options(0, true, false)); }
BENCHMARK(BM_DiskHit256)->Unit(benchmark::kMicrosecond);

void BM_DiskHit12MP(benchmark::State& state) { hit(state, "disk12", photo_12mp(), options(0, true, false)); }
BENCHMARK(BM_DiskHit12MP)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DiskHit12MPZstd(benchmark::State& state) {
  hit(state, "disk12z", photo_12mp(), options(0, true, false, Compression::Zstd));
}
BENCHMARK(BM_DiskHit12MPZstd)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DiskHitMask12MP(benchmark::State& state) { hit(state, "mask12", mask_12mp(), options(0, true, false)); }
BENCHMARK(BM_DiskHitMask12MP)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RedisHit256(benchmark::State& state) { hit(state, "redis256", thumb_256(), options(0, false, true)); }
BENCHMARK(BM_RedisHit256)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Puts rotate over 16 keys, so each one replaces an older entry.
void put(benchmark::State& state, const char* name, const Image& img, CacheOptions o) {
  Cache cache(o);
  int i = 0;
  for (auto _ : state) cache.put(key(name, i++ % 16), Entry(img));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * img.byte_size()));
}

void BM_MemoryPut256(benchmark::State& state) { put(state, "pmem256", thumb_256(), options(64 << 20, false, false)); }
BENCHMARK(BM_MemoryPut256);

void BM_DiskPut256(benchmark::State& state) { put(state, "pdisk256", thumb_256(), options(0, true, false)); }
BENCHMARK(BM_DiskPut256)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_DiskPut12MP(benchmark::State& state) { put(state, "pdisk12", photo_12mp(), options(0, true, false)); }
BENCHMARK(BM_DiskPut12MP)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DiskPutMask12MP(benchmark::State& state) { put(state, "pmask12", mask_12mp(), options(0, true, false)); }
BENCHMARK(BM_DiskPutMask12MP)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RedisPut256(benchmark::State& state) { put(state, "predis256", thumb_256(), options(0, false, true)); }
BENCHMARK(BM_RedisPut256)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The entry sizes behind the compression rows.
void BM_EncodedSizes(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(state.iterations());
  state.counters["photo_raw_MB"] =
      static_cast<double>(encode_entry(Entry(photo_12mp()), EntryAddress{}, Compression::None).size()) / 1e6;
  state.counters["photo_zstd_MB"] =
      static_cast<double>(encode_entry(Entry(photo_12mp()), EntryAddress{}, Compression::Zstd).size()) / 1e6;
  state.counters["photo_auto_MB"] =
      static_cast<double>(encode_entry(Entry(photo_12mp()), EntryAddress{}, Compression::Auto).size()) / 1e6;
  state.counters["mask_raw_MB"] =
      static_cast<double>(encode_entry(Entry(mask_12mp()), EntryAddress{}, Compression::None).size()) / 1e6;
  state.counters["mask_auto_MB"] =
      static_cast<double>(encode_entry(Entry(mask_12mp()), EntryAddress{}, Compression::Auto).size()) / 1e6;
}
BENCHMARK(BM_EncodedSizes)->Iterations(1);

}  // namespace
}  // namespace pixelcache::bench

BENCHMARK_MAIN();
