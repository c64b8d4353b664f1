// PNG reading: every file goes through one chunk scan (CRCs, order, limits),
// then the libdeflate fast path (png_fast.cpp) or libspng for the rest. The
// writer is png_write.cpp.
#include <libdeflate.h>
#include <spng.h>

#include <cstring>
#include <memory>
#include <string>

#include "../mapped_file.hpp"
#include "codec.hpp"
#include "png_internal.hpp"

namespace pixelcache::detail {

namespace {

struct SpngDeleter {
  void operator()(spng_ctx* c) const noexcept { spng_ctx_free(c); }
};
using SpngCtx = std::unique_ptr<spng_ctx, SpngDeleter>;

constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
// Deflate's largest expansion: a 258-byte match coded in 2 bits.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

inline std::uint8_t from16(std::uint16_t v) { return static_cast<std::uint8_t>((v * 255u + 32767u) / 65535u); }

int channels_of(int color_type) {
  switch (color_type) {
    case 0: return 1;
    case 2: return 3;
    case 3: return 1;
    case 4: return 2;
    case 6: return 4;
    default: return 0;
  }
}

bool legal_depth(int color_type, int depth) {
  switch (color_type) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6: return depth == 8 || depth == 16;
    default: return false;
  }
}

void read_ihdr(const DecodeInput& in, PngLayout& png, const std::uint8_t* b, std::uint32_t len) {
  if (len != 13) decode_fail(in, "PNG", "IHDR chunk of " + std::to_string(len) + " bytes (13 expected)");
  png.width = be32(b);
  png.height = be32(b + 4);
  png.depth = b[8];
  png.color_type = b[9];
  png.compression = b[10];
  png.filter = b[11];
  png.interlace = b[12];
  if (png.width > 0x7fffffff || png.height > 0x7fffffff)
    decode_fail(in, "PNG", "IHDR size above 2^31 - 1 (" + header_size(png.width, png.height) + ")");
  if (!legal_depth(png.color_type, png.depth))
    decode_fail(
        in, "PNG",
        "invalid IHDR: colour type " + std::to_string(png.color_type) + " with bit depth " + std::to_string(png.depth));
  if (png.compression != 0 || png.filter != 0 || png.interlace > 1)
    decode_fail(in, "PNG",
                "invalid IHDR: compression " + std::to_string(png.compression) + ", filter " +
                    std::to_string(png.filter) + ", interlace " + std::to_string(png.interlace));
  check_dimensions(in, "PNG", png.width, png.height, png.color_type == 0 || png.color_type == 4 ? 1 : 3);
}

void read_plte(const DecodeInput& in, const PngLayout& png, std::uint32_t len) {
  if (png.idat_chunks > 0) decode_fail(in, "PNG", "PLTE chunk after the image data");
  if (png.color_type == 0 || png.color_type == 4) decode_fail(in, "PNG", "PLTE chunk in a gray image");
  const std::uint32_t limit = png.color_type == 3 ? (1u << png.depth) : 256u;
  if (len == 0 || len % 3 != 0 || len / 3 > limit)
    decode_fail(in, "PNG",
                "PLTE chunk of " + std::to_string(len) + " bytes (a multiple of 3, at most " + std::to_string(limit) +
                    " entries)");
}

}  // namespace

// Bytes between two release_mapped() calls of a streamed scan.
constexpr std::size_t kReleaseBytes = std::size_t{4} << 20;

namespace {

// A chunk's length, name and whether it is critical, from its first 8 bytes.
struct ChunkHead {
  std::uint32_t len = 0;
  std::string name;
  bool critical = false;
};

// The head of the chunk at `pos` (before the end of the file): its name
// letters only, its length valid and inside the file.
ChunkHead chunk_head(const DecodeInput& in, ByteSource& bytes, std::uint64_t pos) {
  const std::uint64_t size = bytes.size();
  if (size - pos < 12) decode_fail(in, "PNG", "truncated file (a partial chunk at the end)");
  const auto head = bytes.at(pos, 8);
  if (head.size() < 8) decode_fail(in, "PNG", "truncated file (a partial chunk at the end)");
  const std::uint32_t len = be32(head.data());
  const std::uint8_t* type = head.data() + 4;
  const std::string name(reinterpret_cast<const char*>(type), 4);
  for (const char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) decode_fail(in, "PNG", "invalid chunk name " + name);
  if (len > 0x7fffffff) decode_fail(in, "PNG", "chunk " + name + " has an invalid length");
  if (len > size - pos - 12) decode_fail(in, "PNG", "truncated file (chunk " + name + " extends past the end)");
  return {len, name, !(type[0] & 0x20)};
}

// What a whole scan must have found: IHDR, image data, a palette for a
// palette image, and at least as much image data as deflate needs for the
// image's size.
void check_scanned(const DecodeInput& in, const PngLayout& png, bool have_ihdr, bool have_plte) {
  if (!have_ihdr) decode_fail(in, "PNG", "no IHDR chunk");
  if (png.idat_chunks == 0) decode_fail(in, "PNG", "no image data (IDAT chunk)");
  if (png.color_type == 3 && !have_plte) decode_fail(in, "PNG", "palette image without a PLTE chunk");
  const std::uint64_t row_bytes = (std::uint64_t{png.width} * channels_of(png.color_type) * png.depth + 7) / 8;
  check_plausible(in, "PNG", row_bytes * png.height / kMaxDeflateRatio, png.idat_bytes,
                  {static_cast<int>(png.height), static_cast<int>(png.width)});
}

}  // namespace

PngLayout scan_png(const DecodeInput& in, ByteSource& bytes, bool bodies) {
  const std::uint64_t size = bytes.size();
  const auto signature = bytes.at(0, 8);
  if (signature.size() < 8 || std::memcmp(signature.data(), kSignature, 8) != 0)
    decode_fail(in, "PNG", "bad signature");
  PngLayout png;
  bool have_ihdr = false, have_plte = false, idat_ended = false;
  std::uint64_t released = 0;  // a streamed decode drops the pages of a mapped file as the CRCs pass them
  for (std::uint64_t pos = 8; pos < size;) {
    if (in.sink && pos - released >= kReleaseBytes) {
      release_mapped(in.data);
      released = pos;
    }
    const ChunkHead ch = chunk_head(in, bytes, pos);
    const std::uint32_t len = ch.len;
    const std::string& name = ch.name;
    const bool critical = ch.critical;
    const bool is_idat = name == "IDAT";
    if (!bodies) {
      // Probing: the sizes of IHDR and PLTE are checked before their bodies
      // are read (a hostile length is never read).
      if (name == "IHDR" && len != 13) read_ihdr(in, png, nullptr, len);
      if (name == "PLTE" && have_ihdr) read_plte(in, png, len);
    }
    // The type, body and CRC of this chunk, read when needed: every chunk
    // when decoding; when probing, the small ones the header needs
    // (IHDR, PLTE, IEND and eXIf, their CRCs checked), never the image
    // data, and an unknown critical chunk is refused unread.
    std::span<const std::uint8_t> chunk;
    if (bodies || name == "IHDR" || name == "PLTE" || name == "IEND" || name == "eXIf") {
      chunk = bytes.at(pos + 4, std::uint64_t{len} + 8);
      if (chunk.size() < std::uint64_t{len} + 8) decode_fail(in, "PNG", "truncated file (chunk " + name + ")");
    }
    const std::uint8_t* body = chunk.empty() ? nullptr : chunk.data() + 4;
    if (body && (critical || name == "eXIf") && libdeflate_crc32(0, chunk.data(), len + 4) != be32(body + len))
      decode_fail(in, "PNG", "CRC error in chunk " + name);
    // An APNG's frame count: the first 4 bytes of acTL (not CRC-checked,
    // as no ancillary chunk but eXIf is; decoding ignores it).
    std::span<const std::uint8_t> actl;
    if (name == "acTL" && len >= 4) actl = bytes.at(pos + 8, 4);
    pos += 12 + std::uint64_t{len};
    if (name == "IHDR") {
      if (have_ihdr) decode_fail(in, "PNG", "second IHDR chunk");
      read_ihdr(in, png, body, len);
      have_ihdr = true;
      continue;
    }
    if (!have_ihdr) decode_fail(in, "PNG", "first chunk is " + name + ", not IHDR");
    if (is_idat) {
      if (idat_ended) decode_fail(in, "PNG", "IDAT chunks are not consecutive");
      if (bodies) png.idat.emplace_back(body, len);
      png.idat_bytes += len;
      ++png.idat_chunks;
      continue;
    }
    idat_ended = png.idat_chunks > 0;
    if (name == "IEND") break;
    if (name == "PLTE") {
      if (have_plte) decode_fail(in, "PNG", "second PLTE chunk");
      read_plte(in, png, len);
      have_plte = true;
    } else if (name == "eXIf") {
      if (png.exif.empty()) png.exif = {body, len};
    } else if (name == "acTL") {
      if (actl.size() == 4 && png.frames == 0) png.frames = be32(actl.data());
    } else if (critical) {
      decode_fail(in, "PNG", "unknown critical chunk " + name);
    }
  }
  check_scanned(in, png, have_ihdr, have_plte);
  return png;
}

PngLayout scan_png(const DecodeInput& in) {
  ByteSource bytes(in.data);
  return scan_png(in, bytes, true);
}

Mode png_mode(const PngLayout& png) noexcept {
  if (png.color_type == 0) return png.depth == 1 ? Mode::Binary : Mode::L;
  return png.color_type == 4 ? Mode::L : Mode::RGB;
}

bool png_interlaced(std::span<const std::uint8_t> d) noexcept {
  return d.size() >= 33 && std::memcmp(d.data(), kSignature, 8) == 0 && std::memcmp(&d[12], "IHDR", 4) == 0 &&
         d[28] != 0;
}

Decoded decode_png(const DecodeInput& in) {
  if (in.sink && png_interlaced(in.data)) return decode_png(whole(in));  // interlaced: decoded whole
  const PngLayout png = scan_png(in);
  Decoded out;
  if (in.sink) {
    const int o = png.exif.empty() ? 0 : parse_exif_orientation(png.exif);
    stream_png(in, png, o ? o : 1);
    out.format = Format::PNG;
    out.orientation = o ? o : 1;
    return out;
  }
  if (png_fast_path(png)) {
    out = decode_png_fast(in, png);
  } else {
    // The zlib Adler-32 is redundant with the IDAT CRCs, which scan_png checked.
    SpngCtx ctx(spng_ctx_new(SPNG_CTX_IGNORE_ADLER32));
    if (!ctx) decode_fail(in, "PNG", "cannot create a decoder");
    auto fail = [&](int rc) { decode_fail(in, "PNG", spng_strerror(rc)); };
    int rc = spng_set_png_buffer(ctx.get(), in.data.data(), in.data.size());
    if (rc) fail(rc);
    spng_set_chunk_limits(ctx.get(), 64u << 20, 64u << 20);
    const ImageSize sz{static_cast<int>(png.height), static_cast<int>(png.width)};
    const std::size_t npx = sz.area();
    const Mode mode = png_mode(png);
    const bool gray = mode != Mode::RGB;
    const int keep = gray ? 1 : 3;
    // Decodes in `fmt` into `buf`, which must have exactly the size libspng
    // computes for it.
    auto decode_into = [&](void* buf, std::size_t size, int fmt) {
      std::size_t need = 0;
      if ((rc = spng_decoded_image_size(ctx.get(), fmt, &need))) fail(rc);
      if (need != size) decode_fail(in, "PNG", "unexpected decoded size");
      if ((rc = spng_decode_image(ctx.get(), buf, size, fmt, 0))) fail(rc);
    };
    if (png.depth == 16 || png.color_type == 4) {
      // The file's own layout (host-endian 16-bit samples); alpha dropped.
      const int ch = channels_of(png.color_type);
      const std::size_t bytes_per_sample = png.depth / 8;
      std::vector<std::uint8_t> raw(npx * ch * bytes_per_sample);
      decode_into(raw.data(), raw.size(), SPNG_FMT_PNG);
      out.image = Image::generate(sz, mode, PixelType::U8, [&](std::span<std::byte> b) {
        auto* o = reinterpret_cast<std::uint8_t*>(b.data());
        for (std::size_t i = 0; i < npx; ++i)
          for (int c = 0; c < keep; ++c) {
            const std::size_t s = i * ch + c;
            if (bytes_per_sample == 2) {
              std::uint16_t v;
              std::memcpy(&v, &raw[2 * s], 2);
              o[i * keep + c] = from16(v);
            } else {
              o[i * keep + c] = raw[s];
            }
          }
      });
    } else if (png.color_type == 0) {
      const bool binary = mode == Mode::Binary;
      out.image = Image::generate(sz, mode, PixelType::U8, [&](std::span<std::byte> b) {
        decode_into(b.data(), b.size(), SPNG_FMT_G8);
        if (binary)
          for (auto& v : b) v = static_cast<std::byte>(static_cast<std::uint8_t>(v) != 0 ? 1 : 0);
      });
    } else {
      out.image = Image::generate(sz, mode, PixelType::U8,
                                  [&](std::span<std::byte> b) { decode_into(b.data(), b.size(), SPNG_FMT_RGB8); });
    }
  }
  out.format = Format::PNG;
  const int o = png.exif.empty() ? 0 : parse_exif_orientation(png.exif);
  out.orientation = o ? o : 1;
  return out;
}

ImageInfo probe_png(const ProbeInput& in) {
  const PngLayout png = scan_png(in.decode_input(), in.bytes, false);
  ImageInfo info;
  info.stored_size = info.size = {static_cast<int>(png.height), static_cast<int>(png.width)};
  info.mode = png_mode(png);
  const int o = png.exif.empty() ? 0 : parse_exif_orientation(png.exif);
  info.orientation = o ? o : 1;
  // An APNG's frame count (acTL), when it is sane; 1 otherwise.
  info.frames = png.frames >= 1 && png.frames <= 0x7fffffff ? static_cast<int>(png.frames) : 1;
  return info;
}

}  // namespace pixelcache::detail
