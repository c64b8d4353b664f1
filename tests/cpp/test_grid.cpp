// Labelled grids and text (grid.hpp): layout geometry, padding, labels.
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

Image solid(int h, int w, std::uint8_t v) {
  return Image::from_u8({h, w}, Mode::RGB, std::vector<std::uint8_t>(static_cast<std::size_t>(h) * w * 3, v));
}

// Sum of a rectangle of the first channel.
long region_sum(const Image& img, int x0, int y0, int x1, int y1) {
  long s = 0;
  const auto v = img.u8_view();
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) s += v[(static_cast<std::size_t>(y) * img.width() + x) * img.channels()];
  return s;
}

TEST(Grid, VerticalLayoutPaddingAndLabels) {
  const Image a = solid(40, 60, 200), small = solid(20, 30, 100);
  const Image g = make_image_grid({{"first", {a, small}}, {"", {a}}});
  ASSERT_EQ(g.mode(), Mode::RGB);
  EXPECT_EQ(g.width(), 2 * 60);
  const int strip = g.height() - 2 * 40;
  EXPECT_GT(strip, 0);
  // Column 0: label pixels in its strip; column 1 (empty label): none.
  EXPECT_GT(region_sum(g, 0, 0, 60, strip), 0);
  EXPECT_EQ(region_sum(g, 60, 0, 120, strip), 0);
  // Cell (0, 0) is the 200 image; cell (0, 1) the small one, centred in black.
  EXPECT_EQ(region_sum(g, 0, strip, 60, strip + 40), 200L * 60 * 40);
  EXPECT_EQ(region_sum(g, 15, strip + 40 + 10, 45, strip + 40 + 30), 100L * 30 * 20);
  EXPECT_EQ(region_sum(g, 0, strip + 40, 15, strip + 80), 0);
  // The shorter list is padded with a black cell.
  EXPECT_EQ(region_sum(g, 60, strip + 40, 120, strip + 80), 0);
}

TEST(Grid, HorizontalRowsWithLabelsOnTheLeft) {
  const Image a = solid(40, 60, 200);
  GridOptions o;
  o.orientation = GridOrientation::Horizontal;
  const Image g = make_image_grid({{"row one", {a, a, a}}, {"row two", {a}}}, o);
  EXPECT_EQ(g.height(), 2 * 40);
  const int strip = g.width() - 3 * 60;
  EXPECT_GT(strip, 0);
  EXPECT_GT(region_sum(g, 0, 0, strip, 40), 0);
  EXPECT_EQ(region_sum(g, strip, 40, strip + 60, 80), 200L * 60 * 40);
  EXPECT_EQ(region_sum(g, strip + 60, 40, strip + 180, 80), 0);
}

TEST(Grid, WithoutTextKeyOrderHashableDictAndGrayInputs) {
  GridOptions o;
  o.with_text = false;
  const Image g = make_image_grid({{"b", {solid(10, 10, 1)}}, {"a", {to_gray(solid(10, 10, 2))}}}, o);
  EXPECT_EQ(g.size(), (ImageSize{10, 20}));
  EXPECT_EQ(g.u8_view()[0], 1);       // key order kept: "b" first
  EXPECT_EQ(g.u8_view()[10 * 3], 2);  // gray converted to RGB
  const HashableDict d{{"b", HashableList{solid(10, 10, 1)}}, {"a", HashableList{solid(10, 10, 2)}}};
  EXPECT_EQ(make_image_grid(d, o).to_u8_vector()[0], 1);
}

TEST(Grid, EmptyLabelNeverHangsAndBadInput) {
  const Image a = solid(8, 8, 50);
  EXPECT_NO_THROW(make_image_grid({{"", {a}}}));
  EXPECT_THROW(make_image_grid(std::vector<std::pair<std::string, std::vector<Image>>>{}), InvalidArgument);
  EXPECT_THROW(make_image_grid({{"x", {}}}), InvalidArgument);
  EXPECT_THROW(make_image_grid({{"x", {Image()}}}), InvalidArgument);
  GridOptions o;
  o.font_size = -1;
  EXPECT_THROW(make_image_grid({{"x", {a}}}, o), InvalidArgument);
  const HashableDict wrong{{"x", 3}};
  EXPECT_THROW(make_image_grid(wrong), InvalidArgument);
  // A long label on a tiny cell still renders (font shrinks to its floor).
  EXPECT_NO_THROW(make_image_grid({{std::string(500, 'W'), {a}}}));
}

TEST(Text, DisplayStringDrawsCentredText) {
  const Image t = display_string("Hello", {40, 200});
  EXPECT_EQ(t.mode(), Mode::L);
  EXPECT_EQ(t.size(), (ImageSize{40, 200}));
  EXPECT_GT(t.stats().max[0], 200);           // antialiased white glyphs
  EXPECT_EQ(region_sum(t, 0, 0, 20, 40), 0);  // margins stay black
  EXPECT_EQ(region_sum(t, 180, 0, 200, 40), 0);
  EXPECT_EQ(display_string("", {10, 10}).stats().max[0], 0);
  EXPECT_GT(display_string("\xC3\xA9t\xC3\xA9 \xFF bad utf-8", {40, 300}).stats().max[0], 0);
  EXPECT_THROW(display_string("x", {0, 10}), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test
