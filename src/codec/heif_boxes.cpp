// ISO BMFF boxes of HEIF / AVIF files (heif_boxes.hpp).
#include "heif_boxes.hpp"

#include <algorithm>
#include <cstring>

namespace pixelcache::detail::bmff {

std::optional<Bytes> find_box(Bytes s, const char* type) {
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

std::optional<Bytes> find_top_box(ByteSource& file, const char* type) {
  for (std::uint64_t pos = 0; file.size() - pos >= 8;) {
    const std::uint64_t remaining = file.size() - pos;
    const auto h = file.at(pos, 16);
    if (h.size() < 8) return std::nullopt;
    std::uint64_t size = (std::uint64_t{h[0]} << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
    std::uint64_t header = 8;
    if (size == 1) {
      if (remaining < 16 || h.size() < 16) return std::nullopt;
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | h[i];
      header = 16;
    } else if (size == 0) {
      size = remaining;
    }
    if (size < header || size > remaining) return std::nullopt;
    if (std::memcmp(h.data() + 4, type, 4) == 0) {
      const auto body = file.at(pos + header, size - header);
      if (body.size() < size - header) return std::nullopt;  // the file shrank
      return body;
    }
    pos += size;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> read_be(Bytes b, std::size_t at, std::size_t n) {
  if (at > b.size() || n > b.size() - at) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b[at + i];
  return v;
}

std::vector<Bytes> item_extents(ByteSource& file, Bytes meta, std::uint32_t id, std::uint64_t limit) {
  const auto iloc = find_box(meta, "iloc");
  if (!iloc || iloc->size() < 8) return {};
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
    if (!item || !method || !base || !extents) return {};
    std::size_t first = at;
    at += *extents * (index_size + offset_size + length_size);
    if (*item != id) continue;
    std::optional<ByteSource> idat_bytes;
    ByteSource* source = &file;
    if ((*method & 15) == 1) {
      const auto idat = find_box(meta, "idat");
      if (!idat) return {};
      source = &idat_bytes.emplace(*idat);
    } else if ((*method & 15) != 0) {
      return {};
    }
    const std::uint64_t size = source->size();
    std::vector<Bytes> out;
    for (std::uint64_t e = 0; e < *extents; ++e, first += index_size + offset_size + length_size) {
      const auto offset = read_be(b, first + index_size, offset_size);
      const auto length = read_be(b, first + index_size + offset_size, length_size);
      if (!offset || !length || *base > size || *offset > size - *base) break;
      const std::uint64_t start = *base + *offset;
      out.push_back(source->at(start, std::min(*length == 0 ? size - start : std::min(*length, size - start), limit)));
    }
    return out;
  }
  return {};
}

std::optional<Bytes> item_data(ByteSource& file, Bytes meta, std::uint32_t id, std::uint64_t limit) {
  const auto extents = item_extents(file, meta, id, limit);
  if (extents.empty()) return std::nullopt;
  return extents.front();
}

std::vector<Property> item_properties(Bytes meta_children) {
  std::vector<Property> out;
  const auto iprp = find_box(meta_children, "iprp");
  if (!iprp) return out;
  const auto ipco = find_box(*iprp, "ipco");
  if (!ipco) return out;
  for (auto rest = *ipco; rest.size() >= 8;) {
    std::uint64_t size = *read_be(rest, 0, 4);
    std::size_t header = 8;
    if (size == 1) {
      const auto large = read_be(rest, 8, 8);
      if (!large) break;
      size = *large, header = 16;
    } else if (size == 0) {
      size = rest.size();
    }
    if (size < header || size > rest.size()) break;
    out.emplace_back(std::string(reinterpret_cast<const char*>(rest.data()) + 4, 4),
                     rest.subspan(header, static_cast<std::size_t>(size) - header));
    rest = rest.subspan(static_cast<std::size_t>(size));
  }
  return out;
}

std::map<std::uint32_t, std::vector<std::size_t>> property_associations(Bytes meta_children) {
  std::map<std::uint32_t, std::vector<std::size_t>> out;
  const auto iprp = find_box(meta_children, "iprp");
  if (!iprp) return out;
  for (auto rest = *iprp; const auto ipma = find_box(rest, "ipma");) {
    rest = rest.subspan(static_cast<std::size_t>(ipma->data() + ipma->size() - rest.data()));
    const auto& b = *ipma;
    if (b.size() < 8) continue;
    const std::size_t id_size = b[0] < 1 ? 2 : 4, index_size = (b[3] & 1) ? 2 : 1;
    const auto entries = read_be(b, 4, 4);
    std::size_t at = 8;
    for (std::uint64_t e = 0; entries && e < *entries; ++e) {
      const auto id = read_be(b, at, id_size), count = read_be(b, at + id_size, 1);
      if (!id || !count) break;
      at += id_size + 1;
      auto& list = out[static_cast<std::uint32_t>(*id)];
      for (std::uint64_t i = 0; i < *count; ++i, at += index_size) {
        const auto index = read_be(b, at, index_size);
        if (!index) break;
        list.push_back(static_cast<std::size_t>(*index & (index_size == 2 ? 0x7fff : 0x7f)));
      }
    }
  }
  return out;
}

std::vector<Item> items(Bytes meta_children) {
  std::vector<Item> out;
  const auto iinf = find_box(meta_children, "iinf");
  if (!iinf || iinf->size() < 4) return out;
  auto rest = iinf->subspan(std::min<std::size_t>(iinf->size(), (*iinf)[0] == 0 ? 6 : 8));  // entry count
  while (const auto infe = find_box(rest, "infe")) {
    rest = rest.subspan(static_cast<std::size_t>(infe->data() + infe->size() - rest.data()));
    const auto& e = *infe;
    if (e.size() < 4 || e[0] < 2) continue;  // item types exist from infe version 2
    const std::size_t id_size = e[0] == 2 ? 2 : 4;
    const auto id = read_be(e, 4, id_size);
    if (!id || e.size() < 4 + id_size + 2 + 4) continue;
    out.push_back(
        {static_cast<std::uint32_t>(*id), std::string(reinterpret_cast<const char*>(e.data()) + 4 + id_size + 2, 4)});
  }
  return out;
}

std::optional<std::uint32_t> primary_item(Bytes meta_children) {
  const auto pitm = find_box(meta_children, "pitm");
  if (!pitm || pitm->empty()) return std::nullopt;
  const auto id = read_be(*pitm, 4, (*pitm)[0] == 0 ? 2 : 4);
  if (!id) return std::nullopt;
  return static_cast<std::uint32_t>(*id);
}

std::vector<std::uint32_t> references(Bytes meta_children, std::uint32_t from, const char* type) {
  const auto iref = find_box(meta_children, "iref");
  if (!iref || iref->size() < 4) return {};
  const std::size_t id_bytes = (*iref)[0] == 0 ? 2 : 4;
  for (auto rest = iref->subspan(4); const auto box = find_box(rest, type);) {
    rest = rest.subspan(static_cast<std::size_t>(box->data() + box->size() - rest.data()));
    const auto source = read_be(*box, 0, id_bytes), count = read_be(*box, id_bytes, 2);
    if (!source || !count || *source != from) continue;
    std::vector<std::uint32_t> out;
    for (std::uint64_t i = 0; i < *count; ++i) {
      const auto to = read_be(*box, id_bytes + 2 + i * id_bytes, id_bytes);
      if (!to) return {};
      out.push_back(static_cast<std::uint32_t>(*to));
    }
    return out;
  }
  return {};
}

void put16(std::vector<std::uint8_t>& o, std::uint32_t v) {
  o.push_back(static_cast<std::uint8_t>(v >> 8));
  o.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t>& o, std::uint32_t v) {
  put16(o, v >> 16);
  put16(o, v & 0xffff);
}

void put_type(std::vector<std::uint8_t>& o, std::string_view type) {
  // Byte by byte: g++ 12 sees a false out-of-bounds copy in a 4-byte insert
  // once inlined (-Warray-bounds, the tsan preset).
  for (std::size_t i = 0; i < 4; ++i) o.push_back(static_cast<std::uint8_t>(type[i]));
}

void append(std::vector<std::uint8_t>& o, const std::vector<std::uint8_t>& b) { o.insert(o.end(), b.begin(), b.end()); }

std::vector<std::uint8_t> box(std::string_view type, const std::vector<std::uint8_t>& body, bool full,
                              std::uint8_t version) {
  std::vector<std::uint8_t> o;
  put32(o, static_cast<std::uint32_t>(8 + (full ? 4 : 0) + body.size()));
  put_type(o, type);
  if (full) put32(o, std::uint32_t{version} << 24);
  append(o, body);
  return o;
}

}  // namespace pixelcache::detail::bmff
