// Streamed decodes (thumbnail.hpp): decode_resized() gives, bit for bit,
// spec.apply(decode()) for every file of the conformance corpus and the test
// data, with every resize kind; its errors are decode()'s (same exception
// type); truncated files give a typed pixelcache::Error, never a crash or
// another exception; max_stream_pixels raises the limit of streamed decodes
// only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <typeinfo>
#include <vector>

#include "pixelcache/pixelcache.hpp"
#include "test_support.hpp"

namespace pixelcache {
namespace {

namespace fs = std::filesystem;

// The outcome of a decode: an image, or the type and message of the error.
struct Outcome {
  Image image;
  std::string error_type;  // empty when it decoded
  std::string message;
};

template <class F>
Outcome outcome(F&& f) {
  Outcome o;
  try {
    o.image = f();
  } catch (const Error& e) {
    o.error_type = typeid(e).name();
    o.message = e.what();
  }
  // Anything else (std::logic_error from the streaming resizer, bad_alloc,
  // ...) escapes and fails the test.
  return o;
}

// The resizes tried on an image of `size`: shrinks of both sides, one side
// kept (a single pass), aspect kept, an enlargement of one side and a
// shrink of the other, every interpolation, and the shorter-side resize.
std::vector<ResizeSpec> specs_for(ImageSize size) {
  const int h = size.height, w = size.width;
  auto half = [](int v) { return std::max(1, v / 2); };
  return {
      ResizeSpec::to({half(h), std::max(1, w / 3)}, Interpolation::Bilinear),
      ResizeSpec::to({0, half(w)}, Interpolation::Lanczos),
      ResizeSpec::to({half(h), w}, Interpolation::Bicubic),
      ResizeSpec::to({h, half(w)}, Interpolation::Area),
      ResizeSpec::to({h * 2 + 1, half(w)}, Interpolation::Bicubic),
      ResizeSpec::to({std::max(1, h / 3), w + 5}, Interpolation::Lanczos),
      ResizeSpec::to({half(h), half(w)}, Interpolation::Nearest),
      ResizeSpec::to({h, w}, Interpolation::Bilinear),  // identity
      ResizeSpec::min_side(8, 4, Interpolation::Bilinear),
  };
}

std::string describe(const ResizeSpec& s) {
  if (s.rule == ResizeSpec::Rule::MinSide)
    return "min_side " + std::to_string(s.min_size) + " modulo " + std::to_string(s.modulo);
  return "to " + s.size.to_string() + " interpolation " + std::to_string(static_cast<int>(s.interpolation));
}

// decode_resized() against decode() + apply(), for one input, options and
// resize: the same pixels, or errors of the same type.
void expect_same(std::span<const std::uint8_t> bytes, const ResizeSpec& spec, const LoadOptions& options,
                 const std::string& what) {
  const Outcome whole = outcome([&] { return spec.apply(decode(bytes, options, "in")); });
  const Outcome streamed = outcome([&] { return decode_resized(bytes, spec, options, "in"); });
  ASSERT_EQ(streamed.error_type, whole.error_type)
      << what << " " << describe(spec) << ": streamed '" << streamed.message << "', whole '" << whole.message << "'";
  if (!whole.error_type.empty()) return;
  ASSERT_EQ(streamed.image.mode(), whole.image.mode()) << what << " " << describe(spec);
  ASSERT_EQ(streamed.image.size(), whole.image.size()) << what << " " << describe(spec);
  ASSERT_EQ(streamed.image.hex_digest(), whole.image.hex_digest())
      << what << " " << describe(spec) << ": pixels differ from decode + resize";
}

// Every resize of `specs_for()`, with and without orientation.
void expect_same_all(std::span<const std::uint8_t> bytes, const std::string& what, LoadOptions options = {}) {
  ImageSize size{6, 9};  // for files that do not decode
  try {
    size = decode(bytes, options).size();
  } catch (const Error&) {
  }
  for (const bool orient : {true, false}) {
    options.apply_orientation = orient;
    for (const ResizeSpec& spec : specs_for(size))
      expect_same(bytes, spec, options, what + (orient ? "" : " (orientation not applied)"));
  }
}

bool streams(Format f) {
  return f == Format::PNG || f == Format::TIFF || f == Format::BMP || f == Format::GIF || f == Format::WebP ||
         f == Format::HEIF || f == Format::AVIF;
}

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  const fs::path dir = PIXELCACHE_CONFORMANCE_DIR;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() != ".json" && e.path().extension() != ".truth")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Stream, ConformanceCorpusSameAsWholeDecode) {
  const auto files = corpus_files();
  if (files.empty()) GTEST_SKIP() << "no conformance corpus in " << PIXELCACHE_CONFORMANCE_DIR;
  int streamed = 0, decoded = 0;
  for (const auto& path : files) {
    const auto bytes = read_file(path);
    if (bytes.empty() || !streams(sniff_format(bytes))) continue;
    // The corpus's bombs claim huge images; a small limit keeps them (and
    // only them) from decoding whole: both paths must refuse them alike.
    LoadOptions options;
    options.max_pixels = 4'000'000;
    SCOPED_TRACE(path.filename().string());
    expect_same_all(bytes, path.filename().string(), options);
    if (HasFatalFailure()) return;
    ++streamed;
    decoded += outcome([&] { return decode(bytes, options); }).error_type.empty();
  }
  EXPECT_GT(streamed, 600);
  EXPECT_GT(decoded, 500);  // most compare pixels, not only errors
}

TEST(Stream, TestDataSameAsWholeDecode) {
  for (const char* name :
       {"chelsea.png", "chelsea_16bit.png", "chelsea_palette.png", "chelsea_rgba.png", "chelsea_alpha_gradient.png",
        "camera.png", "astronaut.png", "coffee.png", "chelsea.bmp", "chelsea.gif", "chelsea.tiff", "chelsea.webp",
        "chelsea_lossy.webp", "chelsea.heic", "chelsea_q95.jpg", "exif_orient6.jpg"}) {
    SCOPED_TRACE(name);
    const auto bytes = read_file(test::data(name));
    expect_same_all(bytes, name);
    if (HasFatalFailure()) return;
  }
}

// Our own encoders' files in every mode, every orientation's flips done by
// the resizer (an EXIF-less PNG has none: orientations come from the corpus).
TEST(Stream, EncodedModesSameAsWholeDecode) {
  const Image rgb = decode(read_file(test::data("chelsea.png")));
  const Image gray = to_gray(rgb);
  const Image binary = to_binary(gray, 0.5);
  for (const Image* img : {&rgb, &gray, &binary})
    for (const Format f : {Format::PNG, Format::TIFF, Format::BMP}) {
      const auto bytes = encode(*img, f);
      const std::string what = std::string(format_name(f)) + " " + img->to_string();
      SCOPED_TRACE(what);
      expect_same_all(bytes, what);
      if (HasFatalFailure()) return;
    }
}

// A file cut anywhere: a typed pixelcache::Error (the type decode() throws
// for the same bytes), never a crash, never another exception.
TEST(Stream, TruncatedFilesGiveTypedErrors) {
  const Image rgb = decode(read_file(test::data("chelsea.png")));
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> inputs;
  for (const Format f : {Format::PNG, Format::TIFF, Format::BMP}) inputs.emplace_back(format_name(f), encode(rgb, f));
  for (const char* name : {"chelsea_16bit.png", "chelsea_palette.png", "chelsea.gif", "chelsea.tiff", "chelsea.webp"})
    inputs.emplace_back(name, read_file(test::data(name)));
  const ResizeSpec spec = ResizeSpec::to({40, 50}, Interpolation::Bilinear);
  for (const auto& [name, bytes] : inputs) {
    for (const double frac : {0.05, 0.3, 0.5, 0.77, 0.99}) {
      const std::size_t n = std::max<std::size_t>(1, static_cast<std::size_t>(bytes.size() * frac));
      const std::span<const std::uint8_t> cut(bytes.data(), n);
      const std::string what = name + " cut at " + std::to_string(n) + " of " + std::to_string(bytes.size());
      const Outcome streamed = outcome([&] { return decode_resized(cut, spec, {}, "cut"); });
      // A truncated GIF may decode (the format allows a short last frame);
      // the others must fail, as decode() fails.
      if (sniff_format(bytes) != Format::GIF) {
        EXPECT_FALSE(streamed.error_type.empty()) << what;
      }
      expect_same(cut, spec, {}, what);
    }
  }
}

// The CRC-32 of PNG chunks.
std::uint32_t crc32_of(std::span<const std::uint8_t> d) {
  std::uint32_t c = 0xffffffffu;
  for (const std::uint8_t b : d) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

// A PNG of `size` (RGB), interlaced or not.
std::vector<std::uint8_t> big_png(ImageSize size, bool interlaced = false) {
  const Image img = Image::generate(size, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>((i * 7) ^ (i >> 9));
  });
  auto bytes = encode(img, Format::PNG);
  if (interlaced) {
    // The same header with interlace 1 (its CRC fixed): never streamed.
    bytes[28] = 1;
    const std::uint32_t crc = crc32_of(std::span(bytes).subspan(12, 17));
    for (int i = 0; i < 4; ++i) bytes[29 + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
  }
  return bytes;
}

TEST(Stream, MaxStreamPixelsRaisesTheLimitOfStreamedDecodesOnly) {
  const ImageSize size{600, 500};  // 300,000 pixels
  const auto png = big_png(size);
  const ResizeSpec spec = ResizeSpec::to({30, 25});
  LoadOptions small;
  small.max_pixels = 100'000;
  EXPECT_THROW(decode(png, small), LimitError);
  EXPECT_THROW(decode_resized(png, spec, small), LimitError);  // max_stream_pixels 0: max_pixels
  LoadOptions raised = small;
  raised.max_stream_pixels = 300'000;
  EXPECT_THROW(decode(png, raised), LimitError);  // a whole decode keeps max_pixels
  const Image streamed = decode_resized(png, spec, raised);
  EXPECT_EQ(streamed.digest(), spec.apply(decode(png)).digest());
  raised.max_stream_pixels = 299'999;
  EXPECT_THROW(decode_resized(png, spec, raised), LimitError);
  // TIFF and BMP alike; a JPEG (decoded whole) keeps max_pixels.
  const Image img = decode(png);
  raised.max_stream_pixels = 300'000;
  for (const Format f : {Format::TIFF, Format::BMP}) {
    const auto bytes = encode(img, f);
    EXPECT_THROW(decode(bytes, raised), LimitError) << format_name(f);
    EXPECT_EQ(decode_resized(bytes, spec, raised).digest(), spec.apply(img).digest()) << format_name(f);
  }
  EXPECT_THROW(decode_resized(encode(img, Format::JPEG), spec, raised), LimitError);
  EXPECT_THROW(decode_resized(big_png(size, true), spec, raised), LimitError);  // interlaced: decoded whole
  // The expansion limit still applies to a streamed decode: 80 MB of
  // zeros (above kExpansionFreeBytes) in a small file.
  const Image zeros = Image::generate({8000, 10000}, Mode::L, PixelType::U8,
                                      [](std::span<std::byte> b) { std::fill(b.begin(), b.end(), std::byte{0}); });
  EncodeOptions best;
  best.png_compression = 9;
  const auto bomb = encode(zeros, Format::PNG, best);
  LoadOptions tight = raised;
  tight.max_stream_pixels = 100'000'000;
  tight.max_expansion = 10;
  EXPECT_THROW(decode_resized(bomb, spec, tight), LimitError);
  tight.max_expansion = kDefaultMaxExpansion;
  EXPECT_EQ(decode_resized(bomb, spec, tight).size(), (ImageSize{30, 25}));
}

// A TIFF of 500 strips: the same pixels, and for a cut file the error of
// the first failing strip (the whole decode's message).
TEST(Stream, ManyStripTiff) {
  const Image img = decode(big_png({1000, 1200}));
  for (const Image& im : {img, to_gray(img)}) {
    const auto tif = encode(im, Format::TIFF);
    for (const ResizeSpec& spec : specs_for(im.size())) expect_same(tif, spec, {}, "TIFF " + im.to_string());
    const ResizeSpec spec = ResizeSpec::to({100, 120});
    for (const double frac : {0.3, 0.6, 0.95}) {
      const std::span<const std::uint8_t> cut(tif.data(), static_cast<std::size_t>(tif.size() * frac));
      const Outcome whole = outcome([&] { return spec.apply(decode(cut)); });
      const Outcome streamed = outcome([&] { return decode_resized(cut, spec); });
      EXPECT_FALSE(streamed.error_type.empty());
      EXPECT_EQ(streamed.error_type, whole.error_type);
      EXPECT_EQ(streamed.message, whole.message);
    }
  }
}

TEST(Stream, TransformRunStreamsAFirstResize) {
  const auto png = big_png({600, 500});
  const Transform t = Transform::parse("resize:60x50 flip_horizontal");
  LoadOptions o;
  o.max_pixels = 100'000;
  o.max_stream_pixels = 1'000'000;
  const Image got = t.run(png, "in", o);
  EXPECT_EQ(got.digest(), t.apply(decode(png)).digest());
  const Transform not_first = Transform::parse("flip_horizontal resize:60x50");
  EXPECT_THROW(not_first.run(png, "in", o), LimitError);  // decoded whole: max_pixels
}

TEST(Stream, LoadResizedMapsTheFile) {
  const fs::path dir = fs::temp_directory_path() / ("pixelcache_test_stream_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto png = big_png({300, 200});
  const auto path = dir / "in.png";
  write_file(path, png);
  const ResizeSpec spec = ResizeSpec::min_side(64, 16, Interpolation::Lanczos);
  EXPECT_EQ(load_resized(path.string(), spec).digest(), spec.apply(decode(png)).digest());
  EXPECT_THROW(load_resized((dir / "missing.png").string(), spec), IoError);
  EXPECT_THROW(load_resized(dir.string(), spec), IoError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pixelcache
