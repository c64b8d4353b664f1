// probe() / probe_file() (io.hpp): what an encoded image is, from its header,
// must be what decode_ex() of the same bytes gives — for every test file, for
// the generated corpus of every mode each format holds (tests/tools/
// probe_corpus.py, written by ctest's probe_corpus fixture), for HEIC / AVIF
// with irot / imir written here through libheif, with and without the
// orientation applied and with shrink-on-load hints; a file read in part
// gives the same answer as its bytes; truncated headers are DecodeErrors,
// huge ones LimitErrors; and probing a 12-megapixel file reads little of it.
#include <libheif/heif.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "codec/codec.hpp"
#include "heif_support.hpp"
#include "http_server.hpp"
#include "test_support.hpp"

namespace pixelcache {
inline void PrintTo(const ImageInfo& i, std::ostream* os) {
  *os << format_name(i.format) << ' ' << i.size.to_string() << " (stored " << i.stored_size.to_string() << ") "
      << mode_name(i.mode) << " orientation " << i.orientation << " frames " << i.frames;
}
}  // namespace pixelcache

namespace pixelcache::test {
namespace {

namespace fs = std::filesystem;

using Bytes = std::vector<std::uint8_t>;

// Every image file of tests/data, assets/ and the generated probe corpus.
std::vector<fs::path> all_files() {
  std::vector<fs::path> out;
  const std::set<std::string> ext{".jpg", ".jpeg", ".png", ".webp", ".heic", ".avif", ".tif", ".tiff", ".bmp", ".gif"};
  for (const fs::path& dir : {data_dir(), fs::path(PIXELCACHE_ASSETS_DIR), fs::path(PIXELCACHE_PROBE_CORPUS_DIR)}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && ext.count(e.path().extension().string())) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The generated corpus must be there when ctest runs the tests (fixture
// probe_corpus); a hand-run test binary without it skips those files.
std::size_t corpus_files() {
  const fs::path dir = PIXELCACHE_PROBE_CORPUS_DIR;
  if (!fs::is_directory(dir)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

enum class Outcome { Ok, Decode, Limit, Other };

template <class F>
Outcome outcome_of(F&& f, std::string* message = nullptr) {
  try {
    f();
    return Outcome::Ok;
  } catch (const DecodeError& e) {
    if (message) *message = e.what();
    return Outcome::Decode;
  } catch (const LimitError& e) {
    if (message) *message = e.what();
    return Outcome::Limit;
  } catch (const std::exception& e) {
    if (message) *message = e.what();
    return Outcome::Other;
  }
}

// probe(bytes) against decode_ex(bytes): both refuse with the same error
// type, or both succeed and agree on format, size, mode and orientation.
// Returns the probe's answer when both succeeded.
std::optional<ImageInfo> expect_agree(const Bytes& bytes, const LoadOptions& opt, const std::string& what) {
  Decoded d;
  ImageInfo i;
  std::string dmsg, pmsg;
  const Outcome dec = outcome_of([&] { d = decode_ex(bytes, opt, what); }, &dmsg);
  const Outcome pro = outcome_of([&] { i = probe(bytes, opt, what); }, &pmsg);
  if (dec != Outcome::Ok) {
    EXPECT_EQ(static_cast<int>(pro), static_cast<int>(dec)) << what << ": decode: " << dmsg << "; probe: " << pmsg;
    return std::nullopt;
  }
  EXPECT_EQ(pro, Outcome::Ok) << what << ": " << pmsg;
  if (pro != Outcome::Ok) return std::nullopt;
  EXPECT_EQ(i.format, d.format) << what;
  EXPECT_EQ(i.size, d.image.size()) << what;
  EXPECT_EQ(i.mode, d.image.mode()) << what << ": probe " << mode_name(i.mode) << ", decode "
                                    << mode_name(d.image.mode());
  EXPECT_EQ(i.orientation, d.orientation) << what;
  EXPECT_GE(i.frames, 1) << what;
  if (i.format != Format::HEIF && i.format != Format::AVIF && i.format != Format::JPEG) {
    EXPECT_EQ(opt.apply_orientation ? detail::oriented_size(i.stored_size, i.orientation) : i.stored_size, i.size)
        << what;
  }
  return i;
}

Bytes read_bytes(const fs::path& p) { return read_file(p); }

TEST(Probe, EveryFileAgreesWithDecode) {
  const auto files = all_files();
  ASSERT_GT(files.size(), 30u);
  std::size_t compared = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    const Bytes bytes = read_bytes(path);
    LoadOptions opt;
    if (expect_agree(bytes, opt, path.string())) ++compared;
    opt.apply_orientation = false;
    expect_agree(bytes, opt, path.string() + " (orientation not applied)");
  }
  // Every file decodes but truncated.jpg (cut inside its header) and the
  // animated WebP: both refused by both.
  EXPECT_GE(compared, files.size() - 2);
  if (corpus_files() == 0) GTEST_SKIP() << "the generated corpus " << PIXELCACHE_PROBE_CORPUS_DIR << " is missing";
}

TEST(Probe, KnownAnswers) {
  const ImageInfo o6 = probe_file(data("exif_orient6.jpg"));
  EXPECT_EQ(o6.format, Format::JPEG);
  EXPECT_EQ(o6.size, (ImageSize{300, 451}));
  EXPECT_EQ(o6.stored_size, (ImageSize{451, 300}));
  EXPECT_EQ(o6.mode, Mode::RGB);
  EXPECT_EQ(o6.orientation, 6);
  EXPECT_EQ(o6.frames, 1);
  EXPECT_EQ(probe_file(data("camera.png")).mode, Mode::L);
  EXPECT_EQ(probe_file(data("chelsea_palette.png")).mode, Mode::RGB);
  EXPECT_EQ(probe_file(data("chelsea.heic")).format, Format::HEIF);
  // A body cut short behind a good header: probing answers, decoding fails.
  const Bytes jpeg = read_file(data("exif_orient6.jpg"));
  const auto cut = std::span(jpeg).first(jpeg.size() * 3 / 5);
  EXPECT_EQ(probe(cut), o6);
  EXPECT_THROW(decode(cut), DecodeError);
  // The generated multi-frame files.
  const fs::path corpus = PIXELCACHE_PROBE_CORPUS_DIR;
  if (!fs::is_directory(corpus)) GTEST_SKIP() << "no generated corpus";
  EXPECT_EQ(probe_file((corpus / "gif-frames3.gif").string()).frames, 3);
  EXPECT_EQ(probe_file((corpus / "tiff-pages3.tif").string()).frames, 3);
  EXPECT_EQ(probe_file((corpus / "png-apng3.png").string()).frames, 3);
  EXPECT_EQ(probe_file((corpus / "gif-bw.gif").string()).mode, Mode::Binary);
  EXPECT_EQ(probe_file((corpus / "gif-L.gif").string()).mode, Mode::L);
  EXPECT_EQ(probe_file((corpus / "bmp-P-gray.bmp").string()).mode, Mode::L);
  EXPECT_EQ(probe_file((corpus / "bmp-P-bw.bmp").string()).mode, Mode::Binary);
  EXPECT_EQ(probe_file((corpus / "png-1.png").string()).mode, Mode::Binary);
  EXPECT_EQ(probe_file((corpus / "png-exif6-after-idat.png").string()).orientation, 6);
  EXPECT_EQ(probe_file((corpus / "jpeg-exif6-after-128k.jpg").string()).orientation, 6);
  EXPECT_EQ(probe_file((corpus / "tiff-exif7-ifd-at-end.tif").string()).orientation, 7);
  EXPECT_EQ(probe_file((corpus / "webp-exif5-large.webp").string()).orientation, 5);
  EXPECT_THROW(probe_file((corpus / "refused-webp-animated3.webp").string()), DecodeError);
}

TEST(Probe, ShrinkHintsGiveTheDecodedSize) {
  for (const char* name :
       {"chelsea_q95.jpg", "exif_orient6.jpg", "exif_orient3.jpg", "chelsea_cmyk.jpg", "rocket.jpg", "chelsea.png"}) {
    const Bytes bytes = read_bytes(data(name));
    for (const ImageSize hint : {ImageSize{0, 0}, ImageSize{40, 40}, ImageSize{100, 0}, ImageSize{0, 57},
                                 ImageSize{200, 300}, ImageSize{1000, 1000}}) {
      for (const int min_side : {0, 30, 75}) {
        for (const bool orient : {true, false}) {
          LoadOptions opt;
          opt.shrink_hint = hint;
          opt.shrink_min_side = min_side;
          opt.apply_orientation = orient;
          expect_agree(bytes, opt,
                       std::string(name) + " hint " + hint.to_string() + " min side " + std::to_string(min_side));
        }
      }
    }
  }
}

// A file read in part answers as its bytes do, whatever the first read: the
// probers' read-on paths, with probe_file()'s real reader and with one over
// memory that starts from a few bytes.
TEST(Probe, PartialReadsGiveTheSameAnswer) {
  for (const auto& path : all_files()) {
    SCOPED_TRACE(path.string());
    const Bytes bytes = read_bytes(path);
    ImageInfo whole;
    std::string msg;
    const Outcome o = outcome_of([&] { whole = probe(bytes, {}, "x"); }, &msg);
    const Outcome f = outcome_of([&] { EXPECT_EQ(probe_file(path.string()), whole); });
    EXPECT_EQ(static_cast<int>(f), static_cast<int>(o)) << msg;
    for (const std::size_t first : {std::size_t{1}, std::size_t{13}, std::size_t{100}, std::size_t{4096}}) {
      std::uint64_t reads = 0;
      detail::ByteSource source(
          bytes.size(),
          [&](std::uint64_t offset, std::uint8_t* buffer, std::size_t n) {
            ++reads;
            const std::size_t k = offset >= bytes.size() ? 0 : std::min<std::size_t>(n, bytes.size() - offset);
            std::memcpy(buffer, bytes.data() + offset, k);
            return k;
          },
          first);
      ImageInfo part;
      const Outcome p = outcome_of([&] { part = detail::probe_source(source, {}, "x"); });
      EXPECT_EQ(static_cast<int>(p), static_cast<int>(o)) << "first read " << first;
      if (p == Outcome::Ok && o == Outcome::Ok) {
        EXPECT_EQ(part, whole) << "first read " << first;
      }
      EXPECT_LE(source.bytes_read(), 4 * bytes.size() + 4096) << "first read " << first;
    }
  }
}

// Every truncation of a file either is a DecodeError or, once the header is
// complete, answers as decoding the truncated bytes does or, where that
// fails (the body is cut), as the whole file (frames may be fewer): never
// a crash, another error or a wrong answer. The first 20 bytes (signatures,
// fixed headers) are always too few.
TEST(Probe, TruncatedHeadersAreDecodeErrors) {
  std::size_t refused = 0, answered = 0;
  for (const auto& path : all_files()) {
    SCOPED_TRACE(path.string());
    const Bytes bytes = read_bytes(path);
    ImageInfo whole;
    if (outcome_of([&] { whole = probe(bytes); }) != Outcome::Ok) continue;
    for (std::size_t n = 0; n < bytes.size(); n += n < 4096 ? 1 : 61) {
      ImageInfo part;
      std::string msg;
      const auto prefix = std::span(bytes).first(n);
      const Outcome o = outcome_of([&] { part = probe(prefix); }, &msg);
      if (o == Outcome::Ok) {
        ++answered;
        EXPECT_GE(n, 20u) << "a " << n << "-byte prefix answered";
        EXPECT_EQ(part.format, whole.format) << n;
        EXPECT_LE(part.frames, whole.frames) << n;
        if (part.size == whole.size && part.stored_size == whole.stored_size && part.mode == whole.mode &&
            part.orientation == whole.orientation)
          continue;
        // Another answer than the whole file's: only what decoding these
        // bytes gives (e.g. a TIFF whose colour map is cut off is gray).
        Decoded d;
        std::string dmsg;
        ASSERT_EQ(outcome_of([&] { d = decode_ex(prefix); }, &dmsg), Outcome::Ok)
            << "a " << n << "-byte prefix answered differently from the whole file, and does not decode: " << dmsg;
        EXPECT_EQ(part.size, d.image.size()) << n;
        EXPECT_EQ(part.mode, d.image.mode()) << n;
        EXPECT_EQ(part.orientation, d.orientation) << n;
      } else {
        ++refused;
        ASSERT_EQ(o, Outcome::Decode) << "prefix of " << n << " bytes: " << msg;
      }
    }
  }
  EXPECT_GT(refused, 1000u);
  EXPECT_GT(answered, 1000u);
}

Bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}
void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }
void append(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xffffffffu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

Bytes png_chunk(std::string_view type, const Bytes& body) {
  Bytes c = be32(static_cast<std::uint32_t>(body.size()));
  append(c, type);
  append(c, body);
  append(c, be32(crc32(c.data() + 4, c.size() - 4)));
  return c;
}

// A PNG declaring width x height (8-bit RGB) with an IDAT of `idat` bytes and
// an ancillary chunk of `padding` bytes after it.
Bytes png_header(std::uint32_t width, std::uint32_t height, std::size_t idat = 16, std::size_t padding = 0) {
  Bytes out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr = be32(width);
  append(ihdr, be32(height));
  append(ihdr, Bytes{8, 2, 0, 0, 0});
  append(out, png_chunk("IHDR", ihdr));
  append(out, png_chunk("IDAT", Bytes(idat, 0)));
  if (padding) append(out, png_chunk("zzZz", Bytes(padding, 0)));
  append(out, png_chunk("IEND", {}));
  return out;
}

// Headers of each format declaring a huge image: LimitError, as decode().
TEST(Probe, HugeHeadersAreLimitErrors) {
  std::vector<std::pair<std::string, Bytes>> cases;
  cases.emplace_back("png", png_header(60000, 60000));
  {  // JPEG: SOI, SOF0 of 65000 x 65000, DHT-less: TurboJPEG reads the size first.
    Bytes j = encode(Image::generate({8, 8}, Mode::RGB, PixelType::U8,
                                     [](std::span<std::byte> b) { std::fill(b.begin(), b.end(), std::byte{7}); }),
                     Format::JPEG);
    for (std::size_t i = 2; i + 9 < j.size(); ++i)
      if (j[i] == 0xFF && j[i + 1] == 0xC0) {
        j[i + 5] = 0xFD, j[i + 6] = 0xE8, j[i + 7] = 0xFD, j[i + 8] = 0xE8;  // height, width 65000
        break;
      }
    cases.emplace_back("jpeg", j);
  }
  {  // GIF: a 65535 x 65535 screen.
    Bytes g;
    append(g, "GIF89a");
    append(g, Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0, 0, 0, 0, 0, 255,  255,  255, 0x2C, 0,
                    0,    0,    0,    1,    0,    1, 0, 0, 2, 2, 0x44, 0x01, 0,   0x3B});
    cases.emplace_back("gif", g);
  }
  {  // BMP: 50000 x 50000, 24-bit.
    Bytes b(54, 0);
    b[0] = 'B', b[1] = 'M', b[10] = 54, b[14] = 40, b[26] = 1, b[28] = 24;
    b[18] = 0x50, b[19] = 0xC3, b[22] = 0x50, b[23] = 0xC3;
    cases.emplace_back("bmp", b);
  }
  {  // TIFF: 100000 x 100000 gray, one strip.
    Bytes t{'I', 'I', 42, 0, 8, 0, 0, 0, 6, 0};
    auto entry = [&](std::uint16_t tag, std::uint16_t type, std::uint32_t value) {
      append(t,
             Bytes{static_cast<std::uint8_t>(tag), static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(type),
                   0, 1, 0, 0, 0, static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                   static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)});
    };
    entry(256, 4, 100000);
    entry(257, 4, 100000);
    entry(258, 3, 8);
    entry(262, 3, 1);
    entry(273, 4, 8);
    entry(279, 4, 1);
    append(t, Bytes{0, 0, 0, 0});
    cases.emplace_back("tiff", t);
  }
  {  // WebP: a lossless bitstream header of 16384 x 16384.
    Bytes w;
    append(w, "RIFF");
    append(w, Bytes{18, 0, 0, 0});
    append(w, "WEBPVP8L");
    append(w, Bytes{6, 0, 0, 0, 0x2F, 0xFF, 0xFF, 0xFF, 0x0F, 0});
    cases.emplace_back("webp", w);
  }
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    LoadOptions opt;
    opt.max_pixels = 100'000'000;
    std::string msg;
    EXPECT_EQ(outcome_of([&] { probe(bytes, opt); }, &msg), Outcome::Limit) << msg;
    EXPECT_NE(msg.find("max_pixels"), std::string::npos) << msg;
    EXPECT_EQ(outcome_of([&] { decode(bytes, opt); }), Outcome::Limit);
  }
}

// max_expansion is checked against the input's whole size: a file read in
// part is judged by its size, as load() judges it.
TEST(Probe, MaxExpansionAgainstTheWholeInput) {
  // 12000 x 12000 RGB: 432 MB decoded, above max_pixels' default? No: 144 MP
  // is below it; the expansion limit needs 432 MB / 1024 = 422 KB of input.
  const Bytes small = png_header(12000, 12000, 1'000);
  std::string msg;
  EXPECT_EQ(outcome_of([&] { probe(small); }, &msg), Outcome::Limit);
  EXPECT_NE(msg.find("max_expansion"), std::string::npos) << msg;
  EXPECT_EQ(outcome_of([&] { decode(small); }), Outcome::Limit);
  // The same header with 600 KB of data after it: allowed (decoding then
  // fails on the data, which probe() does not read).
  const Bytes big = png_header(12000, 12000, 600'000);
  const fs::path file = fs::temp_directory_path() / ("pixelcache-probe-expansion-" + std::to_string(::getpid()));
  write_file(file, big);
  const ImageInfo i = probe_file(file.string());
  EXPECT_EQ(i.size, (ImageSize{12000, 12000}));
  EXPECT_EQ(probe(big), i);
  // Without the expansion limit, too little image data for the size is
  // refused as truncated, by both.
  LoadOptions off;
  off.max_expansion = 0;
  EXPECT_EQ(outcome_of([&] { probe(small, off); }, &msg), Outcome::Decode);
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_EQ(outcome_of([&] { decode(small, off); }), Outcome::Decode);
  fs::remove(file);
}

std::uint64_t read_chars() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (io >> key >> value)
    if (key == "rchar:") return value;
  return 0;
}

Image noise(ImageSize size, unsigned seed) {
  return Image::generate(size, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < b.size(); i += 4) {
      const std::uint32_t v = rng();
      for (std::size_t k = 0; k < 4 && i + k < b.size(); ++k) b[i + k] = static_cast<std::byte>(v >> (8 * k));
    }
  });
}

// Probing a 12-megapixel JPEG, PNG or TIFF file reads a few KiB beyond the
// first 64 KiB, not the file (counted by the kernel: rchar), and answers as
// decoding does.
TEST(Probe, ReadsLittleOfALargeFile) {
  if (read_chars() == 0) GTEST_SKIP() << "no /proc/self/io";
  const Image img = noise({3000, 4000}, 5);
  const fs::path dir = fs::temp_directory_path() / ("pixelcache-probe-large-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const Format f : {Format::JPEG, Format::PNG, Format::TIFF}) {
    SCOPED_TRACE(format_name(f));
    EncodeOptions eo;
    eo.png_compression = 1;
    const Bytes bytes = encode(img, f, eo);
    const fs::path path = dir / (std::string("large.") + format_name(f));
    write_file(path, bytes);
    const std::uint64_t before = read_chars();
    const ImageInfo i = probe_file(path.string());
    const std::uint64_t read = read_chars() - before;
    EXPECT_EQ(i.size, (ImageSize{3000, 4000}));
    EXPECT_EQ(i.format, f);
    EXPECT_GT(bytes.size(), std::size_t{5} << 20);
    EXPECT_LT(read, std::uint64_t{256} << 10) << read << " of " << bytes.size() << " bytes read";
    std::printf("probe_file(%s): %llu of %zu bytes read\n", format_name(f), static_cast<unsigned long long>(read),
                bytes.size());
  }
  fs::remove_all(dir);
}

TEST(Probe, PathAndUrlErrorsAreLoadsErrors) {
  const fs::path dir = fs::temp_directory_path() / ("pixelcache-probe-errors-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_THROW(probe_file((dir / "missing.png").string()), IoError);
  EXPECT_THROW(probe_file(dir.string()), IoError);
  EXPECT_THROW(probe_file(std::string("a\0b.png", 7)), InvalidArgument);
  write_file(dir / "empty.png", Bytes{});
  EXPECT_THROW(probe_file((dir / "empty.png").string()), DecodeError);
  EXPECT_THROW(probe(Bytes{}), DecodeError);
  write_file(dir / "text.png", Bytes(1000, 'x'));
  try {
    probe_file((dir / "text.png").string());
    ADD_FAILURE() << "no error";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("text.png"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a supported image format"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);

  const Bytes chelsea = read_file(data("exif_orient8.jpg"));
  HttpServer server{[&](const std::string& path) -> HttpResponse {
    if (path == "/x.jpg") return reply(200, std::string(chelsea.begin(), chelsea.end()));
    return reply(404, "no");
  }};
  EXPECT_EQ(probe_file(server.url("/x.jpg")), probe(chelsea));
  EXPECT_EQ(probe_file(server.url("/x.jpg")).orientation, 8);
  EXPECT_THROW(probe_file(server.url("/missing.jpg")), NetworkError);
}

// HEIC and AVIF written here with every orientation as irot / imir
// properties (libheif's encoder): libheif applies them when decoding and to
// the handle's size, so probe() agrees with decode_ex() (orientation 1: a
// HEIF's transform is the container's, not EXIF).
TEST(Probe, HeifTransformsAgreeWithDecode) {
  const Image img = noise({24, 40}, 9);
  int written = 0;
  for (const auto format : {heif_compression_HEVC, heif_compression_AV1}) {
    for (int o = 1; o <= 8; ++o) {
      const Bytes bytes = encode_heif(format, img, o);
      if (bytes.empty()) continue;
      ++written;
      const std::string what =
          std::string(format == heif_compression_AV1 ? "AVIF" : "HEIC") + " orientation " + std::to_string(o);
      const auto i = expect_agree(bytes, {}, what);
      ASSERT_TRUE(i) << what;
      EXPECT_EQ(i->size, o >= 5 ? (ImageSize{40, 24}) : (ImageSize{24, 40})) << what;
      EXPECT_EQ(i->stored_size, (ImageSize{24, 40})) << what;
      EXPECT_EQ(i->orientation, 1) << what;
      // decode() applies the container's transform whatever apply_orientation says: so does probe().
      LoadOptions keep;
      keep.apply_orientation = false;
      expect_agree(bytes, keep, what + " (orientation not applied)");
      // Read through libheif's reader from a file held in part.
      const fs::path file = fs::temp_directory_path() / ("pixelcache-probe-heif-" + std::to_string(::getpid()));
      write_file(file, bytes);
      EXPECT_EQ(probe_file(file.string()), *i) << what;
      fs::remove(file);
    }
  }
  if (written == 0) GTEST_SKIP() << "libheif has no HEVC or AV1 encoder here";
  std::printf("%d HEIC / AVIF files with irot / imir checked\n", written);
}

}  // namespace
}  // namespace pixelcache::test
