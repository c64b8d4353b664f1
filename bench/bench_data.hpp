// Benchmark inputs: a 12-megapixel photo (4000x3000) made by upscaling
// chelsea.png with mild deterministic noise (so it compresses like a real
// photo rather than a smooth upscale), written once as JPEG (q90, 4:2:0) and
// PNG (zlib level 6) into the benchmark data folder, where the Python peer
// script (bench/compare.py) reads the very same files.
#pragma once

#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <random>

#include "pixelcache/interop/opencv.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::bench {

inline std::filesystem::path data_dir() {
  const char* env = std::getenv("PIXELCACHE_BENCH_DATA");
  return env ? env : PIXELCACHE_BENCH_DATA_DIR;
}

inline Image photo_12mp() {
  static const Image img = [] {
    const Image cat = load(PIXELCACHE_ASSETS_DIR "/chelsea.png");
    const cv::Mat src = mat_view(cat);
    cv::Mat big;
    cv::resize(src, big, cv::Size(4000, 3000), 0, 0, cv::INTER_CUBIC);
    cv::Mat noise(big.size(), CV_16SC3);
    cv::theRNG().state = 12345;
    cv::randn(noise, 0, 3);
    cv::Mat out;
    cv::add(big, noise, out, cv::noArray(), CV_8UC3);
    return from_mat(out, ChannelOrder::RGB);
  }();
  return img;
}

/// Path of the 12 MP file with extension `ext` (".jpg" or ".png"), written
/// on first use.
inline std::filesystem::path photo_file(const char* ext) {
  const auto path = data_dir() / (std::string("photo_12mp") + ext);
  if (!std::filesystem::exists(path)) {
    std::filesystem::create_directories(path.parent_path());
    EncodeOptions opt;
    opt.quality = 90;
    save(photo_12mp(), path, opt);
  }
  return path;
}

/// The peer of the 12 MP rows: a memcpy of the photo's 36 MB into a
/// reused buffer.
inline void memcpy_12mp(benchmark::State& state) {
  const Image photo = photo_12mp();
  const auto src = photo.u8_view();
  std::vector<std::uint8_t> dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * src.size()));
}

}  // namespace pixelcache::bench
