// ImageHash (the value type) and the three hashes of phash.hpp on images
// whose bits are known by construction. The comparison with imagehash's
// definitions computed by Pillow, NumPy and SciPy is
// tests/python/test_phash.py.
#include <gtest/gtest.h>

#include <unordered_set>

#include "pixelcache/phash.hpp"
#include "test_support.hpp"

namespace pixelcache {
namespace {

ImageHash from_bits(int rows, int cols, std::initializer_list<int> bits) {
  std::vector<std::uint8_t> v(bits.begin(), bits.end());
  return ImageHash(rows, cols, v);
}

// A gray image of w x h whose level at (r, c) is f(r, c).
template <class F>
Image gray(int h, int w, F f) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) px[static_cast<std::size_t>(r) * w + c] = static_cast<std::uint8_t>(f(r, c));
  return Image::from_u8({h, w}, Mode::L, px);
}

TEST(ImageHash, HexIsImagehashsForm) {
  // 2 x 2: bits 1 0 / 1 1 read row-major as 0b1011.
  EXPECT_EQ(from_bits(2, 2, {1, 0, 1, 1}).hex(), "b");
  // 3 x 3 = 9 bits in 3 digits, zero-padded on the left: 0b100000001.
  EXPECT_EQ(from_bits(3, 3, {1, 0, 0, 0, 0, 0, 0, 0, 1}).hex(), "101");
  std::vector<std::uint8_t> ones(64, 1);
  EXPECT_EQ(ImageHash(8, 8, ones).hex(), "ffffffffffffffff");
  std::vector<std::uint8_t> first(25, 0);
  first[0] = 1;  // 5 x 5: 25 bits, 7 digits, the first bit is 2^24
  EXPECT_EQ(ImageHash(5, 5, first).hex(), "1000000");
}

TEST(ImageHash, FromHexRoundTrips) {
  for (const char* hex : {"d879f8f89b1bbf00", "0000000000000000", "ffffffffffffffff", "1000000", "b", "101"}) {
    const ImageHash h = ImageHash::from_hex(hex);
    EXPECT_EQ(h.hex(), hex);
    EXPECT_EQ(h.rows(), h.cols());
  }
  EXPECT_EQ(ImageHash::from_hex("d879f8f89b1bbf00").rows(), 8);
  EXPECT_EQ(ImageHash::from_hex("1000000").rows(), 5);
  EXPECT_EQ(ImageHash::from_hex("D879F8F89B1BBF00"), ImageHash::from_hex("d879f8f89b1bbf00"));
  const ImageHash wide = ImageHash::from_hex("abc", 3, 4);  // 12 bits, no padding
  EXPECT_EQ(wide.rows(), 3);
  EXPECT_EQ(wide.cols(), 4);
  EXPECT_EQ(wide.hex(), "abc");
  // The 64-bit hash is one word holding the hex number.
  EXPECT_EQ(ImageHash::from_hex("d879f8f89b1bbf00").words()[0], 0xd879f8f89b1bbf00ull);
}

TEST(ImageHash, FromHexRefusesMalformed) {
  EXPECT_THROW(ImageHash::from_hex(""), InvalidArgument);
  EXPECT_THROW(ImageHash::from_hex("d879f8f89b1bbf0g"), InvalidArgument);
  EXPECT_THROW(ImageHash::from_hex("12"), InvalidArgument);       // no square hash has 2 digits
  EXPECT_THROW(ImageHash::from_hex("2000000"), InvalidArgument);  // a bit set in the 3 padding bits of 5 x 5
  EXPECT_THROW(ImageHash::from_hex("abc", 3, 3), InvalidArgument);
  EXPECT_THROW(ImageHash::from_hex("ab", 0, 8), InvalidArgument);
}

TEST(ImageHash, BitsAndDistance) {
  const ImageHash a = ImageHash::from_hex("ffffffffffffffff");
  const ImageHash b = ImageHash::from_hex("fffffffffffffff0");
  EXPECT_EQ(a.distance(b), 4);
  EXPECT_EQ(b.distance(a), 4);
  EXPECT_EQ(a.distance(a), 0);
  EXPECT_TRUE(b.bit(0));
  EXPECT_FALSE(b.bit(63));
  EXPECT_FALSE(b.bit(7, 7));
  EXPECT_TRUE(b.bit(7, 3));
  EXPECT_THROW((void)b.bit(64), InvalidArgument);
  EXPECT_THROW((void)b.bit(8, 0), InvalidArgument);
  EXPECT_THROW((void)a.distance(ImageHash::from_hex("1000000")), InvalidArgument);
  // Longer than one word: 16 x 16.
  std::vector<std::uint8_t> bits(256, 0);
  bits[0] = bits[100] = bits[255] = 1;
  const ImageHash big(16, 16, bits);
  EXPECT_EQ(big.distance(ImageHash(16, 16, std::vector<std::uint8_t>(256, 0))), 3);
  EXPECT_EQ(big.bits(), bits);
  EXPECT_EQ(ImageHash::from_hex(big.hex()), big);
}

TEST(ImageHash, ValueFormDigestAndEquality) {
  const ImageHash h = ImageHash::from_hex("d879f8f89b1bbf00");
  const Value v = h;
  EXPECT_EQ(v, Value(HashableList{"ImageHash", 8, 8, "d879f8f89b1bbf00"}));
  EXPECT_EQ(ImageHash::from_value(v), h);
  EXPECT_EQ(h.digest(), v.digest());
  EXPECT_THROW(ImageHash::from_value(Value(HashableList{"ImageSize", 8, 8})), InvalidArgument);
  EXPECT_THROW(ImageHash::from_value(Value(3)), InvalidArgument);
  // In containers and cache keys.
  const HashableDict d{{"hash", h}};
  EXPECT_EQ(d.at("hash"), v);
  EXPECT_EQ(CacheKey("ns", "f").add(h).digest(), CacheKey("ns", "f").add(v).digest());
  // Shape is part of equality; hashing follows the digest.
  EXPECT_NE(ImageHash::from_hex("abc", 3, 4), ImageHash::from_hex("abc", 4, 3));
  std::unordered_set<ImageHash> set{h, ImageHash::from_hex("d879f8f89b1bbf00"),
                                    ImageHash::from_hex("0000000000000000")};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(h.to_string(), "ImageHash(8x8, d879f8f89b1bbf00)");
}

TEST(PerceptualHashes, DifferenceHashFollowsTheGradient) {
  // Brighter to the right: every "right > left" bit set; to the left: none.
  const Image right = gray(64, 90, [](int, int c) { return c * 2; });
  const Image left = gray(64, 90, [](int, int c) { return 255 - c * 2; });
  EXPECT_EQ(dhash(right).hex(), "ffffffffffffffff");
  EXPECT_EQ(dhash(left).hex(), "0000000000000000");
  EXPECT_EQ(dhash(right, 5).rows(), 5);
}

TEST(PerceptualHashes, AverageHashOfHalves) {
  // Left half black, right half white: the right four columns of each row.
  const Image halves = gray(80, 80, [](int, int c) { return c < 40 ? 0 : 255; });
  EXPECT_EQ(average_hash(halves).hex(), "0f0f0f0f0f0f0f0f");
  const Image top = gray(80, 80, [](int r, int) { return r < 40 ? 255 : 0; });
  EXPECT_EQ(average_hash(top).hex(), "ffffffff00000000");
  // RGB goes through Pillow's gray formula; binary as 0 / 255.
  const Image mask = to_binary(halves, 0.5);
  EXPECT_EQ(average_hash(mask), average_hash(halves));
  EXPECT_EQ(average_hash(to_rgb(halves)), average_hash(halves));
}

TEST(PerceptualHashes, PerceptualHashHasHalfItsBitsSet) {
  const Image img = load(test::data("chelsea.png"));
  const ImageHash h = phash(img);
  EXPECT_EQ(h.rows(), 8);
  int set = 0;
  for (auto b : h.bits()) set += b;
  EXPECT_EQ(set, 32);  // above the median of 64 distinct coefficients
  EXPECT_EQ(phash(img, 16).size(), 256u);
  EXPECT_EQ(phash(img, 8, 4), image_hash(img, {HashKind::Perceptual, 8, 4}));
  // Float storage is rounded to 8-bit levels first.
  EXPECT_EQ(phash(img.as_f32()), h);
}

TEST(PerceptualHashes, SpecAndErrors) {
  EXPECT_THROW(phash(Image()), InvalidArgument);
  EXPECT_THROW(phash(load(test::data("chelsea.png")), 1), InvalidArgument);
  EXPECT_THROW(dhash(load(test::data("chelsea.png")), 65), InvalidArgument);
  EXPECT_THROW(phash(load(test::data("chelsea.png")), 64, 32), InvalidArgument);
  EXPECT_EQ((HashSpec{HashKind::Difference, 8, 4}.reduced_size()), (ImageSize{8, 9}));
  EXPECT_EQ((HashSpec{HashKind::Perceptual, 8, 4}.reduced_size()), (ImageSize{32, 32}));
  EXPECT_EQ(parse_hash_kind("average_hash"), HashKind::Average);
  EXPECT_THROW(parse_hash_kind("whash"), InvalidArgument);
  EXPECT_EQ(default_threshold({HashKind::Perceptual, 8, 4}), 10);
  EXPECT_EQ(default_threshold({HashKind::Average, 8, 4}), 8);
  EXPECT_EQ(default_threshold({HashKind::Perceptual, 16, 4}), 40);
}

TEST(PerceptualHashes, FilesUseShrinkOnLoad) {
  const HashSpec spec{HashKind::Perceptual, 8, 4};
  const LoadOptions o = hash_load_options(spec);
  EXPECT_EQ(o.shrink_hint, (ImageSize{128, 128}));
  // rocket.jpg (640 x 427) decodes at 1/2 for a 128 x 128 hint.
  const Decoded d = load_ex(test::data("rocket.jpg"), o);
  EXPECT_EQ(d.scale, 2);
  EXPECT_EQ(hash_file(test::data("rocket.jpg"), spec), phash(d.image));
  // PNG decodes fully: the file hash is the image hash.
  EXPECT_EQ(hash_file(test::data("chelsea.png"), spec), phash(load(test::data("chelsea.png"))));
  const auto bytes = read_file(test::data("chelsea.png"));
  EXPECT_EQ(hash_bytes(bytes, spec), hash_file(test::data("chelsea.png"), spec));
  EXPECT_THROW(hash_file(test::data("truncated.jpg"), spec), DecodeError);
  EXPECT_THROW(hash_file(test::data("missing.png"), spec), IoError);
}

}  // namespace
}  // namespace pixelcache
