// The built-in formats: one registry row each (registry.hpp), with the
// sniffer of its magic bytes. Adding a format is its codec file, its
// declarations in codec.hpp and one row here.
#include <cstring>

#include "registry.hpp"

namespace pixelcache::detail {
namespace {

bool starts(std::span<const std::uint8_t> d, std::size_t offset, const char* magic, std::size_t n) noexcept {
  return d.size() >= offset + n && std::memcmp(d.data() + offset, magic, n) == 0;
}

bool sniff_png(std::span<const std::uint8_t> d) noexcept { return starts(d, 0, "\x89PNG\r\n\x1a\n", 8); }
bool sniff_jpeg(std::span<const std::uint8_t> d) noexcept { return starts(d, 0, "\xFF\xD8\xFF", 3); }
bool sniff_webp(std::span<const std::uint8_t> d) noexcept { return starts(d, 0, "RIFF", 4) && starts(d, 8, "WEBP", 4); }
bool sniff_gif(std::span<const std::uint8_t> d) noexcept {
  return starts(d, 0, "GIF87a", 6) || starts(d, 0, "GIF89a", 6);
}
bool sniff_tiff(std::span<const std::uint8_t> d) noexcept {
  return starts(d, 0, "II*\0", 4) || starts(d, 0, "MM\0*", 4);
}
bool sniff_bmp(std::span<const std::uint8_t> d) noexcept { return starts(d, 0, "BM", 2) && d.size() >= 26; }

// ISO BMFF: an ftyp box first, its major brand at 8.
bool sniff_brand(std::span<const std::uint8_t> d, std::initializer_list<const char*> brands) noexcept {
  if (!starts(d, 4, "ftyp", 4) || d.size() < 12) return false;
  for (const char* brand : brands)
    if (starts(d, 8, brand, 4)) return true;
  return false;
}
bool sniff_avif(std::span<const std::uint8_t> d) noexcept { return sniff_brand(d, {"avif", "avis"}); }
bool sniff_heif(std::span<const std::uint8_t> d) noexcept {
  return sniff_brand(d, {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"});
}

// HEIF and AVIF share libheif's decoder and prober.
Decoded decode_heic(const DecodeInput& in) { return decode_heif(in, Format::HEIF); }
Decoded decode_avif(const DecodeInput& in) { return decode_heif(in, Format::AVIF); }
ImageInfo probe_heic(const ProbeInput& in) { return probe_heif(in, Format::HEIF); }
ImageInfo probe_avif(const ProbeInput& in) { return probe_heif(in, Format::AVIF); }

// The rows, in the order lists of writers and extensions give them. PNG,
// TIFF, BMP, GIF and HEIF / AVIF grids (heif_grid.hpp; other HEIFs decode
// whole) stream; not WebP: it shrinks on load through libwebp's scaler
// instead (webp.cpp), whose rows are already scaled, into a whole image
// (a mapped file's pages are dropped as libwebp reads it).
// clang-format off
const FormatEntry kBuiltins[] = {
  // id          name    label        extensions    input   sniff       late   decode       probe        encode       streams options
  {Format::PNG,  "PNG",  "PNG",       ".png",       "",     sniff_png,  false, decode_png,  probe_png,  encode_png,  true,  "png_compression"},
  {Format::JPEG, "JPEG", "JPEG",      ".jpg .jpeg", ".jpe", sniff_jpeg, false, decode_jpeg, probe_jpeg, encode_jpeg, false, "quality"},
  {Format::WebP, "WEBP", "WebP",      ".webp",      "",     sniff_webp, false, decode_webp, probe_webp, encode_webp, false, "quality lossless"},
  {Format::HEIF, "HEIF", "HEIF/AVIF", ".heic .heif", "",    sniff_heif, true,  decode_heic, probe_heic, nullptr,     true,  ""},
  {Format::AVIF, "AVIF", "HEIF/AVIF", ".avif",      "",     sniff_avif, true,  decode_avif, probe_avif, nullptr,     true,  ""},
  {Format::TIFF, "TIFF", "TIFF",      ".tif .tiff", "",     sniff_tiff, false, decode_tiff, probe_tiff, encode_tiff, true,  ""},
  {Format::BMP,  "BMP",  "BMP",       ".bmp",       "",     sniff_bmp,  false, decode_bmp,  probe_bmp,  encode_bmp,  true,  ""},
  {Format::GIF,  "GIF",  "GIF",       ".gif",       "",     sniff_gif,  false, decode_gif,  probe_gif,  nullptr,     true,  ""},
};
// clang-format on

}  // namespace

std::span<const FormatEntry> builtin_formats() noexcept { return kBuiltins; }

}  // namespace pixelcache::detail
