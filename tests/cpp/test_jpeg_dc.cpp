// The 1/8-scale luma from DC coefficients on several threads
// (src/codec/jpeg_dc.hpp) against libjpeg-turbo's own 1/8 gray decode
// (TurboJPEG, TJPF_GRAY): every subsampling, restart intervals, optimised
// and standard Huffman tables, odd sizes, any number of segments; what it
// must leave to libjpeg-turbo; damaged data. Label `threaded` (TSan).
#include <turbojpeg.h>

// clang-format off
#include <cstdio>  // before jpeglib.h, which uses FILE
#include <jpeglib.h>
// clang-format on

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>

#include "codec/jpeg_dc.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

// A file of tests/cpp/data/ (inputs of this test alone).
std::string own_data(const std::string& name) { return std::string(PIXELCACHE_CPP_DATA_DIR) + "/" + name; }

// libjpeg-turbo's 1/8 gray decode, or nullopt when it fails or warns.
std::optional<std::vector<std::uint8_t>> reference(const std::vector<std::uint8_t>& jpeg, int& w, int& h) {
  tjhandle t = tjInitDecompress();
  int width, height, subsamp, cs;
  std::optional<std::vector<std::uint8_t>> out;
  if (tjDecompressHeader3(t, jpeg.data(), jpeg.size(), &width, &height, &subsamp, &cs) == 0) {
    const tjscalingfactor f{1, 8};
    w = TJSCALED(width, f), h = TJSCALED(height, f);
    std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h);
    if (tjDecompress2(t, jpeg.data(), jpeg.size(), px.data(), w, 0, h, TJPF_GRAY, 0) == 0) out = std::move(px);
  }
  tjDestroy(t);
  return out;
}

// A photo-like RGB image: the test photo tiled and cropped to h x w, with
// Gaussian noise of `sigma` (many AC coefficients, as a camera's).
struct Rgb {
  int h, w;
  std::vector<std::uint8_t> px;
};
Rgb photo(int h, int w, double sigma, unsigned seed) {
  static const Image src = load(data("chelsea.png"));
  const auto s = src.u8_view();
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, sigma);
  Rgb out{h, w, std::vector<std::uint8_t>(static_cast<std::size_t>(h) * w * 3)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const std::size_t from = (static_cast<std::size_t>(y % src.height()) * src.width() + x % src.width()) * 3 + c;
        const double v = s[from] + noise(rng);
        out.px[(static_cast<std::size_t>(y) * w + x) * 3 + c] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
      }
  return out;
}

std::vector<std::uint8_t> turbo(const Rgb& img, int subsamp, int quality) {
  tjhandle t = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(t, img.px.data(), img.w, 0, img.h, TJPF_RGB, &buf, &size, subsamp, quality, 0), 0);
  std::vector<std::uint8_t> out(buf, buf + size);
  tjFree(buf);
  tjDestroy(t);
  return out;
}

// libjpeg's own API, for what TurboJPEG does not set: restart intervals
// (MCUs), optimised Huffman tables, progressive scans.
std::vector<std::uint8_t> libjpeg(const Rgb& img, int restart, bool optimize, bool progressive) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(img.w), c.image_height = static_cast<JDIMENSION>(img.h);
  c.input_components = 3, c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 90, TRUE);
  c.restart_interval = static_cast<unsigned>(restart);
  c.optimize_coding = optimize ? TRUE : FALSE;
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(img.px.data() + static_cast<std::size_t>(c.next_scanline) * img.w * 3);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<std::uint8_t> out(buf, buf + size);
  std::free(buf);
  return out;
}

// jpeg_dc_luma() on 1, 2, 3 and 8 threads, with segments down to 512
// bytes, equals libjpeg-turbo's decode.
void expect_same_as_libjpeg(const std::vector<std::uint8_t>& jpeg, const std::string& what) {
  int w = 0, h = 0;
  const auto ref = reference(jpeg, w, h);
  ASSERT_TRUE(ref) << what;
  for (unsigned threads : {1u, 2u, 3u, 8u})
    for (std::size_t min_segment : {std::size_t{0}, std::size_t{512}}) {
      const auto img = detail::jpeg_dc_luma(jpeg, threads, min_segment);
      ASSERT_TRUE(img) << what << ", " << threads << " threads";
      ASSERT_EQ(img->size(), (ImageSize{h, w})) << what;
      const auto px = img->u8_view();
      EXPECT_TRUE(std::equal(px.begin(), px.end(), ref->begin()))
          << what << ", " << threads << " threads, segments >= " << min_segment;
    }
}

TEST(JpegDc, EverySubsamplingAndSizeAsLibjpeg) {
  for (const auto& [h, w] : std::vector<std::pair<int, int>>{{1, 1}, {7, 9}, {16, 16}, {301, 451}, {333, 517}})
    for (int ss : {TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_440, TJSAMP_411, TJSAMP_GRAY})
      expect_same_as_libjpeg(turbo(photo(h, w, 6, 1), ss, 90),
                             std::to_string(h) + "x" + std::to_string(w) + " subsampling " + std::to_string(ss));
}

TEST(JpegDc, QualitiesRestartsAndOptimisedTablesAsLibjpeg) {
  const Rgb img = photo(480, 640, 4, 2);
  for (int q : {5, 50, 90, 100}) expect_same_as_libjpeg(turbo(img, TJSAMP_420, q), "quality " + std::to_string(q));
  for (int rst : {1, 3, 40})
    expect_same_as_libjpeg(libjpeg(img, rst, false, false), "restart every " + std::to_string(rst) + " MCUs");
  expect_same_as_libjpeg(libjpeg(img, 0, true, false), "optimised Huffman tables");
  expect_same_as_libjpeg(libjpeg(img, 7, true, false), "optimised tables and restarts");
  for (const char* name : {"chelsea_q95.jpg", "chelsea_gray.jpg", "rocket.jpg", "exif_orient6.jpg"})
    expect_same_as_libjpeg(read_file(data(name)), name);
}

// A large noisy photo: the default segments (128 KiB) split it, and every
// thread count gives libjpeg-turbo's pixels.
TEST(JpegDc, LargeFileSplitOverThreadsAsLibjpeg) {
  const auto jpeg = turbo(photo(1536, 2048, 8, 3), TJSAMP_420, 95);
  ASSERT_GT(jpeg.size(), std::size_t{1} << 20);  // eight default segments
  expect_same_as_libjpeg(jpeg, "2048x1536 noisy");
}

TEST(JpegDc, LeavesWhatItDoesNotDecodeToLibjpeg) {
  const Rgb img = photo(120, 160, 4, 4);
  EXPECT_FALSE(detail::jpeg_dc_luma(libjpeg(img, 0, false, true)));
  (void)detail::jpeg_dc_luma(read_file(data("chelsea_cmyk.jpg")), 2, 512);  // CMYK: the caller's check; no crash
  const auto good = turbo(img, TJSAMP_420, 90);
  EXPECT_FALSE(detail::jpeg_dc_luma({}));
  EXPECT_FALSE(detail::jpeg_dc_luma(std::vector<std::uint8_t>(good.begin(), good.begin() + 2)));
  // Truncated anywhere (no EOI): left to libjpeg-turbo, which pads.
  for (double frac : {0.1, 0.5, 0.9, 0.999})
    EXPECT_FALSE(detail::jpeg_dc_luma(
        std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() * frac)), 2,
        512))
        << frac;
  // A Huffman table with more codes of a length than the length holds
  // (three 1-bit codes; libjpeg-turbo refuses it): no decode, and no write
  // past the lookup table (fuzz_decode_jpeg found one under UBSan).
  auto overfull = good;
  const std::uint8_t marker[] = {0xFF, 0xC4};
  const auto dht = std::search(overfull.begin(), overfull.end(), std::begin(marker), std::end(marker));
  ASSERT_NE(dht, overfull.end());
  dht[5] = 3;  // FF C4, length (2), class / id, then the count of 1-bit codes
  EXPECT_FALSE(detail::jpeg_dc_luma(overfull, 2, 512));
  // A chroma component whose quantisation table is not defined: the luma
  // does not need it, but libjpeg-turbo refuses the file, and so must this
  // (fuzz_decode_jpeg found it decoding such a file).
  auto no_table = good;
  const std::uint8_t sof[] = {0xFF, 0xC0};
  const auto frame = std::search(no_table.begin(), no_table.end(), std::begin(sof), std::end(sof));
  ASSERT_NE(frame, no_table.end());
  ASSERT_EQ(frame[9], 3);  // three components, 3 bytes each from byte 10: id, sampling, table
  frame[18] = 3;           // the third one's table: 3, never defined
  EXPECT_FALSE(detail::jpeg_dc_luma(no_table, 2, 512));
  // Bytes between the data and EOI (libjpeg-turbo warns): left to it.
  auto extra = good;
  extra.insert(extra.end() - 2, {0x12, 0x34});
  EXPECT_FALSE(detail::jpeg_dc_luma(extra));
}

TEST(JpegDc, AcSymbolWithoutMagnitudeEndsTheBlockAsInLibjpeg) {
  // An AC table whose EOB symbol (0x00) reads 0x20 (run 2, no magnitude:
  // not a baseline symbol): libjpeg-turbo ends a block at any such symbol,
  // so the file decodes as before, and so must the DC decoder
  // (fuzz_decode_jpeg found it advancing 3 coefficients instead).
  auto odd_symbol = turbo(photo(120, 160, 4, 4), TJSAMP_420, 90);
  const std::uint8_t standard_ac[] = {0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31};
  const auto ac = std::search(odd_symbol.begin(), odd_symbol.end(), std::begin(standard_ac), std::end(standard_ac));
  ASSERT_NE(ac, odd_symbol.end());
  ac[3] = 0x20;
  int w = 0, h = 0;
  const auto ref = reference(odd_symbol, w, h);
  const auto dc = detail::jpeg_dc_luma(odd_symbol, 2, 512);
  ASSERT_TRUE(ref);  // libjpeg-turbo decodes it without a warning
  ASSERT_TRUE(dc);
  EXPECT_TRUE(std::equal(dc->u8_view().begin(), dc->u8_view().end(), ref->begin()));
}

// Found by review, each a hand-made file (tests/cpp/data/jpeg_dc/): a short
// restart interval where a thread's segment begins (the segment was adopted
// one MCU early, shifting every pixel after it), a side above libjpeg's
// 65500 and a JFIF version libjpeg-turbo warns about: all left to it.
TEST(JpegDc, ReviewFindingsAreLeftToLibjpeg) {
  const auto ok = read_file(own_data("jpeg_dc/restart_ok.jpg"));
  int w = 0, h = 0;
  const auto ref = reference(ok, w, h);
  ASSERT_TRUE(ref);
  for (unsigned threads : {1u, 2u, 3u}) {
    const auto img = detail::jpeg_dc_luma(ok, threads, 1);
    ASSERT_TRUE(img) << threads;
    EXPECT_TRUE(std::equal(img->u8_view().begin(), img->u8_view().end(), ref->begin())) << threads;
  }
  const auto short_interval = read_file(own_data("jpeg_dc/restart_short.jpg"));
  EXPECT_FALSE(reference(short_interval, w, h));  // "premature end of data segment"
  for (unsigned threads : {1u, 2u, 3u}) EXPECT_FALSE(detail::jpeg_dc_luma(short_interval, threads, 1)) << threads;
  for (const char* name : {"jpeg_dc/wide.jpg", "jpeg_dc/jfif2.jpg"}) {
    const auto bytes = read_file(own_data(name));
    EXPECT_FALSE(reference(bytes, w, h)) << name;
    EXPECT_FALSE(detail::jpeg_dc_luma(bytes, 2, 1)) << name;
  }
}

// Megabytes of junk before EOI: each thread records at most the image's MCU
// count, so memory stays that of the image (it grew with the file: 446 MB
// for 16 MiB of zeros on two threads, and an allocation failure in a thread
// ended the process). In a child: its peak RSS may grow by 64 MiB, and its
// address space by 512 MiB (a thread's allocation failure is caught).
TEST(JpegDc, JunkAfterTheDataCostsNoMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's shadow memory needs more address space than the child gets";
#endif
  // A 1024 x 1024 gray file whose Huffman tables make a zero bit a DC
  // difference of 0 and another an EOB: every 2 zero bits an MCU, so the
  // zeros after the image's 4096 bytes decode too (as MCUs past the end).
  std::vector<std::uint8_t> jpeg = {0xFF, 0xD8,                                                         // SOI
                                    0xFF, 0xDB, 0x00, 0x43, 0x00};                                      // DQT 0
  jpeg.insert(jpeg.end(), 64, 8);                                                                       // quantisers
  for (std::uint8_t b : {0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x04, 0x00, 0x04, 0x00, 0x01, 0x01, 0x11, 0x00,  // SOF0
                         0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0,    0,    0,    0,    0,    0,    0,
                         0,    0,    0,    0,    0,    0,    0,    0,    0x00,  // DC
                         0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0,    0,    0,    0,    0,    0,    0,
                         0,    0,    0,    0,    0,    0,    0,    0,    0x00,         // AC
                         0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00})  // SOS
    jpeg.push_back(b);
  jpeg.insert(jpeg.end(), 4096 + (std::size_t{16} << 20), std::uint8_t{0});
  jpeg.insert(jpeg.end(), {0xFF, 0xD9});
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto run = [&] {
    limit_address_space_growth(std::uint64_t{512} << 20);
    rusage before{}, after{};
    ::getrusage(RUSAGE_SELF, &before);
    const bool decoded = detail::jpeg_dc_luma(jpeg, 2).has_value();  // nullopt: bytes before EOI
    ::getrusage(RUSAGE_SELF, &after);
    std::_Exit(decoded ? 1 : after.ru_maxrss - before.ru_maxrss > 64 * 1024 ? 2 : 0);  // KiB
  };
  EXPECT_EXIT(run(), ::testing::ExitedWithCode(0), "");
}

// Damaged entropy-coded data: whatever jpeg_dc_luma() returns is
// libjpeg-turbo's decode (which then succeeds without a warning); mostly it
// leaves the file to libjpeg-turbo.
TEST(JpegDc, DamagedDataIsLibjpegsOrLeftToIt) {
  const auto good = turbo(photo(240, 320, 5, 5), TJSAMP_420, 85);
  std::mt19937 rng(11);
  int decoded = 0;
  for (int trial = 0; trial < 300; ++trial) {
    auto bad = good;
    const std::size_t at = 700 + rng() % (bad.size() - 702);  // past the headers
    bad[at] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    const auto img = detail::jpeg_dc_luma(bad, 1 + trial % 3, 256);
    if (!img) continue;
    ++decoded;
    int w = 0, h = 0;
    const auto ref = reference(bad, w, h);
    ASSERT_TRUE(ref) << "decoded where libjpeg-turbo fails or warns, byte " << at;
    const auto px = img->u8_view();
    EXPECT_TRUE(std::equal(px.begin(), px.end(), ref->begin())) << "byte " << at;
  }
  EXPECT_GT(decoded, 0);  // flips in AC magnitudes leave the DC values alone
}

}  // namespace
}  // namespace pixelcache::test
