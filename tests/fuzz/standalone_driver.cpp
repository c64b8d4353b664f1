// A deterministic driver for fuzz targets under g++ (no libFuzzer): feeds
// each seed file, then N mutations of the seeds (bit flips, byte
// overwrites, truncations, duplicated spans, header field extremes) chosen
// by a fixed-seed PRNG, so a failure reproduces. With --iterations 0 it
// only replays the files (the regression tests). Without any file it
// mutates an empty input.
//
//   fuzz_<target> [--iterations N] [--seed S] [SEED_FILE_OR_DIR...]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "pixelcache/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional, as in libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  long iterations = 1000;
  unsigned seed = 1;
  std::vector<std::vector<std::uint8_t>> seeds;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--iterations" && i + 1 < argc) {
      iterations = std::stol(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (std::filesystem::is_directory(a)) {
      std::vector<std::filesystem::path> files;  // sorted: the same order on every file system
      for (const auto& e : std::filesystem::directory_iterator(a))
        if (e.is_regular_file() && e.path().extension() != ".md") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) seeds.push_back(pixelcache::read_file(f));
    } else {
      seeds.push_back(pixelcache::read_file(a));
    }
  }
  if (seeds.empty()) seeds.emplace_back();
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(s.data(), s.size());
  std::mt19937_64 rng(seed);
  for (long it = 0; it < iterations; ++it) {
    std::vector<std::uint8_t> v = seeds[rng() % seeds.size()];
    if (v.empty()) v.push_back(static_cast<std::uint8_t>(rng()));
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !v.empty(); ++e) {
      // Mutations near the start hit headers, where the dangerous fields are.
      const std::size_t span = std::min<std::size_t>(v.size(), (rng() % 2) ? 256 : v.size());
      const std::size_t pos = rng() % span;
      switch (rng() % 6) {
        case 0: v[pos] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
        case 1: v[pos] = static_cast<std::uint8_t>(rng()); break;
        case 2: v.resize(pos + 1); break;
        case 3: v[pos] = (rng() % 2) ? 0xFF : 0x00; break;
        case 4: {
          const std::size_t len = std::min<std::size_t>(v.size() - pos, 1 + rng() % 64);
          std::vector<std::uint8_t> chunk(v.begin() + pos, v.begin() + pos + len);
          v.insert(v.begin() + (rng() % v.size()), chunk.begin(), chunk.end());
          break;
        }
        case 5:
          if (pos + 4 <= v.size()) std::memset(&v[pos], (rng() % 2) ? 0xFF : 0x7F, 4);
          break;
      }
    }
    LLVMFuzzerTestOneInput(v.data(), v.size());
  }
  std::printf("%s: %zu inputs, %ld mutations, no crash\n", std::filesystem::path(argv[0]).filename().c_str(),
              seeds.size(), iterations);
  return 0;
}
