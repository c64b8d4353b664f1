// Internal: the resampler's kernels and coefficient windows (resample.cpp,
// after Pillow's Resample.c), shared with the streaming resizer
// (src/stream/stream_resizer.cpp) so both compute exactly the same samples.
#pragma once

#include <cstdint>
#include <vector>

#include "pixelcache/ops.hpp"

namespace pixelcache::detail {

/// Fixed-point precision of the uint8 weights (Pillow's PRECISION_BITS).
constexpr int kPrecisionBits = 32 - 8 - 2;

/// A filter kernel and its support at scale 1.
struct Filter {
  double (*fn)(double);
  double support;
};

/// The kernel of an interpolation (Nearest has none: bilinear is returned).
Filter filter_for(Interpolation i);

/// For each output index: the first input index, the tap count, and ksize
/// normalised weights (Pillow's precompute_coeffs with box = [in0, in0 +
/// extent]: [0, in_size] for a whole-image resize).
struct Coeffs {
  int ksize = 0;
  std::vector<int> start, count;
  std::vector<double> w;
  std::vector<std::int32_t> w8;  ///< fixed point (kPrecisionBits)
};

/// The windows and weights of a resize of the samples [in0, in0 + extent)
/// of `in_size` samples to `out_size` samples (resize_region()).
Coeffs precompute(int in_size, int out_size, Filter f, double in0, double extent);
/// The windows and weights of a resize from `in_size` to `out_size` samples.
inline Coeffs precompute(int in_size, int out_size, Filter f) {
  return precompute(in_size, out_size, f, 0, static_cast<double>(in_size));
}

/// A fixed-point sum (with its rounding half already added) as a sample.
inline std::uint8_t clip8(std::int32_t v) {
  v >>= kPrecisionBits;
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/// The source index of each output index for Nearest (Pillow's positions)
/// over the samples [in0, in0 + extent) of `in_size` samples.
std::vector<int> nearest_table(int in_size, int out_size, double in0, double extent);
/// The source index of each output index for Nearest over all `in_size`.
inline std::vector<int> nearest_table(int in_size, int out_size) {
  return nearest_table(in_size, out_size, 0, static_cast<double>(in_size));
}

/// One line of `channels` (1 or 3) interleaved uint8 samples resampled to
/// `out_size` pixels with `c` (the horizontal pass of resize(), one row).
void resample_line_u8(const std::uint8_t* in, int channels, std::uint8_t* out, int out_size, const Coeffs& c);

/// The vertical pass of resize() over `rows` rows of `cols` x `channels`
/// samples (packed), giving `out_rows` rows.
void vertical_pass_u8(const std::uint8_t* in, int rows, int cols, int channels, std::uint8_t* out, int out_rows,
                      const Coeffs& c);

}  // namespace pixelcache::detail
