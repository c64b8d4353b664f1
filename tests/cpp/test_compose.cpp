// Blending, arithmetic, constant images (compose.hpp) and palettes
// (ops.hpp: apply_palette) against Pillow / matplotlib and exact values.
#include <fstream>

#include "test_support.hpp"

namespace pixelcache::test {
namespace {

Diff against(const Image& img, const std::string& ref_name) {
  const auto ref = pillow_reference(ref_name);
  EXPECT_TRUE(ref) << ref_name;
  if (!ref) return {1e9, 255};
  EXPECT_STREQ(mode_name(img.mode()), ref->mode.c_str());
  EXPECT_EQ(img.size(), (ImageSize{ref->height, ref->width}));
  return diff(img, ref->pixels);
}

TEST(Blend, ImagesLikePilBlend) {
  const Image cat = load(data("chelsea.png"));
  const Image flipped = flip_horizontal(cat);
  const Diff d = against(blend(cat, flipped, 0.3), "op_blend_03");
  EXPECT_LE(d.max, 1);  // rounding of x * 0.7 + y * 0.3 only
  const Image coffee = resize(load(data("coffee.png")), cat.size());
  EXPECT_EQ(blend(cat, coffee, 0.0), cat);
  EXPECT_EQ(blend(cat, coffee, 1.0), coffee);
}

TEST(Blend, MaskScalesOutsideKeepsInsideDrawsBoxes) {
  const Image g = Image::from_u8({1, 4}, Mode::L, {100, 100, 100, 100});
  const Image m = Image::from_u8({1, 4}, Mode::Binary, {0, 1, 1, 0});
  EXPECT_EQ(blend(g, m, 0.5), Image::from_u8({1, 4}, Mode::L, {50, 100, 100, 50}));
  // An L mask works through blend_mask.
  EXPECT_EQ(blend_mask(g, to_gray(m), 0.5), blend(g, m, 0.5));
  // with_bbox: an RGB result with a red frame around the region.
  std::vector<std::uint8_t> mm(40 * 40, 0);
  for (int y = 10; y < 30; ++y)
    for (int x = 10; x < 30; ++x) mm[y * 40 + x] = 1;
  const Image mask = Image::from_u8({40, 40}, Mode::Binary, mm);
  const Image gray = Image::from_u8({40, 40}, Mode::L, std::vector<std::uint8_t>(1600, 200));
  const Image boxed = blend(gray, mask, 0.5, true);
  EXPECT_EQ(boxed.mode(), Mode::RGB);
  auto px = [&](int x, int y) {
    const auto v = boxed.u8_view();
    const std::size_t i = (static_cast<std::size_t>(y) * 40 + x) * 3;
    return std::array<int, 3>{v[i], v[i + 1], v[i + 2]};
  };
  EXPECT_EQ(px(10, 20), (std::array<int, 3>{255, 0, 0}));  // frame, inside the box
  EXPECT_EQ(px(12, 20), (std::array<int, 3>{255, 0, 0}));  // 3 px wide
  EXPECT_EQ(px(13, 20), (std::array<int, 3>{200, 200, 200}));
  EXPECT_EQ(px(5, 5), (std::array<int, 3>{100, 100, 100}));  // outside: scaled
  // With an image to mix in, the boxes are those of its nonzero pixels (the
  // original's "any channel > 0" of a 3-channel mask).
  const Image colour_mask = to_rgb(mask);
  const Image mixed = blend(to_rgb(gray), colour_mask, 0.5, true);
  EXPECT_EQ(mixed, blend(blend(to_rgb(gray), colour_mask, 0.5), mask, 1.0, true));
}

TEST(Blend, BadInput) {
  const Image a = pattern(4, 4), b = pattern(4, 5);
  EXPECT_THROW(blend(a, b), InvalidArgument);
  EXPECT_THROW(blend(a, a, 1.5), InvalidArgument);
  EXPECT_THROW(blend(a, a, NAN), InvalidArgument);
  EXPECT_THROW(blend(a, to_gray(a)), InvalidArgument);  // mode mismatch for an image blend
  EXPECT_THROW(blend(pattern(4, 4, Mode::Binary), pattern(4, 4, Mode::Binary)), InvalidArgument);
}

TEST(Arithmetic, SaturatesInsteadOfWrapping) {
  const Image a = Image::from_u8({1, 3}, Mode::L, {200, 10, 128});
  const Image b = Image::from_u8({1, 3}, Mode::L, {100, 20, 255});
  EXPECT_EQ(a + b, Image::from_u8({1, 3}, Mode::L, {255, 30, 255}));
  EXPECT_EQ(a - b, Image::from_u8({1, 3}, Mode::L, {100, 0, 0}));
  EXPECT_EQ(a * b, Image::from_u8({1, 3}, Mode::L, {78, 1, 128}));     // a * b / 255
  EXPECT_EQ(a / b, Image::from_u8({1, 3}, Mode::L, {255, 128, 128}));  // a * 255 / b
  EXPECT_EQ(a + 100.0, Image::from_u8({1, 3}, Mode::L, {255, 110, 228}));
  EXPECT_EQ(a - 20.0, Image::from_u8({1, 3}, Mode::L, {180, 0, 108}));
  EXPECT_EQ(a * 2.0, Image::from_u8({1, 3}, Mode::L, {255, 20, 255}));
  EXPECT_EQ(a / 2.0, Image::from_u8({1, 3}, Mode::L, {100, 5, 64}));
  const Image zero = zeros_like(a);
  EXPECT_EQ(a / zero, zero);  // x / 0 is 0, not a crash
  // Float storage: scalars in levels too, results clamped to [0, 1].
  const Image f = Image::from_f32({1, 2}, Mode::L, {0.5f, 0.9f});
  EXPECT_NEAR((f + 25.5).to_f32_vector()[0], 0.6f, 1e-6);
  EXPECT_EQ((f * 2.0).to_u8_vector()[1], 255);
  EXPECT_THROW(a + pattern(1, 3), InvalidArgument);
  EXPECT_THROW(a * -1.0, InvalidArgument);
  EXPECT_THROW(a / 0.0, InvalidArgument);
  EXPECT_THROW(a + NAN, InvalidArgument);
  EXPECT_THROW(pattern(2, 2, Mode::Binary) + 1.0, InvalidArgument);
}

TEST(Arithmetic, ZerosAndOnesLike) {
  const Image a = pattern(3, 4);
  EXPECT_EQ(zeros_like(a).stats().max[0], 0);
  EXPECT_EQ(ones_like(a).stats().min[0], 255);  // white, not 1
  EXPECT_EQ(ones_like(pattern(3, 4, Mode::Binary)).stats().min[0], 1);
  EXPECT_EQ(ones_like(a).shape(), a.shape());
}

TEST(Palette, MatplotlibColormapsWithinOneLevel) {
  const Image cam = load(data("camera.png"));
  for (const char* name : {"viridis", "jet", "turbo", "magma", "gray"}) {
    const Diff d = against(apply_palette(cam, name), std::string("op_palette_") + name);
    EXPECT_LE(d.max, 1) << name;
  }
}

TEST(Palette, DefaultTableIsTheOriginalsExactValues) {
  std::ifstream f(std::filesystem::path(PIXELCACHE_ASSETS_DIR) / "default_palette.txt");
  std::vector<std::uint8_t> table;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    int r, g, b;
    is >> r >> g >> b;
    table.insert(table.end(), {std::uint8_t(r), std::uint8_t(g), std::uint8_t(b)});
  }
  ASSERT_EQ(table.size(), 768u);
  std::vector<std::uint8_t> ramp(256);
  for (int i = 0; i < 256; ++i) ramp[i] = static_cast<std::uint8_t>(i);
  const Image labels = Image::from_u8({1, 256}, Mode::L, ramp);
  const Image out = apply_palette(labels);
  EXPECT_TRUE(std::equal(table.begin(), table.end(), out.u8_view().begin()));
  EXPECT_EQ(apply_palette(labels, table), out);
}

TEST(Palette, BadInput) {
  EXPECT_THROW(apply_palette(pattern(2, 2)), InvalidArgument);  // RGB of colours
  // RGB with gray content is accepted, as by the original.
  EXPECT_EQ(apply_palette(to_rgb(pattern(2, 2, Mode::L)), "viridis"), apply_palette(pattern(2, 2, Mode::L), "viridis"));
  try {
    apply_palette(pattern(2, 2, Mode::L), "virdis");
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("viridis"), std::string::npos);  // lists the names
  }
  const std::vector<std::uint8_t> short_table(700);
  EXPECT_THROW(apply_palette(pattern(2, 2, Mode::L), short_table), InvalidArgument);
  EXPECT_GE(palette_names().size(), 20u);
}

}  // namespace
}  // namespace pixelcache::test
