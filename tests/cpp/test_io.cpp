// Codecs and loading (io.hpp): every test file against Pillow's decode,
// EXIF orientation, round trips through every writer, bad input.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <utility>

#include "mapped_file.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

struct FileCase {
  const char* name;
  const char* mode;
  Format format;
  int width, height;
  // Tolerance against Pillow's decode of the same file: mean and max
  // absolute difference in levels. Lossless formats and JPEG (both sides
  // use libjpeg-turbo's accurate DCT) are exact.
  double mean_tol;
  int max_tol;
};

const FileCase kFiles[] = {
    {"chelsea.png", "RGB", Format::PNG, 451, 300, 0, 0},
    {"coffee.png", "RGB", Format::PNG, 600, 400, 0, 0},
    {"camera.png", "L", Format::PNG, 512, 512, 0, 0},
    {"astronaut.png", "RGB", Format::PNG, 512, 512, 0, 0},
    {"rocket.jpg", "RGB", Format::JPEG, 640, 427, 0, 0},
    {"chelsea_q95.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"chelsea_gray.jpg", "L", Format::JPEG, 451, 300, 0, 0},
    {"chelsea_cmyk.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"chelsea.webp", "RGB", Format::WebP, 451, 300, 0, 0},
    {"chelsea_lossy.webp", "RGB", Format::WebP, 451, 300, 0, 0},
    {"chelsea_rgba.png", "RGB", Format::PNG, 451, 300, 0, 0},
    {"chelsea_alpha_gradient.png", "RGB", Format::PNG, 451, 300, 0, 0},
    {"chelsea_palette.png", "RGB", Format::PNG, 451, 300, 0, 0},
    {"chelsea_16bit.png", "RGB", Format::PNG, 451, 300, 0, 0},
    {"chelsea.tiff", "RGB", Format::TIFF, 451, 300, 0, 0},
    {"chelsea.bmp", "RGB", Format::BMP, 451, 300, 0, 0},
    {"chelsea.gif", "RGB", Format::GIF, 451, 300, 0, 0},
    {"exif_orient1.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"exif_orient2.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"exif_orient3.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"exif_orient4.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"exif_orient5.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"exif_orient6.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"exif_orient7.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
    {"exif_orient8.jpg", "RGB", Format::JPEG, 451, 300, 0, 0},
};

void PrintTo(const FileCase& c, std::ostream* os) { *os << c.name; }

class DecodeFile : public ::testing::TestWithParam<FileCase> {};

TEST_P(DecodeFile, SizeModeFormatAndPillowPixels) {
  const FileCase& c = GetParam();
  const Decoded d = load_ex(data(c.name));
  EXPECT_EQ(d.format, c.format);
  EXPECT_STREQ(mode_name(d.image.mode()), c.mode);
  EXPECT_EQ(d.image.width(), c.width);
  EXPECT_EQ(d.image.height(), c.height);
  EXPECT_EQ(d.image.pixel_type(), PixelType::U8);

  const auto ref = pillow_reference(c.name);
  ASSERT_TRUE(ref) << "no Pillow reference for " << c.name << " (the pillow_references fixture writes them)";
  ASSERT_EQ(ref->mode, c.mode);
  ASSERT_EQ(ref->width, c.width);
  ASSERT_EQ(ref->height, c.height);
  const Diff dd = diff(d.image.u8_view(), ref->pixels);
  EXPECT_LE(dd.mean, c.mean_tol) << c.name;
  EXPECT_LE(dd.max, c.max_tol) << c.name;
}

INSTANTIATE_TEST_SUITE_P(AllTestFiles, DecodeFile, ::testing::ValuesIn(kFiles), [](const auto& info) {
  std::string n = info.param.name;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
});

TEST(Decode, FilesWrittenByPillowAtTestTime) {
  // Kinds no shipped photo covers: gray + alpha PNG, interlaced GIF.
  for (const char* name : {"chelsea_la.png", "chelsea_interlaced.gif"}) {
    const Image img = load((std::filesystem::path(PIXELCACHE_REF_DIR) / "generated" / name).string());
    const auto ref = pillow_reference(name);
    ASSERT_TRUE(ref) << name;
    EXPECT_STREQ(mode_name(img.mode()), ref->mode.c_str()) << name;
    EXPECT_EQ(diff(img.u8_view(), ref->pixels).max, 0) << name;
  }
}

TEST(Decode, PngGrayAlphaInterlacedAnd16Bit) {
  // Colour type 4 through libspng (Adam7, 16-bit) and the fast path: alpha
  // dropped, gray kept; 16-bit references are the exact round(v / 257).
  for (const char* name :
       {"gray_alpha_8_flat.png", "gray_alpha_8_adam7.png", "gray_alpha_16_flat.png", "gray_alpha_16_adam7.png"}) {
    const auto ref = pillow_reference(name);
    ASSERT_TRUE(ref) << name;
    const Image img = load((std::filesystem::path(PIXELCACHE_REF_DIR) / "generated" / name).string());
    EXPECT_STREQ(mode_name(img.mode()), "L") << name;
    EXPECT_EQ(img.size(), (ImageSize{ref->height, ref->width})) << name;
    EXPECT_EQ(diff(img.u8_view(), ref->pixels).max, 0) << name;
  }
}

TEST(Decode, PngEveryFilterTypeForEveryPixelSize) {
  // Hand-filtered PNGs (tests/tools/pillow_reference.py): rows cycle
  // through filters 0..4, starting at each one in turn.
  int files = 0;
  for (int ctype : {0, 4, 2, 6})
    for (int first = 0; first < 5; ++first) {
      const std::string name = "filters_ct" + std::to_string(ctype) + "_f" + std::to_string(first) + ".png";
      const auto ref = pillow_reference(name);
      ASSERT_TRUE(ref) << name;
      const Image img = load((std::filesystem::path(PIXELCACHE_REF_DIR) / "generated" / name).string());
      EXPECT_STREQ(mode_name(img.mode()), ref->mode.c_str()) << name;
      EXPECT_EQ(diff(img.u8_view(), ref->pixels).max, 0) << name;
      ++files;
    }
  EXPECT_EQ(files, 20);
}

TEST(Decode, HeicIsUprightCatCloseToPng) {
  // Pillow has no HEIF reader here: compare with the PNG it was made from.
  const Decoded d = load_ex(data("chelsea.heic"));
  EXPECT_EQ(d.format, Format::HEIF);
  EXPECT_EQ(d.image.size(), (ImageSize{300, 451}));
  EXPECT_EQ(d.image.mode(), Mode::RGB);
  const Diff dd = diff(d.image, load(data("chelsea.png")));
  EXPECT_LT(dd.mean, 3.0);  // HEVC quality 90
}

TEST(Decode, ExifOrientationsAllGiveTheUprightCat) {
  const Image upright = load(data("chelsea.png"));
  for (int o = 1; o <= 8; ++o) {
    const std::string name = "exif_orient" + std::to_string(o) + ".jpg";
    const Decoded d = load_ex(data(name));
    EXPECT_EQ(d.orientation, o) << name;
    EXPECT_EQ(d.image.size(), upright.size()) << name;
    EXPECT_LT(diff(d.image, upright).mean, 2.5) << name;  // JPEG loss only (~1.5 levels)
  }
}

TEST(Decode, ExifOrientationInPngWebpAndTiff) {
  // Written by tests/tools/pillow_reference.py: applying the tag must give
  // chelsea.png exactly (all three formats are lossless here).
  const Digest upright = load(data("chelsea.png")).digest();
  for (const char* ext : {"png", "webp", "tiff"})
    for (int o = 1; o <= 8; ++o) {
      const auto path =
          std::filesystem::path(PIXELCACHE_REF_DIR) / "generated" / ("orient" + std::to_string(o) + "." + ext);
      const Decoded d = load_ex(path.string());
      EXPECT_EQ(d.orientation, o) << path;
      EXPECT_EQ(d.image.digest(), upright) << path;
    }
}

TEST(Decode, OrientationCanBeLeftUnapplied) {
  LoadOptions opt;
  opt.apply_orientation = false;
  const Decoded d = load_ex(data("exif_orient6.jpg"), opt);
  EXPECT_EQ(d.orientation, 6);
  EXPECT_EQ(d.image.size(), (ImageSize{451, 300}));  // stored transposed
}

TEST(Decode, JpegShrinkOnLoad) {
  LoadOptions opt;
  opt.shrink_hint = {60, 100};
  const Image small = load(data("rocket.jpg"), opt);  // 640x427 -> 1/4 scale
  EXPECT_EQ(small.size(), (ImageSize{107, 160}));
  opt.shrink_hint = {300, 400};  // 1/2 would be too small in width (320 >= 400? no)
  EXPECT_EQ(load(data("rocket.jpg"), opt).size(), (ImageSize{427, 640}));
  // The hint is in upright orientation: orientation 6 stores 300x451 transposed.
  opt.shrink_hint = {100, 200};
  const Image o6 = load(data("exif_orient6.jpg"), opt);
  EXPECT_GE(o6.width(), 200);
  EXPECT_GE(o6.height(), 100);
  EXPECT_EQ(o6.size(), (ImageSize{150, 226}));
  // Other formats ignore it.
  EXPECT_EQ(load(data("chelsea.png"), opt).size(), (ImageSize{300, 451}));
}

TEST(Decode, WebpShrinkOnLoad) {
  const auto bytes = read_file(data("chelsea_lossy.webp"));
  const Decoded full = decode_ex(bytes);
  ASSERT_EQ(full.image.size(), (ImageSize{300, 451}));
  EXPECT_EQ(full.scale, 1);
  LoadOptions opt;
  opt.shrink_hint = {60, 100};  // 1/4: ceil(300 / 4) x ceil(451 / 4); 1/8 (38 x 57) is too small
  const Decoded d = decode_ex(bytes, opt);
  EXPECT_EQ(d.image.size(), (ImageSize{75, 113}));
  EXPECT_EQ(d.scale, 4);
  EXPECT_EQ(d.full_size, (ImageSize{300, 451}));
  // libwebp's scaler maps the whole image onto the smaller one: no padding.
  EXPECT_EQ(d.content, (std::array<double, 4>{0, 0, 75, 113}));
  EXPECT_EQ(probe(bytes, opt).size, d.image.size());  // the prober's answer is the decoder's
  opt.shrink_min_side = 200;                          // combined: 1/2 would leave 150 rows
  EXPECT_EQ(decode_ex(bytes, opt).scale, 1);
  // The scaled decode is an area average of the full one: within a level or
  // two of the full decode reduced by OpenCV's area resize (0.75 measured;
  // a JPEG's 1/4 DCT decode is 0.89 from its own).
  const Image b = resize(full.image, d.image.size(), Interpolation::Area);
  const auto pa = d.image.u8_view(), pb = b.u8_view();
  double sum = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) sum += std::abs(int(pa[i]) - int(pb[i]));
  EXPECT_LT(sum / pa.size(), 1.5);
}

// decode_webp() drops a mapped input's pages from a second thread while
// WebPDecode() reads it (1 MiB and larger): the pixels are those of the
// same bytes decoded from memory, whole and shrunk on load, lossy and
// lossless, and a cut file is still an error. Bytes in memory are not
// mapped: no thread is started for them.
TEST(Decode, WebpWithItsPagesDroppedWhileItDecodes) {
  std::mt19937 rng(7);
  Image noise = Image::generate({900, 1200}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    for (auto& v : b) v = static_cast<std::byte>(rng() & 0xFF);
  });
  EncodeOptions lossy, lossless;
  lossy.quality = 100;
  lossless.lossless = true;
  const auto dir = std::filesystem::temp_directory_path() / ("pixelcache_webp_drop_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const auto& [name, bytes] : {std::pair{std::string("lossy"), encode(noise, Format::WebP, lossy)},
                                    std::pair{std::string("lossless"), encode(noise, Format::WebP, lossless)}}) {
    ASSERT_GT(bytes.size(), std::size_t{1} << 20) << name;  // large enough for the page dropper
    const auto path = (dir / (name + ".webp")).string();
    write_file(path, bytes);
    EXPECT_EQ(load(path), decode(bytes, {}, name)) << name;
    {  // the dropper runs for mapped files only; dropped pages read the same bytes again
      const detail::MappedFile file(path);
      ASSERT_TRUE(detail::is_mapped(file.bytes().subspan(12345, 10))) << name;
      EXPECT_FALSE(detail::is_mapped(bytes)) << name;
      detail::release_mapped(file.bytes());
      EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), file.bytes().begin(), file.bytes().end())) << name;
    }
    const auto spec = ResizeSpec::to({64, 64});
    EXPECT_EQ(load_resized(path, spec), decode_resized(bytes, spec, {}, name)) << name;  // mapped, shrunk on load
    const std::vector<std::uint8_t> cut(bytes.begin(),
                                        bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() * 9 / 10));
    write_file(path, cut);
    EXPECT_THROW(load_resized(path, spec), DecodeError) << name;
  }
  std::filesystem::remove_all(dir);
}

TEST(Decode, BytesAndPathGiveTheSameImage) {
  const auto bytes = read_file(data("exif_orient3.jpg"));
  EXPECT_EQ(decode(bytes).digest(), load(data("exif_orient3.jpg")).digest());
}

TEST(Decode, SniffsFormatFromContentNotName) {
  const auto dir = std::filesystem::temp_directory_path() / "pixelcache_sniff";
  std::filesystem::create_directories(dir);
  const auto path = dir / "actually_a_png.jpg";
  std::filesystem::copy_file(data("chelsea.png"), path, std::filesystem::copy_options::overwrite_existing);
  const Decoded d = load_ex(path.string());
  EXPECT_EQ(d.format, Format::PNG);
  EXPECT_EQ(d.image.digest(), load(data("chelsea.png")).digest());
}

// ---------------------------------------------------------------- writers

struct RoundTrip {
  Format format;
  bool exact;
};

void PrintTo(const RoundTrip& r, std::ostream* os) { *os << format_name(r.format); }

class Writers : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(Writers, RgbGrayBinaryRoundTrip) {
  const auto [format, exact] = GetParam();
  EncodeOptions opt;
  opt.lossless = true;
  opt.quality = 95;
  for (Mode mode : {Mode::RGB, Mode::L, Mode::Binary}) {
    const Image img = mode == Mode::RGB ? load(data("chelsea.png")) : pattern(37, 53, mode);
    const auto bytes = encode(img, format, opt);
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(sniff_format(bytes), format);
    const Image back = decode(bytes);
    EXPECT_EQ(back.size(), img.size()) << format_name(format) << " " << mode_name(mode);
    const bool keeps_binary = format == Format::PNG || format == Format::TIFF || format == Format::BMP;
    const bool keeps_gray = format != Format::WebP;
    if (mode == Mode::Binary && !keeps_binary) {
      // JPEG / WebP have no 1-bit mode: written as gray 0 / 255 (WebP: RGB).
      EXPECT_EQ(back.mode(), format == Format::WebP ? Mode::RGB : Mode::L);
      const auto b = back.u8_view();
      const auto s = img.u8_view();
      double err = 0;
      for (std::size_t i = 0; i < s.size(); ++i) err += std::abs(int(b[i * back.channels()]) - int(s[i]) * 255);
      EXPECT_LE(err / static_cast<double>(s.size()), exact ? 0.0 : 8.0) << format_name(format);
      continue;
    }
    if (mode == Mode::L && !keeps_gray) {
      EXPECT_EQ(back.mode(), Mode::RGB);
      continue;
    }
    EXPECT_EQ(back.mode(), mode) << format_name(format);
    if (exact) {
      EXPECT_EQ(back.digest(), img.digest()) << format_name(format) << " " << mode_name(mode);
      EXPECT_TRUE(back == img);
    } else {
      EXPECT_LT(diff(back, img).mean, mode == Mode::RGB ? 2.0 : 6.0) << format_name(format) << " " << mode_name(mode);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryWriter, Writers,
                         ::testing::Values(RoundTrip{Format::PNG, true}, RoundTrip{Format::TIFF, true},
                                           RoundTrip{Format::BMP, true}, RoundTrip{Format::WebP, true},
                                           RoundTrip{Format::JPEG, false}),
                         [](const auto& info) { return std::string(format_name(info.param.format)); });

TEST(Writers, SaveChoosesFormatFromExtensionAndIsReadableByPillowReference) {
  const auto dir = std::filesystem::temp_directory_path() / "pixelcache_save";
  std::filesystem::create_directories(dir);
  const Image img = load(data("coffee.png"));
  for (const char* ext : {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".PNG"}) {
    const auto path = dir / (std::string("out") + ext);
    save(img, path);
    EXPECT_EQ(load_ex(path.string()).format, format_from_extension(path)) << ext;
  }
  EXPECT_THROW(save(img, dir / "out.xyz"), EncodeError);
  EXPECT_THROW(save(img, dir / "noextension"), EncodeError);
}

TEST(Writers, FloatImagesAreRoundedToEightBits) {
  const Image f = Image::from_f32({1, 2}, Mode::L, {0.5f, 0.25f});
  ASSERT_EQ(f.pixel_type(), PixelType::F32);
  const Image back = decode(encode(f, Format::PNG));
  EXPECT_EQ(back.u8_view()[0], 128);
  EXPECT_EQ(back.u8_view()[1], 64);
}

TEST(Writers, PngEveryLevelRoundTripsAndLevelsTradeSize) {
  const Image cat = load(data("chelsea.png"));
  std::size_t stored = 0, best = 0;
  for (int level = 0; level <= 9; ++level) {
    EncodeOptions o;
    o.png_compression = level;
    const auto png = encode(cat, Format::PNG, o);
    EXPECT_EQ(decode(png), cat) << level;
    if (level == 0) stored = png.size();
    if (level == 9) best = png.size();
  }
  EXPECT_GT(stored, cat.byte_size());  // level 0 stores: raw rows + filter bytes + headers
  EXPECT_LT(best, stored * 3 / 4);
  // Odd widths in 1-bit rows (packing) and one-pixel images.
  const Image tiny = to_binary(pattern(1, 9), 0.5);
  EXPECT_EQ(decode(encode(tiny, Format::PNG)), tiny);
  EXPECT_EQ(decode(encode(pattern(1, 1), Format::PNG)), pattern(1, 1));
}

TEST(Writers, BadOptionsAndEmptyImage) {
  const Image img = pattern(4, 4);
  EncodeOptions bad;
  bad.quality = 0;
  EXPECT_THROW(encode(img, Format::JPEG, bad), InvalidArgument);
  bad.quality = 90;
  bad.png_compression = 11;
  EXPECT_THROW(encode(img, Format::PNG, bad), InvalidArgument);
  EXPECT_THROW(encode(Image(), Format::PNG), InvalidArgument);
  EXPECT_THROW(encode(img, Format::GIF), EncodeError);
  EXPECT_THROW(save(img, "/nonexistent-dir/x.png"), IoError);
}

// ---------------------------------------------------------------- bad input

template <class E>
void expect_error_naming(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning " << needle;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

TEST(BadInput, TruncatedJpeg) {
  expect_error_naming<DecodeError>([] { load(data("truncated.jpg")); }, "truncated.jpg");
}

TEST(BadInput, EveryTruncationOfEveryFormatIsAnError) {
  for (const char* name : {"chelsea_q95.jpg", "chelsea.png", "chelsea.webp", "chelsea.tiff", "chelsea.bmp",
                           "chelsea.gif", "chelsea.heic", "chelsea_lossy.webp", "chelsea_cmyk.jpg"}) {
    const auto bytes = read_file(data(name));
    for (double frac : {0.02, 0.3, 0.6, 0.97}) {
      const std::span<const std::uint8_t> cut(bytes.data(), static_cast<std::size_t>(bytes.size() * frac));
      EXPECT_THROW(decode(cut, {}, name), DecodeError) << name << " cut at " << frac;
    }
  }
}

TEST(BadInput, EmptyFileAndEmptyBytes) {
  const auto path = std::filesystem::temp_directory_path() / "pixelcache_empty.png";
  { std::ofstream(path.string()); }
  expect_error_naming<DecodeError>([&] { load(path.string()); }, "pixelcache_empty.png");
  EXPECT_THROW(decode(std::span<const std::uint8_t>{}), DecodeError);
}

TEST(BadInput, RandomBytes) {
  std::mt19937 rng(42);
  std::vector<std::uint8_t> junk(4096);
  for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
  expect_error_naming<DecodeError>([&] { decode(junk, {}, "random-bytes"); }, "random-bytes");
  // Random bytes behind each valid magic.
  using namespace std::string_view_literals;
  for (std::string_view magic :
       {"\xFF\xD8\xFF"sv, "\x89PNG\r\n\x1a\n"sv, "GIF89a"sv, "II*\0"sv, "MM\0*"sv, "BM"sv, "RIFF0000WEBP"sv}) {
    auto v = junk;
    std::memcpy(v.data(), magic.data(), magic.size());
    EXPECT_THROW(decode(v), Error) << magic;
  }
}

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

void put_be32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<std::uint8_t>(x >> s));
}

// One PNG chunk with a correct CRC.
std::vector<std::uint8_t> png_chunk(std::string_view type, std::span<const std::uint8_t> body) {
  std::vector<std::uint8_t> v;
  put_be32(v, static_cast<std::uint32_t>(body.size()));
  v.insert(v.end(), type.begin(), type.end());
  v.insert(v.end(), body.begin(), body.end());
  put_be32(v, crc32(std::span<const std::uint8_t>(v).subspan(4)));
  return v;
}

// A valid PNG signature and IHDR (with a correct CRC) claiming w x h.
std::vector<std::uint8_t> png_header(std::uint32_t w, std::uint32_t h) {
  std::vector<std::uint8_t> v = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<std::uint8_t> ihdr;
  put_be32(ihdr, w);
  put_be32(ihdr, h);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
  const auto chunk = png_chunk("IHDR", ihdr);
  v.insert(v.end(), chunk.begin(), chunk.end());
  return v;
}

struct PngChunk {
  std::size_t offset;  // of the length field
  std::size_t length;
  std::string type;
};
std::vector<PngChunk> png_chunks(const std::vector<std::uint8_t>& png) {
  std::vector<PngChunk> out;
  for (std::size_t pos = 8; pos + 12 <= png.size();) {
    const std::size_t len = (std::size_t{png[pos]} << 24) | (png[pos + 1] << 16) | (png[pos + 2] << 8) | png[pos + 3];
    out.push_back({pos, len, std::string(png.begin() + pos + 4, png.begin() + pos + 8)});
    pos += 12 + len;
  }
  return out;
}

TEST(BadInput, PngCrcOfEveryCriticalChunkIsCheckedOnEveryPath) {
  // Fast path (8-bit RGB, gray, RGBA) and libspng (palette, 16-bit, Adam7).
  const std::filesystem::path gen = std::filesystem::path(PIXELCACHE_REF_DIR) / "generated";
  for (const std::string& path :
       {data("chelsea.png"), data("camera.png"), data("chelsea_rgba.png"), data("chelsea_palette.png"),
        data("chelsea_16bit.png"), (gen / "gray_alpha_8_adam7.png").string(), (gen / "filters_ct2_f0.png").string()}) {
    const auto png = read_file(path);
    ASSERT_NO_THROW(decode(png)) << path;
    const auto chunks = png_chunks(png);
    std::vector<PngChunk> targets;
    for (const auto& c : chunks)
      if (c.type == "IHDR" || c.type == "PLTE" || c.type == "IEND") targets.push_back(c);
    std::vector<PngChunk> idats;
    std::copy_if(chunks.begin(), chunks.end(), std::back_inserter(idats), [](auto& c) { return c.type == "IDAT"; });
    ASSERT_FALSE(idats.empty()) << path;
    targets.push_back(idats.front());
    targets.push_back(idats.back());
    for (const auto& c : targets) {
      auto bad = png;
      bad[c.offset + 8 + c.length + 3] ^= 0x01;
      expect_error_naming<DecodeError>([&] { decode(bad, {}, path); }, "CRC error in chunk " + c.type);
    }
  }
}

TEST(BadInput, MessagesEscapeUntrustedBytes) {
  // A chunk whose name holds 0x8f (critical: bit 5 of the first byte clear).
  const auto png = read_file(data("chelsea.png"));
  const std::vector<std::uint8_t> body = {'x', 'y', 'z'};
  const auto odd = png_chunk(
      "\x8f"
      "Bad",
      body);
  auto bad = png;
  bad.insert(bad.begin() + 33, odd.begin(), odd.end());
  auto printable = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  };
  try {
    decode(bad, {}, "odd\nname\xff.png");
    ADD_FAILURE() << "accepted a PNG with an invalid chunk name";
  } catch (const DecodeError& e) {
    const std::string m = e.what();
    EXPECT_TRUE(printable(m)) << m;
    EXPECT_NE(m.find("\\x8fBad"), std::string::npos) << m;
    EXPECT_NE(m.find("odd\\x0aname\\xff.png"), std::string::npos) << m;
  }
  // Library messages and limits go through the same escaping.
  LoadOptions tiny;
  tiny.max_pixels = 10;
  try {
    decode(png, tiny, "\x01name");
    ADD_FAILURE() << "no LimitError";
  } catch (const LimitError& e) {
    EXPECT_TRUE(printable(e.what())) << e.what();
    EXPECT_NE(std::string(e.what()).find("\\x01name"), std::string::npos) << e.what();
  }
}

// A little-endian TIFF: the header, `data` (padded to an even size), then
// one IFD of `entries` ({tag, type 3 SHORT or 4 LONG, value}, one value
// each).
std::vector<std::uint8_t> tiff_file(const std::vector<std::uint8_t>& data,
                                    std::initializer_list<std::array<std::uint32_t, 3>> entries) {
  std::vector<std::uint8_t> v = {'I', 'I', 42, 0};
  auto le = [&](std::uint64_t x, int bytes) {
    for (int i = 0; i < bytes; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  le(8 + data.size() + data.size() % 2, 4);  // IFD offset
  v.insert(v.end(), data.begin(), data.end());
  if (data.size() % 2) v.push_back(0);
  le(entries.size(), 2);
  for (const auto& e : entries) {
    le(e[0], 2), le(e[1], 2), le(1, 4);
    le(e[2], e[1] == 3 ? 2 : 4);
    if (e[1] == 3) le(0, 2);
  }
  le(0, 4);
  return v;
}

// A TIFF of 8-bit gray claiming w x h in one uncompressed strip; `strip`
// bytes of data follow the header, StripOffsets points `shift` bytes
// further and StripByteCounts says `count`.
std::vector<std::uint8_t> gray_tiff(std::uint32_t w, std::uint32_t h, std::size_t strip, std::uint32_t count,
                                    std::uint32_t shift = 0) {
  std::vector<std::uint8_t> data(strip + strip % 2);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  return tiff_file(data, {{256, 4, w},
                          {257, 4, h},
                          {258, 3, 8},
                          {259, 3, 1},
                          {262, 3, 1},
                          {273, 4, 8 + shift},
                          {277, 3, 1},
                          {278, 4, h},
                          {279, 4, count}});
}

TEST(BadInput, TiffStripsMustLieInsideTheData) {
  ASSERT_EQ(decode(gray_tiff(64, 64, 4096, 4096)).size(), (ImageSize{64, 64}));
  LoadOptions old_limit;  // the limit the issue was reported with, and no max_expansion
  old_limit.max_pixels = std::uint64_t{1} << 28;
  old_limit.max_expansion = 0;
  // The reported file: 6 KB claiming 64 x 3,932,208 (251 Mpx) gray pixels.
  const auto issue = gray_tiff(64, 3932208, 6000, 6000);
  expect_error_naming<DecodeError>([&] { decode(issue, old_limit, "issue.tif"); }, "truncated file");
  expect_error_naming<LimitError>([&] { decode(issue, {}, "issue.tif"); }, "max_pixels");
  // A strip whose bytes lie past the end of the file.
  expect_error_naming<DecodeError>([&] { decode(gray_tiff(64, 64, 4096, 4096, 1000), {}, "past.tif"); },
                                   "past the end");
}

// A 16x16 8-bit gray TIFF in one tile of tw x th, `compression` (7 is JPEG,
// whose expansion bounds nothing), `data` bytes of tile data (even).
std::vector<std::uint8_t> tiled_gray_tiff(std::uint32_t tw, std::uint32_t th, std::uint16_t compression,
                                          std::uint32_t data = 256) {
  return tiff_file(std::vector<std::uint8_t>(data), {{256, 4, 16},
                                                     {257, 4, 16},
                                                     {258, 3, 8},
                                                     {259, 3, compression},
                                                     {262, 3, 1},
                                                     {277, 3, 1},
                                                     {322, 4, tw},
                                                     {323, 4, th},
                                                     {324, 4, 8},
                                                     {325, 4, data}});
}

// Fuzzing found a tile whose tags alone sized a 41 GB buffer (CI's fixed
// run: "allocator is out of memory"; here std::bad_alloc escaped as an
// untyped error, and a 65536x16384 tile took 1 GB of memory for a 16x16
// image). A tile far larger than the image is refused before any buffer is
// allocated, by decode, the streamed decode and probe alike.
TEST(BadInput, TiffTileFarLargerThanTheImageIsRefused) {
  EXPECT_EQ(decode(tiled_gray_tiff(16, 16, 1)).size(), (ImageSize{16, 16}));
  EXPECT_EQ(decode(tiled_gray_tiff(256, 256, 1, 65536), {}, "small-image-big-tile.tif").size(), (ImageSize{16, 16}))
      << "an ordinary 256x256 tile on a small image is fine";
  for (auto [tw, th] : {std::pair<std::uint32_t, std::uint32_t>{1048576, 40000}, {65536, 16384}}) {
    const auto bytes = tiled_gray_tiff(tw, th, 7);
    const std::string side = std::to_string(tw) + "x" + std::to_string(th);
    expect_error_naming<DecodeError>([&] { decode(bytes, {}, "tile.tif"); }, "a tile of " + side);
    expect_error_naming<DecodeError>(
        [&] {
          decode_resized(bytes, ResizeSpec::to({8, 8}), {}, "tile.tif");
        },
        "far larger than the 16x16 (WxH) image");
    expect_error_naming<DecodeError>([&] { probe(bytes, {}, "tile.tif"); }, side);
  }
}

TEST(Limits, DefaultPixelLimitIsPillows) {
  // Pillow's DecompressionBombError: more than 2 * 89,478,485 pixels.
  EXPECT_EQ(kDefaultMaxPixels, 2u * 89478485u);
  EXPECT_EQ(LoadOptions{}.max_pixels, kDefaultMaxPixels);
  expect_error_naming<LimitError>([] { decode(png_header(13378, 13377), {}, "big.png"); }, "max_pixels");
  // Under the limit, the missing data is the error (not a huge allocation).
  LoadOptions no_expansion_limit;
  no_expansion_limit.max_expansion = 0;
  expect_error_naming<DecodeError>([&] { decode(png_header(13377, 13373), no_expansion_limit, "ok.png"); }, "ok.png");
}

TEST(Limits, SmallFileClaimingAHugeImageIsRefusedByMaxExpansion) {
  // 5000 x 5000 RGB decodes to 75,000,000 bytes (above the 64 MiB that are
  // always allowed): the file needs at least 75,000,000 / 1024 = 73,243
  // bytes. An ancillary chunk pads the header to a chosen file size.
  auto padded = [](std::uint32_t w, std::uint32_t h, std::size_t size) {
    auto v = png_header(w, h);
    const std::vector<std::uint8_t> pad(size - v.size() - 12, 'x');
    const auto chunk = png_chunk("zzPd", pad);
    v.insert(v.end(), chunk.begin(), chunk.end());
    return v;
  };
  EXPECT_EQ(kDefaultMaxExpansion, 1024u);
  EXPECT_EQ(kExpansionFreeBytes, 64u << 20);
  EXPECT_EQ(padded(5000, 5000, 73243).size(), 73243u);
  expect_error_naming<LimitError>([&] { decode(padded(5000, 5000, 73242), {}, "small.png"); }, "max_expansion");
  // Enough data for the ratio: refused only because the image data is missing.
  expect_error_naming<DecodeError>([&] { decode(padded(5000, 5000, 73243), {}, "enough.png"); }, "IDAT");
  // Up to 64 MiB decoded is always allowed: 4000 x 4000 RGB from 1 KB.
  expect_error_naming<DecodeError>([&] { decode(padded(4000, 4000, 1000), {}, "free.png"); }, "IDAT");
  // Configurable; 0 turns it off.
  LoadOptions strict, off;
  strict.max_expansion = 10;
  off.max_expansion = 0;
  expect_error_naming<LimitError>([&] { decode(padded(5000, 5000, 1000000), strict, "strict.png"); }, "max_expansion");
  expect_error_naming<DecodeError>([&] { decode(padded(5000, 5000, 1000), off, "off.png"); }, "IDAT");
}

TEST(BadInput, DecompressionBombIsRefusedBeforeAllocation) {
  expect_error_naming<LimitError>([] { decode(png_header(65536, 65536), {}, "bomb.png"); }, "65536x65536");
  // BMP header claiming 65536 x 65536, 24-bit.
  std::vector<std::uint8_t> bmp(54, 0);
  bmp[0] = 'B', bmp[1] = 'M', bmp[10] = 54, bmp[14] = 40, bmp[20] = 1, bmp[24] = 1, bmp[26] = 1, bmp[28] = 24;
  EXPECT_THROW(decode(bmp, {}, "bomb.bmp"), LimitError);
  // The limit is configurable.
  LoadOptions small;
  small.max_pixels = 1000;
  expect_error_naming<LimitError>([&] { load(data("chelsea.png"), small); }, "max_pixels");
  for (const char* name :
       {"chelsea_q95.jpg", "chelsea.webp", "chelsea.tiff", "chelsea.bmp", "chelsea.gif", "chelsea.heic"})
    EXPECT_THROW(load(data(name), small), LimitError) << name;
}

// HEIF items whose codec data declares far larger frames than their ispe:
// libheif hands the data to the codec, which allocated for the declared
// size (the AVIF: dav1d asked for 3 GB, 3.2 GB RSS and 9 s in
// `pixelcache info`; the HEIC: libde265 decoded 16384x16384, 1.6 GB and
// 11 s; the override: 3.2 GB and 7 s). All are refused before anything is
// decoded.
TEST(BadInput, HeifCodecFrameSizeIsCheckedBeforeDecoding) {
  const auto regressions = data_dir().parent_path() / "fuzz" / "regressions" / "fuzz_decode_heif";
  const std::pair<const char*, const char*> cases[] = {
      {"avif-av1-sequence-header-32768x32768-in-23x15-ispe", "32768x32768"},
      {"heic-sps-16384x16384-in-64x64-ispe", "16384x16384"},
      // A full sequence header (max 23x15) whose key frame overrides its
      // size (dav1d does not compare it with the maximum).
      {"avif-av1-frame-size-override-32768x32768-sequence-max-23x15", "32768x32768"},
  };
  for (const auto& [name, size] : cases) {
    const auto start = std::chrono::steady_clock::now();
    expect_error_naming<LimitError>([&] { load((regressions / name).string()); }, size);
    expect_error_naming<LimitError>([&] { load((regressions / name).string()); }, name);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1)) << name;
  }
  // Within max_pixels and max_expansion, a coded size far above ispe is refused too.
  LoadOptions no_limits;
  no_limits.max_pixels = std::uint64_t{1} << 31;
  no_limits.max_expansion = 0;
  expect_error_naming<LimitError>(
      [&] { load((regressions / "avif-av1-sequence-header-32768x32768-in-23x15-ispe").string(), no_limits); },
      "frames for a 23x15");
  // Real files pass: the test photo (a grid of HEVC tiles).
  EXPECT_EQ(load(data("chelsea.heic")).size(), (ImageSize{300, 451}));
}

// TurboJPEG reports a fatal error as a warning when a warning came before
// it: the decode stopped, and the unwritten buffer (heap contents) used to
// be returned as the image.
TEST(BadInput, JpegFatalErrorAfterAWarningIsAnError) {
  const auto file = data_dir().parent_path() / "fuzz" / "regressions" / "fuzz_decode_jpeg" /
                    "jpeg-two-soi-after-warning-decoded-as-uninitialized-pixels";
  expect_error_naming<DecodeError>([&] { load(file.string()); }, "two SOI markers");
}

TEST(BadInput, MissingFileAndDirectory) {
  expect_error_naming<IoError>([] { load("/no/such/file.png"); }, "/no/such/file.png");
  expect_error_naming<IoError>([] { load(data_dir().string()); }, "directory");
}

TEST(Exif, ParserReadsBothByteOrdersAndRejectsJunk) {
  // "Exif\0\0" + II header + 1 entry: Orientation (0x0112) SHORT 1 = 6.
  std::vector<std::uint8_t> le = {'E', 'x', 'i',  'f',  0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0,
                                  1,   0,   0x12, 0x01, 3, 0, 1,   0,   0,  0, 6, 0, 0, 0};
  LoadOptions opt;
  std::vector<std::uint8_t> be = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0};
  // The parser is internal; exercise it through a JPEG with that APP1.
  auto jpeg = read_file(data("chelsea_q95.jpg"));
  auto with_app1 = [&](const std::vector<std::uint8_t>& exif) {
    std::vector<std::uint8_t> j(jpeg.begin(), jpeg.begin() + 2);
    const std::size_t len = exif.size() + 2;
    j.insert(j.end(), {0xFF, 0xE1, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)});
    j.insert(j.end(), exif.begin(), exif.end());
    j.insert(j.end(), jpeg.begin() + 2, jpeg.end());
    return j;
  };
  EXPECT_EQ(decode_ex(with_app1(le)).orientation, 6);
  std::vector<std::uint8_t> be_full = {'E', 'x', 'i', 'f', 0, 0};
  be_full.insert(be_full.end(), be.begin(), be.end());
  EXPECT_EQ(decode_ex(with_app1(be_full)).orientation, 3);
  // IFD offset pointing outside the block: ignored, image still decodes.
  auto broken = le;
  broken[10] = 0xF0;
  const Decoded d = decode_ex(with_app1(broken));
  EXPECT_EQ(d.orientation, 1);
  EXPECT_EQ(d.image.size(), (ImageSize{300, 451}));
}

}  // namespace
}  // namespace pixelcache::test
