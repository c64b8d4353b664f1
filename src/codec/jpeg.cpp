// JPEG through libjpeg-turbo's TurboJPEG API.
#include <turbojpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#include "codec.hpp"
#include "jpeg_dc.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::detail {

namespace {

struct TjDeleter {
  void operator()(void* h) const noexcept { tjDestroy(h); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

struct Markers {
  std::span<const std::uint8_t> exif;
  bool adobe = false;
  bool arithmetic = false;  ///< arithmetic-coded (SOF9..SOF15 but DHT / JPG / DAC)
  /// When the walk stopped because `d` ended (a part of a file): the bytes
  /// a longer part needs for the walk to go on, up to the end of the first
  /// SOS segment; 0 when it stopped for another reason.
  std::size_t more = 0;
};

// Walks the marker segments before the first SOS, bounds-checked.
Markers scan_markers(std::span<const std::uint8_t> d) {
  Markers m;
  std::size_t pos = 2;  // after SOI
  for (;;) {
    if (pos + 4 > d.size()) {
      m.more = pos + 4;
      break;
    }
    if (d[pos] != 0xFF) break;
    const std::uint8_t marker = d[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD9) break;  // EOI
    const std::size_t len = (std::size_t{d[pos + 2]} << 8) | d[pos + 3];
    if (len >= 2 && pos + 2 + len > d.size()) m.more = pos + 2 + len;
    if (marker == 0xDA || len < 2 || pos + 2 + len > d.size()) break;  // SOS, or no segment to skip
    const auto payload = d.subspan(pos + 4, len - 2);
    if (marker == 0xE1 && payload.size() >= 6 && std::memcmp(payload.data(), "Exif\0\0", 6) == 0 && m.exif.empty())
      m.exif = payload;
    if (marker == 0xEE && payload.size() >= 5 && std::memcmp(payload.data(), "Adobe", 5) == 0) m.adobe = true;
    if (marker >= 0xC9 && marker <= 0xCF && marker != 0xCC) m.arithmetic = true;
    pos += 2 + len;
  }
  return m;
}

struct JpegHeader {
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
};

// TurboJPEG's header read (the markers up to the first SOS) of `data`;
// false on failure (tjGetErrorStr2(h) says why).
bool read_header(void* h, std::span<const std::uint8_t> data, JpegHeader& hd) {
  return tjDecompressHeader3(h, const_cast<unsigned char*>(data.data()), static_cast<unsigned long>(data.size()),
                             &hd.width, &hd.height, &hd.subsamp, &hd.colorspace) == 0;
}

// The limits for a header: decoded as 1 (gray) or 3 bytes a pixel.
void check_header(const DecodeInput& in, const JpegHeader& hd) {
  check_dimensions(in, "JPEG", static_cast<std::uint64_t>(hd.width), static_cast<std::uint64_t>(hd.height),
                   hd.colorspace == TJCS_GRAY ? 1 : 3);
}

// Gray files load as L; YCbCr, RGB, CMYK and YCCK ones as RGB.
Mode jpeg_mode(const JpegHeader& hd) { return hd.colorspace == TJCS_GRAY ? Mode::L : Mode::RGB; }

// The size decode_jpeg() gives (stored orientation): the header's, or with
// a shrink-on-load hint the smallest DCT scale (1/8 .. 1) that stays at or
// above the hinted size, compared in stored orientation.
ImageSize decoded_size(const JpegHeader& hd, int orientation, const LoadOptions& options, int* scale = nullptr) {
  int w = hd.width, ht = hd.height;
  const ImageSize hint = options.shrink_hint;
  const int min_side = options.shrink_min_side;
  if (hint.height > 0 || hint.width > 0 || min_side > 0) {
    const bool swap = options.apply_orientation && orientation >= 5;
    const int want_w = swap ? hint.height : hint.width;  // 0: free
    const int want_h = swap ? hint.width : hint.height;
    for (int denom : {8, 4, 2}) {
      const tjscalingfactor f{1, denom};
      const int sw = TJSCALED(w, f), sh = TJSCALED(ht, f);
      if (sw >= want_w && sh >= want_h && std::min(sw, sh) >= min_side) {
        if (scale) *scale = denom;
        return {sh, sw};
      }
    }
  }
  return {ht, w};
}

inline std::uint8_t muldiv255(int a, int b) {
  const int t = a * b + 128;
  return static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
}

// Fails (DecodeError) for TurboJPEG's answer `rc` of a decode on `h` unless
// it is 0 or a warning: warnings (e.g. extraneous bytes) still give a
// complete image; a premature end does not, and is an error here as in
// Pillow. TurboJPEG 2.1 also says TJERR_WARNING for a fatal error that
// follows a warning (the decode stopped, the buffer is not written), so the
// message must be one of libjpeg's warnings (JWRN_* in jerror.h).
void check_turbo(void* h, int rc, const DecodeInput& in) {
  if (rc == 0) return;
  const std::string msg = tjGetErrorStr2(h);
  for (const char* w :
       {"Corrupt JPEG data", "Warning: ", "Unknown Adobe color transform code", "Inconsistent progression sequence",
        "Invalid SOS parameters for sequential JPEG", "Application transferred too many scanlines"})
    if (tjGetErrorCode(h) == TJERR_WARNING && msg.rfind(w, 0) == 0) return;
  decode_fail(in, "JPEG", msg.find("Premature end") != std::string::npos ? "truncated file (" + msg + ")" : msg);
}

// decode_jpeg() and decode_jpeg_luma(): with `luma`, a gray or YCbCr file
// is decoded to its first component (TurboJPEG's TJPF_GRAY; at 1/8 scale
// from the DC coefficients on every core when jpeg_dc_luma() takes it).
Decoded decode(const DecodeInput& in, bool luma) {
  TjHandle h(tjInitDecompress());
  if (!h) decode_fail(in, "JPEG", "cannot create a TurboJPEG decompressor");
  auto* buf = const_cast<unsigned char*>(in.data.data());
  const auto size = static_cast<unsigned long>(in.data.size());
  JpegHeader hd;
  if (!read_header(h.get(), in.data, hd)) decode_fail(in, "JPEG", tjGetErrorStr2(h.get()));
  check_header(in, hd);
  const int cs = hd.colorspace;
  const Markers markers = scan_markers(in.data);
  // Every 8 x 8 block of the full-resolution component costs at least one
  // bit of Huffman-coded data (its DC code): a file too small for that is
  // truncated, refused before libjpeg-turbo pads a huge image with gray.
  if (!markers.arithmetic) {
    const std::uint64_t blocks =
        ((static_cast<std::uint64_t>(hd.width) + 7) / 8) * ((static_cast<std::uint64_t>(hd.height) + 7) / 8);
    check_plausible(in, "JPEG", blocks / 8, in.data.size(), {hd.height, hd.width});
  }
  const int orient = parse_exif_orientation(markers.exif);
  // Shrink on load (LoadOptions::shrink_hint): decoded at a smaller scale.
  const ImageSize full{hd.height, hd.width};  // stored orientation
  int scale = 1;
  const ImageSize scaled = decoded_size(hd, orient, in.options, &scale);
  const int w = scaled.width, ht = scaled.height;

  auto check = [&](int rc) { check_turbo(h.get(), rc, in); };

  Decoded out;
  out.format = Format::JPEG;
  out.full_size = full;
  const ImageSize sz{ht, w};
  if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
    std::vector<std::uint8_t> cmyk(static_cast<std::size_t>(w) * ht * 4);
    check(tjDecompress2(h.get(), buf, size, cmyk.data(), w, 0, ht, TJPF_CMYK, 0));
    out.image = Image::generate(sz, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
      auto* o = reinterpret_cast<std::uint8_t*>(b.data());
      const std::size_t n = static_cast<std::size_t>(w) * ht;
      for (std::size_t i = 0; i < n; ++i) {
        int c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
        if (markers.adobe) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;  // Adobe stores inverted CMYK
        const int nk = 255 - k;
        o[3 * i] = static_cast<std::uint8_t>(nk - muldiv255(c, nk));
        o[3 * i + 1] = static_cast<std::uint8_t>(nk - muldiv255(m, nk));
        o[3 * i + 2] = static_cast<std::uint8_t>(nk - muldiv255(y, nk));
      }
    });
  } else {
    const bool gray = luma || cs == TJCS_GRAY;
    std::optional<Image> dc;
    // TurboJPEG scales by the largest factor whose size fits the one asked
    // for: 1/8 unless both sides are 4 or less (then 1/4 or more).
    if (luma && scale == 8 && std::max(hd.width, hd.height) > 4 && (cs == TJCS_GRAY || cs == TJCS_YCbCr) &&
        !markers.arithmetic)
      dc = jpeg_dc_luma(in.data);
    if (dc && dc->size() == sz)
      out.image = std::move(*dc);
    else
      out.image = Image::generate(sz, gray ? Mode::L : Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
        std::memset(b.data(), 0, b.size());  // whatever libjpeg-turbo leaves unwritten is never heap contents
        check(tjDecompress2(h.get(), buf, size, reinterpret_cast<unsigned char*>(b.data()), w, 0, ht,
                            gray ? TJPF_GRAY : TJPF_RGB, 0));
      });
  }
  out.orientation = orient ? orient : 1;
  out.scale = scale;
  return out;
}
}  // namespace

Decoded decode_jpeg(const DecodeInput& in) { return decode(in, false); }

Decoded decode_jpeg_luma(const DecodeInput& in) { return decode(in, true); }

ImageInfo probe_jpeg(const ProbeInput& in) {
  const DecodeInput din = in.decode_input();
  TjHandle h(tjInitDecompress());
  if (!h) decode_fail(din, "JPEG", "cannot create a TurboJPEG decompressor");
  // The markers up to the first SOS, read on while a part of the file ends
  // before them (a large EXIF block, ICC profile or thumbnail). When the
  // walk was clean, TurboJPEG then reads the same markers as from the whole
  // file; when it was not (bytes libjpeg skips with a warning), TurboJPEG
  // is asked again on a longer part until it succeeds or has it all.
  std::uint64_t want = kProbeFirstRead;
  for (;;) {
    const auto d = in.bytes.prefix(want);
    const bool whole = d.size() >= in.bytes.size();
    const Markers markers = scan_markers(d);
    if (!whole && markers.more > d.size()) {
      want = markers.more;
      continue;
    }
    JpegHeader hd;
    if (!read_header(h.get(), d, hd)) {
      if (!whole) {
        want = 2 * d.size();
        continue;
      }
      decode_fail(din, "JPEG", tjGetErrorStr2(h.get()));
    }
    check_header(din, hd);
    const int orient = parse_exif_orientation(markers.exif);
    ImageInfo info;
    info.stored_size = {hd.height, hd.width};
    info.orientation = orient ? orient : 1;
    info.size = decoded_size(hd, info.orientation, in.options);
    info.mode = jpeg_mode(hd);
    return info;
  }
}

std::vector<std::uint8_t> encode_jpeg(const Image& img, const EncodeOptions& opt) {
  TjHandle h(tjInitCompress());
  if (!h) throw EncodeError("JPEG: cannot create a TurboJPEG compressor");
  // JPEG has no 1-bit mode: binary images are written as gray 0 / 255.
  const Image src = img.is_binary() ? to_gray(img) : img.as_u8();
  const std::uint8_t* px = src.u8_view().data();
  const bool gray = src.channels() == 1;
  unsigned char* jpeg = nullptr;
  unsigned long jsize = 0;
  if (tjCompress2(h.get(), px, src.width(), 0, src.height(), gray ? TJPF_GRAY : TJPF_RGB, &jpeg, &jsize,
                  gray ? TJSAMP_GRAY : TJSAMP_420, opt.quality, TJFLAG_ACCURATEDCT) != 0) {
    const std::string msg = tjGetErrorStr2(h.get());
    if (jpeg) tjFree(jpeg);
    throw EncodeError("JPEG: " + msg);
  }
  std::vector<std::uint8_t> out(jpeg, jpeg + jsize);
  tjFree(jpeg);
  return out;
}

}  // namespace pixelcache::detail
