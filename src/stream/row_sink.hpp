// Internal: the interface between a streaming decoder and what consumes its
// rows (the StreamResizer of stream_resizer.hpp). A decoder given a sink
// (DecodeInput::sink) that can stream the file calls begin() once, then
// row() for every row, and returns a Decoded without an image; one that
// cannot (an interlaced PNG, a JPEG, ...) decodes whole as without a sink.
#pragma once

#include <cstdint>

#include "pixelcache/image.hpp"

namespace pixelcache::detail {

class RowSink {
 public:
  virtual ~RowSink() = default;
  /// Once, before any row: the image as stored (before orientation), its
  /// mode (RGB: 3 samples a pixel; L: 1; Binary: 1, samples 0 or 1) and the
  /// orientation (1..8) found in the file.
  virtual void begin(ImageSize stored, Mode mode, int orientation) = 0;
  /// Row `y` of the stored image: width x channels samples, read during the
  /// call only. Every row exactly once, in any order (top to bottom, or
  /// bottom to top for a bottom-up BMP).
  virtual void row(int y, const std::uint8_t* samples) = 0;
};

}  // namespace pixelcache::detail
