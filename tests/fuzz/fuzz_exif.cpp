// Fuzz target: the EXIF orientation parser (detail::parse_exif_orientation,
// src/codec/exif.cpp) on raw bytes, as found in a JPEG APP1 segment, a PNG
// eXIf chunk or a WebP EXIF chunk. It must return 0 (absent or malformed)
// or 1..8, never read outside its input (ASan), and the orientation it
// returns must apply to an image with the right output size.
#include "fuzz_support.hpp"

namespace pf = pixelcache::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> exif(data, size);  // exact size: ASan sees any overread
  const int o = pixelcache::detail::parse_exif_orientation(exif);
  pf::require(o >= 0 && o <= 8, "orientation outside 0..8");
  pf::require(pixelcache::detail::parse_exif_orientation(exif) == o, "parser is not deterministic");
  static const pixelcache::Image probe = pixelcache::Image::from_u8({2, 3}, pixelcache::Mode::L, {1, 2, 3, 4, 5, 6});
  const pixelcache::Image upright = pixelcache::detail::apply_orientation(probe, o);
  const bool swapped = o >= 5;
  pf::require(upright.height() == (swapped ? 3 : 2) && upright.width() == (swapped ? 2 : 3),
              "orientation gave the wrong size");
  return 0;
}
