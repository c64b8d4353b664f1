// Labelled grids and text (grid.hpp): the original's layout, label strip
// and display_string rules. Pillow-based checks of the
// font sizes and label placement are in tests/python/test_original_grid.py.
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

using Columns = std::vector<std::pair<std::string, std::vector<Image>>>;

Image solid(int h, int w, std::uint8_t v) {
  return Image::from_u8({h, w}, Mode::RGB, std::vector<std::uint8_t>(static_cast<std::size_t>(h) * w * 3, v));
}

// Sum of a rectangle [x0, x1) x [y0, y1) of the first channel.
long region_sum(const Image& img, int x0, int y0, int x1, int y1) {
  long s = 0;
  const auto v = img.u8_view();
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) s += v[(static_cast<std::size_t>(y) * img.width() + x) * img.channels()];
  return s;
}

// Bounding box {x0, y0, x1, y1} (exclusive ends) of pixels whose first channel
// is below 128 inside a rectangle; {-1...} when there are none.
std::array<int, 4> dark_box(const Image& img, int x0, int y0, int x1, int y1) {
  std::array<int, 4> b{x1, y1, -1, -1};
  const auto v = img.u8_view();
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      if (v[(static_cast<std::size_t>(y) * img.width() + x) * img.channels()] < 128)
        b = {std::min(b[0], x), std::min(b[1], y), std::max(b[2], x + 1), std::max(b[3], y + 1)};
  if (b[2] < 0) return {-1, -1, -1, -1};
  return b;
}

Image crop_rect(const Image& img, int x0, int y0, int x1, int y1) { return crop(img, px_box(x0, y0, x1, y1)); }

TEST(Grid, DefaultsAreTheOriginals) {
  const GridOptions o;
  EXPECT_EQ(o.orientation, GridOrientation::Horizontal);
  EXPECT_FALSE(o.with_text);
  EXPECT_EQ(parse_grid_orientation("vertical"), GridOrientation::Vertical);
  EXPECT_STREQ(grid_orientation_name(GridOrientation::Horizontal), "horizontal");
  EXPECT_THROW(parse_grid_orientation("diagonal"), InvalidArgument);
  // Default: one row per key, no strip.
  const Image g = make_image_grid({{"a", {solid(10, 20, 1), solid(10, 20, 2)}}, {"b", {solid(10, 20, 3)}}});
  EXPECT_EQ(g.size(), (ImageSize{2 * 10, 2 * 20}));
  EXPECT_EQ(g.u8_view()[0], 1);
  EXPECT_EQ(g.u8_view()[20 * 3], 2);
  EXPECT_EQ(g.u8_view()[(10 * 40) * 3], 3);     // row 2 = key "b"
  EXPECT_EQ(region_sum(g, 20, 10, 40, 20), 0);  // its missing cell is black
}

TEST(Grid, VerticalLayoutPaddingAndLabels) {
  // Even size differences, so the centring is exact under any rounding.
  const Image a = solid(40, 60, 200), small = solid(20, 30, 100);
  const Image g = make_image_grid({{"first", {a, small}}, {"", {a}}}, {GridOrientation::Vertical, true});
  ASSERT_EQ(g.mode(), Mode::RGB);
  EXPECT_EQ(g.width(), 2 * 60);
  const int strip = g.height() - 2 * 40;
  ASSERT_GT(strip, 0);
  // Black text on white: column 0 has ink, column 1 (empty label) is all white.
  EXPECT_NE(dark_box(g, 0, 0, 60, strip)[0], -1);
  EXPECT_EQ(region_sum(g, 60, 0, 120, strip), 255L * 60 * strip);
  // The strip is trimmed: 2 white rows above the ink, 1 below.
  const auto box = dark_box(g, 0, 0, 60, strip);
  EXPECT_LE(box[1], 2);
  EXPECT_GE(box[3], strip - 1);
  // Cell (0, 0) is the 200 image; cell (0, 1) the small one, centred in black.
  EXPECT_EQ(region_sum(g, 0, strip, 60, strip + 40), 200L * 60 * 40);
  EXPECT_EQ(region_sum(g, 15, strip + 40 + 10, 45, strip + 40 + 30), 100L * 30 * 20);
  EXPECT_EQ(region_sum(g, 0, strip + 40, 60, strip + 80), 100L * 30 * 20);
  // The shorter list is padded with a black cell.
  EXPECT_EQ(region_sum(g, 60, strip + 40, 120, strip + 80), 0);
}

TEST(Grid, HorizontalRowsWithLabelsOnTheLeftReadingBottomToTop) {
  const Image a = solid(40, 60, 200);
  const Image g = make_image_grid({{"row one", {a, a, a}}, {"row two", {a}}}, {GridOrientation::Horizontal, true});
  EXPECT_EQ(g.height(), 2 * 40);
  const int strip = g.width() - 3 * 60;
  ASSERT_GT(strip, 0);
  EXPECT_NE(dark_box(g, 0, 0, strip, 40)[0], -1);
  EXPECT_NE(dark_box(g, 0, 40, strip, 80)[0], -1);
  EXPECT_EQ(region_sum(g, strip, 0, strip + 180, 40), 200L * 180 * 40);
  EXPECT_EQ(region_sum(g, strip, 40, strip + 60, 80), 200L * 60 * 40);
  EXPECT_EQ(region_sum(g, strip + 60, 40, strip + 180, 80), 0);
  // The strip turned 90 degrees clockwise is the vertical grid's strip of the
  // same label over a transposed cell: the text reads bottom to top.
  const Image h = make_image_grid({{"Rotated", {solid(40, 90, 7)}}}, {GridOrientation::Horizontal, true});
  const Image v = make_image_grid({{"Rotated", {solid(90, 40, 7)}}}, {GridOrientation::Vertical, true});
  const int sh = h.width() - 90, sv = v.height() - 90;
  ASSERT_EQ(sh, sv);
  EXPECT_EQ(rotate(crop_rect(h, 0, 0, sh, 40), -90), crop_rect(v, 0, 0, 40, sv));
}

TEST(Grid, OneFontSizeForAllLabelsAndNoneCut) {
  // "x" alone would get a far larger size; sharing the long label's size,
  // both x glyphs are the same height.
  const Image a = solid(50, 120, 90);
  const Image g = make_image_grid({{"x", {a}}, {"xxxxxxxxxxxxxxxxxxxx", {a}}}, {GridOrientation::Vertical, true});
  const int strip = g.height() - 50;
  const auto shortb = dark_box(g, 0, 0, 120, strip), longb = dark_box(g, 120, 0, 240, strip);
  ASSERT_NE(shortb[0], -1);
  ASSERT_NE(longb[0], -1);
  EXPECT_EQ(shortb[3] - shortb[1], longb[3] - longb[1]);
  EXPECT_EQ(shortb[1], longb[1]);
  // The long label is whole: ink inside its cell, white margins both sides.
  EXPECT_GT(longb[0], 120);
  EXPECT_LT(longb[2], 240);
  // The short label is centred in its column.
  EXPECT_LE(std::abs((shortb[0] + shortb[2]) - 120), 2);
}

TEST(Grid, EmptyLabelsDrawNothing) {
  const Image a = solid(8, 8, 50);
  // Only empty labels: no strip at all (the original hangs).
  EXPECT_EQ(make_image_grid({{"", {a}}, {"", {a}}}, {GridOrientation::Vertical, true}),
            make_image_grid({{"", {a}}, {"", {a}}}, {GridOrientation::Vertical, false}));
  EXPECT_EQ(make_image_grid({{"", {a}}}, {GridOrientation::Horizontal, true}).size(), (ImageSize{8, 8}));
}

TEST(Grid, KeyOrderHashableDictGrayAndBinaryInputs) {
  GridOptions o{GridOrientation::Vertical, false};
  const Image gray = to_gray(solid(10, 10, 2));
  const Image g = make_image_grid({{"b", {solid(10, 10, 1)}}, {"a", {gray}}, {"m", {to_binary(gray, 0.0)}}}, o);
  EXPECT_EQ(g.size(), (ImageSize{10, 30}));
  EXPECT_EQ(g.u8_view()[0], 1);         // key order kept: "b" first
  EXPECT_EQ(g.u8_view()[10 * 3], 2);    // gray converted to RGB
  EXPECT_EQ(g.u8_view()[20 * 3], 255);  // binary true is white
  const HashableDict d{{"b", HashableList{solid(10, 10, 1)}}, {"a", HashableList{solid(10, 10, 2)}}};
  EXPECT_EQ(make_image_grid(d, o).to_u8_vector()[0], 1);
  EXPECT_EQ(make_image_grid(HashableDict{{"one", solid(4, 4, 9)}}).size(), (ImageSize{4, 4}));
}

TEST(Grid, BadInput) {
  const Image a = solid(8, 8, 50);
  EXPECT_THROW(make_image_grid(Columns{}), InvalidArgument);
  try {
    make_image_grid({{"a", {a}}, {"lonely", {}}});
    ADD_FAILURE() << "an empty list must throw";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'lonely' is empty"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_image_grid({{"x", {Image()}}}), InvalidArgument);
  EXPECT_THROW(make_image_grid(HashableDict{{"x", 3}}), InvalidArgument);
  EXPECT_THROW(make_image_grid(HashableDict{{1, HashableList{a}}}), InvalidArgument);
  // A grid above the pixel limit is refused before any label work.
  const std::uint64_t limit = max_image_bytes();
  set_max_image_bytes(8 * 8 * 3 * 3);
  EXPECT_THROW(make_image_grid({{"a", {a, a, a, a}}}, {GridOrientation::Horizontal, true}), LimitError);
  set_max_image_bytes(limit);
  // A long label on a tiny cell still renders at the smallest size.
  EXPECT_NO_THROW(make_image_grid({{std::string(500, 'W'), {a}}}, {GridOrientation::Vertical, true}));
}

TEST(Text, DisplayStringAsTheOriginal) {
  // Font sizes computed with the original's rule in Pillow 9.4 / FreeType
  // 2.12 (tests/python/test_original_grid.py checks many more).
  const DisplayString d = display_string("Hello", {40, 200});
  EXPECT_EQ(d.font_size, 20);
  EXPECT_EQ(display_string("pixelcache", {40, 200}).font_size, 17);
  EXPECT_EQ(display_string("blend + boxes", {300, 451}).font_size, 29);
  const Image& t = d.image;
  EXPECT_EQ(t.mode(), Mode::RGB);
  EXPECT_EQ(t.size(), (ImageSize{40, 200}));
  // Black on white, centred (Pillow's ink box is x 71..129, y 16..30).
  const auto b = dark_box(t, 0, 0, 200, 40);
  EXPECT_NEAR(b[0], 71, 2);
  EXPECT_NEAR(b[2], 129, 2);
  EXPECT_NEAR(b[1], 16, 2);
  EXPECT_NEAR(b[3], 30, 2);
  EXPECT_EQ(region_sum(t, 0, 0, 60, 40), 255L * 60 * 40);
}

TEST(Text, DisplayStringOptions) {
  DisplayStringOptions o;
  o.force_size = 12;
  o.justification = Justification::Left;
  o.background = {0, 0, 255};
  o.foreground = {255, 255, 0};
  const DisplayString d = display_string("left", {30, 200}, o);
  EXPECT_EQ(d.font_size, 12);
  const auto v = d.image.u8_view();
  EXPECT_EQ(v[0], 0);
  EXPECT_EQ(v[2], 255);  // blue background
  int ink_left = 200, ink_right = -1;
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 200; ++x)
      if (v[(y * 200 + x) * 3] > 128) ink_left = std::min(ink_left, x), ink_right = std::max(ink_right, x);
  EXPECT_LE(ink_left, 2);  // left-justified
  o.justification = Justification::Right;
  const Image r = display_string("right", {30, 200}, o).image;
  int rmax = -1;
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 200; ++x)
      if (r.u8_view()[(y * 200 + x) * 3] > 128) rmax = std::max(rmax, x);
  EXPECT_GE(rmax, 196);
  EXPECT_EQ(parse_justification("center"), Justification::Center);
  EXPECT_THROW(parse_justification("middle"), InvalidArgument);
  // words_per_line: three lines stacked, each one word.
  DisplayStringOptions w;
  w.words_per_line = 1;
  const Image lines = display_string("one two six", {120, 200}, w).image;
  const auto whole = dark_box(lines, 0, 0, 200, 120);
  EXPECT_GT(whole[3] - whole[1], 2 * (whole[2] - whole[0]) / 3);  // taller than one line would be
}

TEST(Text, DisplayStringEdgeCases) {
  // Empty text: the background only, and it returns (the original loops forever).
  const DisplayString e = display_string("", {10, 10});
  EXPECT_EQ(e.image.stats().min[0], 255);
  EXPECT_GE(e.font_size, 1);
  EXPECT_EQ(display_string("\n\n", {10, 10}).image.stats().min[0], 255);
  EXPECT_LT(display_string("\xC3\xA9t\xC3\xA9 \xFF bad utf-8", {40, 300}).image.stats().min[0], 128);
  // A tiny canvas still gives a size >= 1 and a word too wide wraps.
  EXPECT_EQ(display_string("x", {1, 1}).font_size, 2);
  EXPECT_NO_THROW(display_string("supercalifragilistic word", {20, 30}));
  EXPECT_THROW(display_string("x", {0, 10}), InvalidArgument);
  // Absurd sizes and lengths: only what meets the canvas is rasterised.
  DisplayStringOptions huge;
  huge.force_size = kMaxFontSize;
  EXPECT_EQ(display_string("W", {200, 200}, huge).image.size(), (ImageSize{200, 200}));
  // A full block (U+2588) 24000 px wide across a 20000 px canvas: drawn in
  // every column (rasterised in 16384-column tiles, FT_Span.x being 16-bit).
  huge.force_size = 40000;
  const Image block = display_string("\xE2\x96\x88", {20, 20000}, huge).image;
  EXPECT_EQ(dark_box(block, 0, 0, 20000, 20)[0], 0);
  EXPECT_EQ(dark_box(block, 0, 0, 20000, 20)[2], 20000);
  for (const int x : {0, 9999, 16383, 16384, 19999}) EXPECT_LT(region_sum(block, x, 0, x + 1, 20), 255L * 20) << x;
  EXPECT_EQ(display_string(std::string(100000, 'x'), {20, 50}).font_size, 2);
  EXPECT_EQ(display_string(std::string(5000, '\n') + "a", {20, 50}).image.size(), (ImageSize{20, 50}));
  DisplayStringOptions o;
  o.force_size = 0;
  EXPECT_THROW(display_string("x", {10, 10}, o), InvalidArgument);
  o = {};
  o.words_per_line = 0;
  EXPECT_THROW(display_string("x", {10, 10}, o), InvalidArgument);
  o = {};
  o.scale_font_size = std::nan("");
  EXPECT_THROW(display_string("x", {10, 10}, o), InvalidArgument);
  o = {};
  o.font_path = "/nonexistent/font\x8f.ttf";
  try {
    display_string("x", {10, 10}, o);
    ADD_FAILURE() << "a missing font must throw";
  } catch (const IoError& err) {
    EXPECT_NE(std::string(err.what()).find("font\\x8f.ttf"), std::string::npos) << err.what();
  }
}

TEST(Grid, CreateTextIsTheGridStrip) {
  const Columns columns{{"cat", {solid(24, 40, 90)}}, {"dog and cow", {solid(24, 40, 160)}}};
  for (const GridOrientation o : {GridOrientation::Vertical, GridOrientation::Horizontal}) {
    const Image plain = make_image_grid(columns, {o, false});
    const Image drawn = make_image_grid(columns, {o, true});
    CreateTextOptions options;
    options.orientation = o;
    const Image out = create_text(plain, {"cat", "dog and cow"}, options);
    EXPECT_EQ(out, drawn) << grid_orientation_name(o);
  }
  // The remainder of the side (62 = 2 * 31) is background; another background.
  CreateTextOptions blue;
  blue.orientation = GridOrientation::Vertical;
  blue.background = {0, 0, 255};
  const Image out = create_text(solid(30, 63, 7), {"a", "b"}, blue);
  ASSERT_GT(out.height(), 30);
  EXPECT_EQ(out.width(), 63);
  const auto v = out.u8_view();
  EXPECT_EQ(v[62 * 3 + 2], 255);  // row 0, column 62: blue
  EXPECT_EQ(v[62 * 3 + 0], 0);
  EXPECT_THROW(create_text(solid(30, 63, 7), {}, blue), InvalidArgument);
  EXPECT_THROW(create_text(solid(30, 3, 7), {"a", "b", "c", "d"}, blue), InvalidArgument);
  EXPECT_THROW(create_text(Image(), {"a"}), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test
