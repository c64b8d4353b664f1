// Masks and boxes (mask.hpp): exact expectations on synthetic masks, the
// crop / uncrop round trip on a photo, bad input.
#include <opencv2/imgproc.hpp>
#include <random>
#include <tuple>

#include "ops/ops_internal.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

// A w x h binary mask with the given rectangles [x0, x1) x [y0, y1) set.
Image rects(int h, int w, std::initializer_list<std::array<int, 4>> boxes) {
  std::vector<std::uint8_t> m(static_cast<std::size_t>(h) * w, 0);
  for (const auto& b : boxes)
    for (int y = b[1]; y < b[3]; ++y)
      for (int x = b[0]; x < b[2]; ++x) m[static_cast<std::size_t>(y) * w + x] = 1;
  return Image::from_u8({h, w}, Mode::Binary, std::move(m));
}

std::vector<std::array<double, 4>> xyxy(const std::vector<BoundingBox>& v) {
  std::vector<std::array<double, 4>> out;
  for (const auto& b : v) out.push_back(b.xyxy());
  return out;
}

TEST(Mask2Bbox, ExclusiveEndsStableOrderWholeComponent) {
  // Listed out of order on purpose; an L-shaped region; a single pixel.
  const Image m = rects(50, 60, {{40, 30, 50, 45}, {5, 5, 15, 8}, {5, 5, 8, 20}, {30, 2, 31, 3}});
  const auto boxes = mask2bbox(m);
  EXPECT_EQ(xyxy(boxes), (std::vector<std::array<double, 4>>{{30, 2, 31, 3}, {5, 5, 15, 20}, {40, 30, 50, 45}}));
  EXPECT_EQ(boxes[0].image_size(), (ImageSize{50, 60}));
  // The crop keeps the last row and column (the original lost them).
  EXPECT_EQ(crop_from_bbox(m, std::span(&boxes[1], 1)).size(), (ImageSize{15, 10}));
}

TEST(Mask2Bbox, EightConnectivityMarginNormalizedNumberArea) {
  const Image diag = rects(20, 20, {{2, 2, 3, 3}, {3, 3, 4, 4}});  // touching corners: one region
  EXPECT_EQ(mask2bbox(diag).size(), 1u);
  const Image m = rects(100, 100, {{10, 10, 30, 20}, {60, 60, 62, 62}});
  Mask2BboxOptions o;
  o.margin = 0.5;  // half the width / height on each side
  EXPECT_EQ(mask2bbox(m, o)[0].xyxy(), (std::array<double, 4>{0, 5, 40, 25}));
  o = {};
  o.normalized = true;
  EXPECT_EQ(mask2bbox(m, o)[0].xyxyn(), (std::array<double, 4>{0.1, 0.1, 0.3, 0.2}));
  EXPECT_TRUE(mask2bbox(m, o)[0].normalized());
  o = {};
  o.number_of_objects = 1;  // the largest
  EXPECT_EQ(xyxy(mask2bbox(m, o)), (std::vector<std::array<double, 4>>{{10, 10, 30, 20}}));
  o = {};
  o.area_threshold = 0.001;  // 10 px of 10000: drops the 4-px blob
  EXPECT_EQ(mask2bbox(m, o).size(), 1u);
  o.area_threshold = 0.5;  // every region is small: the largest stays (the original's rule)
  EXPECT_EQ(xyxy(mask2bbox(m, o)), (std::vector<std::array<double, 4>>{{10, 10, 30, 20}}));
}

TEST(Mask2Bbox, OverlapsMergeTransitivelyAndMergeGivesOneBox) {
  // Three separate regions whose margin-grown boxes chain: a overlaps b, b
  // overlaps c, a does not overlap c. They must become one box (the
  // original's single pass left two), plus the far-away fourth region.
  const Image sep = rects(40, 100, {{0, 0, 10, 10}, {14, 0, 24, 10}, {28, 0, 38, 10}, {60, 20, 70, 30}});
  Mask2BboxOptions o;
  o.margin = 0.25;  // 2.5 px, rounded to 3: [0,13) [11,27) [25,41) [57,73)
  const auto boxes = mask2bbox(sep, o);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].xyxy()[0], 0);
  EXPECT_EQ(boxes[0].xyxy()[2], 41);
  EXPECT_EQ(boxes[1].xyxy()[0], 57);
  // Touching is not overlapping (positive area, as the original's IoU).
  EXPECT_EQ(mask2bbox(rects(20, 20, {{0, 0, 5, 5}, {5, 6, 9, 9}})).size(), 2u);
  // merge: one box, the union of everything (the original's merge=True).
  o.merge = true;
  EXPECT_EQ(xyxy(mask2bbox(sep, o)), (std::vector<std::array<double, 4>>{{0, 0, 73, 33}}));
}

TEST(Mask2Bbox, MorphologyEmptyMaskAndBadOptions) {
  const Image m = rects(30, 30, {{5, 5, 10, 10}, {11, 5, 16, 10}});  // a 1-px gap
  EXPECT_EQ(mask2bbox(m).size(), 2u);
  const std::vector<std::uint8_t> before = m.to_u8_vector();
  Mask2BboxOptions o;
  o.closing = {3, 3};
  o.opening = {1, 1};
  EXPECT_EQ(mask2bbox(m, o).size(), 1u);
  EXPECT_EQ(m.to_u8_vector(), before);  // morphology never writes into the input
  o.closing = {1, 3};                   // (height, width): a 1 x 3 kernel closes the horizontal gap too
  EXPECT_EQ(mask2bbox(m, o).size(), 1u);
  o.closing = {3, 1};  // 3 x 1 does not
  EXPECT_EQ(mask2bbox(m, o).size(), 2u);
  // The original's order: opening before closing. A 3 x 3 opening first
  // removes a 2-px-thin line that the closing would otherwise join in.
  const Image thin = rects(30, 30, {{5, 5, 15, 15}, {15, 9, 25, 11}, {25, 5, 29, 15}});
  o = {};
  o.opening = {3, 3};
  o.closing = {3, 3};
  EXPECT_EQ(mask2bbox(thin, o).size(), 2u);
  const Image empty = rects(30, 30, {});
  EXPECT_TRUE(mask2bbox(empty).empty());
  EXPECT_THROW(crop_from_mask(m, empty), InvalidArgument);
  const std::vector<BoundingBox> none;
  EXPECT_THROW(crop_from_bbox(m, none), InvalidArgument);
  o = {};
  o.margin = -1;
  EXPECT_THROW(mask2bbox(m, o), InvalidArgument);
  o = {};
  o.area_threshold = NAN;
  EXPECT_THROW(mask2bbox(m, o), InvalidArgument);
  // An L mask with 0 / 255 is binarised.
  EXPECT_EQ(mask2bbox(to_gray(m)).size(), 2u);
}

TEST(Crop, FromMaskBboxPointsAndOutOfRange) {
  const Image img = load(data("chelsea.png"));
  const Image m = rects(300, 451, {{100, 50, 200, 150}});
  const Image c = crop_from_mask(img, m);
  EXPECT_EQ(c, crop(img, px_box(100, 50, 200, 150)));
  const BoundingBox norm(0.5, 0.5, 1.0, 1.0, std::nullopt, true);
  EXPECT_EQ(crop_from_bbox(img, std::span(&norm, 1)).size(), (ImageSize{150, 226}));
  const BoundingBox outside(400, 0, 500, 10, std::nullopt, false);
  EXPECT_THAT_THROW(crop_from_bbox(img, std::span(&outside, 1)),
                    "crop_from_bbox: ", "xmax 500 is beyond the right edge (x = 451) of the 451x300 (WxH) image");
  EXPECT_THROW(crop_from_mask(img, rects(10, 10, {{0, 0, 5, 5}})), InvalidArgument);  // size mismatch
  // crop_from_mask of the points' mask: each point a 1 x 1 region, kept.
  EXPECT_EQ(crop_from_points(img, Points({{10, 20}, {30, 40}})).size(), (ImageSize{21, 21}));
  EXPECT_EQ(crop_from_points(img, Points({{10, 20}})), crop(img, px_box(10, 20, 11, 21)));
  EXPECT_THROW(crop_from_points(img, Points({{500, 20}})), InvalidArgument);
}

TEST(Uncrop, RoundTripAndFeathering) {
  const Image img = load(data("chelsea.png"));
  const BoundingBox box(100, 50, 200, 150, img.size(), false);
  const Image c = crop_from_bbox(img, std::span(&box, 1));
  // Pasting the unchanged crop back gives the image again (any feathering).
  EXPECT_EQ(uncrop_from_bbox(c, img, std::span(&box, 1), false, 0), img);
  EXPECT_LT(diff(uncrop_from_bbox(c, img, std::span(&box, 1)), img).max, 2);
  // A white patch: hard inside, ramped at the edge, untouched outside.
  const Image white = Image::from_u8({100, 100}, Mode::RGB, std::vector<std::uint8_t>(100 * 100 * 3, 255));
  const Image out = uncrop_from_bbox(white, img, std::span(&box, 1), false, 10);
  auto px = [&](const Image& i, int x, int y) {
    return i.u8_view()[(static_cast<std::size_t>(y) * i.width() + x) * 3];
  };
  EXPECT_EQ(px(out, 150, 100), 255);
  EXPECT_EQ(px(out, 99, 100), px(img, 99, 100));
  EXPECT_GT(px(out, 100, 100), px(img, 100, 100));  // first ramp step
  EXPECT_LT(px(out, 100, 100), 255);
  // resize=true fits a crop of another size; false refuses it.
  EXPECT_EQ(uncrop_from_bbox(resize(c, {40, 40}), img, std::span(&box, 1), true).size(), img.size());
  EXPECT_THROW(uncrop_from_bbox(resize(c, {40, 40}), img, std::span(&box, 1), false), InvalidArgument);
  EXPECT_THROW(uncrop_from_bbox(c, img, std::span(&box, 1), false, -1), InvalidArgument);
}

TEST(MaskAlgebra, SquareMorphologyOrFillPoints) {
  const Image l_shape = rects(20, 20, {{2, 2, 10, 4}, {2, 2, 4, 10}});
  EXPECT_EQ(mask2squaremask(l_shape), rects(20, 20, {{2, 2, 10, 10}}));
  const Image sq = rects(20, 20, {{5, 5, 10, 10}});
  EXPECT_EQ(morphology(sq, Morphology::Dilate, 3), rects(20, 20, {{4, 4, 11, 11}}));
  EXPECT_EQ(morphology(sq, Morphology::Erode, 3), rects(20, 20, {{6, 6, 9, 9}}));
  EXPECT_EQ(morphology(sq, Morphology::Open, 3), sq);
  EXPECT_THROW(morphology(sq, Morphology::Erode, 0), InvalidArgument);
  // OpenCV's default border, as the original's cv2.morphologyEx: the image
  // edge does not erode a mask that touches it.
  const Image full = rects(6, 6, {{0, 0, 6, 6}});
  EXPECT_EQ(morphology(full, Morphology::Erode, 3), full);
  // Any structuring element: a 3 x 3 cross dilates into a plus shape.
  const Image cross = Image::from_u8({3, 3}, Mode::Binary, {0, 1, 0, 1, 1, 1, 0, 1, 0});
  EXPECT_EQ(morphology(rects(5, 5, {{2, 2, 3, 3}}), Morphology::Dilate, cross),
            rects(5, 5, {{2, 1, 3, 4}, {1, 2, 4, 3}}));
  EXPECT_THROW(morphology(sq, Morphology::Erode, to_gray(cross)), InvalidArgument);
  const Image a[] = {rects(20, 20, {{0, 0, 5, 5}}), rects(20, 20, {{10, 10, 12, 12}})};
  EXPECT_EQ(logical_or_reduce(a), rects(20, 20, {{0, 0, 5, 5}, {10, 10, 12, 12}}));
  const Image bad[] = {sq, rects(10, 10, {})};
  EXPECT_THROW(logical_or_reduce(bad), InvalidArgument);
  EXPECT_THROW(logical_or_reduce(std::span<const Image>{}), InvalidArgument);

  const Image g = Image::from_u8({1, 3}, Mode::L, {10, 20, 30});
  const Image m = Image::from_u8({1, 3}, Mode::Binary, {0, 1, 0});
  EXPECT_EQ(masked_fill(g, m, 255), Image::from_u8({1, 3}, Mode::L, {10, 255, 30}));
  EXPECT_EQ(g.u8_view()[1], 20);  // input untouched
  EXPECT_THROW(masked_fill(g, m, 256), InvalidArgument);
  EXPECT_THROW(masked_fill(g, sq, 1), InvalidArgument);

  EXPECT_EQ(points_to_mask(Points({{1, 0}, {2.7, 1.2}}), {2, 3}),
            Image::from_u8({2, 3}, Mode::Binary, {0, 1, 0, 0, 0, 1}));
  EXPECT_THROW(points_to_mask(Points({{3, 0}}), {2, 3}), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test

namespace pixelcache::test {
namespace {

TEST(ImageCrop, RemembersWhereItCameFrom) {
  const Image img = load(data("chelsea.png"));
  const Image m = rects(300, 451, {{100, 50, 200, 150}, {150, 120, 220, 160}});
  const ImageCrop c = ImageCrop::from_mask(img, m);
  EXPECT_EQ(c.bbox.xyxy(), (std::array<double, 4>{100, 50, 220, 160}));
  EXPECT_EQ(c.original_size, img.size());
  EXPECT_EQ(c.image, crop(img, px_box(100, 50, 220, 160)));
  EXPECT_EQ(c.uncrop(img, Image(), false, 0), img);  // unchanged crop back in place
  const Image edited = c.uncrop(img, invert_rgb(c.image), false, 0);
  EXPECT_EQ(crop(edited, px_box(100, 50, 220, 160)), invert_rgb(c.image));
  EXPECT_EQ(crop(edited, px_box(0, 0, 100, 50)), crop(img, px_box(0, 0, 100, 50)));
  EXPECT_THROW(c.uncrop(resize(img, {10, 10})), InvalidArgument);
  EXPECT_THROW(ImageCrop::from_mask(img, rects(300, 451, {})), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test

namespace pixelcache::test {
namespace {

// The merge of overlapping boxes, the slow way: repeat until no pair overlaps.
std::vector<detail::MaskBox> merge_by_pairs(std::vector<detail::MaskBox> boxes) {
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < boxes.size() && !changed; ++i)
      for (std::size_t j = i + 1; j < boxes.size(); ++j)
        if (boxes[i].overlaps(boxes[j])) {
          boxes[i] = boxes[i].united(boxes[j]);
          boxes.erase(boxes.begin() + static_cast<std::ptrdiff_t>(j));
          changed = true;
          break;
        }
  }
  return boxes;
}

std::vector<detail::MaskBox> sorted(std::vector<detail::MaskBox> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return std::tie(a.y0, a.x0, a.y1, a.x1) < std::tie(b.y0, b.x0, b.y1, b.x1);
  });
  return v;
}

// Issue 18: the sweep gives exactly the transitive merge of the pairwise
// loop, on random boxes of every density (chains, nests, unions that reach
// back to boxes already swept).
TEST(Mask2Bbox, SweepMergeEqualsThePairwiseFixpoint) {
  std::uint32_t s = 12345;
  const auto rnd = [&](int n) { return static_cast<int>((s = s * 1664525u + 1013904223u) >> 8) % n; };
  for (int round = 0; round < 400; ++round) {
    const int n = 1 + rnd(60), extent = 20 + rnd(400), side = 1 + rnd(40);
    std::vector<detail::MaskBox> boxes;
    for (int i = 0; i < n; ++i) {
      const int x = rnd(extent), y = rnd(extent);
      boxes.push_back({x, y, x + 1 + rnd(side), y + 1 + rnd(side)});
    }
    const auto fast = sorted(detail::merge_overlapping(boxes));
    EXPECT_EQ(fast, sorted(merge_by_pairs(boxes))) << "round " << round;
    for (std::size_t i = 0; i < fast.size(); ++i)
      for (std::size_t j = i + 1; j < fast.size(); ++j) ASSERT_FALSE(fast[i].overlaps(fast[j]));
  }
}

// Issue 18: 100,000 separate regions give OpenCV's component boxes, one
// each (a noisy mask: the quadratic merge took half a minute on 12 MP).
TEST(Mask2Bbox, HundredThousandRegionsMatchOpenCv) {
  const int h = 1000, w = 1000;  // dots on a grid of 3 x 3 cells: 333 x 333 = 110,889 regions
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w, 0);
  std::uint32_t s = 7;
  for (int y = 0; y + 1 < h; y += 3)
    for (int x = 0; x + 1 < w; x += 3) {
      s = s * 1664525u + 1013904223u;
      px[static_cast<std::size_t>(y) * w + x] = 1;
      if (s >> 31) px[static_cast<std::size_t>(y + 1) * w + x] = 1;        // some two tall
      if ((s >> 30) & 1) px[static_cast<std::size_t>(y) * w + x + 1] = 1;  // some two wide
    }
  const Image mask = Image::from_u8({h, w}, Mode::Binary, px);
  Mask2BboxOptions o;
  o.margin = 0;
  o.area_threshold = 0;
  o.closing = {0, 0};
  o.opening = {0, 0};
  const auto boxes = mask2bbox(mask, o);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(cv::Mat(h, w, CV_8U, px.data()), labels, stats, centroids, 8);
  ASSERT_EQ(boxes.size(), static_cast<std::size_t>(n - 1));
  ASSERT_GT(boxes.size(), 100000u);
  std::vector<detail::MaskBox> cv_boxes;
  for (int i = 1; i < n; ++i) {
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
    cv_boxes.push_back({x, y, x + stats.at<int>(i, cv::CC_STAT_WIDTH), y + stats.at<int>(i, cv::CC_STAT_HEIGHT)});
  }
  std::vector<detail::MaskBox> ours;
  for (const auto& b : boxes) {
    const auto r = b.to_int_pixels();
    ours.push_back({r[0], r[1], r[2], r[3]});
  }
  EXPECT_EQ(ours, sorted(cv_boxes));  // mask2bbox returns them in reading order
}

// find_regions() against OpenCV's connectedComponentsWithStats (8-connected):
// the same boxes and areas, in the raster order of each region's first pixel
// (taken from OpenCV's label image), on random masks of every density and
// widths around the 64-sample steps, and on masks cut into row stripes on
// 1 to 5 threads, so that regions cross one or more seams.
TEST(Regions, MatchOpenCvComponentsInRasterOrder) {
  std::mt19937 rng(11);
  const int threads = cv::getNumThreads();
  struct Case {
    int h, w, threads;
    unsigned percent;  // chance of a set sample
  };
  std::vector<Case> cases;
  for (const int w : {1, 2, 63, 64, 65, 127, 128, 130, 200})
    for (const unsigned percent : {0u, 3u, 30u, 50u, 70u, 100u}) cases.push_back({37, w, 1, percent});
  cases.push_back({1, 1000, 1, 50});
  cases.push_back({1000, 1, 1, 50});
  for (const int t : {2, 3, 5})  // stripes need 256 rows and 2^20 pixels each
    for (const unsigned percent : {10u, 45u, 60u}) cases.push_back({1400, 1030 * t, t, percent});
  for (const Case& c : cases) {
    cv::Mat m(c.h, c.w, CV_8U);
    for (int y = 0; y < c.h; ++y)
      for (int x = 0; x < c.w; ++x) m.at<std::uint8_t>(y, x) = rng() % 100 < c.percent ? 1 + rng() % 255 : 0;
    if (c.h > 1000)  // long regions that cross the seams: a vertical line, a staircase
      for (int y = 0; y < c.h; ++y) m.at<std::uint8_t>(y, 5) = 1, m.at<std::uint8_t>(y, 100 + y / 2) = 1;
    cv::setNumThreads(c.threads);
    const auto ours = detail::find_regions(m);
    cv::setNumThreads(threads);
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(m, labels, stats, centroids, 8, CV_32S);
    std::vector<int> order;  // OpenCV's labels by first pixel
    std::vector<bool> seen(static_cast<std::size_t>(n));
    for (int y = 0; y < c.h; ++y)
      for (int x = 0; x < c.w; ++x)
        if (const int l = labels.at<int>(y, x); l > 0 && !seen[static_cast<std::size_t>(l)])
          seen[static_cast<std::size_t>(l)] = true, order.push_back(l);
    const std::string what = std::to_string(c.w) + "x" + std::to_string(c.h) + " " + std::to_string(c.percent) +
                             "% on " + std::to_string(c.threads) + " threads";
    ASSERT_EQ(ours.size(), order.size()) << what;
    for (std::size_t i = 0; i < ours.size(); ++i) {
      const int l = order[i];
      const int x = stats.at<int>(l, cv::CC_STAT_LEFT), y = stats.at<int>(l, cv::CC_STAT_TOP);
      const detail::MaskBox want{x, y, x + stats.at<int>(l, cv::CC_STAT_WIDTH),
                                 y + stats.at<int>(l, cv::CC_STAT_HEIGHT)};
      ASSERT_EQ(ours[i].box, want) << what << ", region " << i;
      ASSERT_EQ(ours[i].area, stats.at<int>(l, cv::CC_STAT_AREA)) << what << ", region " << i;
    }
  }
}

}  // namespace
}  // namespace pixelcache::test
