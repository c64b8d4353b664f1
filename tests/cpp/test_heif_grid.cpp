// HEIF / AVIF grids decoded tile by tile (src/codec/heif_grid.hpp): the
// same pixels as libheif's own grid decoder, streamed (decode_resized) as
// decoded whole, the grids it leaves to libheif still decoded, and damaged
// tiles refused with typed errors. The grids are assembled here from tiles
// that libheif's encoders write as images of their own.
#include <libheif/heif.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "codec/heif_boxes.hpp"
#include "codec/heif_grid.hpp"
#include "heif_support.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

using Bytes = std::vector<std::uint8_t>;

using detail::bmff::append;
using detail::bmff::box;
using detail::bmff::put16;
using detail::bmff::put32;
using detail::bmff::put_type;

// One encoded tile: its item type, properties (type, body) and data.
struct Tile {
  std::string type;
  std::vector<detail::bmff::Property> properties;
  Bytes data;
  Bytes file;  // the single-image file the spans point into
};

Tile tile_of(Bytes file) {
  Tile t;
  t.file = std::move(file);
  detail::ByteSource source(t.file);
  const auto meta = detail::bmff::find_top_box(source, "meta");
  const auto children = meta->subspan(4);
  // The coded item (libheif's encoder may wrap it in a one-tile grid).
  for (const auto& item : detail::bmff::items(children))
    if (item.type == "hvc1" || item.type == "av01") {
      t.type = item.type;
      const auto properties = detail::bmff::item_properties(children);
      const auto associations = detail::bmff::property_associations(children);
      for (const std::size_t index : associations.at(item.id)) t.properties.push_back(properties[index - 1]);
      for (const auto e : detail::bmff::item_extents(source, children, item.id))
        t.data.insert(t.data.end(), e.begin(), e.end());
      break;
    }
  return t;
}

// A grid file of rows x columns `tiles` (raster order) on a canvas of
// `canvas`; `grid_properties` are added to the grid item (e.g. an irot).
Bytes grid_file(const std::vector<Tile>& tiles, int rows, int columns, ImageSize canvas,
                const std::vector<detail::bmff::Property>& grid_properties = {}) {
  const bool av1 = tiles.front().type == "av01";
  Bytes ftyp;
  put_type(ftyp, av1 ? "avif" : "heic");
  put32(ftyp, 0);
  for (const char* brand : {"mif1", av1 ? "avif" : "heic", "miaf"}) put_type(ftyp, brand);
  Bytes description{0, 0, static_cast<std::uint8_t>(rows - 1), static_cast<std::uint8_t>(columns - 1)};
  put16(description, static_cast<std::uint32_t>(canvas.width));
  put16(description, static_cast<std::uint32_t>(canvas.height));
  // Properties: the grid's ispe (and its extras), then each tile's.
  Bytes ipco, ipma, iinf, iloc, iref, hdlr(4, 0), pitm;
  std::size_t count = 0;
  auto add_property = [&](const std::string& type, const Bytes& body) {
    put32(ipco, static_cast<std::uint32_t>(8 + body.size()));
    put_type(ipco, type);
    append(ipco, body);
    return ++count;
  };
  Bytes ispe(4, 0);
  put32(ispe, static_cast<std::uint32_t>(canvas.width));
  put32(ispe, static_cast<std::uint32_t>(canvas.height));
  std::vector<std::size_t> grid_indices{add_property("ispe", ispe)};
  for (const auto& [type, body] : grid_properties)
    grid_indices.push_back(add_property(type, Bytes(body.begin(), body.end())));
  // ipma version 0, flags 1: 16-bit property indices (hundreds of tiles).
  put32(ipma, 1);
  put32(ipma, static_cast<std::uint32_t>(1 + tiles.size()));
  put16(ipma, 1);
  ipma.push_back(static_cast<std::uint8_t>(grid_indices.size()));
  for (const std::size_t i : grid_indices) put16(ipma, static_cast<std::uint32_t>(0x8000 | i));
  for (std::size_t t = 0; t < tiles.size(); ++t) {
    put16(ipma, static_cast<std::uint32_t>(2 + t));
    ipma.push_back(static_cast<std::uint8_t>(tiles[t].properties.size()));
    for (const auto& [type, body] : tiles[t].properties)
      put16(ipma, static_cast<std::uint32_t>(0x8000 | add_property(type, Bytes(body.begin(), body.end()))));
  }
  // Items: the grid (ID 1), the tiles (2..); their data in mdat.
  put16(iinf, static_cast<std::uint32_t>(1 + tiles.size()));
  auto infe = [&](std::uint32_t id, const std::string& type) {
    Bytes e;
    put16(e, id);
    put16(e, 0);
    put_type(e, type);
    e.push_back(0);
    append(iinf, box("infe", e, true, 2));
  };
  infe(1, "grid");
  for (std::size_t t = 0; t < tiles.size(); ++t) infe(static_cast<std::uint32_t>(2 + t), tiles[t].type);
  Bytes dimg;
  put16(dimg, 1);
  put16(dimg, static_cast<std::uint32_t>(tiles.size()));
  for (std::size_t t = 0; t < tiles.size(); ++t) put16(dimg, static_cast<std::uint32_t>(2 + t));
  iref = box("dimg", dimg);
  put_type(hdlr, "pict");
  hdlr.insert(hdlr.end(), 13, 0);
  put16(pitm, 1);
  auto meta_with = [&](std::uint32_t data_at) {
    Bytes loc{0x44, 0x00};
    put16(loc, static_cast<std::uint32_t>(1 + tiles.size()));
    auto item = [&](std::uint32_t id, std::size_t size) {
      put16(loc, id);
      put16(loc, 0);
      put16(loc, 1);
      put32(loc, data_at);
      put32(loc, static_cast<std::uint32_t>(size));
      data_at += static_cast<std::uint32_t>(size);
    };
    item(1, description.size());
    for (std::size_t t = 0; t < tiles.size(); ++t) item(static_cast<std::uint32_t>(2 + t), tiles[t].data.size());
    Bytes iprp = box("ipco", ipco);
    append(iprp, box("ipma", ipma));  // its version and flags written above
    Bytes m;
    append(m, box("hdlr", hdlr, true));
    append(m, box("pitm", pitm, true));
    append(m, box("iinf", iinf, true));
    append(m, box("iloc", loc, true));
    append(m, box("iref", iref, true));
    append(m, box("iprp", iprp));
    return box("meta", m, true);
  };
  Bytes out = box("ftyp", ftyp);
  const std::size_t meta_size = meta_with(0).size();
  append(out, meta_with(static_cast<std::uint32_t>(out.size() + meta_size + 8)));
  Bytes mdat = description;
  for (const Tile& t : tiles) append(mdat, t.data);
  append(out, box("mdat", mdat));
  return out;
}

// libheif's own decode of the primary image (its grid decoder), as RGB.
Image libheif_decode(const Bytes& bytes) {
  heif_context* ctx = heif_context_alloc();
  EXPECT_EQ(heif_context_read_from_memory_without_copy(ctx, bytes.data(), bytes.size(), nullptr).code, heif_error_Ok);
  heif_image_handle* handle = nullptr;
  EXPECT_EQ(heif_context_get_primary_image_handle(ctx, &handle).code, heif_error_Ok);
  heif_image* img = nullptr;
  EXPECT_EQ(heif_decode_image(handle, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr).code,
            heif_error_Ok);
  const int w = heif_image_get_width(img, heif_channel_interleaved);
  const int h = heif_image_get_height(img, heif_channel_interleaved);
  int stride = 0;
  const std::uint8_t* p = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
  const Image out = Image::generate({h, w}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    for (int y = 0; y < h; ++y)
      std::memcpy(b.data() + static_cast<std::size_t>(y) * w * 3, p + static_cast<std::size_t>(y) * stride,
                  static_cast<std::size_t>(w) * 3);
  });
  heif_image_release(img);
  heif_image_handle_release(handle);
  heif_context_free(ctx);
  return out;
}

// Grids of `format` tiles of 64 x 64 (a size the encoders code as it is):
// 2 x 3 tiles on a 170 x 100 canvas (the last column and row cut), 1 x 4,
// 4 x 1; empty without an encoder.
std::map<std::string, Bytes> generated_grids(heif_compression_format format) {
  const Image photo = resize(decode(read_file(data("chelsea.png"))), {256, 256});
  std::map<std::string, Bytes> out;
  auto tiles = [&](int rows, int columns) {
    std::vector<Tile> t;
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < columns; ++c) {
        Bytes file = encode_heif(format, crop(photo, BoundingBox(c * 64.0, r * 64.0, c * 64.0 + 64, r * 64.0 + 64)));
        if (file.empty()) return std::vector<Tile>{};
        t.push_back(tile_of(std::move(file)));
      }
    return t;
  };
  const std::string f = format == heif_compression_AV1 ? "AVIF" : "HEIC";
  if (auto t = tiles(2, 3); !t.empty()) out[f + " 2x3 cut"] = grid_file(t, 2, 3, {100, 170});
  if (auto t = tiles(1, 4); !t.empty()) out[f + " 1x4"] = grid_file(t, 1, 4, {64, 256});
  if (auto t = tiles(4, 1); !t.empty()) out[f + " 4x1"] = grid_file(t, 4, 1, {256, 64});
  return out;
}

std::map<std::string, Bytes> all_grids() {
  std::map<std::string, Bytes> grids = generated_grids(heif_compression_HEVC);
  grids.merge(generated_grids(heif_compression_AV1));
  grids["chelsea.heic (1x1)"] = read_file(data("chelsea.heic"));
  return grids;
}

TEST(HeifGrid, SameAsLibheifsGridDecoder) {
  const auto grids = all_grids();
  for (const auto& [name, bytes] : grids) {
    SCOPED_TRACE(name);
    detail::ByteSource source(bytes);
    const auto meta = detail::bmff::find_top_box(source, "meta");
    ASSERT_TRUE(meta);
    EXPECT_TRUE(detail::plan_grid(meta->subspan(4), source)) << "not decoded tile by tile";
    const Image ours = decode(bytes), theirs = libheif_decode(bytes);
    ASSERT_EQ(ours.size(), theirs.size());
    EXPECT_EQ(ours.digest(), theirs.digest()) << "pixels differ from libheif's grid decode";
  }
  std::printf("%zu grids decoded tile by tile, as libheif decodes them\n", grids.size());
  if (grids.size() == 1) GTEST_SKIP() << "no HEVC or AV1 encoder: only chelsea.heic checked";
}

TEST(HeifGrid, StreamedSameAsWhole) {
  for (const auto& [name, bytes] : all_grids()) {
    SCOPED_TRACE(name);
    const Image whole = decode(bytes);
    for (const ResizeSpec& spec :
         {ResizeSpec::to({whole.height() / 2, whole.width() / 3}, Interpolation::Bilinear),
          ResizeSpec::to({0, 40}, Interpolation::Lanczos), ResizeSpec::min_side(16, 4, Interpolation::Area)}) {
      const Image streamed = decode_resized(bytes, spec);
      EXPECT_EQ(streamed.digest(), spec.apply(whole).digest());
    }
  }
}

// A grid the tile decoder does not take (a rotated one) is still decoded,
// by libheif, with its transform.
TEST(HeifGrid, RotatedGridLeftToLibheif) {
  const auto grids = generated_grids(heif_compression_HEVC);
  if (grids.empty()) GTEST_SKIP() << "no HEVC encoder";
  const Image photo = resize(decode(read_file(data("chelsea.png"))), {64, 128});
  std::vector<Tile> tiles;
  for (int c = 0; c < 2; ++c)
    tiles.push_back(
        tile_of(encode_heif(heif_compression_HEVC, crop(photo, BoundingBox(c * 64.0, 0, c * 64.0 + 64, 64)))));
  static const std::uint8_t quarter[] = {1};
  const Bytes bytes = grid_file(tiles, 1, 2, {64, 128}, {{"irot", std::span<const std::uint8_t>(quarter)}});
  detail::ByteSource source(bytes);
  const auto meta = detail::bmff::find_top_box(source, "meta");
  EXPECT_FALSE(detail::plan_grid(meta->subspan(4), source));
  const Image img = decode(bytes);
  EXPECT_EQ(img.size(), (ImageSize{128, 64}));
  EXPECT_EQ(img.digest(), libheif_decode(bytes).digest());
  EXPECT_EQ(decode_resized(bytes, ResizeSpec::to({64, 24})).digest(), ResizeSpec::to({64, 24}).apply(img).digest());
}

// Damaged tiles: typed errors, the same type streamed and whole, never a
// crash; cut files likewise.
TEST(HeifGrid, DamagedTilesAreTypedErrors) {
  const auto grids = generated_grids(heif_compression_HEVC);
  if (grids.empty()) GTEST_SKIP() << "no HEVC encoder";
  const Bytes& good = grids.begin()->second;
  const ResizeSpec spec = ResizeSpec::to({30, 40});
  int failed = 0;
  for (std::size_t at = good.size() / 2; at < good.size(); at += good.size() / 23) {
    for (const bool cut : {false, true}) {
      Bytes bad = good;
      if (cut) {
        bad.resize(at);
      } else {
        for (std::size_t i = at; i < std::min(bad.size(), at + 64); ++i) bad[i] ^= 0x5a;
      }
      std::string whole_error, streamed_error;
      try {
        (void)decode(bad);
      } catch (const Error& e) {
        whole_error = typeid(e).name();
      }
      try {
        (void)decode_resized(bad, spec);
      } catch (const Error& e) {
        streamed_error = typeid(e).name();
      }
      EXPECT_EQ(whole_error, streamed_error) << (cut ? "cut at " : "damaged at ") << at;
      failed += !whole_error.empty();
    }
  }
  EXPECT_GT(failed, 0);
}

// Peak RSS (MiB) of a child process that streams `bytes` to 256 x 256.
double streamed_peak_mib(const Bytes& bytes) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    LoadOptions o;
    o.max_stream_pixels = 1'000'000'000;
    try {
      (void)decode_resized(bytes, ResizeSpec::to({256, 256}), o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return static_cast<double>(usage.ru_maxrss) / 1024;
}

// A streamed grid holds one row of tiles: 4 x 60 tiles of 512 x 512 (2048
// x 30720, 180 MiB decoded; libheif's sides stop at 32768) peak within 16
// MiB of 4 x 4 tiles (the same tile referenced again and again, as 'dimg'
// allows).
TEST(HeifGrid, StreamedMemoryDoesNotGrowWithRows) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "peak RSS under a sanitizer's shadow memory says nothing about the decoder";
#endif
  const Image photo = resize(decode(read_file(data("chelsea.png"))), {512, 512});
  const Bytes file = encode_heif(heif_compression_HEVC, photo);
  if (file.empty()) GTEST_SKIP() << "no HEVC encoder";
  const Tile tile = tile_of(file);
  const Bytes small = grid_file(std::vector<Tile>(16, tile), 4, 4, {2048, 2048});
  const Bytes tall = grid_file(std::vector<Tile>(240, tile), 60, 4, {30720, 2048});
  const double base = streamed_peak_mib(small), peak = streamed_peak_mib(tall);
  std::printf("2048x2048 grid: %.1f MiB, 2048x30720 grid: %.1f MiB peak\n", base, peak);
  EXPECT_LT(peak - base, 16.0);
}

}  // namespace
}  // namespace pixelcache::test
