// Helpers shared by the GoogleTest files: test data paths, Pillow references,
// pixel comparisons, a memory cap for death-test children.
#pragma once

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "pixelcache/pixelcache.hpp"

namespace pixelcache {
/// Readable gtest failure messages for images: mode, size, storage, digest.
inline void PrintTo(const Image& img, std::ostream* os) {
  *os << img.to_string();
  if (!img.empty()) *os << " digest " << img.hex_digest();
}
}  // namespace pixelcache

namespace pixelcache::test {

inline std::filesystem::path data_dir() { return PIXELCACHE_TEST_DATA_DIR; }

/// For a death-test child: its address space may grow by `bytes` at most
/// from what it maps now (RLIMIT_AS), so a larger allocation fails there.
inline void limit_address_space_growth(std::uint64_t bytes) {
  std::ifstream status("/proc/self/status");
  std::uint64_t kib = 0;
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmSize:", 0) == 0) kib = std::stoull(line.substr(7));
  const rlim_t cap = (kib << 10) + bytes;
  const rlimit lim{cap, cap};
  ::setrlimit(RLIMIT_AS, &lim);
}
inline std::string data(const std::string& name) { return (data_dir() / name).string(); }

/// Pillow's decode of a test file (tests/tools/pillow_reference.py).
struct Reference {
  std::string mode;
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
};

inline std::optional<Reference> pillow_reference(const std::string& name) {
  std::ifstream f(std::filesystem::path(PIXELCACHE_REF_DIR) / (name + ".ref"), std::ios::binary);
  if (!f) return std::nullopt;
  Reference r;
  std::string line;
  std::getline(f, line);
  std::istringstream(line) >> r.mode >> r.width >> r.height;
  r.pixels.assign(std::istreambuf_iterator<char>(f), {});
  return r;
}

/// Mean and max absolute difference of two equally sized byte buffers.
struct Diff {
  double mean = 0;
  int max = 0;
};
inline Diff diff(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  Diff d;
  if (a.size() != b.size() || a.empty()) return {1e9, 255};
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const int e = std::abs(int(a[i]) - int(b[i]));
    sum += e;
    d.max = std::max(d.max, e);
  }
  d.mean = sum / static_cast<double>(a.size());
  return d;
}
/// An image's samples (as uint8) against reference bytes.
inline Diff diff(const Image& img, std::span<const std::uint8_t> ref) {
  const Image u8 = img.as_u8();
  return diff(u8.u8_view(), ref);
}
inline Diff diff(const Image& a, const Image& b) {
  if (a.shape() != b.shape()) return {1e9, 255};
  const Image a8 = a.as_u8(), b8 = b.as_u8();
  return diff(a8.u8_view(), b8.u8_view());
}

/// A small RGB test pattern with every value distinct enough to catch
/// transposition and channel-order mistakes.
inline Image pattern(int h, int w, Mode mode = Mode::RGB) {
  const int c = mode_channels(mode);
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w * c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) {
        auto& v = px[(static_cast<std::size_t>(y) * w + x) * c + k];
        v = mode == Mode::Binary ? ((x * 3 + y * 5) % 7 < 3)
                                 : static_cast<std::uint8_t>((x * 7 + y * 13 + k * 71) % 256);
      }
  return Image::from_u8({h, w}, mode, std::move(px));
}

/// A pixel box (normalized = false, no image size).
inline BoundingBox px_box(double x0, double y0, double x1, double y1) {
  return BoundingBox(x0, y0, x1, y1, std::nullopt, false);
}

/// The message of the InvalidArgument `f` throws ("" and a test failure
/// when it throws nothing or something else).
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

}  // namespace pixelcache::test

/// Expects `expr` to throw InvalidArgument whose message starts with
/// `prefix` and contains `needle`.
#define EXPECT_THAT_THROW(expr, prefix, needle)                                                              \
  do {                                                                                                       \
    const std::string pixelcache_msg_ = ::pixelcache::test::invalid_argument_message([&] { (void)(expr); }); \
    EXPECT_EQ(pixelcache_msg_.rfind(prefix, 0), 0u) << pixelcache_msg_;                                      \
    EXPECT_NE(pixelcache_msg_.find(needle), std::string::npos) << pixelcache_msg_;                           \
  } while (0)
