// Reading the ISO BMFF boxes of a HEIF / AVIF file (the meta box's items,
// their locations, properties and references), for the checks heif.cpp
// runs before libheif decodes and for the grid decoder (heif_grid.cpp),
// and writing boxes (the grid decoder's one-tile files, the tests' grids).
// Every reader stays inside the spans it is given: a malformed or
// truncated box gives nullopt or an empty result, never a read past it.
// No state: safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec.hpp"

namespace pixelcache::detail::bmff {

using Bytes = std::span<const std::uint8_t>;

/// The body of the first box of `type` in `s` (box headers one after the
/// other), or nullopt. A size that runs past the data ends the search.
std::optional<Bytes> find_box(Bytes s, const char* type);
/// find_box() over the top level of a whole file: the body of its first box
/// of `type` (reading box headers only, and that body).
std::optional<Bytes> find_top_box(ByteSource& file, const char* type);
/// Big-endian unsigned integer of `n` bytes (0, 2, 4 or 8) at `at`;
/// nullopt past the end of `b`.
std::optional<std::uint64_t> read_be(Bytes b, std::size_t at, std::size_t n);

/// The extents of item `id` per meta/iloc (construction method 0: file
/// offsets, 1: the idat box), clipped to the data, and to their first
/// `limit` bytes; empty when the item or its location is missing or
/// malformed. `meta`: the meta box's children.
std::vector<Bytes> item_extents(ByteSource& file, Bytes meta, std::uint32_t id, std::uint64_t limit = UINT64_MAX);
/// The first extent of item `id` (its first `limit` bytes), or nullopt.
std::optional<Bytes> item_data(ByteSource& file, Bytes meta, std::uint32_t id, std::uint64_t limit);

/// A property box of meta/iprp/ipco: its type and body.
using Property = std::pair<std::string, Bytes>;
/// The property boxes of meta/iprp/ipco, in order (ipma's indices count
/// from 1). `meta_children`: the meta box's children.
std::vector<Property> item_properties(Bytes meta_children);
/// item ID -> its property indices (1-based), from every meta/iprp/ipma.
std::map<std::uint32_t, std::vector<std::size_t>> property_associations(Bytes meta_children);

/// An item of meta/iinf (item info entries of version 2 or 3, the versions
/// that carry a type).
struct Item {
  std::uint32_t id = 0;
  std::string type;  ///< four characters: "hvc1", "av01", "grid", ...
};
/// The items of meta/iinf, in order.
std::vector<Item> items(Bytes meta_children);
/// The primary item (meta/pitm), or nullopt.
std::optional<std::uint32_t> primary_item(Bytes meta_children);
/// The items that item `from` refers to with references of `type` (e.g.
/// "dimg": a grid's tiles in raster order), in order, from the first such
/// reference box in meta/iref; empty when there is none.
std::vector<std::uint32_t> references(Bytes meta_children, std::uint32_t from, const char* type);

// ---- Writing -------------------------------------------------------------

/// Appends `v` as 2 / 4 big-endian bytes.
void put16(std::vector<std::uint8_t>& o, std::uint32_t v);
void put32(std::vector<std::uint8_t>& o, std::uint32_t v);
/// Appends the first four characters of `type` (a box or item type).
void put_type(std::vector<std::uint8_t>& o, std::string_view type);
/// Appends `b` to `o`.
void append(std::vector<std::uint8_t>& o, const std::vector<std::uint8_t>& b);
/// A box of `type` around `body`; `full`: a full box, its header holding
/// `version` and flags 0.
std::vector<std::uint8_t> box(std::string_view type, const std::vector<std::uint8_t>& body, bool full = false,
                              std::uint8_t version = 0);

}  // namespace pixelcache::detail::bmff
