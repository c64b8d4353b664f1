// Internal: what heif.cpp and heif_grid.cpp share about libheif: its
// contexts made with our limits, and its errors mapped to ours.
#pragma once

#include <libheif/heif.h>

#include <memory>

#include "codec.hpp"

namespace pixelcache::detail {

using HeifContext = std::unique_ptr<heif_context, decltype(&heif_context_free)>;
using HeifHandle = std::unique_ptr<heif_image_handle, decltype(&heif_image_handle_release)>;
using HeifImage = std::unique_ptr<heif_image, decltype(&heif_image_release)>;

/// Throws for a libheif error: LimitError for its security limits (image
/// size, tiles, boxes), DecodeError "<source>: <name>: <message>" for the
/// rest; returns for heif_error_Ok. `name`: "HEIF" or "AVIF".
void heif_check(const DecodeInput& in, const char* name, const heif_error& err);
/// A new libheif context whose side limit follows in.options.max_pixels
/// (at most libheif's 32768). DecodeError when it cannot be made.
HeifContext new_heif_context(const DecodeInput& in, const char* name);

}  // namespace pixelcache::detail
