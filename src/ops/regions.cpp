// The 8-connected regions of a mask as boxes and areas, without a label
// image (ops_internal.hpp: find_regions).
//
// Each row is cut into runs of nonzero samples (64 samples a step: a bit
// mask of the nonzero bytes, its 0 -> 1 and 1 -> 0 changes found by
// count-trailing-zeros). A run that touches no run of the row above (8
// neighbours: their x ranges overlap or meet at a corner) starts a region;
// one that touches some joins theirs, and runs that touch two regions join
// them (union-find, path halving, the smaller label the root so that labels
// stay in raster order). A region's box and area are kept at its root and
// added up when two join. Row stripes run on the usable threads, each with
// its own labels, and are joined at their seams afterwards. Memory is the
// runs of two rows and a few words per region, where OpenCV's
// connectedComponentsWithStats writes a 4-byte label for every pixel.
#include <emmintrin.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <opencv2/core.hpp>
#include <utility>
#include <vector>

#include "ops_internal.hpp"

namespace pixelcache::detail {
namespace {

// Samples [x0, x1) of a row, nonzero, and the label of their region (a
// label, not always its root).
struct Run {
  int x0, x1, label;
};

// Bit i set where byte i of the 64 at `p` is nonzero.
std::uint64_t nonzero_bits(const std::uint8_t* p) {
  const __m128i zero = _mm_setzero_si128();
  std::uint64_t bits = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const auto is_zero = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)));
    bits |= static_cast<std::uint64_t>(~is_zero & 0xFFFFu) << (16 * i);
  }
  return bits;
}

// The runs of nonzero samples of `row` (`w` samples), left to right.
void find_runs(const std::uint8_t* row, int w, std::vector<Run>& runs) {
  runs.clear();
  bool inside = false;
  int start = 0;
  for (int x = 0; x < w; x += 64) {
    std::uint64_t bits = 0;
    if (w - x >= 64) {
      bits = nonzero_bits(row + x);
    } else {
      for (int i = 0; i < w - x; ++i) bits |= static_cast<std::uint64_t>(row[x + i] != 0) << i;
    }
    // Where a sample differs from the one before it (the previous step's
    // last for bit 0): runs start and end there, in turn.
    std::uint64_t changes = bits ^ ((bits << 1) | static_cast<std::uint64_t>(inside));
    while (changes) {
      const int at = x + std::countr_zero(changes);
      changes &= changes - 1;
      if (inside)
        runs.push_back({start, at, 0});
      else
        start = at;
      inside = !inside;
    }
  }
  if (inside) runs.push_back({start, w, 0});
}

// Regions under construction: union-find over labels, each root holding
// its region's box and area.
class Labels {
 public:
  // A new region of one run in row y; returns its label.
  int start(const Run& r, int y) {
    const int label = static_cast<int>(parent_.size());
    parent_.push_back(label);
    regions_.push_back({{r.x0, y, r.x1, y + 1}, r.x1 - r.x0});
    return label;
  }

  int root(int label) {
    while (parent_[static_cast<std::size_t>(label)] != label) {
      auto& p = parent_[static_cast<std::size_t>(label)];
      p = parent_[static_cast<std::size_t>(p)];  // path halving
      label = p;
    }
    return label;
  }

  // Joins the regions of two roots; returns the root of the union (the
  // smaller label).
  int join(int a, int b) {
    if (a == b) return a;
    if (b < a) std::swap(a, b);
    parent_[static_cast<std::size_t>(b)] = a;
    Region& into = regions_[static_cast<std::size_t>(a)];
    const Region& from = regions_[static_cast<std::size_t>(b)];
    into.box = into.box.united(from.box);
    into.area += from.area;
    return a;
  }

  // Adds a run of row y to the region of root `label`.
  void add(int label, const Run& r, int y) {
    Region& g = regions_[static_cast<std::size_t>(label)];
    g.box = g.box.united({r.x0, y, r.x1, y + 1});
    g.area += r.x1 - r.x0;
  }

  // Appends another stripe's labels after these; returns the offset its
  // labels now have.
  int append(const Labels& other) {
    const int offset = static_cast<int>(parent_.size());
    for (const int p : other.parent_) parent_.push_back(p + offset);
    regions_.insert(regions_.end(), other.regions_.begin(), other.regions_.end());
    return offset;
  }

  // The regions, in the order of their first labels.
  std::vector<Region> roots() const {
    std::vector<Region> out;
    for (std::size_t i = 0; i < parent_.size(); ++i)
      if (parent_[i] == static_cast<int>(i)) out.push_back(regions_[i]);
    return out;
  }

 private:
  std::vector<int> parent_;
  std::vector<Region> regions_;  // valid at roots
};

// The runs of `above` that touch run `r` of the row below (8 neighbours:
// their x ranges overlap or meet at a corner), as [first, last). `from` is
// where the previous run of r's row started looking: runs come left to
// right, so it only moves on, past runs that end left of r's left diagonal.
std::pair<std::size_t, std::size_t> touching(const Run& r, const std::vector<Run>& above, std::size_t& from) {
  while (from < above.size() && above[from].x1 < r.x0) ++from;
  std::size_t last = from;
  while (last < above.size() && above[last].x0 <= r.x1) ++last;
  return {from, last};
}

// Labels the runs of `row` (row y) against the labelled runs of the row
// above: every 8-neighbour's region is joined, or a region started.
void label_row(std::vector<Run>& row, const std::vector<Run>& above, int y, Labels& labels) {
  std::size_t from = 0;
  for (Run& r : row) {
    const auto [first, last] = touching(r, above, from);
    int label = -1;
    for (std::size_t k = first; k < last; ++k) {
      const int other = labels.root(above[k].label);
      label = label < 0 ? other : labels.join(label, other);
    }
    if (label < 0) {
      label = labels.start(r, y);
    } else {
      labels.add(label, r, y);
    }
    r.label = label;
  }
}

// One stripe of rows: its labels and the labelled runs of its first and
// last rows (for the seams).
struct Stripe {
  Labels labels;
  std::vector<Run> first, last;
};

void label_stripe(const cv::Mat& mask, int y0, int y1, Stripe& s) {
  std::vector<Run> above, row;
  for (int y = y0; y < y1; ++y) {
    find_runs(mask.ptr<std::uint8_t>(y), mask.cols, row);
    label_row(row, above, y, s.labels);
    if (y == y0) s.first = row;
    std::swap(above, row);
  }
  s.last = std::move(above);
}

}  // namespace

std::vector<Region> find_regions(const cv::Mat& mask) {
  // Stripes of at least 256 rows and a million pixels: below that threads
  // cost more than they save.
  const std::int64_t pixels = static_cast<std::int64_t>(mask.rows) * mask.cols;
  const std::int64_t most = std::min<std::int64_t>(mask.rows / 256, pixels >> 20);
  return find_regions(mask, static_cast<int>(std::clamp<std::int64_t>(most, 1, std::max(1, cv::getNumThreads()))));
}

std::vector<Region> find_regions(const cv::Mat& mask, int stripes) {
  if (mask.type() != CV_8UC1) throw InvalidArgument("find_regions: needs an 8-bit one-channel matrix");
  const int h = mask.rows;
  stripes = std::clamp(stripes, 1, std::max(1, h));
  std::vector<Stripe> part(static_cast<std::size_t>(stripes));
  const auto rows_of = [&](int k) {
    const auto row = [&](int i) { return static_cast<int>(std::int64_t{h} * i / stripes); };
    return std::pair{row(k), row(k + 1)};
  };
  cv::parallel_for_(cv::Range(0, stripes), [&](const cv::Range& r) {
    for (int k = r.start; k < r.end; ++k) {
      const auto [y0, y1] = rows_of(k);
      label_stripe(mask, y0, y1, part[static_cast<std::size_t>(k)]);
    }
  });
  Labels labels = std::move(part[0].labels);
  std::vector<Run> last = std::move(part[0].last);
  for (std::size_t k = 1; k < part.size(); ++k) {
    const int offset = labels.append(part[k].labels);
    std::vector<Run> first = std::move(part[k].first);
    for (Run& r : first) r.label += offset;
    // Join across the seam: the stripe's first row against the last row of
    // the one above (labels already started, so no region starts here).
    std::size_t from = 0;
    for (const Run& r : first) {
      const auto [a, b] = touching(r, last, from);
      for (std::size_t i = a; i < b; ++i) labels.join(labels.root(r.label), labels.root(last[i].label));
    }
    last = std::move(part[k].last);
    for (Run& r : last) r.label += offset;
  }
  return labels.roots();
}

}  // namespace pixelcache::detail
