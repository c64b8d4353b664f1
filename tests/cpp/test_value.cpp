// Hashable values and containers (value.hpp).
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

TEST(Value, KindsAndAccess) {
  EXPECT_EQ(Value().kind(), Value::Kind::Null);
  EXPECT_EQ(Value(true).kind(), Value::Kind::Bool);
  EXPECT_EQ(Value(3).kind(), Value::Kind::Int);
  EXPECT_EQ(Value(3.0).kind(), Value::Kind::Float);
  EXPECT_EQ(Value("x").kind(), Value::Kind::String);
  EXPECT_EQ(Value(pattern(2, 2)).kind(), Value::Kind::Image);
  EXPECT_EQ(Value(HashableList{1, 2}).kind(), Value::Kind::List);
  EXPECT_EQ(Value(3).as<std::int64_t>(), 3);
  try {
    Value(3).as<std::string>();
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Value holds a int, not a string");
  }
}

TEST(Value, TypesAreDistinctInDigests) {
  EXPECT_NE(Value(1).digest(), Value(1.0).digest());
  EXPECT_NE(Value(1).digest(), Value(true).digest());
  EXPECT_NE(Value("1").digest(), Value(1).digest());
  EXPECT_EQ(Value(0.0).digest(), Value(-0.0).digest());
  EXPECT_EQ(Value(NAN).digest(), Value(-NAN).digest());
  EXPECT_EQ(Value(std::string("abc")).digest(), Value("abc").digest());
}

TEST(HashableList, OrderMattersAndContentDecides) {
  const Image img = pattern(4, 4);
  const HashableList a{1, "two", 3.0, img, nullptr};
  const HashableList b{1, "two", 3.0, Image::from_u8({4, 4}, Mode::RGB, img.to_u8_vector()), nullptr};
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.digest(), b.digest());
  const HashableList c{"two", 1, 3.0, img, nullptr};
  EXPECT_NE(a.digest(), c.digest());
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(a[1].as<std::string>(), "two");
  EXPECT_THROW(a.at(5), InvalidArgument);
  EXPECT_NE(HashableList{}.digest(), HashableList{nullptr}.digest());
}

TEST(HashableDict, KeyOrderDoesNotMatterInsertionOrderIsKept) {
  const HashableDict a{{"b", 2}, {"a", HashableList{1, 2}}, {"img", pattern(3, 3)}};
  const HashableDict b{{"img", pattern(3, 3)}, {"a", HashableList{1, 2}}, {"b", 2}};
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(a.items().front().first.as<std::string>(), "b");
  EXPECT_EQ(b.items().front().first.as<std::string>(), "img");
  EXPECT_EQ(a.at("b").as<std::int64_t>(), 2);
  EXPECT_TRUE(a.contains("img"));
  EXPECT_FALSE(a.contains("zzz"));
  EXPECT_EQ(a.find("zzz"), nullptr);
  EXPECT_THROW(a.at("zzz"), InvalidArgument);
  const HashableDict c{{"b", 3}, {"a", HashableList{1, 2}}, {"img", pattern(3, 3)}};
  EXPECT_NE(a.digest(), c.digest());
  EXPECT_FALSE(a == c);
  EXPECT_THROW((HashableDict{{"k", 1}, {"k", 2}}), InvalidArgument);
}

TEST(HashableDict, NestedContainersArraysAndBoxesHashByContent) {
  const Array arr{"float32", {2}, {0, 0, 128, 63, 0, 0, 0, 64}};
  Array other = arr;
  other.shape = {1, 2};
  EXPECT_NE(Value(arr).digest(), Value(other).digest());  // shape is part of the digest
  other = arr;
  other.dtype = "int32";
  EXPECT_NE(Value(arr).digest(), Value(other).digest());  // so is the dtype
  const BoundingBox box(1, 2, 3, 4, ImageSize{10, 10}, false);
  const HashableDict d{{"cfg", HashableDict{{"arr", arr}, {"box", box}}}};
  const HashableDict e{{"cfg", HashableDict{{"box", box}, {"arr", arr}}}};
  EXPECT_EQ(d.digest(), e.digest());
  EXPECT_NE(Value(box).digest(), Value(BoundingBox(1, 2, 3, 4, ImageSize{10, 11}, false)).digest());
  std::unordered_map<HashableDict, int> m{{d, 7}};
  EXPECT_EQ(m.at(e), 7);
}

TEST(HashableDict, DigestGoldenValueIsStable) {
  // A stored cache key must not change between versions of the library.
  // tests/cli/test_digest_spec.py recomputes both from the documented form.
  const HashableDict d{{"name", "resize"}, {"size", HashableList{256, 256}}, {"antialias", true}};
  EXPECT_EQ(d.digest().hex(), "28952ffc687d672b40873ada381841f3");
  EXPECT_EQ(Value(HashableList{1, "a", 2.5, nullptr}).digest().hex(), "a77ab74a247b455992b866dbbf79398f");
}

TEST(HashableDict, MixedGoldenValueIsSharedWithPython) {
  // tests/python/test_containers.py builds the same dict from Python objects
  // (HashableImage, BoundingBox, a float32 ndarray, None, a float, a nested
  // list) and must get this digest.
  const Array arr{"float32", {2}, {0, 0, 128, 63, 0, 0, 0, 64}};  // [1.0, 2.0]
  const HashableDict d{{"image", load(data("chelsea.png"))},
                       {"box", BoundingBox(1, 2, 3, 4, ImageSize{10, 11}, false)},
                       {"arr", arr},
                       {"none", nullptr},
                       {"alpha", 0.25},
                       {"steps", HashableList{"resize", HashableList{256, 256}}}};
  EXPECT_EQ(d.digest().hex(), "b994e854b77a3e822f7d62eed52aa191");
}

}  // namespace
}  // namespace pixelcache::test
