// Internal: the libdeflate fast path of the PNG decoder (png_fast.cpp).
#pragma once

#include <optional>

#include "codec.hpp"

namespace pixelcache::detail {

/// Decodes 8-bit non-interlaced gray / RGB / GA / RGBA PNGs. Returns nullopt for every other kind of PNG, which
/// libspng decodes; throws DecodeError / LimitError for bad files.
std::optional<Decoded> decode_png_fast(const DecodeInput& in);

}  // namespace pixelcache::detail
