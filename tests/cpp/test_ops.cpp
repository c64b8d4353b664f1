// Operations (ops.hpp) against Pillow / OpenCV references generated at test
// time (tests/tools/pillow_reference.py), exact expectations, and bad input.
#include <cstdlib>
#include <opencv2/core/utility.hpp>
#include <random>

#include "test_support.hpp"

namespace pixelcache::test {
namespace {

const Image& cat() {
  static const Image img = load(data("chelsea.png"));
  return img;
}

// Compares with a Pillow reference; returns the difference.
Diff against(const Image& img, const std::string& ref_name) {
  const auto ref = pillow_reference(ref_name);
  EXPECT_TRUE(ref) << ref_name;
  if (!ref) return {1e9, 255};
  EXPECT_STREQ(mode_name(img.mode()), ref->mode.c_str()) << ref_name;
  EXPECT_EQ(img.width(), ref->width) << ref_name;
  EXPECT_EQ(img.height(), ref->height) << ref_name;
  return diff(img, ref->pixels);
}

// Same kernels and fixed point as Pillow; only the pass order differs, so
// one intermediate rounding (and, for the overshooting bicubic and Lanczos
// kernels, one intermediate clipping) can differ. The bar is a mean
// under 1 level; these are much tighter.
void expect_close_to_pillow(const Diff& d, const std::string& filter) {
  const bool overshoots = filter == "bicubic" || filter == "lanczos";
  EXPECT_LT(d.mean, overshoots ? 0.3 : 0.25) << filter;
  EXPECT_LE(d.max, overshoots ? 8 : 2) << filter;
  if (filter == "nearest") {
    EXPECT_EQ(d.max, 0);
  }
}

struct ResizeCase {
  const char* filter;
  int w, h;
};
void PrintTo(const ResizeCase& c, std::ostream* os) { *os << c.filter << " " << c.w << "x" << c.h; }

class ResizeVsPillow : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(ResizeVsPillow, WithinOneLevel) {
  const auto [filter, w, h] = GetParam();
  const Image out = resize(cat(), {h, w}, parse_interpolation(filter));
  const Diff d = against(out, std::string("op_resize_") + filter + "_" + std::to_string(w) + "x" + std::to_string(h));
  expect_close_to_pillow(d, filter);
}

std::vector<ResizeCase> resize_cases() {
  std::vector<ResizeCase> v;
  for (const char* f : {"nearest", "bilinear", "bicubic", "lanczos", "area"})
    for (auto [w, h] : {std::pair{200, 133}, {640, 500}, {256, 256}, {451, 120}}) v.push_back({f, w, h});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Filters, ResizeVsPillow, ::testing::ValuesIn(resize_cases()), [](const auto& info) {
  return std::string(info.param.filter) + "_" + std::to_string(info.param.w) + "x" + std::to_string(info.param.h);
});

TEST(Resize, GrayStaysGrayAndMatchesPillow) {
  const Image cam = load(data("camera.png"));
  for (const char* f : {"nearest", "bilinear", "bicubic", "lanczos", "area"}) {
    const Image out = resize(cam, {200, 300}, parse_interpolation(f));
    EXPECT_EQ(out.mode(), Mode::L);
    expect_close_to_pillow(against(out, std::string("op_resize_gray_") + f), f);
  }
}

TEST(Resize, SameSizeIsTheSameHandle) { EXPECT_TRUE(resize(cat(), cat().size()).same_storage(cat())); }

TEST(Resize, BinaryStaysBinaryWithoutGrowingEdges) {
  // A 40x40 square in a 100x100 mask, halved: 20x20 true pixels exactly.
  std::vector<std::uint8_t> m(100 * 100, 0);
  for (int y = 30; y < 70; ++y)
    for (int x = 30; x < 70; ++x) m[y * 100 + x] = 1;
  const Image mask = Image::from_u8({100, 100}, Mode::Binary, m);
  for (auto interp : {Interpolation::Bilinear, Interpolation::Bicubic, Interpolation::Area, Interpolation::Lanczos}) {
    const Image half = resize(mask, {50, 50}, interp);
    EXPECT_EQ(half.mode(), Mode::Binary);
    EXPECT_DOUBLE_EQ(half.stats().mean[0], 400.0 / 2500.0);
  }
}

// A giant target size is refused by the size limit before the tables the
// resample builds for it (fuzz_parse_step: resize:...940724989x2,nearest
// built a 3.7 GB index table first, then failed the limit). Run in a child
// whose address space may grow by 512 MiB only: the table cannot be made.
TEST(Resize, GiantTargetIsRefusedBeforeItsTables) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's shadow memory needs more address space than the child gets";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto refused = [](Interpolation how, ImageSize to) {
    limit_address_space_growth(std::uint64_t{512} << 20);
    set_max_image_bytes(std::uint64_t{1} << 20);
    try {
      (void)resize(cat(), to, how);
    } catch (const LimitError&) {
      std::_Exit(0);
    } catch (...) {
      std::_Exit(1);  // std::bad_alloc from a table
    }
    std::_Exit(2);
  };
  for (Interpolation how : {Interpolation::Nearest, Interpolation::Bilinear, Interpolation::Lanczos}) {
    EXPECT_EXIT(refused(how, {2, 940724989}), ::testing::ExitedWithCode(0), "") << static_cast<int>(how);
    EXPECT_EXIT(refused(how, {940724989, 2}), ::testing::ExitedWithCode(0), "") << static_cast<int>(how);
  }
}

TEST(Resize, FloatImagesStayFloatAndInRange) {
  std::vector<float> px(64 * 64);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = (i % 7 == 0) ? 1.0f : 0.0013f * static_cast<float>(i % 700);
  const Image f = Image::from_f32({64, 64}, Mode::L, px);
  ASSERT_EQ(f.pixel_type(), PixelType::F32);
  const Image out = resize(f, {100, 30}, Interpolation::Lanczos);  // overshoots, clamped
  EXPECT_EQ(out.pixel_type(), PixelType::F32);
  EXPECT_LE(out.stats().max[0], 255.0);
  EXPECT_GE(out.stats().min[0], 0.0);
  // Float and uint8 paths agree to within rounding.
  EXPECT_LT(diff(resize(f, {32, 32}), resize(f.as_u8(), {32, 32})).mean, 1.0);
}

TEST(Resize, DownsampleAndMinSize) {
  // The original's (h // factor, w // factor): 451 wide -> 225, not 226.
  EXPECT_EQ(downsample(cat(), 2).size(), (ImageSize{150, 225}));
  EXPECT_EQ(downsample(cat(), 2), resize(cat(), {150, 225}));
  EXPECT_TRUE(downsample(cat(), 1).same_storage(cat()));
  EXPECT_EQ(downsample(cat(), 300).size(), (ImageSize{1, 1}));
  const Image r = resize_min_size(cat(), 100, 16);
  EXPECT_EQ(r.size(), (ImageSize{96, 144}));  // 100 x 150 rounded down to multiples of 16
  EXPECT_EQ(resize_min_size(cat(), 100, 1).size(), (ImageSize{100, 150}));
  // Python's round: ties to even (2.5 -> 2), and a square image sets its width.
  const Image wide = pattern(2, 5, Mode::L);
  EXPECT_EQ(resize_min_size(wide, 1, 1).size(), (ImageSize{1, 2}));
  EXPECT_EQ(resize_min_size(pattern(8, 8, Mode::L), 4, 1).size(), (ImageSize{4, 4}));
  EXPECT_EQ(resize_min_size(pattern(10, 7, Mode::L), 4, 1).size(), (ImageSize{6, 4}));  // round(5.71) = 6
}

TEST(Resize, RegionsAsPillowsBox) {
  // The whole image is resize(); a region is the resize of its crop when it
  // falls on whole pixels and the filter does not reach beyond it (nearest).
  EXPECT_EQ(resize_region(cat(), {120, 200}, {0, 0, 300, 451}), resize(cat(), {120, 200}));
  EXPECT_EQ(min_size_resized({300, 451}, 100, 1), (ImageSize{100, 150}));
  EXPECT_EQ(min_size_resized({300, 451}, 100), resize_min_size(cat(), 100).size());
  const Image part = crop(cat(), BoundingBox(40, 20, 240, 220));
  EXPECT_EQ(resize_region(cat(), {50, 50}, {20, 40, 200, 200}, Interpolation::Nearest),
            resize(part, {50, 50}, Interpolation::Nearest));
  // A fractional region: the last half pixel left out shifts the samples.
  const Image a = resize_region(cat(), {100, 150}, {0, 0, 299.5, 450.5});
  EXPECT_EQ(a.size(), (ImageSize{100, 150}));
  EXPECT_NE(a, resize(cat(), {100, 150}));
  EXPECT_THROW(resize_region(cat(), {10, 10}, {0, 0, 301, 451}), InvalidArgument);
  EXPECT_THROW(resize_region(cat(), {10, 10}, {-1, 0, 100, 100}), InvalidArgument);
  EXPECT_THROW(resize_region(cat(), {0, 10}, {0, 0, 100, 100}), InvalidArgument);
}

TEST(Resize, BadArguments) {
  EXPECT_THROW(resize(cat(), {0, 0}), InvalidArgument);
  EXPECT_THROW(resize(cat(), {10, -1}), InvalidArgument);
  EXPECT_THROW(resize(Image(), {10, 10}), InvalidArgument);
  EXPECT_THROW(downsample(cat(), 0), InvalidArgument);
  EXPECT_THROW(downsample(cat(), -2), InvalidArgument);
  EXPECT_THROW(downsample(cat(), 301), InvalidArgument);  // 300 // 301 = 0 rows
  EXPECT_THROW(resize_min_size(cat(), 0), InvalidArgument);
  EXPECT_THROW(resize_min_size(cat(), 10, 16), InvalidArgument);  // 10 rounds down to 0
  EXPECT_THROW(parse_interpolation("cubic"), InvalidArgument);
}

// ---------------------------------------------------------------- geometry

TEST(Rotate, MatchesPillowBilinear) {
  for (auto [angle, expand] : {std::pair{30, true}, {45, false}, {-10, true}}) {
    const Image out = rotate(cat(), angle, expand);
    const Diff d = against(out, "op_rotate_" + std::to_string(angle) + "_" + std::to_string(int(expand)));
    // OpenCV interpolates in 1/32-pixel steps, Pillow in double: about one
    // level apart, more along the edges of the rotated image.
    EXPECT_LT(d.mean, 1.0) << angle;
  }
}

TEST(Rotate, RightAnglesAreExactAndCounterClockwise) {
  const Image r90 = rotate(cat(), 90);
  EXPECT_EQ(r90.size(), (ImageSize{451, 300}));
  EXPECT_EQ(against(r90, "op_rotate_90").max, 0);
  EXPECT_EQ(rotate(rotate(cat(), 90), -90), cat());
  EXPECT_EQ(rotate(cat(), 180), flip_vertical(flip_horizontal(cat())));
  EXPECT_TRUE(rotate(cat(), 360).same_storage(cat()));
  EXPECT_THROW(rotate(cat(), INFINITY), InvalidArgument);
  EXPECT_THROW(rotate(cat(), 30, true, Interpolation::Lanczos), InvalidArgument);
  // Nearest and bicubic are OpenCV's kernels on Pillow's geometry: same canvas.
  EXPECT_EQ(rotate(cat(), 30, true, Interpolation::Nearest).size(), rotate(cat(), 30).size());
  EXPECT_LT(diff(rotate(cat(), 30, true, Interpolation::Bicubic), rotate(cat(), 30)).mean, 3.0);
}

TEST(Geometry, FlipsPadCropConcat) {
  EXPECT_EQ(against(flip_horizontal(cat()), "op_flip_h").max, 0);
  EXPECT_EQ(flip_vertical(flip_vertical(cat())), cat());

  const Image small = pattern(3, 4, Mode::L);
  const Image padded = center_pad(small, {6, 7}, 9);
  EXPECT_EQ(padded.size(), (ImageSize{6, 7}));
  // The original's placement, rows from 6 // 2 - 3 // 2 = 2, columns from
  // 7 // 2 - 4 // 2 = 1: 2 rows above and 1 below, 1 column left and 2 right.
  EXPECT_EQ(padded.u8_view()[0], 9);
  EXPECT_EQ(padded.u8_view()[2 * 7 + 1], small.u8_view()[0]);
  EXPECT_EQ(crop(padded, px_box(1, 2, 5, 5)), small);
  EXPECT_EQ(center_pad(small, {5, 6}).to_u8_vector()[1 * 6 + 1], small.u8_view()[0]);  // 5 // 2 - 1, 6 // 2 - 2
  EXPECT_TRUE(center_pad(small, {3, 4}).same_storage(small));
  EXPECT_THROW(center_pad(small, {2, 7}), InvalidArgument);
  EXPECT_THROW(center_pad(small, {6, 7}, 256), InvalidArgument);
  EXPECT_THROW(center_pad(pattern(3, 3, Mode::Binary), {6, 7}, 2), InvalidArgument);

  // crop takes one box; the message names the side that is out.
  EXPECT_THAT_THROW(crop(small, px_box(0, 0, 5, 1)),
                    "crop: ", "xmax 5 is beyond the right edge (x = 4) of the 4x3 (WxH) image");
  EXPECT_THAT_THROW(crop(small, px_box(0, 1, 2, 4)), "crop: ", "ymax 4 is below the bottom edge");
  EXPECT_THAT_THROW(crop(small, px_box(2, 0, 2, 1)), "crop: ", "empty");
  EXPECT_TRUE(crop(small, px_box(0, 0, 4, 3)).same_storage(small));
  EXPECT_EQ(crop(small, BoundingBox(0, 0, 0.5, 1, std::nullopt, true)), crop(small, px_box(0, 0, 2, 3)));
  EXPECT_EQ(crop(small, px_box(0.5, 0, 1.5, 1)), crop(small, px_box(0, 0, 2, 1)));  // whole pixels, outwards

  const Image row[] = {small, small};
  const Image wide = concat(row, true);
  EXPECT_EQ(wide.size(), (ImageSize{3, 8}));
  EXPECT_EQ(crop(wide, px_box(4, 0, 8, 3)), small);
  EXPECT_EQ(concat(row, false).size(), (ImageSize{6, 4}));
  const Image mixed[] = {small, pattern(3, 4)};
  EXPECT_THROW(concat(mixed), InvalidArgument);
  const Image uneven[] = {small, pattern(4, 4, Mode::L)};
  EXPECT_THROW(concat(uneven, true), InvalidArgument);
  EXPECT_THROW(concat(std::span<const Image>{}), InvalidArgument);
}

// ---------------------------------------------------------------- colour

TEST(Color, ToGrayIsPillowsFormulaExactly) {
  EXPECT_EQ(against(to_gray(cat()), "op_to_gray").max, 0);
  const Image cam = load(data("camera.png"));
  EXPECT_TRUE(to_gray(cam).same_storage(cam));
  // Float RGB gives float L close to the uint8 result.
  EXPECT_LT(diff(to_gray(cat().as_f32()), to_gray(cat())).mean, 0.6);
}

TEST(Color, ToGrayEveryColourExactly) {
  // All 2^24 RGB values once each (4096 x 4096, the SIMD path and, with a
  // width that is not a multiple of 16, its scalar tail), against the formula.
  for (const int width : {4096, 4093}) {
    const int height = (1 << 24) / width + 1;
    std::vector<std::uint8_t> px(static_cast<std::size_t>(width) * height * 3);
    for (std::size_t i = 0; i < px.size() / 3; ++i) {
      const std::uint32_t c = static_cast<std::uint32_t>(i) & 0xffffff;
      px[3 * i] = c & 255, px[3 * i + 1] = (c >> 8) & 255, px[3 * i + 2] = c >> 16;
    }
    const Image rgb = Image::from_u8({height, width}, Mode::RGB, px);
    const Image gray = to_gray(rgb);
    const auto g = gray.u8_view();
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < g.size(); ++i)
      wrong += g[i] != ((19595u * px[3 * i] + 38470u * px[3 * i + 1] + 7471u * px[3 * i + 2] + 0x8000u) >> 16);
    EXPECT_EQ(wrong, 0u) << width;
  }
}

TEST(Color, ToRgbAndBinaryConversions) {
  const Image g = Image::from_u8({1, 2}, Mode::L, {10, 200});
  EXPECT_EQ(to_rgb(g), Image::from_u8({1, 2}, Mode::RGB, {10, 10, 10, 200, 200, 200}));
  const Image b = Image::from_u8({1, 2}, Mode::Binary, {0, 1});
  EXPECT_EQ(to_rgb(b), Image::from_u8({1, 2}, Mode::RGB, {0, 0, 0, 255, 255, 255}));
  EXPECT_EQ(to_gray(b), Image::from_u8({1, 2}, Mode::L, {0, 255}));
  EXPECT_TRUE(to_rgb(cat()).same_storage(cat()));
}

TEST(Color, ToBinaryThresholdsAnyChannel) {
  const Image rgb = Image::from_u8({1, 4}, Mode::RGB, {0, 0, 0, 0, 0, 1, 127, 0, 0, 128, 0, 0});
  EXPECT_EQ(to_binary(rgb), Image::from_u8({1, 4}, Mode::Binary, {0, 1, 1, 1}));       // > 0
  EXPECT_EQ(to_binary(rgb, 0.5), Image::from_u8({1, 4}, Mode::Binary, {0, 0, 0, 1}));  // > 127.5
  EXPECT_EQ(to_binary(rgb.as_f32(), 0.5), to_binary(rgb, 0.5));
  const Image b = to_binary(rgb);
  EXPECT_TRUE(to_binary(b).same_storage(b));
  EXPECT_EQ(invert_binary(b), Image::from_u8({1, 4}, Mode::Binary, {1, 0, 0, 0}));
  EXPECT_THROW(to_binary(rgb, 1.5), InvalidArgument);
  EXPECT_THROW(to_binary(rgb, NAN), InvalidArgument);
  EXPECT_THROW(invert_binary(rgb), InvalidArgument);
}

TEST(Color, InvertSwapEqualize) {
  const Image rgb = Image::from_u8({1, 1}, Mode::RGB, {1, 2, 250});
  EXPECT_EQ(invert_rgb(rgb), Image::from_u8({1, 1}, Mode::RGB, {254, 253, 5}));
  EXPECT_EQ(invert_rgb(invert_rgb(cat())), cat());
  EXPECT_THROW(invert_rgb(pattern(2, 2, Mode::Binary)), InvalidArgument);
  EXPECT_EQ(rgb2bgr(rgb), Image::from_u8({1, 1}, Mode::RGB, {250, 2, 1}));
  EXPECT_EQ(bgr2rgb(rgb2bgr(cat())), cat());
  EXPECT_THROW(rgb2bgr(to_gray(cat())), InvalidArgument);
  // Per channel for RGB (the original's documented meaning), OpenCV's
  // equalizeHist on each: L stays L, RGB stays RGB.
  const Image eq = equalize_hist(cat());
  EXPECT_EQ(eq.mode(), Mode::RGB);
  EXPECT_EQ(against(eq, "op_equalize_rgb").max, 0);
  const Image eq_gray = equalize_hist(to_gray(cat()));
  EXPECT_EQ(eq_gray.mode(), Mode::L);
  EXPECT_EQ(against(eq_gray, "op_equalize").max, 0);
  EXPECT_EQ(equalize_hist(pattern(4, 4, Mode::Binary)).mode(), Mode::L);
}

// Expects each channel of `equalized` to be the gray equalisation (OpenCV's
// equalizeHist) of that channel of `rgb` alone.
void expect_equalized_per_channel(const Image& rgb, const Image& equalized) {
  const auto eq = equalized.u8_view();
  const auto in = rgb.u8_view();
  for (std::size_t c = 0; c < 3; ++c) {
    std::vector<std::uint8_t> plane, got;
    for (std::size_t i = c; i < in.size(); i += 3) plane.push_back(in[i]), got.push_back(eq[i]);
    const Image alone = equalize_hist(Image::from_u8(rgb.size(), Mode::L, plane));
    const auto want = alone.u8_view();
    EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin(), want.end()))
        << rgb.size().to_string() << " channel " << c;
  }
}

// RGB equalisation is each channel's own (OpenCV's equalizeHist of it, the
// gray path) at every size: the table pass maps 64 pixels a step where the
// CPU has AVX-512 VBMI and the rest one by one, over one or more stripes.
TEST(Color, EqualizeRgbIsPerChannelAtEverySize) {
  std::mt19937 rng(3);
  for (const ImageSize size : {ImageSize{1, 1}, ImageSize{5, 7}, ImageSize{3, 64}, ImageSize{201, 200},
                               ImageSize{70, 1000}, ImageSize{300, 500}, ImageSize{257, 1031}}) {
    const Image rgb = Image::generate(size, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
      for (std::size_t i = 0; i < b.size(); ++i)  // skewed levels, unlike per channel
        b[i] = static_cast<std::byte>((rng() % (64 + 96 * (i % 3))) + 20 * (i % 3));
    });
    expect_equalized_per_channel(rgb, equalize_hist(rgb));
  }
}

// A stripe of two million pixels or more counts each round's first block
// one sample a counter and its second two samples a counter (pair tables
// summed by rows and columns), the rest whichever way was faster: all must
// give each channel's own histogram. One thread, so that the 1401x1501
// image (odd, a little over two rounds) is one stripe on any machine.
TEST(Color, EqualizeRgbCountsPairsAndSinglesAlike) {
  const int threads = cv::getNumThreads();
  cv::setNumThreads(1);
  std::mt19937 rng(5);
  const ImageSize size{1501, 1401};
  const Image rgb = Image::generate(size, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    for (std::size_t i = 0; i < b.size(); ++i)  // a gradient per channel, with noise
      b[i] = static_cast<std::byte>((i / 3 % 1501) * (i % 3 + 1) / 40 + rng() % (8 + 24 * (i % 3)));
  });
  const Image equalized = equalize_hist(rgb);
  cv::setNumThreads(threads);
  expect_equalized_per_channel(rgb, equalized);
}

}  // namespace
}  // namespace pixelcache::test

namespace pixelcache::test {
namespace {

TEST(Color, ToBinaryAreaMinRemovesIslandsAndHoles) {
  // 20x20: a 10x10 square with a 1-px hole, plus a 2-px island elsewhere.
  std::vector<std::uint8_t> m(400, 0);
  for (int y = 5; y < 15; ++y)
    for (int x = 5; x < 15; ++x) m[y * 20 + x] = 255;
  m[10 * 20 + 10] = 0;                  // hole
  m[1 * 20 + 1] = m[1 * 20 + 2] = 255;  // island
  const Image g = Image::from_u8({20, 20}, Mode::L, m);
  const Image raw = to_binary(g, 0.5);
  EXPECT_DOUBLE_EQ(raw.stats().sum[0], 99 + 2);
  const Image clean = to_binary(g, 0.5, 5.0 / 400);  // regions under 5 px go
  EXPECT_DOUBLE_EQ(clean.stats().sum[0], 100);
  EXPECT_EQ(clean.u8_view()[10 * 20 + 10], 1);  // hole filled
  EXPECT_EQ(clean.u8_view()[1 * 20 + 1], 0);    // island removed
  // 4-connectivity: a diagonal pair is two 1-px islands, removed; 8 keeps it as one 2-px region.
  std::vector<std::uint8_t> d(100, 0);
  d[0] = d[11] = 1;
  const Image alone = Image::from_u8({10, 10}, Mode::Binary, d);
  d[50] = d[51] = d[52] = 1;  // and a 3-px island
  const Image diag = Image::from_u8({10, 10}, Mode::Binary, d);
  EXPECT_DOUBLE_EQ(to_binary(diag, 0, 2.0 / 100, 4).stats().sum[0], 3);
  EXPECT_DOUBLE_EQ(to_binary(diag, 0, 2.0 / 100, 8).stats().sum[0], 5);
  // When every island is small the largest stays (the original's rule).
  EXPECT_DOUBLE_EQ(to_binary(alone, 0, 2.0 / 100, 4).stats().sum[0], 1);
  EXPECT_THROW(to_binary(g, 0.5, 1.5), InvalidArgument);
  EXPECT_THROW(to_binary(g, 0.5, 0.1, 6), InvalidArgument);
}

TEST(Color, SetMinmaxStretchesAndHandlesConstantImages) {
  // The original's scale: min and max are fractions of the full range.
  const Image g = Image::from_u8({1, 3}, Mode::L, {50, 100, 150});
  EXPECT_EQ(set_minmax(g), Image::from_u8({1, 3}, Mode::L, {0, 128, 255}));
  EXPECT_EQ(set_minmax(g, 0.0, 1.0), set_minmax(g));
  EXPECT_EQ(set_minmax(g, 10 / 255.0, 20 / 255.0), Image::from_u8({1, 3}, Mode::L, {10, 15, 20}));
  const Image flat = Image::from_u8({1, 3}, Mode::L, {7, 7, 7});
  EXPECT_EQ(set_minmax(flat, 3 / 255.0, 0.5), Image::from_u8({1, 3}, Mode::L, {3, 3, 3}));  // documented, no NaN
  const Image ff = Image::from_f32({1, 2}, Mode::L, {0.3f, 0.3f});
  EXPECT_EQ(set_minmax(ff).stats().max[0], 0);
  const Image fr = Image::from_f32({1, 2}, Mode::L, {0.3f, 0.7f});
  EXPECT_NEAR(set_minmax(fr, 0.25, 0.5).to_f32_vector()[1], 0.5f, 1e-6);
  EXPECT_THROW(set_minmax(g, 0.5, 0.25), InvalidArgument);
  EXPECT_THROW(set_minmax(g, 0, 20), InvalidArgument);  // levels are not the scale
  EXPECT_THROW(set_minmax(pattern(2, 2, Mode::Binary)), InvalidArgument);
}

TEST(Image, SumAndUniqueOnTheDocumentedScale) {
  const Image g = Image::from_u8({1, 4}, Mode::L, {3, 3, 9, 200});
  EXPECT_DOUBLE_EQ(g.stats().sum[0], 215);
  EXPECT_EQ(g.unique(), (std::vector<double>{3, 9, 200}));
  EXPECT_EQ(Image::from_u8({1, 3}, Mode::Binary, {0, 1, 1}).unique(), (std::vector<double>{0, 1}));
  const Image f = Image::from_f32({1, 2}, Mode::L, {0.5f, 0.5f});
  EXPECT_EQ(f.unique().size(), 1u);
  EXPECT_NEAR(f.unique()[0], 127.5, 1e-4);
}

}  // namespace
}  // namespace pixelcache::test
