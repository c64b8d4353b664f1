// pixelcache/pipeline.hpp: steps in the command line's grammar as values —
// parsing (one text or many, whitespace-separated), canonical keys and
// digests, shrink-on-load hints, and run() against decode + apply.
#include <gtest/gtest.h>

#include <cstdlib>

#include "pixelcache/pixelcache.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

TEST(Pipeline, ParsesOneTextOrManyAndAppliesInOrder) {
  const Transform a = Transform::parse("resize:64x48  center_crop:32x32\tto_gray");
  const Transform b = Transform::parse(std::vector<std::string>{"resize:64x48", "center_crop:32x32 to_gray"});
  ASSERT_EQ(a.steps().size(), 3u);
  EXPECT_EQ(a.keys(), b.keys());
  EXPECT_EQ(a.digest(), b.digest());
  const Image img = pattern(100, 120);
  const Image out = a.apply(img);
  EXPECT_EQ(out.size(), (ImageSize{32, 32}));
  EXPECT_EQ(out.mode(), Mode::L);
  EXPECT_EQ(out, to_gray(center_crop(resize(img, {48, 64}), {32, 32})));
  EXPECT_TRUE(Transform().empty());
  EXPECT_EQ(Transform().apply(img).digest(), img.digest());
  EXPECT_TRUE(Transform::parse("   ").empty());
}

TEST(Pipeline, KeysAreCanonical) {
  // Defaults filled in, one spelling of numbers: equal keys, equal digests.
  EXPECT_EQ(Transform::parse("resize:64x48").digest(), Transform::parse("resize:64x48,bilinear").digest());
  EXPECT_EQ(Transform::parse("resize:64x48").digest(), Transform::parse("resize:size=64x48").digest());
  EXPECT_NE(Transform::parse("resize:64x48").digest(), Transform::parse("resize:48x64").digest());
  EXPECT_NE(Transform::parse("to_gray resize:64x48").digest(), Transform::parse("resize:64x48 to_gray").digest());
  EXPECT_EQ(parse_step("resize:256x").key, parse_step("resize:256x0").key);
}

TEST(Pipeline, ShrinkOnLoadHints) {
  EXPECT_EQ(Transform::parse("resize:256x128").load_options().shrink_hint, (ImageSize{128, 256}));
  EXPECT_EQ(Transform::parse("resize:256x").load_options().shrink_hint, (ImageSize{0, 256}));
  EXPECT_EQ(Transform::parse("resize_min_size:256,modulo=1").load_options().shrink_min_side, 256);
  EXPECT_EQ(Transform::parse("resize_min_size:256").load_options().shrink_min_side, 241);  // modulo 16
  EXPECT_EQ(Transform::parse("to_gray resize:64x64").load_options().shrink_hint, (ImageSize{0, 0}));
  // A 12 MP-like JPEG: the decode behind a shrinking first step is smaller
  // than the full image but never below what the step needs.
  const auto jpeg = encode(pattern(960, 1280), Format::JPEG);
  for (const char* steps : {"resize:200x150", "resize:200x", "resize:x150", "resize_min_size:150,modulo=1"}) {
    const Transform t = Transform::parse(steps);
    const Image decoded = decode(jpeg, t.load_options());
    EXPECT_LT(decoded.width(), 1280) << steps;
    EXPECT_GE(decoded.width(), 200) << steps;
    EXPECT_GE(decoded.height(), 150) << steps;
    const Image out = t.run(jpeg, "noise.jpg");
    EXPECT_EQ(out, t.apply(decoded)) << steps;
  }
  EXPECT_EQ(Transform::parse("resize:200x").run(jpeg).size(), (ImageSize{150, 200}));
  EXPECT_EQ(Transform::parse("resize_min_size:150,modulo=1").run(jpeg).size(), (ImageSize{150, 200}));
}

TEST(Pipeline, ShrinkOnLoadKeepsTheFullScaleGeometry) {
  // Odd sides: a JPEG decoded at 1/2 or 1/4 scale has ceil(side / n) pixels,
  // another aspect ratio than the full image; the first step is sized as for
  // the full image.
  const auto jpeg = encode(pattern(451, 301), Format::JPEG);
  for (const char* steps : {"resize_min_size:100,modulo=1", "resize:x70", "resize:70x", "resize:60x60"}) {
    const Transform t = Transform::parse(steps);
    EXPECT_LT(decode(jpeg, t.load_options()).width(), 301) << steps;
    EXPECT_EQ(t.run(jpeg).size(), t.apply(decode(jpeg)).size()) << steps;
  }
}

TEST(Pipeline, WebpShrinkOnLoadKeepsTheFullScaleGeometry) {
  EncodeOptions lossy;
  lossy.quality = 90;
  const auto webp = encode(load(data("chelsea.png")), Format::WebP, lossy);  // 300 x 451
  for (const char* steps : {"resize_min_size:100,modulo=1", "resize:x70", "resize:70x", "resize:60x60"}) {
    const Transform t = Transform::parse(steps);
    const Decoded d = decode_ex(webp, t.load_options());
    EXPECT_GT(d.scale, 1) << steps;
    EXPECT_EQ(d.full_size, (ImageSize{300, 451})) << steps;
    const Image out = t.run(webp), reference = t.apply(decode(webp));
    ASSERT_EQ(out.size(), reference.size()) << steps;
    // Not the same pixels (an area-averaged decode), but the same picture.
    const auto po = out.u8_view(), pr = reference.u8_view();
    double sum = 0;
    for (std::size_t i = 0; i < po.size(); ++i) sum += std::abs(int(po[i]) - int(pr[i]));
    EXPECT_LT(sum / po.size(), 3.0) << steps;
  }
}

TEST(Pipeline, DecodedFullSizeIsTheUnshrunkOrientedSize) {
  const auto jpeg = encode(pattern(451, 301), Format::JPEG);
  LoadOptions o;
  o.shrink_hint = {60, 40};
  const Decoded d = decode_ex(jpeg, o);
  EXPECT_EQ(d.image.size(), (ImageSize{113, 76}));  // 1/4 scale (1/8 would be 57 x 38): ceil(side / 4)
  EXPECT_EQ(d.full_size, (ImageSize{451, 301}));
  EXPECT_EQ(decode_ex(jpeg).full_size, (ImageSize{451, 301}));
  EXPECT_EQ(decode_ex(encode(pattern(30, 20), Format::PNG)).full_size, (ImageSize{30, 20}));
  // EXIF orientation 6 (rotated 90 degrees): full_size is upright, as the image.
  const Decoded r = decode_ex(read_file(data("exif_orient6.jpg")), o);
  EXPECT_EQ(r.full_size, decode_ex(read_file(data("exif_orient6.jpg"))).image.size());
  EXPECT_EQ(r.full_size.height > r.full_size.width, r.image.height() > r.image.width());
}

TEST(Pipeline, BadStepsAreClearErrors) {
  try {
    (void)Transform::parse("resize:64x48 rezise:32x32");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown step 'rezise' — did you mean 'resize'?"), std::string::npos)
        << e.what();
    // One suggestion line, not the whole catalogue.
    EXPECT_EQ(std::string(e.what()).find("rotate"), std::string::npos) << e.what();
  }
  // Nothing close: no suggestion, still the pointer to --help.
  EXPECT_EQ(unknown_step_message("qqqqqqqqqq"), "unknown step 'qqqqqqqqqq' (--help lists the steps)");
  EXPECT_THROW((void)parse_step("resize:x"), InvalidArgument);
  EXPECT_THROW((void)parse_step("resize:0x0"), InvalidArgument);
  EXPECT_THROW((void)parse_step("center_crop:0x10"), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test
