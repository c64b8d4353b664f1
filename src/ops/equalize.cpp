// Histogram equalisation (ops.hpp): gray images through OpenCV's
// equalizeHist, RGB images channel by channel with the same tables, counted
// and mapped in place of splitting the planes.
//
// Counting is the larger part of an RGB equalisation: one counter
// read-modify-write a sample, so it is bound by stores. Two ways are used,
// per stretch of the image, whichever is faster there (both give the same
// histograms):
//  - singles: each sample's counter in one of twelve 256-entry tables (four
//    per channel, pixel by pixel in turn, so that runs of equal samples do
//    not wait on one counter);
//  - pairs: each two neighbouring bytes (R G | B R | G B of two pixels) as
//    one 16-bit index into a 65536-entry table per phase, so one store
//    counts two samples, and each channel's histogram is the table's row or
//    column sums. On photos the pairs that occur are few and near each other
//    and this is a third faster; on noise the 768 KiB of tables miss the
//    cache and it is a third slower.
// Which is faster depends on the content and the machine, so a stripe times
// one block each way every few blocks and counts the rest of them the
// faster way. The timing chooses the speed only, never the result.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ops_internal.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

using detail::as_mat;
using detail::make_like;
using detail::require_image;

namespace {

using Histogram = std::array<std::uint32_t, 256>;

// OpenCV's equalizeHist table of one channel's histogram (the same float
// arithmetic and rounding, so results are identical): levels below the
// first present one map to 0, the first to 0, and each next level to
// round(cumulative count * 255 / (total - count of the first)); a channel of
// one level keeps it.
std::array<std::uint8_t, 256> equalize_table(const Histogram& hist, std::uint64_t total) {
  std::array<std::uint8_t, 256> lut{};
  int i = 0;
  while (i < 255 && hist[i] == 0) ++i;
  if (hist[i] == total) {
    lut.fill(static_cast<std::uint8_t>(i));
    return lut;
  }
  const float scale = 255.f / static_cast<float>(total - hist[i]);
  int sum = 0;
  for (lut[i++] = 0; i < 256; ++i) {
    sum += static_cast<int>(hist[i]);
    lut[i] = cv::saturate_cast<std::uint8_t>(static_cast<float>(sum) * scale);
  }
  return lut;
}

// The counters of one stripe of pixels, both ways.
struct Counts {
  std::array<Histogram, 12> single{};  // channel c in tables c, c + 3, c + 6, c + 9
  std::vector<std::uint32_t> pairs;    // 3 x 65536 when the stripe counts pairs, else empty

  // Adds every counter into the three channel histograms.
  void add_to(std::array<Histogram, 3>& hist) const;
};

// Counts pixels [a, b) of interleaved 3-channel `px` one sample a counter.
void count_singles(const std::uint8_t* px, std::size_t a, std::size_t b, Counts& counts) {
  Histogram* h = counts.single.data();
  const std::uint8_t* p = px + 3 * a;
  std::size_t i = a;
  for (; i + 4 <= b; i += 4, p += 12) {
    ++h[0][p[0]], ++h[1][p[1]], ++h[2][p[2]];
    ++h[3][p[3]], ++h[4][p[4]], ++h[5][p[5]];
    ++h[6][p[6]], ++h[7][p[7]], ++h[8][p[8]];
    ++h[9][p[9]], ++h[10][p[10]], ++h[11][p[11]];
  }
  for (; i < b; ++i, p += 3) ++h[0][p[0]], ++h[1][p[1]], ++h[2][p[2]];
}

// Counts pixels [a, b) two bytes a counter: the six bytes of two pixels are
// the pairs R G, B R and G B, each the index of its own table (first byte
// low). An odd last pixel is counted alone.
void count_pairs(const std::uint8_t* px, std::size_t a, std::size_t b, Counts& counts) {
  std::uint32_t* rg = counts.pairs.data();
  std::uint32_t* br = rg + 65536;
  std::uint32_t* gb = br + 65536;
  const std::uint8_t* p = px + 3 * a;
  std::size_t i = a;
  for (; i + 2 <= b; i += 2, p += 6) {
    std::uint16_t w0, w1, w2;
    std::memcpy(&w0, p, 2);
    std::memcpy(&w1, p + 2, 2);
    std::memcpy(&w2, p + 4, 2);
    ++rg[w0], ++br[w1], ++gb[w2];
  }
  if (i < b) count_singles(px, i, b, counts);
}

void Counts::add_to(std::array<Histogram, 3>& hist) const {
  for (std::size_t set = 0; set < 12; ++set)
    for (std::size_t v = 0; v < 256; ++v) hist[set % 3][v] += single[set][v];
  if (pairs.empty()) return;
  // Table t holds pairs (first, second) = (channel t * 2 % 3, channel
  // (t * 2 + 1) % 3) at first + 256 * second: column sums count the first
  // channel, row sums the second.
  for (std::size_t t = 0; t < 3; ++t) {
    Histogram& first = hist[t * 2 % 3];
    Histogram& second = hist[(t * 2 + 1) % 3];
    const std::uint32_t* table = pairs.data() + 65536 * t;
    for (std::size_t y = 0; y < 256; ++y, table += 256) {
      std::uint32_t row = 0;
      for (std::size_t x = 0; x < 256; ++x) first[x] += table[x], row += table[x];
      second[y] += row;
    }
  }
}

constexpr std::size_t kBlock = 1 << 16;  // pixels timed each way
constexpr std::size_t kRound = 16;       // blocks a timing decides for (two of them the timed ones)

// Counts pixels [a, b): stripes of fewer than two rounds singles only
// (pair tables would cost more to clear and sum than they save), longer ones
// per round the way its two timed blocks found faster.
void count_stripe(const std::uint8_t* px, std::size_t a, std::size_t b, Counts& counts) {
  if (b - a < 2 * kRound * kBlock) return count_singles(px, a, b, counts);
  counts.pairs.assign(3 * 65536, 0);
  using Clock = std::chrono::steady_clock;
  for (std::size_t i = a; i < b;) {
    const std::size_t end = b - i < 2 * kRound * kBlock ? b : i + kRound * kBlock;  // no short last round
    const auto t0 = Clock::now();
    count_singles(px, i, i + kBlock, counts);
    const auto t1 = Clock::now();
    count_pairs(px, i + kBlock, i + 2 * kBlock, counts);
    const auto t2 = Clock::now();
    (t2 - t1 < t1 - t0 ? count_pairs : count_singles)(px, i + 2 * kBlock, end, counts);
    i = end;
  }
}

using Tables = std::array<std::array<std::uint8_t, 256>, 3>;

// One 256-entry byte table looked up for 64 bytes at once (AVX-512 VBMI):
// two 128-byte permutes, chosen by each index's top bit.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) inline __m512i lookup64(__m512i v, const __m512i t[4]) {
  const __m512i low = _mm512_permutex2var_epi8(t[0], v, t[1]);
  const __m512i high = _mm512_permutex2var_epi8(t[2], v, t[3]);
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high);
}

// map_rgb() 64 bytes at a time: each byte looked up in all three tables,
// then each kept from its channel's (byte j of the run belongs to channel
// j % 3; 64 = 1 mod 3, so the pattern of a vector cycles over three).
// Returns the pixels it mapped from `a` (a multiple of 64).
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t map_rgb_vbmi(const std::uint8_t* px,
                                                                                std::uint8_t* out, std::size_t a,
                                                                                std::size_t b, const Tables& lut) {
  __m512i t[3][4];
  for (int c = 0; c < 3; ++c)
    for (int q = 0; q < 4; ++q) t[c][q] = _mm512_loadu_si512(lut[static_cast<std::size_t>(c)].data() + 64 * q);
  __mmask64 green[3] = {}, blue[3] = {};  // bytes of channel 1 and 2, per phase
  for (int f = 0; f < 3; ++f)
    for (int i = 0; i < 64; ++i) {
      if ((f + i) % 3 == 1) green[f] |= __mmask64{1} << i;
      if ((f + i) % 3 == 2) blue[f] |= __mmask64{1} << i;
    }
  const std::size_t vectors = (b - a) / 64 * 3;  // whole 192-byte groups: 64 pixels each
  const std::uint8_t* p = px + 3 * a;
  std::uint8_t* o = out + 3 * a;
  for (std::size_t k = 0; k < vectors; ++k, p += 64, o += 64) {
    const int f = static_cast<int>(k % 3);
    const __m512i v = _mm512_loadu_si512(p);
    __m512i r = lookup64(v, t[0]);
    r = _mm512_mask_blend_epi8(green[f], r, lookup64(v, t[1]));
    r = _mm512_mask_blend_epi8(blue[f], r, lookup64(v, t[2]));
    _mm512_storeu_si512(o, r);
  }
  return vectors / 3 * 64;
}

// Maps interleaved 3-channel pixels [a, b) through the three tables.
void map_rgb(const std::uint8_t* px, std::uint8_t* out, std::size_t a, std::size_t b, const Tables& lut) {
  static const bool vbmi = __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw");
  if (vbmi) a += map_rgb_vbmi(px, out, a, b, lut);
  const std::uint8_t* p = px + 3 * a;
  std::uint8_t* o = out + 3 * a;
  const std::uint8_t *l0 = lut[0].data(), *l1 = lut[1].data(), *l2 = lut[2].data();
  std::size_t i = a;
  for (; i + 4 <= b; i += 4, p += 12, o += 12) {
    o[0] = l0[p[0]], o[1] = l1[p[1]], o[2] = l2[p[2]];
    o[3] = l0[p[3]], o[4] = l1[p[4]], o[5] = l2[p[5]];
    o[6] = l0[p[6]], o[7] = l1[p[7]], o[8] = l2[p[8]];
    o[9] = l0[p[9]], o[10] = l1[p[10]], o[11] = l2[p[11]];
  }
  for (; i < b; ++i, p += 3, o += 3) o[0] = l0[p[0]], o[1] = l1[p[1]], o[2] = l2[p[2]];
}

// Equalises interleaved 3-channel pixels: one pass for the three
// histograms, one pass through the three tables, each split over threads.
void equalize_rgb(const Image& src, std::uint8_t* out) {
  const auto in = src.u8_view();
  const std::size_t n = in.size() / 3;  // pixels
  const int stripes = std::max(1, std::min(cv::getNumThreads(), static_cast<int>(n >> 16)));
  std::vector<Counts> part(static_cast<std::size_t>(stripes));
  const auto range_of = [&](int k) { return std::pair{n * k / stripes, n * (k + 1) / stripes}; };
  cv::parallel_for_(cv::Range(0, stripes), [&](const cv::Range& r) {
    for (int k = r.start; k < r.end; ++k) {
      const auto [a, b] = range_of(k);
      count_stripe(in.data(), a, b, part[static_cast<std::size_t>(k)]);
    }
  });
  std::array<Histogram, 3> hist{};
  for (const Counts& counts : part) counts.add_to(hist);
  Tables lut;
  for (std::size_t c = 0; c < 3; ++c) lut[c] = equalize_table(hist[c], n);
  cv::parallel_for_(cv::Range(0, stripes), [&](const cv::Range& r) {
    for (int k = r.start; k < r.end; ++k) {
      const auto [a, b] = range_of(k);
      map_rgb(in.data(), out, a, b, lut);
    }
  });
}

}  // namespace

Image equalize_hist(const Image& img) {
  require_image(img, "equalize_hist");
  const Image src = (img.is_binary() ? to_gray(img) : img).as_u8();
  if (src.is_gray()) return make_like(src, src.size(), [&](cv::Mat& d) { cv::equalizeHist(as_mat(src), d); });
  // Per channel, as OpenCV's equalizeHist of each plane, without splitting.
  return Image::generate(src.size(), src.mode(), PixelType::U8,
                         [&](std::span<std::byte> b) { equalize_rgb(src, reinterpret_cast<std::uint8_t*>(b.data())); });
}

}  // namespace pixelcache
