// The streaming resampler (stream_resizer.hpp).
#include "stream_resizer.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "pixelcache/error.hpp"

namespace pixelcache::detail {

namespace {

// As resample.cpp's hot loops: cloned for AVX2, vectorised at -O3 (g++).
#if defined(__clang__)
#define PIXELCACHE_HOT_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define PIXELCACHE_HOT_LOOP __attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif

// acc[j] += in[j] * w: one line's share of the output lines across.
PIXELCACHE_HOT_LOOP void accumulate(std::int32_t* acc, const std::uint8_t* in, std::size_t n, std::int32_t w) {
  for (std::size_t j = 0; j < n; ++j) acc[j] += in[j] * w;
}

PIXELCACHE_HOT_LOOP void round_line(std::uint8_t* out, const std::int32_t* acc, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) out[j] = clip8(acc[j]);
}

// For each input index: the first and last output index whose window (or,
// for Nearest, whose source) is that input; first > last when none.
void input_ranges(int in_size, int out_size, const auto& holds, std::vector<int>& first, std::vector<int>& last) {
  first.assign(in_size, out_size);
  last.assign(in_size, -1);
  for (int k = 0; k < out_size; ++k)
    holds(k, [&](int i) {
      first[i] = std::min(first[i], k);
      last[i] = std::max(last[i], k);
    });
}

constexpr std::size_t kProgressBytes = std::size_t{4} << 20;

}  // namespace

StreamResizer::StreamResizer(const ResizeSpec& spec, bool orient, std::function<void()> progress)
    : spec_(spec), orient_(orient), progress_(std::move(progress)) {}

StreamResizer::~StreamResizer() = default;

void StreamResizer::begin(ImageSize stored, Mode mode, int orientation) {
  if (begun_) throw std::logic_error("StreamResizer::begin called twice");
  begun_ = true;
  stored_ = stored;
  mode_ = mode;
  channels_ = mode_channels(mode);
  orientation_ = orient_ && orientation >= 1 && orientation <= 8 ? orientation : 1;
  columns_ = orientation_ >= 5;
  upright_ = columns_ ? ImageSize{stored.width, stored.height} : stored;
  seen_.assign(static_cast<std::size_t>(stored.height), false);
  try {
    out_ = spec_.output_size(upright_);
    if (static_cast<std::uint64_t>(out_.area()) * channels_ > max_image_bytes())  // resize() could not allocate it
      Image::generate(out_, mode_, PixelType::U8, [](std::span<std::byte>) {});
  } catch (const Error&) {
    deferred_ = std::current_exception();  // thrown once the decode succeeded, as resize() after decode()
    return;
  }
  identity_ = out_ == upright_;
  nearest_ = !identity_ && spec_.interpolation == Interpolation::Nearest;
  binary_scale_ = mode == Mode::Binary && !identity_ && !nearest_;
  along_in_ = stored.width;
  across_in_ = stored.height;
  along_out_ = columns_ ? out_.height : out_.width;
  across_out_ = columns_ ? out_.width : out_.height;
  out_px_.assign(out_.area() * static_cast<std::size_t>(channels_), 0);
  const auto c = static_cast<std::size_t>(channels_);
  line_.resize(static_cast<std::size_t>(along_in_) * c);
  pass_.resize(static_cast<std::size_t>(std::max(along_in_, along_out_)) * c);
  if (identity_) return;
  if (nearest_) {
    nearest_along_ = nearest_table(along_in_, along_out_);
    const std::vector<int> across = nearest_table(across_in_, across_out_);
    input_ranges(
        across_in_, across_out_, [&](int k, auto mark) { mark(across[k]); }, first_out_, last_out_);
    return;
  }
  // resize()'s order of passes over the upright image: vertical first when
  // both run and rows shrink (resample.cpp). Along is horizontal for
  // stored rows that are upright rows, vertical for upright columns.
  const bool need_h = out_.width != upright_.width, need_v = out_.height != upright_.height;
  const bool vertical_first = need_v && (!need_h || out_.height < upright_.height);
  const bool first_is_along = columns_ == vertical_first;
  const bool need_along = along_out_ != along_in_;
  across_ = across_out_ != across_in_;
  along_first_ = need_along && first_is_along;
  along_second_ = need_along && !first_is_along;
  const Filter f = filter_for(spec_.interpolation);
  if (need_along) along_ = precompute(along_in_, along_out_, f);
  if (!across_) return;
  across_coeffs_ = precompute(across_in_, across_out_, f);
  input_ranges(
      across_in_, across_out_,
      [&](int k, auto mark) {
        for (int t = 0; t < across_coeffs_.count[k]; ++t) mark(across_coeffs_.start[k] + t);
      },
      first_out_, last_out_);
  remaining_ = across_coeffs_.count;
  open_.resize(static_cast<std::size_t>(across_out_));
  acc_len_ = static_cast<std::size_t>(along_first_ ? along_out_ : along_in_) * c;
  rounded_.resize(acc_len_);
}

StreamResizer::Place StreamResizer::place(int y) const noexcept {
  const int flipped = stored_.height - 1 - y;
  switch (orientation_) {
    case 2: return {y, true};
    case 3: return {flipped, true};
    case 4: return {flipped, false};
    case 5: return {y, false};
    case 6: return {flipped, false};
    case 7: return {flipped, true};
    case 8: return {y, true};
    default: return {y, false};
  }
}

std::int32_t* StreamResizer::accumulator(int k) {
  auto& slot = open_[static_cast<std::size_t>(k)];
  if (!slot) {
    if (spare_.empty()) {
      slot = std::make_unique_for_overwrite<std::int32_t[]>(acc_len_);
    } else {
      slot = std::move(spare_.back());
      spare_.pop_back();
    }
    std::fill_n(slot.get(), acc_len_, std::int32_t{1} << (kPrecisionBits - 1));
  }
  return slot.get();
}

void StreamResizer::put_output(int k, const std::uint8_t* line) {
  const auto c = static_cast<std::size_t>(channels_);
  if (!columns_) {
    std::memcpy(out_px_.data() + static_cast<std::size_t>(k) * along_out_ * c, line, along_out_ * c);
    return;
  }
  const std::size_t row = static_cast<std::size_t>(out_.width) * c;
  std::uint8_t* o = out_px_.data() + static_cast<std::size_t>(k) * c;
  for (int j = 0; j < along_out_; ++j, o += row, line += c) std::memcpy(o, line, c);
}

void StreamResizer::complete(int k) {
  auto& slot = open_[static_cast<std::size_t>(k)];
  const std::int32_t* acc = slot ? slot.get() : accumulator(k);  // a window of no taps: the rounding half alone
  round_line(rounded_.data(), acc, acc_len_);
  spare_.push_back(std::move(slot));
  if (along_second_) {
    resample_line_u8(rounded_.data(), channels_, pass_.data(), along_out_, along_);
    put_output(k, pass_.data());
  } else {
    put_output(k, rounded_.data());
  }
}

void StreamResizer::row(int y, const std::uint8_t* samples) {
  if (!begun_ || y < 0 || y >= stored_.height || seen_[static_cast<std::size_t>(y)])
    throw std::logic_error("StreamResizer: row " + std::to_string(y) + " out of order or repeated");
  seen_[static_cast<std::size_t>(y)] = true;
  ++lines_seen_;
  if (deferred_) return;
  const Place p = place(y);
  const auto c = static_cast<std::size_t>(channels_);
  const std::size_t n = static_cast<std::size_t>(along_in_) * c;
  const std::uint8_t* line = samples;
  if (p.reversed || binary_scale_) {
    const std::uint8_t scale = binary_scale_ ? 255 : 1;  // resize() resamples binary images as 0 / 255
    for (int x = 0; x < along_in_; ++x) {
      const std::uint8_t* from = samples + static_cast<std::size_t>(p.reversed ? along_in_ - 1 - x : x) * c;
      for (std::size_t ch = 0; ch < c; ++ch) line_[x * c + ch] = static_cast<std::uint8_t>(from[ch] * scale);
    }
    line = line_.data();
  }
  if (identity_) {
    put_output(p.index, line);
  } else if (nearest_) {
    if (first_out_[p.index] <= last_out_[p.index]) {
      for (int j = 0; j < along_out_; ++j)
        std::memcpy(&pass_[j * c], line + static_cast<std::size_t>(nearest_along_[j]) * c, c);
      for (int k = first_out_[p.index]; k <= last_out_[p.index]; ++k) put_output(k, pass_.data());
    }
  } else {
    const std::uint8_t* t = line;
    if (along_first_) {
      resample_line_u8(line, channels_, pass_.data(), along_out_, along_);
      t = pass_.data();
    }
    if (!across_) {
      put_output(p.index, t);
    } else {
      const int i = p.index;
      for (int k = first_out_[i]; k <= last_out_[i]; ++k) {
        const std::int32_t w =
            across_coeffs_.w8[static_cast<std::size_t>(k) * across_coeffs_.ksize + (i - across_coeffs_.start[k])];
        std::int32_t* acc = accumulator(k);
        if (w != 0) accumulate(acc, t, acc_len_, w);
        if (--remaining_[static_cast<std::size_t>(k)] == 0) complete(k);
      }
    }
  }
  since_progress_ += n;
  if (since_progress_ >= kProgressBytes) {
    since_progress_ = 0;
    if (progress_) progress_();
  }
}

Image StreamResizer::finish() {
  if (!begun_) throw std::logic_error("StreamResizer::finish before begin");
  if (lines_seen_ != stored_.height)
    throw std::logic_error("StreamResizer: the decoder gave " + std::to_string(lines_seen_) + " of " +
                           std::to_string(stored_.height) + " rows");
  if (deferred_) std::rethrow_exception(deferred_);
  if (across_ && !identity_ && !nearest_)
    for (int k = 0; k < across_out_; ++k)
      if (across_coeffs_.count[static_cast<std::size_t>(k)] == 0) complete(k);
  if (binary_scale_)
    for (auto& v : out_px_) v = v >= 128 ? 1 : 0;
  return Image::from_u8(out_, mode_, std::move(out_px_));
}

}  // namespace pixelcache::detail
