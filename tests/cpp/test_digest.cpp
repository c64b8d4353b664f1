// The content digest (digest.hpp): format, stability, equal for the same
// pixels from every source, different for any change.
#include <algorithm>
#include <vector>

#include "test_support.hpp"

namespace pixelcache::test {
namespace {

TEST(Digest, HexIs32LowercaseAndRoundTrips) {
  const Digest d{0x0123456789abcdefull, 0xfedcba9876543210ull};
  EXPECT_EQ(d.hex(), "0123456789abcdeffedcba9876543210");
  EXPECT_EQ(Digest::from_hex(d.hex()), d);
  EXPECT_EQ(Digest::from_hex("0123456789ABCDEFFEDCBA9876543210"), d);
  EXPECT_THROW(Digest::from_hex("0123"), InvalidArgument);
  EXPECT_THROW(Digest::from_hex("0123456789abcdeffedcba987654321g"), InvalidArgument);
}

TEST(Digest, StableGoldenValues) {
  // Fixed values: a change here breaks every stored cache key. They are also
  // recomputed independently from the documented canonical form with
  // python3-xxhash in tests/cli/test_cli.py and test_digest_spec.py.
  EXPECT_EQ(load(data("chelsea.png")).hex_digest(), "ed65aa01c3f6aae80ccb80578f5bcd11");
  EXPECT_EQ(Image::from_u8({1, 1}, Mode::L, {0}).hex_digest(), "76b7c00d9885713b94a0b09e0c864433");
  EXPECT_EQ(digest_bytes("", 0).hex(), "99aa06d3014798d86001c324468d497f");  // XXH3-128 of "" (xxHash test vector)
}

TEST(Digest, SamePixelsSameDigestWhateverTheSource) {
  const Digest png = load(data("chelsea.png")).digest();
  for (const char* name : {"chelsea.bmp", "chelsea.tiff", "chelsea.webp", "chelsea_rgba.png", "chelsea_16bit.png",
                           "chelsea_alpha_gradient.png"})
    EXPECT_EQ(load(data(name)).digest(), png) << name;
  // Encoded bytes, a raw buffer and exact k/255 floats.
  const Image img = decode(read_file(data("chelsea.png")));
  EXPECT_EQ(img.digest(), png);
  const auto px = img.to_u8_vector();
  EXPECT_EQ(Image::from_raw(px.data(), {300, 451, 3}).digest(), png);
  const auto f = img.to_f32_vector();
  EXPECT_EQ(Image::from_raw(f.data(), {300, 451, 3, DType::F32}).digest(), png);
}

TEST(Digest, DifferentPixelsModeOrShapeDiffer) {
  const Image img = load(data("chelsea.png"));
  EXPECT_NE(load(data("chelsea_q95.jpg")).digest(), img.digest());
  auto px = img.to_u8_vector();
  px[px.size() / 2] ^= 1;  // one sample, one bit
  EXPECT_NE(Image::from_u8(img.size(), Mode::RGB, px).digest(), img.digest());
  // Same bytes, other shape.
  const auto orig = img.to_u8_vector();
  EXPECT_NE(Image::from_u8({451, 300}, Mode::RGB, orig).digest(), img.digest());
  EXPECT_NE(Image::from_u8({300, 451 * 3}, Mode::L, orig).digest(), img.digest());
  // Same samples, other mode: L versus binary.
  const Image l = Image::from_u8({1, 2}, Mode::L, {0, 1});
  const Image b = Image::from_u8({1, 2}, Mode::Binary, {0, 1});
  EXPECT_NE(l.digest(), b.digest());
  EXPECT_NE(l, b);
}

TEST(Digest, HasherStreamsLikeOneShot) {
  const std::string s = "pixelcache digest stream";
  Hasher h;
  h.update(s.data(), 5).update(s.data() + 5, s.size() - 5);
  EXPECT_EQ(h.finish(), digest_bytes(s.data(), s.size()));
}

// Hasher gathers up to 240 bytes inline and streams beyond: every length
// around that switch, fed in pieces of several sizes, digests like one shot;
// finish() leaves it usable; a moved-from Hasher starts again from nothing.
TEST(Digest, HasherInlineAndStreamingAgreeAtEveryLength) {
  std::vector<std::uint8_t> data(700);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
  for (std::size_t len = 0; len <= data.size(); ++len)
    for (std::size_t piece : {1u, 7u, 64u, 239u, 240u, 241u, 700u}) {
      Hasher h;
      for (std::size_t at = 0; at < len; at += piece) h.update(data.data() + at, std::min(piece, len - at));
      ASSERT_EQ(h.finish(), digest_bytes(data.data(), len)) << "len " << len << " piece " << piece;
    }
  Hasher h;
  h.update(data.data(), 200);
  const Digest at200 = h.finish();
  EXPECT_EQ(at200, digest_bytes(data.data(), 200));
  h.update(data.data() + 200, 300);  // past the inline buffer after a finish()
  EXPECT_EQ(h.finish(), digest_bytes(data.data(), 500));
  Hasher moved = std::move(h);
  EXPECT_EQ(moved.finish(), digest_bytes(data.data(), 500));
  h = Hasher();
  h.update(data.data(), 10);
  EXPECT_EQ(h.finish(), digest_bytes(data.data(), 10));
  Hasher small;
  small.update(data.data(), 100);
  Hasher taken(std::move(small));
  EXPECT_EQ(taken.finish(), digest_bytes(data.data(), 100));
}

}  // namespace
}  // namespace pixelcache::test
