// HEIC / HEIF (and AVIF where libheif has a decoder) through libheif.
// libheif applies the container's irot / imir transforms itself; the EXIF
// orientation of a HEIF is ignored, as the HEIF specification requires.
#include <libheif/heif.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "codec.hpp"

namespace pixelcache::detail {

namespace {

// libheif's own security limits (image size, tiles, boxes) are size limits
// too: a LimitError, the rest a DecodeError.
void check(const DecodeInput& in, const char* name, const heif_error& err) {
  if (err.code == heif_error_Ok) return;
  if (err.subcode == heif_suberror_Security_limit_exceeded)
    throw LimitError(message_prefix(in, name) + escape_bytes(err.message) + " (libheif's limit; max_pixels is " +
                     std::to_string(in.options.max_pixels) + ")");
  decode_fail(in, name, err.message);
}

// Derived images ('grid', 'iden', 'iovl') name their inputs with 'dimg'
// references in meta/iref. libheif 1.15 follows them without a depth or
// cycle check: a grid listing itself as its tile recurses, one thread a
// level, until thread creation fails (a 1 KB file: 19 s, 900 MB). Real files
// derive at most two levels (iden -> grid -> tiles) with a few thousand
// tiles, so deeper or cyclic graphs, or more references, are refused before
// libheif decodes (tests/fuzz/regressions/fuzz_decode_heif).
constexpr int kMaxDerivationDepth = 4;
constexpr std::size_t kMaxDerivedInputs = 4096;

// The body of the first box of `type` in `s` (ISO BMFF box headers), or
// nullopt. A size that runs past the data ends the search.
std::optional<std::span<const std::uint8_t>> find_box(std::span<const std::uint8_t> s, const char* type) {
  while (s.size() >= 8) {
    std::uint64_t size = (std::uint64_t{s[0]} << 24) | (s[1] << 16) | (s[2] << 8) | s[3];
    std::size_t header = 8;
    if (size == 1) {
      if (s.size() < 16) return std::nullopt;
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | s[i];
      header = 16;
    } else if (size == 0) {
      size = s.size();
    }
    if (size < header || size > s.size()) return std::nullopt;
    if (std::memcmp(s.data() + 4, type, 4) == 0) return s.subspan(header, size - header);
    s = s.subspan(size);
  }
  return std::nullopt;
}

// Refuses a 'dimg' graph with a cycle, more than kMaxDerivationDepth levels
// or more than kMaxDerivedInputs references.
void check_derivations(const DecodeInput& in, const char* name) {
  const auto meta = find_box(in.data, "meta");
  if (!meta || meta->size() < 4) return;
  const auto iref = find_box(meta->subspan(4), "iref");  // meta and iref are full boxes
  if (!iref || iref->size() < 4) return;
  const std::size_t id_bytes = (*iref)[0] == 0 ? 2 : 4;
  auto read_id = [&](std::span<const std::uint8_t> b, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < id_bytes; ++i) v = (v << 8) | b[at + i];
    return v;
  };
  std::map<std::uint32_t, std::vector<std::uint32_t>> inputs;  // derived item -> its inputs
  // Adds one reference body (from_item_ID, reference_count, to_item_IDs) to
  // `inputs`; `references` counts one reading of iref (there are two below).
  auto add = [&](std::span<const std::uint8_t> body, std::size_t& references) {
    if (body.size() < id_bytes + 2) return;
    const std::size_t count = (body[id_bytes] << 8) | body[id_bytes + 1];
    auto& list = inputs[read_id(body, 0)];
    for (std::size_t i = 0; i < count && id_bytes + 2 + (i + 1) * id_bytes <= body.size(); ++i)
      list.push_back(read_id(body, id_bytes + 2 + i * id_bytes));
    references += std::min(count, (body.size() - id_bytes - 2) / id_bytes);
    if (references > kMaxDerivedInputs)
      decode_fail(in, name, "more than " + std::to_string(kMaxDerivedInputs) + " derived-image inputs ('dimg')");
  };
  // The references as their box sizes delimit them ...
  std::size_t by_size = 0, in_sequence = 0;
  for (auto rest = iref->subspan(4); const auto dimg = find_box(rest, "dimg");) {
    add(*dimg, by_size);
    rest = rest.subspan(static_cast<std::size_t>(dimg->data() + dimg->size() - rest.data()));
  }
  // ... and as libheif 1.15 reads them: one after the other, each box's
  // size ignored (a 'dimg' whose size runs past iref is still followed
  // there: tests/fuzz/regressions/fuzz_decode_heif/heic-dimg-size-past-iref-*).
  for (auto rest = iref->subspan(4); rest.size() >= 8 + id_bytes + 2;) {
    const bool large = rest[0] == 0 && rest[1] == 0 && rest[2] == 0 && rest[3] == 1;
    const std::size_t header = large ? 16 : 8;
    if (rest.size() < header + id_bytes + 2) break;
    const bool is_dimg = std::memcmp(rest.data() + 4, "dimg", 4) == 0;
    const auto body = rest.subspan(header);
    const std::size_t count = (body[id_bytes] << 8) | body[id_bytes + 1];
    const std::size_t length = std::min(body.size(), id_bytes + 2 + count * id_bytes);
    if (is_dimg) add(body.first(length), in_sequence);
    rest = body.subspan(length);
  }
  // Depth of every derived item, by repeated relaxation: a chain deeper than
  // the limit, or a cycle (whose depth grows without end), is refused.
  std::map<std::uint32_t, int> depth;
  for (int pass = 0; pass <= kMaxDerivationDepth; ++pass) {
    bool changed = false;
    for (const auto& [item, list] : inputs) {
      int d = 1;
      for (std::uint32_t input : list) d = std::max(d, 1 + (depth.count(input) ? depth[input] : 0));
      if (d != depth[item]) depth[item] = d, changed = true;
      if (d > kMaxDerivationDepth)
        decode_fail(in, name,
                    "derived images ('dimg') nested more than " + std::to_string(kMaxDerivationDepth) +
                        " deep, or referring to themselves");
    }
    if (!changed) return;
  }
}

// Big-endian unsigned integer of `n` bytes (0, 2, 4 or 8) at `at`;
// nullopt past the end of `b`.
std::optional<std::uint64_t> read_be(std::span<const std::uint8_t> b, std::size_t at, std::size_t n) {
  if (at > b.size() || n > b.size() - at) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b[at + i];
  return v;
}

// The first extent of item `id` per meta/iloc (construction method 0: file
// offsets, 1: the idat box), or nullopt.
std::optional<std::span<const std::uint8_t>> item_data(std::span<const std::uint8_t> file,
                                                       std::span<const std::uint8_t> meta, std::uint32_t id) {
  const auto iloc = find_box(meta, "iloc");
  if (!iloc || iloc->size() < 8) return std::nullopt;
  const auto& b = *iloc;
  const int version = b[0];
  const std::size_t offset_size = b[4] >> 4, length_size = b[4] & 15, base_size = b[5] >> 4;
  const std::size_t index_size = version >= 1 ? (b[5] & 15) : 0;
  const std::size_t id_size = version < 2 ? 2 : 4;
  std::size_t at = 6;
  const auto count = read_be(b, at, id_size);
  at += id_size;
  for (std::uint64_t i = 0; count && i < *count; ++i) {
    const auto item = read_be(b, at, id_size);
    at += id_size;
    const auto method = version >= 1 ? read_be(b, at, 2) : std::optional<std::uint64_t>(0);
    if (version >= 1) at += 2;
    at += 2;  // data_reference_index
    const auto base = read_be(b, at, base_size);
    at += base_size;
    const auto extents = read_be(b, at, 2);
    at += 2;
    if (!item || !method || !base || !extents) return std::nullopt;
    const std::size_t first = at + index_size;
    at += *extents * (index_size + offset_size + length_size);
    if (*item != id) continue;
    const auto offset = read_be(b, first, offset_size), length = read_be(b, first + offset_size, length_size);
    std::span<const std::uint8_t> source = file;
    if ((*method & 15) == 1) {
      const auto idat = find_box(meta, "idat");
      if (!idat) return std::nullopt;
      source = *idat;
    } else if ((*method & 15) != 0) {
      return std::nullopt;
    }
    if (*extents == 0 || !offset || !length || *base > source.size() || *offset > source.size() - *base)
      return std::nullopt;
    const std::size_t start = *base + *offset;
    return source.subspan(start, *length == 0 ? source.size() - start : std::min(*length, source.size() - start));
  }
  return std::nullopt;
}

// The output size that every 'grid' and 'iovl' item declares must pass
// check_dimensions(): libheif 1.15 allocates the canvas from it without
// comparing it with the item's ispe (a 912-byte file whose 23x23 grid
// declares 26989x26994: 2.1 GB and a crash).
void check_derived_sizes(const DecodeInput& in, const char* name) {
  const auto meta = find_box(in.data, "meta");
  if (!meta || meta->size() < 4) return;
  const auto children = meta->subspan(4);
  const auto iinf = find_box(children, "iinf");
  if (!iinf || iinf->size() < 4) return;
  auto rest = iinf->subspan((*iinf)[0] == 0 ? 6 : 8);  // full box header and entry count
  while (const auto infe = find_box(rest, "infe")) {
    rest = rest.subspan(static_cast<std::size_t>(infe->data() + infe->size() - rest.data()));
    const auto& e = *infe;
    if (e.size() < 4 || e[0] < 2) continue;  // item types exist from infe version 2
    const std::size_t id_size = e[0] == 2 ? 2 : 4;
    const auto id = read_be(e, 4, id_size);
    if (!id || e.size() < 4 + id_size + 2 + 4) continue;
    const auto* type = e.data() + 4 + id_size + 2;
    const bool grid = std::memcmp(type, "grid", 4) == 0, overlay = std::memcmp(type, "iovl", 4) == 0;
    if (!grid && !overlay) continue;
    const auto data = item_data(in.data, children, static_cast<std::uint32_t>(*id));
    if (!data || data->size() < 2) decode_fail(in, name, "a derived image without its description");
    const std::size_t field = ((*data)[1] & 1) ? 4 : 2;
    const std::size_t at = grid ? 4 : 10;  // after rows / columns, or after the canvas fill colour
    const auto w = read_be(*data, at, field), h = read_be(*data, at + field, field);
    if (!w || !h) decode_fail(in, name, "a truncated derived-image description");
    check_dimensions(in, name, *w, *h);
  }
}

}  // namespace

Decoded decode_heif(const DecodeInput& in, Format format) {
  const char* name = format == Format::AVIF ? "AVIF" : "HEIF";
  std::unique_ptr<heif_context, decltype(&heif_context_free)> ctx(heif_context_alloc(), &heif_context_free);
  if (!ctx) decode_fail(in, name, "cannot create a decoder");
  check(in, name, heif_context_read_from_memory_without_copy(ctx.get(), in.data.data(), in.data.size(), nullptr));
  check_derivations(in, name);
  check_derived_sizes(in, name);
  heif_image_handle* raw_handle = nullptr;
  check(in, name, heif_context_get_primary_image_handle(ctx.get(), &raw_handle));
  std::unique_ptr<heif_image_handle, decltype(&heif_image_handle_release)> handle(raw_handle,
                                                                                  &heif_image_handle_release);
  check_dimensions(in, name, static_cast<std::uint64_t>(std::max(0, heif_image_handle_get_width(handle.get()))),
                   static_cast<std::uint64_t>(std::max(0, heif_image_handle_get_height(handle.get()))));
  heif_image* raw_img = nullptr;
  check(in, name, heif_decode_image(handle.get(), &raw_img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr));
  std::unique_ptr<heif_image, decltype(&heif_image_release)> img(raw_img, &heif_image_release);
  const int w = heif_image_get_width(img.get(), heif_channel_interleaved);
  const int h = heif_image_get_height(img.get(), heif_channel_interleaved);
  int stride = 0;
  const std::uint8_t* plane = heif_image_get_plane_readonly(img.get(), heif_channel_interleaved, &stride);
  if (!plane || w <= 0 || h <= 0) decode_fail(in, name, "decoder returned no pixels");
  check_dimensions(in, name, static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h));
  Decoded out;
  out.format = format;
  out.image = Image::generate({h, w}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    const std::size_t row = static_cast<std::size_t>(w) * 3;
    for (int y = 0; y < h; ++y) std::memcpy(b.data() + y * row, plane + static_cast<std::size_t>(y) * stride, row);
  });
  return out;
}

}  // namespace pixelcache::detail
