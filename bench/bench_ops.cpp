// Operation benchmarks on the 12 MP photo. Peers: bench/compare.py.
#include <benchmark/benchmark.h>

#include "bench_data.hpp"

namespace pixelcache::bench {
namespace {

template <class F>
void run_op(benchmark::State& state, F&& op) {
  const Image img = photo_12mp();
  for (auto _ : state) {
    const Image out = op(img);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_Resize12MPTo256(benchmark::State& s) {
  run_op(s, [](const Image& i) { return resize(i, {256, 256}, Interpolation::Bilinear); });
}
void BM_Rotate45(benchmark::State& s) {
  run_op(s, [](const Image& i) { return rotate(i, 45, true); });
}
void BM_ToGray(benchmark::State& s) {
  run_op(s, [](const Image& i) { return to_gray(i); });
}
void BM_EqualizeHist(benchmark::State& s) {
  const Image gray = to_gray(photo_12mp());
  for (auto _ : s) {
    const Image out = equalize_hist(gray);
    benchmark::DoNotOptimize(out.data());
  }
}
void BM_EqualizeHistRgb(benchmark::State& s) {
  const Image rgb = photo_12mp();
  for (auto _ : s) {
    const Image out = equalize_hist(rgb);
    benchmark::DoNotOptimize(out.data());
  }
}
void BM_CenterPad(benchmark::State& s) {
  run_op(s, [](const Image& i) { return center_pad(i, {3200, 4200}, 0); });
}
// The whole process: 12 MP JPEG bytes -> 256x256 PNG bytes (shrink on load).
void BM_JpegToThumbnailPng(benchmark::State& s) {
  const auto bytes = read_file(photo_file(".jpg"));
  LoadOptions opt;
  opt.shrink_hint = {256, 256};
  for (auto _ : s) {
    const auto png = encode(resize(decode(bytes, opt), {256, 256}), Format::PNG);
    benchmark::DoNotOptimize(png.data());
  }
}

void BM_Blend(benchmark::State& s) {
  const Image a = photo_12mp(), b = flip_horizontal(photo_12mp());
  for (auto _ : s) {
    const Image out = blend(a, b, 0.3);
    benchmark::DoNotOptimize(out.data());
  }
}
// A mask with many regions: the noisy 12 MP photo thresholded at 0.6.
void BM_Mask2Bbox(benchmark::State& s) {
  const Image mask = to_binary(to_gray(photo_12mp()), 0.6);
  std::size_t n = 0;
  for (auto _ : s) {
    const auto boxes = mask2bbox(mask);
    n = boxes.size();
    benchmark::DoNotOptimize(boxes.data());
  }
  s.counters["boxes"] = static_cast<double>(n);
}
// Eight 512x512 cells under two labels, with text.
void BM_Grid8(benchmark::State& s) {
  const Image a = load(PIXELCACHE_ASSETS_DIR "/astronaut.png");
  const std::vector<std::pair<std::string, std::vector<Image>>> cols = {{"first label", {a, a, a, a}},
                                                                        {"second label", {a, a, a, a}}};
  for (auto _ : s) {
    const Image out = make_image_grid(cols, {GridOrientation::Vertical, true});
    benchmark::DoNotOptimize(out.data());
  }
}

BENCHMARK(BM_Blend)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Mask2Bbox)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Grid8)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Resize12MPTo256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Rotate45)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ToGray)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EqualizeHist)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EqualizeHistRgb)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CenterPad)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_JpegToThumbnailPng)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace pixelcache::bench

BENCHMARK_MAIN();
