// Helpers shared by the fuzz harnesses (tests/fuzz/fuzz_*.cpp): the checks
// every decoded image must pass, and a reader that turns fuzz bytes into
// typed values. Header-only, so each harness stays one translation unit plus
// a driver (libFuzzer's, or standalone_driver.cpp under g++).
//
// A harness reports a bug by crashing: std::abort() on a broken invariant,
// or an exception other than pixelcache::Error escaping
// LLVMFuzzerTestOneInput (std::terminate). The sanitizers report the rest.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <opencv2/core/utility.hpp>

#include "codec/codec.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::fuzz {

/// Pixel limit for every decode harness: big enough for the test photos,
/// small enough that a header claiming a huge size is refused quickly
/// (libFuzzer's -rss_limit_mb then only catches real leaks and bombs).
inline constexpr std::uint64_t kMaxPixels = std::uint64_t{1} << 22;

/// OpenCV runs the operations' row loops (cv::parallel_for_, whose bodies are
/// instrumented code) on one thread in the harnesses: split among threads,
/// how often each body runs, and so libFuzzer's hit counts, depend on
/// timing (scripts/fuzz.sh --fixed must give the same result on every run).
inline const bool kSerialOpenCv = (cv::setNumThreads(1), true);

/// Prints what broke and aborts, so libFuzzer saves the input.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

/// Aborts with `what` unless `ok`.
inline void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

/// Images up to this many pixels also go through the PNG round trip; above
/// it the (instrumented) encoder would take most of the fuzzing time.
inline constexpr std::size_t kRoundTripPixels = std::size_t{1} << 14;

/// The checks every successfully decoded image must pass: not empty, within
/// the pixel limit, a stable digest, and (small images) a lossless PNG round
/// trip to the same pixels (PNG stores every mode the decoders produce).
inline void check_decoded(const Image& img, const LoadOptions& options) {
  require(!img.empty(), "decoder returned an empty image");
  require(img.height() > 0 && img.width() > 0, "decoder returned a zero size");
  require(img.size().area() <= options.max_pixels, "decoded image exceeds LoadOptions::max_pixels");
  const Digest d = img.digest();
  require(img.digest() == d, "digest changed between two calls");
  if (img.size().area() > kRoundTripPixels) return;
  const Image back = decode(encode(img, Format::PNG));
  if (img.pixel_type() == PixelType::U8) {
    require(back == img, "PNG round trip changed the decoded image");
    require(back.digest() == d, "PNG round trip changed the digest");
  }
}

/// Error messages about fuzz bytes must be printable UTF-8: untrusted bytes
/// go through escape_bytes() (\x8f), never raw (issue 10), so every line of
/// the message is its own escape_bytes(). Checked when built with
/// PIXELCACHE_FUZZ_CHECK_MESSAGES (CMake option of the same name).
inline void check_message([[maybe_unused]] const std::exception& e) {
#ifdef PIXELCACHE_FUZZ_CHECK_MESSAGES
  const std::string_view what = e.what();
  for (std::size_t start = 0; start <= what.size();) {
    const std::size_t end = std::min(what.find('\n', start), what.size());
    const std::string_view line = what.substr(start, end - start);
    if (escape_bytes(line) != line) {
      std::fprintf(stderr, "message: %s\n", escape_bytes(what).c_str());
      fail("an error message holds an unescaped byte");
    }
    start = end + 1;
  }
#endif
}

/// Options of the decode harnesses: kMaxPixels, orientation applied.
inline LoadOptions decode_options() {
  LoadOptions opt;
  opt.max_pixels = kMaxPixels;
  return opt;
}

/// Runs one format's decoder (a detail::decode_* entry point, the image as
/// stored plus its orientation) on fuzz bytes, applies the orientation as
/// decode_ex() does, and checks the result. pixelcache::Error is the
/// expected way to refuse an input; anything else escapes and crashes.
/// Returns what the decoder returned, or nullopt when it refused the input.
template <class Decoder>
std::optional<Decoded> decode_with(const std::uint8_t* data, std::size_t size, Decoder&& decoder,
                                   const LoadOptions& opt = decode_options()) {
  try {
    Decoded d = decoder(detail::DecodeInput{std::span<const std::uint8_t>(data, size), opt, "<fuzz>"});
    require(d.orientation >= 1 && d.orientation <= 8, "decoder reported an orientation outside 1..8");
    const Image upright = detail::apply_orientation(d.image, d.orientation);
    if (d.orientation >= 5) require(upright.height() == d.image.width(), "orientation 5..8 did not swap the sides");
    check_decoded(upright, opt);
    return d;
  } catch (const Error& e) {
    check_message(e);
    return std::nullopt;
  }
}

/// Reads typed values from the front of the fuzz bytes; past the end every
/// read returns zeros, so any input builds something.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const noexcept { return pos_ >= size_; }
  std::size_t remaining() const noexcept { return empty() ? 0 : size_ - pos_; }

  std::uint8_t u8() noexcept { return empty() ? 0 : data_[pos_++]; }
  bool flag() noexcept { return (u8() & 1) != 0; }
  /// A value in [0, n) (n > 0), from one byte.
  unsigned below(unsigned n) noexcept { return u8() % n; }
  std::uint64_t u64() noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{u8()} << (8 * i);
    return v;
  }
  double f64() noexcept {
    const std::uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  float f32() noexcept {
    std::uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits |= std::uint32_t{u8()} << (8 * i);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  /// Up to `max` bytes, length from one byte.
  std::string bytes(std::size_t max) {
    const std::size_t wanted = u8() % (max + 1);  // read before remaining() is taken
    const std::size_t n = std::min(wanted, remaining());
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace pixelcache::fuzz
