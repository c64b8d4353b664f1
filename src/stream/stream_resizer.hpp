// Internal: the streaming resampler behind decode_resized() (thumbnail.hpp).
//
// It receives the stored rows of an image from a decoder (RowSink) and
// produces exactly resize(apply_orientation(image), spec) — the same samples
// bit for bit — while holding only the filter's open rows and the result.
//
// How. apply_orientation() makes each stored row a row of the upright image
// U (orientations 1-4; reversed for 2 and 3, from the bottom for 3 and 4) or
// a column of U (5-8). Call the direction along a stored row "along" and the
// other "across". resize() runs two separable passes over U in a fixed
// order (vertical first when rows shrink, resample.cpp); each pass is along
// or across here. A pass along is applied to each line as it arrives
// (resample_line_u8, the very function resize() uses per row). A pass
// across accumulates: every arriving line is added, with its fixed-point
// weight, to the accumulator of each output line whose window holds it; an
// accumulator whose window is complete is rounded (clip8) and, when the
// pass along comes second, resampled along. The accumulator starts at the
// rounding half and adds integer products, so its value does not depend on
// the order in which the lines arrive: it is resize()'s sum. Binary images
// are resampled as 0 / 255 and thresholded at half, as resize() does;
// Nearest copies the samples resize() picks; the image's own size returns
// it unchanged.
//
// Memory: the accumulators of the output lines whose windows are open (a
// few, for lines arriving in order) of one line each, and the result.
//
// Thread safety: one decode at a time (not shared between threads).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "../ops/resample_internal.hpp"
#include "pixelcache/thumbnail.hpp"
#include "row_sink.hpp"

namespace pixelcache::detail {

class StreamResizer final : public RowSink {
 public:
  /// `orient`: apply the orientation begin() is given (LoadOptions::
  /// apply_orientation). `progress`, when set, is called after every few
  /// MiB of rows (decode_resized() drops the pages of a mapped input there).
  StreamResizer(const ResizeSpec& spec, bool orient, std::function<void()> progress = {});
  ~StreamResizer() override;

  void begin(ImageSize stored, Mode mode, int orientation) override;
  void row(int y, const std::uint8_t* samples) override;

  /// True once a decoder called begin().
  bool begun() const noexcept { return begun_; }
  /// The result, after the decoder returned. Throws the InvalidArgument of
  /// the resize itself (a target size the image cannot take), which is
  /// deferred until the whole input decoded, as in decode-then-resize.
  Image finish();

 private:
  // The line to put a stored row in: its index across, and whether its
  // pixels run backwards.
  struct Place {
    int index;
    bool reversed;
  };
  Place place(int y) const noexcept;
  void put_output(int k, const std::uint8_t* line);  // output line k (along samples)
  void complete(int k);                              // accumulator k is full: round, pass along, output
  std::int32_t* accumulator(int k);

  ResizeSpec spec_;
  bool orient_;
  std::function<void()> progress_;
  bool begun_ = false;
  std::exception_ptr deferred_;  // the resize's own error, thrown by finish()

  ImageSize stored_{0, 0}, upright_{0, 0}, out_{0, 0};
  Mode mode_ = Mode::RGB;
  int channels_ = 3;
  int orientation_ = 1;
  bool columns_ = false;  // stored rows are upright columns (orientations 5-8)
  bool identity_ = false, nearest_ = false, binary_scale_ = false;

  // Lengths in pixels: a stored line, the output along it, and across.
  int along_in_ = 0, along_out_ = 0, across_in_ = 0, across_out_ = 0;
  bool along_first_ = false;   // a pass along runs on each arriving line
  bool along_second_ = false;  // a pass along runs on each completed accumulator
  bool across_ = false;        // a pass across (accumulators)
  Coeffs along_, across_coeffs_;
  std::vector<int> first_out_, last_out_;              // per input line: the output lines whose windows hold it
  std::vector<int> remaining_;                         // per output line: taps still to come
  std::vector<std::unique_ptr<std::int32_t[]>> open_;  // per output line: its accumulator, while open
  std::vector<std::unique_ptr<std::int32_t[]>> spare_;
  std::size_t acc_len_ = 0;  // samples in an accumulator

  // Nearest: per stored line, the output lines that copy it, and the
  // source sample of each output sample along.
  std::vector<int> nearest_along_;

  std::vector<std::uint8_t> out_px_;
  std::vector<std::uint8_t> line_, pass_, rounded_;  // scratch
  int lines_seen_ = 0;
  std::vector<bool> seen_;
  std::size_t since_progress_ = 0;
};

}  // namespace pixelcache::detail
