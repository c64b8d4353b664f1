// Counter-based random numbers and seeded shuffles (data.hpp, "Randomness").
#include <numeric>

#include "pixelcache/data.hpp"

namespace pixelcache::data {

std::uint64_t mix64(std::uint64_t z) noexcept {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t random_u64(std::uint64_t seed, std::uint64_t stream, std::uint64_t epoch, std::uint64_t index,
                         std::uint64_t n) noexcept {
  return mix64(mix64(mix64(mix64(mix64(seed) ^ stream) ^ epoch) ^ index) ^ n);
}

namespace {

// floor(u * k / 2^64): an integer in [0, k).
std::uint64_t scale_below(std::uint64_t u, std::uint64_t k) noexcept {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(u) * k) >> 64);
}

}  // namespace

double SampleRandom::uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double SampleRandom::uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

std::uint64_t SampleRandom::below(std::uint64_t k) noexcept {
  const std::uint64_t u = next();
  return k <= 1 ? 0 : scale_below(u, k);
}

std::vector<std::size_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = n; i-- > 1;) {
    const std::uint64_t u = random_u64(seed, kShuffleStream, epoch, i, 0);
    std::swap(order[i], order[scale_below(u, i + 1)]);
  }
  return order;
}

}  // namespace pixelcache::data
