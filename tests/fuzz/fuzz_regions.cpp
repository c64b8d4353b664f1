// Fuzz target: detail::find_regions (src/ops/regions.cpp), the 8-connected
// regions of a mask from row runs, against OpenCV's
// connectedComponentsWithStats of the same mask: the same boxes and areas,
// in the raster order of each region's first pixel. Byte 0 is the width
// (1-256), byte 1 the number of row stripes (1-8, so that small masks have
// seams), every later bit one sample (set: a nonzero value that varies).
#include <opencv2/imgproc.hpp>

#include "fuzz_support.hpp"
#include "ops/ops_internal.hpp"

namespace {

namespace pc = pixelcache;
namespace pf = pixelcache::fuzz;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const int w = 1 + data[0];
  const int stripes = 1 + data[1] % 8;
  const std::size_t bits = (size - 2) * 8;
  const int h = static_cast<int>(bits / static_cast<std::size_t>(w));
  if (h == 0) return 0;
  cv::Mat m(h, w, CV_8U);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * w + x;
      const bool set = (data[2 + i / 8] >> (i % 8)) & 1;
      m.at<std::uint8_t>(y, x) = set ? static_cast<std::uint8_t>(1 + (i * 37) % 255) : 0;
    }
  const auto ours = pc::detail::find_regions(m, stripes);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(m, labels, stats, centroids, 8, CV_32S);
  std::vector<int> order;  // OpenCV's labels by first pixel
  std::vector<bool> seen(static_cast<std::size_t>(n));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (const int l = labels.at<int>(y, x); l > 0 && !seen[static_cast<std::size_t>(l)])
        seen[static_cast<std::size_t>(l)] = true, order.push_back(l);
  pf::require(ours.size() == order.size(), "find_regions found another number of regions than OpenCV");
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const int l = order[i];
    const int x = stats.at<int>(l, cv::CC_STAT_LEFT), y = stats.at<int>(l, cv::CC_STAT_TOP);
    const pc::detail::MaskBox want{x, y, x + stats.at<int>(l, cv::CC_STAT_WIDTH),
                                   y + stats.at<int>(l, cv::CC_STAT_HEIGHT)};
    pf::require(ours[i].box == want, "a region's box differs from OpenCV's (or the order does)");
    pf::require(ours[i].area == stats.at<int>(l, cv::CC_STAT_AREA), "a region's area differs from OpenCV's");
  }
  return 0;
}
