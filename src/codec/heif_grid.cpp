// HEIF / AVIF grids decoded tile row by tile row (heif_grid.hpp). Each tile
// is written out as a HEIF file of its own (its coded data and its
// properties: codec configuration, ispe, colour) and decoded by libheif to
// planar RGB, as libheif's own grid decoder decodes and pastes each tile,
// so the pixels are the same; the tiles of one row decode in parallel.
#include "heif_grid.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

#include "../stream/row_sink.hpp"
#include "../work_pool.hpp"
#include "heif_common.hpp"

namespace pixelcache::detail {

namespace {

using bmff::append;
using bmff::box;
using bmff::Bytes;
using bmff::put16;
using bmff::put32;
using bmff::put_type;
using bmff::read_be;

// ---- Writing a one-tile HEIF file ------------------------------------------

// The meta box of a file whose one item (ID 1, of `type`) has `properties`
// and its data at `data_offset` in `extents` pieces of these sizes.
std::vector<std::uint8_t> tile_meta(const std::string& type, const std::vector<bmff::Property>& properties,
                                    const std::vector<std::size_t>& extent_sizes, std::uint32_t data_offset) {
  std::vector<std::uint8_t> hdlr(4, 0), pitm, iinf, infe, iloc, ipco, ipma, meta;
  put_type(hdlr, "pict");
  hdlr.insert(hdlr.end(), 13, 0);  // reserved, empty name
  put16(pitm, 1);
  put16(infe, 1);  // item ID
  put16(infe, 0);  // protection index
  put_type(infe, type);
  infe.push_back(0);                         // empty name
  put16(iinf, 1);                            // entry count
  append(iinf, box("infe", infe, true, 2));  // item info entry version 2
  iloc.push_back(0x44);                      // 4-byte offsets and lengths
  iloc.push_back(0x00);                      // no base offset
  put16(iloc, 1);                            // item count
  put16(iloc, 1);                            // item ID
  put16(iloc, 0);                            // data reference: this file
  put16(iloc, static_cast<std::uint32_t>(extent_sizes.size()));
  std::uint32_t at = data_offset;
  for (const std::size_t n : extent_sizes) {
    put32(iloc, at);
    put32(iloc, static_cast<std::uint32_t>(n));
    at += static_cast<std::uint32_t>(n);
  }
  for (const auto& [kind, body] : properties) {
    put32(ipco, static_cast<std::uint32_t>(8 + body.size()));
    put_type(ipco, kind);
    ipco.insert(ipco.end(), body.begin(), body.end());
  }
  put32(ipma, 1);  // entry count
  put16(ipma, 1);  // item ID
  ipma.push_back(static_cast<std::uint8_t>(properties.size()));
  for (std::size_t i = 0; i < properties.size(); ++i) ipma.push_back(static_cast<std::uint8_t>(0x80 | (i + 1)));
  std::vector<std::uint8_t> iprp = box("ipco", ipco);
  append(iprp, box("ipma", ipma, true));
  append(meta, box("hdlr", hdlr, true));
  append(meta, box("pitm", pitm, true));
  append(meta, box("iinf", iinf, true));
  append(meta, box("iloc", iloc, true));
  append(meta, box("iprp", iprp));
  return box("meta", meta, true);
}

// A HEIF file holding tile `id` alone: ftyp, meta (the tile's properties),
// mdat (its data, as the source's iloc places it).
std::vector<std::uint8_t> tile_file(const HeifGrid& g, std::uint32_t id, Bytes meta_children, ByteSource& file,
                                    const std::vector<bmff::Property>& properties,
                                    const std::map<std::uint32_t, std::vector<std::size_t>>& associations) {
  std::vector<bmff::Property> own;
  if (const auto found = associations.find(id); found != associations.end())
    for (const std::size_t index : found->second)
      if (index >= 1 && index <= properties.size()) own.push_back(properties[index - 1]);
  const auto extents = bmff::item_extents(file, meta_children, id);
  std::vector<std::size_t> sizes;
  std::size_t total = 0;
  for (const auto e : extents) sizes.push_back(e.size()), total += e.size();
  const bool av1 = g.tile_type == "av01";
  std::vector<std::uint8_t> ftyp;
  put_type(ftyp, av1 ? "avif" : "heic");
  put32(ftyp, 0);
  for (const char* brand : {"mif1", av1 ? "avif" : "heic", "miaf"}) put_type(ftyp, brand);
  std::vector<std::uint8_t> out = box("ftyp", ftyp);
  const std::size_t meta_size = tile_meta(g.tile_type, own, sizes, 0).size();
  append(out, tile_meta(g.tile_type, own, sizes, static_cast<std::uint32_t>(out.size() + meta_size + 8)));
  put32(out, static_cast<std::uint32_t>(8 + total));
  put_type(out, "mdat");
  for (const auto e : extents) out.insert(out.end(), e.begin(), e.end());
  return out;
}

// ---- Planning ------------------------------------------------------------

// The 8-bit depth a codec configuration declares (hvcC: bitDepthLuma /
// ChromaMinus8; av1C: high_bitdepth).
bool eight_bit_config(const std::string& kind, Bytes body) {
  if (kind == "hvcC") return body.size() > 18 && (body[17] & 7) == 0 && (body[18] & 7) == 0;
  if (kind == "av1C") return body.size() > 2 && (body[2] & 0x40) == 0;
  return false;
}

// The tile's ispe (width, height) when its codec configuration says 8 bits.
std::optional<std::pair<std::uint64_t, std::uint64_t>> eight_bit_tile_size(
    std::uint32_t id, const std::vector<bmff::Property>& properties,
    const std::map<std::uint32_t, std::vector<std::size_t>>& associations) {
  const auto found = associations.find(id);
  if (found == associations.end() || found->second.size() > 127) return std::nullopt;  // tile_file()'s ipma
  std::optional<std::pair<std::uint64_t, std::uint64_t>> size;
  bool eight = false;
  for (const std::size_t index : found->second) {
    if (index == 0 || index > properties.size()) return std::nullopt;
    const auto& [kind, body] = properties[index - 1];
    if (kind == "ispe" && body.size() >= 12) size = {*read_be(body, 4, 4), *read_be(body, 8, 4)};
    if (kind == "hvcC" || kind == "av1C") eight = eight_bit_config(kind, body);
  }
  return eight ? size : std::nullopt;
}

// Whether the grid item's own properties allow decode_grid(): no transform,
// no pixi of another depth than 8 bits.
bool plain_grid_properties(std::uint32_t id, const std::vector<bmff::Property>& properties,
                           const std::map<std::uint32_t, std::vector<std::size_t>>& associations) {
  const auto found = associations.find(id);
  if (found == associations.end()) return true;
  for (const std::size_t index : found->second) {
    if (index == 0 || index > properties.size()) return false;
    const auto& [kind, body] = properties[index - 1];
    if (kind == "irot" || kind == "imir" || kind == "clap") return false;
    if (kind == "pixi") {
      if (body.size() < 5) return false;
      for (std::size_t c = 0; c < body[4]; ++c)
        if (body.size() <= 5 + c || body[5 + c] != 8) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<HeifGrid> plan_grid(Bytes meta_children, ByteSource& file) {
  const auto primary = bmff::primary_item(meta_children);
  if (!primary) return std::nullopt;
  const auto items = bmff::items(meta_children);
  auto type_of = [&](std::uint32_t id) -> std::string {
    for (const auto& item : items)
      if (item.id == id) return item.type;
    return {};
  };
  if (type_of(*primary) != "grid") return std::nullopt;
  const auto properties = bmff::item_properties(meta_children);
  const auto associations = bmff::property_associations(meta_children);
  if (!plain_grid_properties(*primary, properties, associations)) return std::nullopt;
  const auto data = bmff::item_data(file, meta_children, *primary, 64);
  if (!data || data->size() < 8 || (*data)[0] != 0) return std::nullopt;
  HeifGrid g;
  g.id = *primary;
  g.rows = (*data)[2] + 1, g.columns = (*data)[3] + 1;
  const std::size_t field = ((*data)[1] & 1) ? 4 : 2;
  const auto w = read_be(*data, 4, field), h = read_be(*data, 4 + field, field);
  if (!w || !h || *w == 0 || *h == 0 || *w > INT32_MAX || *h > INT32_MAX) return std::nullopt;
  g.width = static_cast<int>(*w), g.height = static_cast<int>(*h);
  g.tiles = bmff::references(meta_children, g.id, "dimg");
  if (g.tiles.size() != static_cast<std::size_t>(g.rows) * static_cast<std::size_t>(g.columns)) return std::nullopt;
  g.tile_type = type_of(g.tiles.front());
  if (g.tile_type != "hvc1" && g.tile_type != "av01") return std::nullopt;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> tile;
  for (const std::uint32_t id : g.tiles) {
    const auto size = eight_bit_tile_size(id, properties, associations);
    if (type_of(id) != g.tile_type || !size || size->first == 0 || size->second == 0 || (tile && *size != *tile))
      return std::nullopt;
    tile = size;
  }
  if (tile->first > 65536 || tile->second > 65536) return std::nullopt;
  // A tile far larger than the canvas (one row of 16x65536 tiles on a
  // 32x1 canvas) is left to libheif and its limits.
  if (tile->first * tile->second > 4 * *w * *h + (std::uint64_t{1} << 24)) return std::nullopt;
  g.tile_width = static_cast<int>(tile->first), g.tile_height = static_cast<int>(tile->second);
  // Every tile at least partly on the canvas, the canvas covered.
  const std::uint64_t tw = tile->first, th = tile->second;
  if ((g.columns - 1) * tw >= *w || (g.rows - 1) * th >= *h || g.columns * tw < *w || g.rows * th < *h)
    return std::nullopt;
  return g;
}

namespace {

// Decodes tile `index` of `g` (`bytes`: its tile_file()) and writes its part
// of the canvas into `band` (the tile row's canvas rows, `band_stride` bytes
// a row, RGB).
void decode_tile(const DecodeInput& in, const char* name, const HeifGrid& g, std::size_t index,
                 const std::vector<std::uint8_t>& bytes, std::uint8_t* band, std::size_t band_stride) {
  const HeifContext ctx = new_heif_context(in, name);
  heif_check(in, name, heif_context_read_from_memory_without_copy(ctx.get(), bytes.data(), bytes.size(), nullptr));
  heif_image_handle* raw_handle = nullptr;
  heif_check(in, name, heif_context_get_primary_image_handle(ctx.get(), &raw_handle));
  const HeifHandle handle(raw_handle, &heif_image_handle_release);
  heif_image* raw_img = nullptr;
  heif_check(in, name, heif_decode_image(handle.get(), &raw_img, heif_colorspace_RGB, heif_chroma_444, nullptr));
  const HeifImage img(raw_img, &heif_image_release);
  const std::string which = "tile " + std::to_string(index) + " (item " + std::to_string(g.tiles[index]) + ")";
  const heif_channel channels[3] = {heif_channel_R, heif_channel_G, heif_channel_B};
  const std::uint8_t* plane[3];
  int stride[3];
  for (int c = 0; c < 3; ++c) {
    plane[c] = heif_image_get_plane_readonly(img.get(), channels[c], &stride[c]);
    if (!plane[c] || heif_image_get_bits_per_pixel_range(img.get(), channels[c]) != 8)
      decode_fail(in, name, which + " does not decode to 8-bit RGB");
    if (heif_image_get_width(img.get(), channels[c]) != g.tile_width ||
        heif_image_get_height(img.get(), channels[c]) != g.tile_height)
      decode_fail(in, name, which + " decodes to another size than its ispe");
  }
  const int column = static_cast<int>(index % static_cast<std::size_t>(g.columns));
  const int x0 = column * g.tile_width, y0 = static_cast<int>(index / g.columns) * g.tile_height;
  const int cols = std::min(g.tile_width, g.width - x0), rows = std::min(g.tile_height, g.height - y0);
  for (int y = 0; y < rows; ++y) {
    std::uint8_t* o = band + static_cast<std::size_t>(y) * band_stride + static_cast<std::size_t>(x0) * 3;
    const std::uint8_t* r = plane[0] + static_cast<std::size_t>(y) * stride[0];
    const std::uint8_t* gr = plane[1] + static_cast<std::size_t>(y) * stride[1];
    const std::uint8_t* b = plane[2] + static_cast<std::size_t>(y) * stride[2];
    for (int x = 0; x < cols; ++x, o += 3) o[0] = r[x], o[1] = gr[x], o[2] = b[x];
  }
}

// Decodes the tiles of tile row `row` into `band` on a few threads; the
// error of the first failing tile (in raster order) is thrown.
void decode_tile_row(const DecodeInput& in, const char* name, const HeifGrid& g, int row, Bytes meta_children,
                     ByteSource& file, const std::vector<bmff::Property>& properties,
                     const std::map<std::uint32_t, std::vector<std::size_t>>& associations, std::uint8_t* band,
                     std::size_t band_stride) {
  const auto columns = static_cast<std::size_t>(g.columns), first = static_cast<std::size_t>(row) * columns;
  // The files first, on this thread (the ByteSource is not shared between
  // threads); then the decodes, each writing its own columns of the band.
  std::vector<std::vector<std::uint8_t>> files(columns);
  for (std::size_t c = 0; c < columns; ++c)
    files[c] = tile_file(g, g.tiles[first + c], meta_children, file, properties, associations);
  std::vector<std::exception_ptr> errors(columns);
  const unsigned workers = std::min({usable_cores(), 4u, static_cast<unsigned>(columns)});
  run_pool(
      columns, workers,
      [&](unsigned, std::size_t c) {
        try {
          decode_tile(in, name, g, first + c, files[c], band, band_stride);
        } catch (...) {
          errors[c] = std::current_exception();
        }
      },
      nullptr, nullptr);
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

Decoded decode_grid(const DecodeInput& in, const char* name, Format format, const HeifGrid& g, Bytes meta_children,
                    ByteSource& file) {
  const auto properties = bmff::item_properties(meta_children);
  const auto associations = bmff::property_associations(meta_children);
  const std::size_t stride = static_cast<std::size_t>(g.width) * 3;
  Decoded out;
  out.format = format;
  if (in.sink) {
    // The canvas rows of one tile row (a tile may reach past the canvas).
    std::vector<std::uint8_t> band(stride * static_cast<std::size_t>(std::min(g.tile_height, g.height)));
    in.sink->begin({g.height, g.width}, Mode::RGB, 1);
    for (int row = 0; row < g.rows; ++row) {
      decode_tile_row(in, name, g, row, meta_children, file, properties, associations, band.data(), stride);
      const int y0 = row * g.tile_height, rows = std::min(g.tile_height, g.height - y0);
      for (int y = 0; y < rows; ++y) in.sink->row(y0 + y, band.data() + static_cast<std::size_t>(y) * stride);
    }
    return out;
  }
  out.image = Image::generate({g.height, g.width}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    auto* o = reinterpret_cast<std::uint8_t*>(b.data());
    for (int row = 0; row < g.rows; ++row)
      decode_tile_row(in, name, g, row, meta_children, file, properties, associations,
                      o + static_cast<std::size_t>(row) * g.tile_height * stride, stride);
  });
  return out;
}

}  // namespace pixelcache::detail
