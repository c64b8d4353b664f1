// Foundation benchmarks: digest of a 12 MP image against memcpy
// of the same buffer; JPEG and PNG decode of a 12 MP photo. The peers
// (Pillow, OpenCV) are timed on the same files by bench/compare.py.
#include <benchmark/benchmark.h>

#include <cstring>

#include "bench_data.hpp"

namespace pixelcache::bench {
namespace {

void BM_Memcpy12MP(benchmark::State& state) { memcpy_12mp(state); }
BENCHMARK(BM_Memcpy12MP)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Digest12MP(benchmark::State& state) {
  // First-time digest: a fresh image (new storage, no cached digest) per
  // iteration. Building it, and freeing the previous one (a 36 MB munmap),
  // happen while the timer is paused.
  const Image img = photo_12mp();
  const auto px = img.to_u8_vector();
  Image fresh;
  for (auto _ : state) {
    state.PauseTiming();
    fresh = Image();
    fresh = Image::from_u8(img.size(), Mode::RGB, px);
    state.ResumeTiming();
    benchmark::DoNotOptimize(fresh.digest());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * px.size()));
}
BENCHMARK(BM_Digest12MP)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DigestCached(benchmark::State& state) {
  const Image img = photo_12mp();
  (void)img.digest();
  for (auto _ : state) benchmark::DoNotOptimize(img.digest());
}
BENCHMARK(BM_DigestCached);

void decode_bench(benchmark::State& state, const char* ext) {
  const auto bytes = read_file(photo_file(ext));
  for (auto _ : state) {
    const Image img = decode(bytes);
    benchmark::DoNotOptimize(img.data());
  }
  state.SetLabel(std::to_string(bytes.size()) + " bytes");
}
void BM_DecodeJpeg12MP(benchmark::State& state) { decode_bench(state, ".jpg"); }
void BM_DecodePng12MP(benchmark::State& state) { decode_bench(state, ".png"); }

// PNG encoding of the 12 MP photo at the default level (6).
void BM_EncodePng12MP(benchmark::State& state) {
  const Image img = photo_12mp();
  for (auto _ : state) benchmark::DoNotOptimize(encode(img, Format::PNG).data());
}
BENCHMARK(BM_DecodeJpeg12MP)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DecodePng12MP)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EncodePng12MP)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace pixelcache::bench

BENCHMARK_MAIN();
