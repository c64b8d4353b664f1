// Fuzz target: probe() of any bytes either throws a pixelcache::Error or
// succeeds; and then, when decode_ex() of the same bytes succeeds too, the
// two agree on format, size, mode and orientation (decoding may fail where
// probing succeeded: a broken body behind a good header). Conversely, bytes
// that decode must probe (the header a decoder accepts is one the prober
// accepts). The same bytes read as a file in part (a ByteSource whose first
// read is a few bytes, reading on as the prober asks) give exactly probe()'s
// answer or error type, reading each byte a few times at most.
#include <algorithm>
#include <optional>

#include "fuzz_support.hpp"

namespace {

using pixelcache::Error;
using pixelcache::ImageInfo;
using pixelcache::fuzz::require;

enum class Refusal { None, Decode, Limit, Other };

Refusal kind_of(const Error& e) {
  if (dynamic_cast<const pixelcache::DecodeError*>(&e)) return Refusal::Decode;
  if (dynamic_cast<const pixelcache::LimitError*>(&e)) return Refusal::Limit;
  return Refusal::Other;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pixelcache::LoadOptions opt = pixelcache::fuzz::decode_options();
  const std::span<const std::uint8_t> bytes(data, size);

  std::optional<ImageInfo> info;
  Refusal refused = Refusal::None;
  try {
    info = pixelcache::probe(bytes, opt, "<fuzz>");
  } catch (const Error& e) {
    pixelcache::fuzz::check_message(e);
    refused = kind_of(e);
  }

  // As probe_file() reads a file: in part, from a first read of 1..61 bytes.
  if (size > 0) {
    pixelcache::detail::ByteSource source(
        size,
        [&](std::uint64_t offset, std::uint8_t* buffer, std::size_t n) {
          const std::size_t k = offset >= size ? 0 : std::min<std::size_t>(n, size - offset);
          std::memcpy(buffer, data + offset, k);
          return k;
        },
        1 + size % 61);
    std::optional<ImageInfo> part;
    Refusal part_refused = Refusal::None;
    try {
      part = pixelcache::detail::probe_source(source, opt, "<fuzz>");
    } catch (const Error& e) {
      pixelcache::fuzz::check_message(e);
      part_refused = kind_of(e);
    }
    require(part_refused == refused, "a file read in part is refused differently from its bytes");
    require(!part || *part == *info, "a file read in part probes differently from its bytes");
    // Each byte read a few times at most (parsers read overlapping ranges:
    // a directory, then its fields; tests/fuzz/regressions/fuzz_probe/
    // tiff-296-bytes-read-743-*), never the input over and over.
    require(source.bytes_read() <= 4 * size + 4096, "probing a file read in part read too much");
  }

  if (info) {
    require(info->orientation >= 1 && info->orientation <= 8, "probe reported an orientation outside 1..8");
    require(info->frames >= 1, "probe reported no frame");
    require(info->size.height > 0 && info->size.width > 0, "probe reported a zero size");
    require(info->stored_size.area() <= opt.max_pixels, "probe reported a size above max_pixels");
    require(info->mode == pixelcache::Mode::RGB || info->mode == pixelcache::Mode::L ||
                info->mode == pixelcache::Mode::Binary,
            "probe reported an unknown mode");
  }

  std::optional<pixelcache::Decoded> decoded;
  try {
    decoded = pixelcache::decode_ex(bytes, opt, "<fuzz>");
  } catch (const Error& e) {
    pixelcache::fuzz::check_message(e);
  }
  if (!decoded) return 0;
  require(info.has_value(), "bytes that decode are refused by probe");
  require(info->format == decoded->format, "probe and decode disagree on the format");
  require(info->size == decoded->image.size(), "probe and decode disagree on the size");
  require(info->mode == decoded->image.mode(), "probe and decode disagree on the mode");
  require(info->orientation == decoded->orientation, "probe and decode disagree on the orientation");
  return 0;
}
