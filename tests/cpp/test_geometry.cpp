// ImageSize, BoundingBox and Points (geometry.hpp).
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

TEST(ImageSize, AreaValidationString) {
  const ImageSize s{300, 451};
  EXPECT_EQ(s.area(), 135300u);
  EXPECT_EQ(s.to_string(), "451x300 (WxH)");  // width first, and says so
  EXPECT_NO_THROW(s.validate());
  EXPECT_THROW((ImageSize{0, 4}).validate(), InvalidArgument);
  EXPECT_THROW((ImageSize{4, -1}).validate(), InvalidArgument);
}

TEST(BoundingBox, PixelAndNormalizedForms) {
  const BoundingBox b(10, 20, 110, 220, ImageSize{400, 200}, false);
  EXPECT_FALSE(b.normalized());
  EXPECT_EQ(b.xyxy(), (std::array<double, 4>{10, 20, 110, 220}));
  EXPECT_EQ(b.xywh(), (std::array<double, 4>{10, 20, 100, 200}));
  EXPECT_EQ(b.xyxyn(), (std::array<double, 4>{0.05, 0.05, 0.55, 0.55}));
  const auto n = b.xywhn();  // normalised, not pixels (a deliberate difference from the original)
  EXPECT_DOUBLE_EQ(n[2], 0.5);
  EXPECT_DOUBLE_EQ(n[3], 0.5);
  const BoundingBox bn = b.to_normalized();
  EXPECT_TRUE(bn.normalized());
  EXPECT_EQ(bn.to_pixels(), b);
  EXPECT_DOUBLE_EQ(b.area(), 20000);
}

TEST(BoundingBox, ExplicitNormalizedBeatsTheGuess) {
  const BoundingBox guessed(0, 0, 1, 1);
  EXPECT_TRUE(guessed.normalized());  // the original's guess
  const BoundingBox pixel(0, 0, 1, 1, ImageSize{10, 10}, false);
  EXPECT_FALSE(pixel.normalized());
  EXPECT_EQ(pixel.xyxyn(), (std::array<double, 4>{0, 0, 0.1, 0.1}));
  EXPECT_FALSE(guessed == pixel);
}

TEST(BoundingBox, ConversionsNeedAnImageSize) {
  EXPECT_THROW(BoundingBox(0.1, 0.1, 0.5, 0.5).xyxy(), InvalidArgument);
  EXPECT_THROW(BoundingBox(1, 2, 30, 40).xyxyn(), InvalidArgument);
  EXPECT_EQ(BoundingBox(1, 2, 30, 40).xyxy(), (std::array<double, 4>{1, 2, 30, 40}));
}

TEST(BoundingBox, ValidationErrors) {
  EXPECT_THROW(BoundingBox(NAN, 0, 1, 1), InvalidArgument);
  EXPECT_THROW(BoundingBox(0, 0, INFINITY, 1), InvalidArgument);
  EXPECT_THROW(BoundingBox(-1, 0, 5, 5), InvalidArgument);
  EXPECT_THROW(BoundingBox(5, 0, 4, 5), InvalidArgument);
  EXPECT_THROW(BoundingBox(0, 0, 500, 5, ImageSize{100, 100}, false), InvalidArgument);
  EXPECT_THROW(BoundingBox(0, 0, 1.5, 0.5, std::nullopt, true), InvalidArgument);
  EXPECT_THROW(BoundingBox(0, 0, 5, 5, ImageSize{0, 100}), InvalidArgument);
  try {
    BoundingBox(0, 0, 500, 5, ImageSize{100, 100}, false);
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("100x100"), std::string::npos) << e.what();
  }
}

TEST(BoundingBox, ArithmeticAndEquality) {
  const BoundingBox b(10, 10, 20, 20, ImageSize{25, 25}, false);
  EXPECT_EQ((b + 3).xyxy(), (std::array<double, 4>{7, 7, 23, 23}));
  EXPECT_EQ((b + 100).xyxy(), (std::array<double, 4>{0, 0, 25, 25}));  // clipped to the image
  EXPECT_EQ((b - 2).xyxy(), (std::array<double, 4>{12, 12, 18, 18}));
  EXPECT_THROW(b - 6, InvalidArgument);
  const BoundingBox d = b * 2;
  EXPECT_EQ(d.xyxy(), (std::array<double, 4>{20, 20, 40, 40}));
  EXPECT_EQ(d.image_size(), (ImageSize{50, 50}));
  EXPECT_EQ(d / 2, b);
  EXPECT_THROW(b * 0, InvalidArgument);
  EXPECT_THROW(b / NAN, InvalidArgument);
  EXPECT_EQ(b, BoundingBox(10, 10, 20, 20, ImageSize{25, 25}, false));
  EXPECT_FALSE(b == BoundingBox(10, 10, 20, 21, ImageSize{25, 25}, false));
  EXPECT_FALSE(b == BoundingBox(10, 10, 20, 20, std::nullopt, false));
}

TEST(BoundingBox, UnionOverlapIntPixels) {
  const BoundingBox a(0, 0, 10, 10, std::nullopt, false), b(10, 5, 20, 15, std::nullopt, false);
  EXPECT_FALSE(a.overlaps(b));
  EXPECT_TRUE(a.overlaps(b, true));
  EXPECT_EQ(a.union_with(b).xyxy(), (std::array<double, 4>{0, 0, 20, 15}));
  EXPECT_THROW(a.union_with(BoundingBox(0.1, 0.1, 0.2, 0.2)), InvalidArgument);
  EXPECT_EQ(BoundingBox(0.1, 0.25, 0.5, 0.75, ImageSize{10, 10}, true).to_int_pixels(),
            (std::array<int, 4>{1, 2, 5, 8}));
  EXPECT_NE(a.to_string().find("xmax=10"), std::string::npos);
}

TEST(Points, BboxAndValidation) {
  const Points p({{3, 4}, {10, 2}, {5.5, 9}}, ImageSize{20, 20});
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.bbox().xyxy(), (std::array<double, 4>{3, 2, 11, 10}));
  EXPECT_THROW(Points({}).bbox(), InvalidArgument);
  EXPECT_THROW(Points({{NAN, 1}}), InvalidArgument);
  EXPECT_THROW(Points({{25, 1}}, ImageSize{20, 20}), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test
