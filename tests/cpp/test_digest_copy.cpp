// Internal: the one-pass copy + digest of cache hits (src/digest_copy.hpp)
// and the pool of large pixel buffers (src/pixel_memory.cpp).
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "digest_copy.hpp"
#include "image_storage.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

using CopyFn = Digest (*)(const void*, std::size_t, void*, std::size_t);

std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

// Copies src[skip, len) into a buffer with guard bytes on both sides, checks
// the digest against libxxhash's one-shot XXH3-128, the copy byte for byte,
// and that nothing outside the destination was written.
void check(CopyFn fn, const std::vector<std::uint8_t>& data, std::size_t len, std::size_t skip, std::size_t shift) {
  constexpr std::size_t kGuard = 96;
  constexpr std::uint8_t kFill = 0xA5;
  std::vector<std::uint8_t> src(len + shift);
  std::copy(data.begin(), data.begin() + static_cast<long>(len), src.begin() + static_cast<long>(shift));
  std::vector<std::uint8_t> out(kGuard + (len - skip) + kGuard, kFill);
  const Digest got = fn(src.data() + shift, len, out.data() + kGuard, skip);
  const std::string where = "len " + std::to_string(len) + " skip " + std::to_string(skip);
  ASSERT_EQ(got, digest_bytes(src.data() + shift, len)) << where;
  ASSERT_TRUE(std::equal(out.begin() + kGuard, out.end() - kGuard, src.begin() + static_cast<long>(shift + skip)))
      << where;
  ASSERT_TRUE(std::all_of(out.begin(), out.begin() + kGuard, [](std::uint8_t b) { return b == kFill; })) << where;
  ASSERT_TRUE(std::all_of(out.end() - kGuard, out.end(), [](std::uint8_t b) { return b == kFill; })) << where;
}

void check_all(CopyFn fn) {
  const auto data = random_bytes(3 << 20, 7);
  // Every length through the short paths, the 241-byte switch, the first
  // 1024-byte blocks (a scramble after each) and their last stripes.
  for (std::size_t len = 0; len <= 2200; ++len)
    for (std::size_t skip : {0u, 16u})
      if (skip <= len) check(fn, data, len, skip, len % 7);
  // Skips around the stripe size, and lengths of real image bodies.
  for (std::size_t len : {241u, 300u, 1088u, 4112u, 196624u, 1000003u, 3u << 20})
    for (std::size_t skip : {0u, 1u, 15u, 16u, 63u, 64u, 65u, 200u}) check(fn, data, len, skip, 3);
  check(fn, data, 500, 500, 0);  // nothing to copy
}

TEST(DigestCopy, PortableEqualsOneShotDigestAndMemcpy) { check_all(&detail::copy_and_digest_portable); }

TEST(DigestCopy, Avx2EqualsOneShotDigestAndMemcpy) {
  if (!detail::cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  check_all(&detail::copy_and_digest_avx2);
}

TEST(DigestCopy, DispatchEqualsOneShotDigest) { check(&detail::copy_and_digest, random_bytes(9000, 3), 9000, 16, 0); }

// A uniform RGB image of `size`, every sample `value`.
Image filled(ImageSize size, std::uint8_t value) {
  return Image::generate(size, Mode::RGB, PixelType::U8,
                         [value](std::span<std::byte> px) { std::memset(px.data(), value, px.size()); });
}

// True when every sample of `img` is `value`.
bool all_equal(const Image& img, std::uint8_t value) {
  const auto* p = static_cast<const std::uint8_t*>(img.data());
  return std::all_of(p, p + img.byte_size(), [value](std::uint8_t b) { return b == value; });
}

TEST(PixelPool, LargeBuffersAreReusedAndBounded) {
  const ImageSize size{2000, 6000};  // 36 MB: pooled when freed
  Image a = filled(size, 7);
  [[maybe_unused]] const std::size_t before = detail::pooled_pixel_bytes();
  a = Image();
  const std::size_t held = detail::pooled_pixel_bytes();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  EXPECT_EQ(held, 0u);  // sanitizer builds free every buffer
#else
  EXPECT_GE(held, before + 36'000'000u);
  // The next image of that size takes the buffer back, with its own pixels.
  const Image b = filled(size, 200);
  EXPECT_EQ(detail::pooled_pixel_bytes(), before);
  EXPECT_TRUE(all_equal(b, 200));
#endif
  // Many large images of several sizes: the pool stays within its bound
  // (128 MiB) and every image keeps its own pixels.
  for (int round = 0; round < 3; ++round) {
    std::vector<Image> live;
    for (int i = 0; i < 6; ++i) live.push_back(filled({2000 + 100 * (i % 3), 6000}, static_cast<std::uint8_t>(i * 40)));
    for (int i = 0; i < 6; ++i)
      EXPECT_TRUE(all_equal(live[static_cast<std::size_t>(i)], static_cast<std::uint8_t>(i * 40)));
    live.clear();
    EXPECT_LE(detail::pooled_pixel_bytes(), std::size_t{128} << 20);
  }
}

}  // namespace
}  // namespace pixelcache::test
