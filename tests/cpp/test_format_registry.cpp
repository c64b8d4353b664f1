// The format registry (src/codec/registry.hpp): the built-in table as the
// public functions and the CLI see it, messages unchanged, and a toy format
// (binary PGM, "P5") registered from this file alone and picked up by
// sniffing, decoding, probing, encoding, saving, loading, thumbnails and the
// CLI's format lists.
#include <atomic>
#include <charconv>
#include <cstdio>
#include <thread>

#include "../../cli/formats.hpp"
#include "codec/registry.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

namespace fs = std::filesystem;
using detail::DecodeInput;
using detail::FormatEntry;
using detail::ProbeInput;

// ---- The toy format: "P5 <width> <height> 255" and the gray samples. ----
constexpr auto kPgm = static_cast<Format>(100);

struct PgmHeader {
  std::uint64_t width = 0, height = 0;
  std::size_t offset = 0;  // of the samples
};

// Reads the header's three numbers (single spaces or newlines between them).
PgmHeader parse_pgm(std::span<const std::uint8_t> d, const DecodeInput& in) {
  std::uint64_t v[3] = {};
  const char* p = reinterpret_cast<const char*>(d.data()) + 3;
  const char* end = reinterpret_cast<const char*>(d.data() + d.size());
  for (std::uint64_t& x : v) {
    const auto [next, ec] = std::from_chars(p, end, x);
    if (ec != std::errc() || next == end) detail::decode_fail(in, "PGM", "bad header");
    p = next + 1;
  }
  if (v[2] != 255) detail::decode_fail(in, "PGM", "only 8-bit samples");
  detail::check_dimensions(in, "PGM", v[0], v[1], 1);
  return {v[0], v[1], static_cast<std::size_t>(p - reinterpret_cast<const char*>(d.data()))};
}

bool sniff_pgm(std::span<const std::uint8_t> d) noexcept {
  return d.size() >= 3 && d[0] == 'P' && d[1] == '5' && (d[2] == ' ' || d[2] == '\n');
}

Decoded decode_pgm(const DecodeInput& in) {
  const PgmHeader h = parse_pgm(in.data, in);
  const ImageSize size{static_cast<int>(h.height), static_cast<int>(h.width)};
  detail::check_plausible(in, "PGM", h.width * h.height, in.data.size() - h.offset, size);
  const auto samples = in.data.subspan(h.offset, h.width * h.height);
  Decoded d;
  d.image = Image::from_u8(size, Mode::L, {samples.begin(), samples.end()});
  return d;
}

ImageInfo probe_pgm(const ProbeInput& in) {
  const PgmHeader h = parse_pgm(in.bytes.prefix(64), in.decode_input());
  const ImageSize size{static_cast<int>(h.height), static_cast<int>(h.width)};
  return {kPgm, size, size, Mode::L, 1, 1};
}

std::vector<std::uint8_t> encode_pgm(const Image& image, const EncodeOptions&) {
  const Image gray = image.mode() == Mode::L ? image.as_u8() : to_gray(image).as_u8();
  const std::string head = "P5 " + std::to_string(gray.width()) + " " + std::to_string(gray.height()) + " 255\n";
  std::vector<std::uint8_t> out(head.begin(), head.end());
  out.insert(out.end(), gray.u8_view().begin(), gray.u8_view().end());
  return out;
}

const FormatEntry kPgmEntry{kPgm,  "PGM",      "PGM",     ".pgm",     "",    sniff_pgm,
                            false, decode_pgm, probe_pgm, encode_pgm, false, ""};

// Registers the toy format for one test.
struct ScopedPgm {
  ScopedPgm() { detail::register_format(kPgmEntry); }
  ~ScopedPgm() { detail::unregister_format(kPgm); }
};

// ---- The built-in table. ----

TEST(FormatRegistry, BuiltinFormatsInOrder) {
  std::vector<std::string> names, writers, streaming;
  for (const FormatInfo& f : formats()) {
    names.push_back(f.name);
    if (f.can_write) writers.push_back(f.name);
    if (f.streams) streaming.push_back(f.name);
    EXPECT_EQ(format_name(f.id), f.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"PNG", "JPEG", "WEBP", "HEIF", "AVIF", "TIFF", "BMP", "GIF"}));
  EXPECT_EQ(writers, (std::vector<std::string>{"PNG", "JPEG", "WEBP", "TIFF", "BMP"}));
  EXPECT_EQ(streaming, (std::vector<std::string>{"PNG", "HEIF", "AVIF", "TIFF", "BMP", "GIF"}));
  const FormatInfo jpeg = formats()[1];
  EXPECT_EQ(jpeg.extensions, (std::vector<std::string>{".jpg", ".jpeg"}));
  EXPECT_EQ(jpeg.input_extensions, std::vector<std::string>{".jpe"});
  EXPECT_EQ(jpeg.options, std::vector<std::string>{"quality"});
  EXPECT_EQ(formats()[3].label, "HEIF/AVIF");
}

TEST(FormatRegistry, SniffingKeepsItsOrder) {
  auto bytes = [](std::string s) {
    s.resize(std::max<std::size_t>(s.size(), 32), '\0');
    return std::vector<std::uint8_t>(s.begin(), s.end());
  };
  using namespace std::string_literals;
  EXPECT_EQ(sniff_format(bytes("\0\0\0\x18"
                               "ftypheic"s)),
            Format::HEIF);
  EXPECT_EQ(sniff_format(bytes("\0\0\0\x18"
                               "ftypavis"s)),
            Format::AVIF);
  // An ftyp box where another format's magic starts the file: that format.
  EXPECT_EQ(sniff_format(bytes("BM\0\0ftypheic"s)), Format::BMP);
  EXPECT_EQ(sniff_format(bytes("II*\0ftypavif"s)), Format::TIFF);
  EXPECT_EQ(sniff_format(bytes("\xFF\xD8\xFF\0ftypmif1"s)), Format::JPEG);
  const std::string short_bmp = "BM" + std::string(23, '\0');  // BMP needs 26 bytes
  EXPECT_EQ(sniff_format({reinterpret_cast<const std::uint8_t*>(short_bmp.data()), short_bmp.size()}), Format::Unknown);
  EXPECT_EQ(sniff_format(bytes("RIFF\0\0\0\0WEBP"s)), Format::WebP);
  EXPECT_EQ(sniff_format(bytes("GIF89a"s)), Format::GIF);
}

TEST(FormatRegistry, MessagesListTheFormats) {
  try {
    format_from_extension("out.gif");
    FAIL() << "no throw";
  } catch (const EncodeError& e) {
    EXPECT_STREQ(e.what(),
                 "out.gif: cannot choose a format from the extension '.gif' (expected .png, .jpg, .jpeg, .webp, .tif, "
                 ".tiff or .bmp)");
  }
  try {
    encode(pattern(2, 2), Format::GIF);
    FAIL() << "no throw";
  } catch (const EncodeError& e) {
    EXPECT_STREQ(e.what(), "encode: no writer for GIF (writers: PNG, JPEG, WEBP, TIFF, BMP)");
  }
  const std::vector<std::uint8_t> junk(40, 'x');
  try {
    decode(junk, {}, "junk");
    FAIL() << "no throw";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(),
                 "junk: not a supported image format (expected JPEG, PNG, WebP, HEIF/AVIF, TIFF, BMP or GIF data; 40 "
                 "bytes)");
  }
}

TEST(FormatRegistry, CliListsComeFromTheRegistry) {
  EXPECT_EQ(cli::writer_names(), "png, jpg, webp, tif, bmp");
  EXPECT_EQ(cli::writer_extensions(), ".png .jpg .webp .tif .bmp");
  EXPECT_EQ(cli::writer_choices(), (std::vector<std::string>{"png", "jpg", "jpeg", "webp", "tif", "tiff", "bmp"}));
  EXPECT_EQ(cli::writers_using("quality"), "JPEG / WebP");
  EXPECT_EQ(cli::writers_using("lossless"), "WebP");
  EXPECT_EQ(cli::streaming_formats(), "PNG, HEIF, AVIF, TIFF, BMP, GIF");
  EXPECT_EQ(cli::image_extensions(), ".png .jpg .jpeg .jpe .webp .heic .heif .avif .tif .tiff .bmp .gif");
  EXPECT_TRUE(cli::is_image_extension(".JPE"));
  EXPECT_FALSE(cli::is_image_extension(".pgm"));
}

// ---- A format added by registration alone. ----

TEST(FormatRegistry, RegisteredFormatWorksEverywhere) {
  const ScopedPgm pgm;
  const Image gray = pattern(5, 7, Mode::L);
  const std::vector<std::uint8_t> bytes = encode(gray, kPgm);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 11), "P5 7 5 255\n");
  EXPECT_EQ(bytes.size(), 11u + 5 * 7);
  EXPECT_STREQ(format_name(kPgm), "PGM");
  EXPECT_EQ(sniff_format(bytes), kPgm);
  EXPECT_EQ(format_from_extension("a/b.PGM"), kPgm);

  const Decoded d = decode_ex(bytes);
  EXPECT_EQ(d.format, kPgm);
  EXPECT_EQ(d.image, gray);
  EXPECT_EQ(probe(bytes), (ImageInfo{kPgm, {5, 7}, {5, 7}, Mode::L, 1, 1}));

  const fs::path path = fs::path(::testing::TempDir()) / "registry_toy.pgm";
  save(pattern(6, 4), path);  // by the extension; RGB written as gray
  EXPECT_EQ(load(path.string()), to_gray(pattern(6, 4)));
  EXPECT_EQ(probe_file(path.string()).format, kPgm);
  const ResizeSpec half = ResizeSpec::to({3, 2}, Interpolation::Bilinear);
  EXPECT_EQ(load_resized(path.string(), half), half.apply(to_gray(pattern(6, 4))));
  fs::remove(path);

  EXPECT_EQ(formats().back().name, "PGM");
  EXPECT_TRUE(cli::is_image_extension(".pgm"));
  EXPECT_EQ(cli::writer_names(), "png, jpg, webp, tif, bmp, pgm");
  EXPECT_THROW(decode(std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 1)), DecodeError);  // truncated
  try {
    decode(std::vector<std::uint8_t>(40, 'x'), {}, "junk");
    FAIL() << "no throw";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("BMP, GIF or PGM data"), std::string::npos) << e.what();
  }
}

TEST(FormatRegistry, UnregisteredFormatIsGone) {
  const std::vector<std::uint8_t> bytes = encode_pgm(pattern(2, 3, Mode::L), {});
  {
    const ScopedPgm pgm;
    EXPECT_EQ(sniff_format(bytes), kPgm);
  }
  EXPECT_EQ(sniff_format(bytes), Format::Unknown);
  EXPECT_STREQ(format_name(kPgm), "UNKNOWN");
  EXPECT_THROW(format_from_extension("x.pgm"), EncodeError);
  EXPECT_THROW(encode(pattern(2, 2), kPgm), EncodeError);
  EXPECT_THROW(decode(bytes), DecodeError);
  EXPECT_EQ(formats().size(), 8u);
}

TEST(FormatRegistry, RegisteringWhileOthersDecode) {
  // Lookups read published snapshots that are never freed: threads decoding
  // and naming formats while another registers and unregisters see one
  // table or the next, never a broken one.
  const std::vector<std::uint8_t> png = encode(pattern(8, 8), Format::PNG);
  const std::vector<std::uint8_t> pgm = encode_pgm(pattern(8, 8, Mode::L), {});
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (decode_ex(png).format != Format::PNG || std::string_view(format_name(Format::GIF)) != "GIF") ++wrong;
        const Format f = sniff_format(pgm);
        if (f != kPgm && f != Format::Unknown) ++wrong;
      }
    });
  for (int i = 0; i < 200; ++i) {
    const ScopedPgm toy;
    EXPECT_EQ(sniff_format(pgm), kPgm);
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(sniff_format(pgm), Format::Unknown);
}

TEST(FormatRegistry, RegistrationIsChecked) {
  FormatEntry e = kPgmEntry;
  e.id = Format::PNG;
  EXPECT_THROW(detail::register_format(e), InvalidArgument);  // the id is taken
  e = kPgmEntry;
  e.name = "TIFF";
  EXPECT_THROW(detail::register_format(e), InvalidArgument);  // the name is taken
  e = kPgmEntry;
  e.id = Format::Unknown;
  EXPECT_THROW(detail::register_format(e), InvalidArgument);
  e = kPgmEntry;
  e.decode = nullptr;
  EXPECT_THROW(detail::register_format(e), InvalidArgument);
  EXPECT_THROW(detail::unregister_format(Format::GIF), InvalidArgument);  // a built-in
  EXPECT_THROW(detail::unregister_format(kPgm), InvalidArgument);         // not registered
  EXPECT_EQ(formats().size(), 8u);
}

}  // namespace
}  // namespace pixelcache::test
