// Internal: HEIF / AVIF grid images (a 'grid' primary item whose tiles are
// coded images) decoded tile row by tile row, each tile through libheif as
// an image of its own, so that a streamed decode (DecodeInput::sink) holds
// one row of tiles and never the whole image. heif.cpp decodes the grids
// that plan_grid() accepts this way, streamed or whole (one code path, one
// answer), and leaves every other file to libheif.
//
// Thread safety: no shared state; decode_grid() runs the tiles of a row on
// a few threads of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec.hpp"
#include "heif_boxes.hpp"

namespace pixelcache::detail {

/// A grid as the meta box describes it.
struct HeifGrid {
  std::uint32_t id = 0;
  int rows = 0, columns = 0;
  int width = 0, height = 0;            ///< the output (canvas) size
  int tile_width = 0, tile_height = 0;  ///< every tile's ispe
  std::string tile_type;                ///< "hvc1" or "av01"
  std::vector<std::uint32_t> tiles;     ///< item IDs, in raster order
};

/// The primary image's grid when decode_grid() can decode it exactly as
/// libheif would: a 'grid' item (version 0) without transforms (irot, imir,
/// clap) or a pixel depth other than 8 bits (pixi), rows x columns tiles of
/// one coded type (HEVC or AV1) whose codec configurations (hvcC, av1C) say
/// 8 bits, all with one ispe size, that cover the canvas with no tile
/// wholly outside it. nullopt for anything else, which
/// libheif then decodes whole. `meta_children`: the meta box's children.
std::optional<HeifGrid> plan_grid(bmff::Bytes meta_children, ByteSource& file);

/// Decodes grid `g` of the file `in` (`name`: "HEIF" or "AVIF") a row of
/// tiles at a time: the rows go to in.sink when there is one (and the
/// result has no image), else into the returned image. A tile must decode
/// to 8 bits and to its ispe size (else DecodeError: a damaged file).
/// Errors of libheif as heif.cpp maps them (DecodeError, LimitError).
Decoded decode_grid(const DecodeInput& in, const char* name, Format format, const HeifGrid& g,
                    bmff::Bytes meta_children, ByteSource& file);

}  // namespace pixelcache::detail
