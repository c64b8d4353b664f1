// The 1/8-scale luma of a baseline JPEG from its DC coefficients, the
// Huffman decoding split over threads (jpeg_dc.hpp).
#include "jpeg_dc.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <new>
#include <optional>
#include <vector>

#include "../work_pool.hpp"

namespace pixelcache::detail {

namespace {

// Bits a fast table looks up at once.
constexpr int kLookahead = 11;
// Zero bytes after the data: an MCU reads at most 10 blocks of 27 + 63 x 31
// bits (about 2.5 KB) before the bounds check that follows it.
constexpr std::size_t kPad = 4096;
// Entropy-coded bytes a thread gets at least.
constexpr std::size_t kMinSegment = 128 * 1024;

// A Huffman table: canonical codes (decoded by length past the fast table)
// and a fast table of kLookahead bits. For a DC table an entry is
// (code length) | (magnitude bits << 8); for an AC table, whose values are
// skipped, (bits to consume: the code and, where they fit, the magnitude
// bits) | (coefficients advanced << 8) | (EOB << 16) | (magnitude bits still
// to read << 24). 0: a code longer than kLookahead.
struct Huffman {
  std::array<std::uint32_t, 1 << kLookahead> fast{};
  // AC tables: every whole symbol (code and magnitude bits, the last may be
  // EOB) the kLookahead bits hold: (bits) | (coefficients advanced, plus 1
  // after an EOB << 8) | (EOB << 16); 0 when not even one fits.
  std::array<std::uint32_t, 1 << kLookahead> multi{};
  std::array<std::int32_t, 18> maxcode{};  // per length, -1: none
  std::array<std::int32_t, 17> offset{};   // value index = code + offset[length]
  std::array<std::uint8_t, 256> values{};
  bool defined = false;
};

constexpr std::uint32_t kEob = 1u << 16;

// Builds `t` from a DHT's counts and values (class 0: DC, 1: AC); false for
// a table libjpeg-turbo refuses (codes that overflow their length).
bool build(Huffman& t, const std::uint8_t* counts, const std::uint8_t* values, int nvalues, bool ac) {
  t = Huffman{};
  for (int i = 0; i < nvalues && !ac; ++i)
    if (values[i] > 15) return false;  // libjpeg-turbo refuses such a DC table
  std::memcpy(t.values.data(), values, static_cast<std::size_t>(nvalues));
  std::int32_t code = 0;
  int k = 0;
  for (int len = 1; len <= 16; ++len) {
    const int n = counts[len - 1];
    t.offset[static_cast<std::size_t>(len)] = k - code;
    t.maxcode[static_cast<std::size_t>(len)] = n ? code + n - 1 : -1;
    if (code + n > (1 << len) - 1) return false;  // as libjpeg-turbo: no all-ones code, no overflow
    for (int i = 0; i < n; ++i, ++code, ++k) {
      if (len > kLookahead) continue;
      const std::uint8_t sym = values[k];
      std::uint32_t e;
      if (!ac) {
        e = static_cast<std::uint32_t>(len) | (std::uint32_t{sym} << 8);
      } else if (sym == 0xF0) {  // ZRL: 16 zeros
        e = static_cast<std::uint32_t>(len) | (16u << 8);
      } else if ((sym & 15) == 0) {  // EOB; as libjpeg-turbo, any other run with no magnitude ends the block too
        e = static_cast<std::uint32_t>(len) | kEob;
      } else {
        const int run = sym >> 4, size = sym & 15;
        const bool fits = len + size <= kLookahead;
        e = static_cast<std::uint32_t>(fits ? len + size : len) | (static_cast<std::uint32_t>(run + 1) << 8) |
            (fits ? 0u : static_cast<std::uint32_t>(size) << 24);
      }
      const int shift = kLookahead - len;
      for (int f = 0; f < (1 << shift); ++f) t.fast[static_cast<std::size_t>((code << shift) | f)] = e;
    }
    code <<= 1;
  }
  t.maxcode[17] = 0x7FFFFFFF;  // sentinel
  t.defined = true;
  if (ac) {
    constexpr std::uint32_t mask = (1u << kLookahead) - 1;
    for (std::uint32_t v = 0; v <= mask; ++v) {
      int used = 0, adv = 0;
      bool eob = false;
      while (!eob) {
        const std::uint32_t e = t.fast[(v << used) & mask];
        const int bits = static_cast<int>(e & 0xFF);
        if (!e || (e >> 24) || bits > kLookahead - used) break;  // not a whole symbol in the bits left
        used += bits;
        eob = (e & kEob) != 0;
        adv += eob ? 1 : static_cast<int>((e >> 8) & 0xFF);
      }
      if (used)
        t.multi[v] = static_cast<std::uint32_t>(used) | (static_cast<std::uint32_t>(adv) << 8) | (eob ? kEob : 0);
    }
  }
  return true;
}

// A code longer than kLookahead: its value and length from the top 16 bits
// of `acc`; false for a bit pattern that is no code.
inline bool slow_decode(const Huffman& t, std::uint64_t acc, int& len, int& value) {
  for (len = kLookahead + 1; len <= 16; ++len) {
    const auto code = static_cast<std::int32_t>(acc >> (64 - len));
    if (code <= t.maxcode[static_cast<std::size_t>(len)]) {
      const int at = code + t.offset[static_cast<std::size_t>(len)];
      if (at < 0 || at > 255) return false;
      value = t.values[static_cast<std::size_t>(at)];
      return true;
    }
  }
  return false;
}

struct Component {
  int id = 0, h = 1, v = 1, tq = 0, dc = 0, ac = 0;
};

// What the markers before the scan say, and the scan's data without byte
// stuffing or restart markers.
struct Stream {
  int width = 0, height = 0;
  std::vector<Component> comps;  // the scan's, in scan order (the frame's first is comps[0])
  int hmax = 1, vmax = 1;
  std::array<Huffman, 4> dc_tables, ac_tables;
  int q0 = 0;                               // the first component's quantiser of the DC coefficient
  std::uint32_t restart = 0;                // MCUs a restart interval (0: none)
  std::vector<std::uint8_t> bytes;          // entropy-coded data, unstuffed, then kPad zeros
  std::size_t size = 0;                     // ... of which data
  std::vector<std::size_t> interval_start;  // byte offset of each restart interval
  // The MCU grid and each MCU's blocks: the component's tables and, for a
  // luma block, its place in the MCU (by * luma_w + bx), else -1.
  int mcus_per_row = 0, mcu_rows = 0;
  std::uint64_t mcus = 0;                       // in the image
  int luma_w = 1, luma_h = 1, luma_blocks = 1;  // luma blocks an MCU: luma_w x luma_h
  std::uint64_t data_bits() const noexcept { return std::uint64_t{size} * 8; }
  std::vector<int> block_luma;
  std::vector<const Huffman*> block_dc, block_ac;
};

inline int be16(const std::uint8_t* p) { return (p[0] << 8) | p[1]; }

// The quantiser of each table's DC coefficient, where defined.
using DcQuantisers = std::array<std::optional<int>, 4>;

// SOF0 / SOF1 (payload p[0..n)): 8-bit samples, 1 to 4 components with
// distinct ids.
bool read_frame(const std::uint8_t* p, std::size_t n, Stream& s, std::vector<Component>& frame) {
  if (!frame.empty() || n < 6 || p[0] != 8) return false;
  s.height = be16(p + 1), s.width = be16(p + 3);
  const int nf = p[5];
  if (s.width == 0 || s.height == 0 || s.width > 65500 || s.height > 65500) return false;  // JPEG_MAX_DIMENSION
  if (nf < 1 || nf > 4 || n != 6 + 3 * static_cast<std::size_t>(nf)) return false;
  for (int i = 0; i < nf; ++i) {
    const std::uint8_t* c = p + 6 + 3 * i;
    const Component comp{c[0], c[1] >> 4, c[1] & 15, c[2], 0, 0};
    if (comp.h < 1 || comp.h > 4 || comp.v < 1 || comp.v > 4 || comp.tq > 3) return false;
    for (const Component& other : frame)
      if (other.id == comp.id) return false;  // duplicate component ids
    frame.push_back(comp);
  }
  return true;
}

// DHT: one or more tables.
bool read_tables(const std::uint8_t* p, std::size_t n, Stream& s) {
  for (std::size_t i = 0; i < n;) {
    if (i + 17 > n) return false;
    const int tc = p[i] >> 4, th = p[i] & 15;
    int count = 0;
    for (int l = 0; l < 16; ++l) count += p[i + 1 + static_cast<std::size_t>(l)];
    if (tc > 1 || th > 3 || count > 256 || i + 17 + static_cast<std::size_t>(count) > n) return false;
    Huffman& t = (tc ? s.ac_tables : s.dc_tables)[static_cast<std::size_t>(th)];
    if (!build(t, p + i + 1, p + i + 17, count, tc == 1)) return false;
    i += 17 + static_cast<std::size_t>(count);
  }
  return true;
}

// DQT: one or more tables, of which the DC quantiser is kept.
bool read_quantisers(const std::uint8_t* p, std::size_t n, DcQuantisers& quant) {
  for (std::size_t i = 0; i < n;) {
    const int pq = p[i] >> 4, tq = p[i] & 15;
    const std::size_t bytes = pq ? 128 : 64;
    if (pq > 1 || tq > 3 || i + 1 + bytes > n) return false;
    const int q = pq ? be16(p + i + 1) : p[i + 1];
    if (q > 32767) return false;  // libjpeg-turbo keeps quantisers in a short
    quant[static_cast<std::size_t>(tq)] = q;
    i += 1 + bytes;
  }
  return true;
}

// SOS: one sequential scan holding every component of the frame, in its
// order, with defined Huffman tables.
bool read_scan_header(const std::uint8_t* p, std::size_t n, const std::vector<Component>& frame, Stream& s) {
  if (frame.empty() || n < 1) return false;
  const int ns = p[0];
  if (ns < 1 || n != 4 + 2 * static_cast<std::size_t>(ns) || ns != static_cast<int>(frame.size())) return false;
  for (int i = 0; i < ns; ++i) {
    const std::uint8_t* c = p + 1 + 2 * i;
    Component comp = frame[static_cast<std::size_t>(i)];
    if (c[0] != comp.id) return false;
    comp.dc = c[1] >> 4, comp.ac = c[1] & 15;
    if (comp.dc > 3 || comp.ac > 3 || !s.dc_tables[static_cast<std::size_t>(comp.dc)].defined ||
        !s.ac_tables[static_cast<std::size_t>(comp.ac)].defined)
      return false;
    s.comps.push_back(comp);
  }
  const std::uint8_t* tail = p + 1 + 2 * ns;
  return tail[0] == 0 && tail[1] == 63 && tail[2] == 0;  // Ss, Se, Ah / Al of a sequential scan
}

// An APPn or COM segment libjpeg-turbo reads without a warning: not a
// JFIF APP0 of another major version, nor an Adobe APP14 whose colour
// transform is neither 0 nor 1.
bool app_or_comment(std::uint8_t marker, const std::uint8_t* p, std::size_t n) {
  if (marker == 0xE0 && n >= 14 && std::memcmp(p, "JFIF\0", 5) == 0) return p[5] == 1;
  if (marker == 0xEE && n >= 12 && std::memcmp(p, "Adobe", 5) == 0) return p[11] <= 1;
  return (marker >= 0xE0 && marker <= 0xEF) || marker == 0xFE;
}

// Walks the marker segments from SOI to the first SOS (only APPn and COM
// are skipped); `pos` ends after the SOS segment.
bool read_markers(std::span<const std::uint8_t> d, Stream& s, DcQuantisers& quant, std::size_t& pos) {
  if (d.size() < 4 || d[0] != 0xFF || d[1] != 0xD8) return false;
  std::vector<Component> frame;
  for (pos = 2;;) {
    if (pos + 4 > d.size() || d[pos] != 0xFF) return false;
    const std::uint8_t marker = d[pos + 1];
    if (marker == 0xFF) {  // fill
      ++pos;
      continue;
    }
    const std::size_t len = static_cast<std::size_t>(be16(&d[pos + 2]));
    if (len < 2 || pos + 2 + len > d.size()) return false;
    const std::uint8_t* p = &d[pos + 4];
    const std::size_t n = len - 2;
    pos += 2 + len;
    bool ok = true;
    if (marker == 0xC0 || marker == 0xC1)
      ok = read_frame(p, n, s, frame);  // baseline / extended, Huffman
    else if (marker == 0xC4)
      ok = read_tables(p, n, s);
    else if (marker == 0xDB)
      ok = read_quantisers(p, n, quant);
    else if (marker == 0xDD && n == 2)
      s.restart = static_cast<std::uint32_t>(be16(p));  // DRI
    else if (marker == 0xDA)
      return read_scan_header(p, n, frame, s);
    else
      ok = app_or_comment(marker, p, n);  // not progressive, arithmetic, DNL, EOI...
    if (!ok) return false;
  }
}

// The MCU grid and each MCU's blocks; false where the luma is subsampled
// or an MCU holds more blocks than libjpeg-turbo allows.
bool lay_out(Stream& s) {
  for (const Component& c : s.comps) s.hmax = std::max(s.hmax, c.h), s.vmax = std::max(s.vmax, c.v);
  const Component& y = s.comps[0];
  if (y.h != s.hmax || y.v != s.vmax) return false;
  const bool one = s.comps.size() == 1;  // non-interleaved: one block an MCU
  const int mw = one ? 8 : 8 * s.hmax, mh = one ? 8 : 8 * s.vmax;
  s.mcus_per_row = (s.width + mw - 1) / mw, s.mcu_rows = (s.height + mh - 1) / mh;
  for (std::size_t ci = 0; ci < s.comps.size(); ++ci) {
    const Component& c = s.comps[ci];
    for (int b = 0; b < (one ? 1 : c.h * c.v); ++b) {
      s.block_luma.push_back(ci == 0 ? b : -1);
      s.block_dc.push_back(&s.dc_tables[static_cast<std::size_t>(c.dc)]);
      s.block_ac.push_back(&s.ac_tables[static_cast<std::size_t>(c.ac)]);
    }
  }
  s.mcus = std::uint64_t(s.mcus_per_row) * s.mcu_rows;
  s.luma_w = one ? 1 : y.h, s.luma_h = one ? 1 : y.v, s.luma_blocks = s.luma_w * s.luma_h;
  return s.block_luma.size() <= 10;
}

// The scan's data from `pos` into s.bytes: FF 00 is an FF byte, FF FF...
// fill before a marker, RSTn (in order) between restart intervals, and EOI
// must end it.
bool read_scan(std::span<const std::uint8_t> d, std::size_t pos, Stream& s) {
  s.bytes.reserve(d.size() - pos + kPad);
  s.interval_start.push_back(0);
  for (;;) {
    const auto* start = d.data() + pos;
    const void* ff = std::memchr(start, 0xFF, d.size() - pos);
    if (!ff) return false;  // no EOI
    const auto* at = static_cast<const std::uint8_t*>(ff);
    s.bytes.insert(s.bytes.end(), start, at);
    std::size_t j = static_cast<std::size_t>(at - d.data()) + 1;
    while (j < d.size() && d[j] == 0xFF) ++j;
    if (j >= d.size()) return false;
    if (d[j] == 0xD9) break;
    if (d[j] == 0x00) {
      s.bytes.push_back(0xFF);
    } else if (d[j] >= 0xD0 && d[j] <= 0xD7) {
      if (!s.restart || d[j] != 0xD0 + (s.interval_start.size() - 1) % 8) return false;
      s.interval_start.push_back(s.bytes.size());
    } else {
      return false;  // another marker: a second scan, DNL, ...
    }
    pos = j + 1;
  }
  s.size = s.bytes.size();
  s.bytes.resize(s.size + kPad, 0);
  return s.size > 0 && s.size < (std::size_t{1} << 28);  // bit positions fit in 32 bits
}

// Reads the markers up to the first SOS and the scan data up to EOI into
// `s`; false for anything jpeg_dc_luma() leaves to libjpeg-turbo.
bool parse(std::span<const std::uint8_t> d, Stream& s) {
  DcQuantisers quant;
  std::size_t pos = 0;
  if (!read_markers(d, s, quant, pos)) return false;
  for (const Component& c : s.comps)  // libjpeg-turbo wants every component's table, used or not
    if (!quant[static_cast<std::size_t>(c.tq)]) return false;
  s.q0 = *quant[static_cast<std::size_t>(s.comps[0].tq)];
  return lay_out(s) && read_scan(d, pos, s);
}

// Where restart interval k starts (bit offset), given that the interval
// before it ended at `bit`: nullopt unless that is in the byte before (the
// rest of the byte is padding), as libjpeg-turbo reads an RSTn marker there.
std::optional<std::uint64_t> interval_bit(const Stream& s, std::uint64_t k, std::uint64_t bit) {
  if (k >= s.interval_start.size() || (bit + 7) / 8 != s.interval_start[k]) return std::nullopt;
  return std::uint64_t{s.interval_start[k]} * 8;
}

// Where each MCU a segment decoded starts (bit offset), the luma DC values
// of each (the segment's own running sums), and where it stopped.
struct Segment {
  std::int64_t first_mcu = -1;       // the MCU index at start[0] when known (restart intervals), else -1
  std::vector<std::uint32_t> start;  // start.back(): after the last whole MCU
  std::vector<std::uint32_t> luma;   // luma_blocks a decoded MCU (sums modulo 2^32, as libjpeg-turbo's)
  bool failed = false;               // stopped at data that is no code, or a misplaced restart
};

// The bits MSB-first in a 64-bit accumulator refilled 7 bytes at a time
// without branches: `n` valid bits at the top of `acc`, the next byte at `p`.
struct Bits {
  std::uint64_t acc = 0;
  int n = 0;
  const std::uint8_t* p = nullptr;
  void refill() noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    acc |= __builtin_bswap64(w) >> n;
    p += (63 - n) >> 3;
    n |= 56;
  }
  void consume(int bits) noexcept { acc <<= bits, n -= bits; }
};

// Huffman decoding from a bit position.
class Decoder {
 public:
  Decoder(const Stream& s, std::uint64_t bit) : s_(s) { seek(bit); }

  void seek(std::uint64_t bit) {
    bits_ = {0, 0, s_.bytes.data() + bit / 8};
    bits_.refill();
    bits_.consume(static_cast<int>(bit % 8));
  }
  std::uint64_t bit() const noexcept { return static_cast<std::uint64_t>(bits_.p - s_.bytes.data()) * 8 - bits_.n; }

  // Decodes one MCU, adding each luma block's DC difference to `pred` and
  // storing the sum in luma[0..luma_blocks); false for a bad code. The
  // reader's state is a local copy here (registers, not memory: the stores
  // to `luma` could otherwise alias it).
  bool mcu(std::uint32_t& pred, std::uint32_t* luma) {
    Bits r = bits_;
    std::uint64_t& acc = r.acc;
    const int& n = r.n;
    const auto refill = [&] { r.refill(); };
    const auto consume = [&](int bits) { r.consume(bits); };
    const std::size_t blocks = s_.block_dc.size();
    bool ok = true;
    for (std::size_t b = 0; b < blocks && ok; ++b) {
      const Huffman& dc = *s_.block_dc[b];
      const Huffman& ac = *s_.block_ac[b];
      if (n < 32) refill();
      int len, size;
      if (const std::uint32_t e = dc.fast[acc >> (64 - kLookahead)]) {
        len = static_cast<int>(e & 0xFF), size = static_cast<int>(e >> 8);
      } else if (!slow_decode(dc, acc, len, size)) {
        ok = false;
        break;
      }
      if (size > 11) {  // not an 8-bit DC difference
        ok = false;
        break;
      }
      consume(len);
      std::int32_t diff = 0;
      if (size) {
        const auto x = static_cast<std::int32_t>(acc >> (64 - size));
        consume(size);
        diff = x < (1 << (size - 1)) ? x - (1 << size) + 1 : x;
      }
      if (const int at = s_.block_luma[b]; at >= 0) {
        pred += static_cast<std::uint32_t>(diff);
        luma[at] = pred;
      }
      for (int k = 1; k < 64;) {
        if (n < 32) refill();
        // Several whole symbols at once where the block cannot end among
        // them (a block whose last coefficient is the 63rd has no EOB).
        const std::uint32_t m = ac.multi[acc >> (64 - kLookahead)];
        if (m && k + static_cast<int>((m >> 8) & 0xFF) <= 64) {
          consume(static_cast<int>(m & 0xFF));
          if (m & kEob) break;
          k += static_cast<int>((m >> 8) & 0xFF);
          continue;
        }
        const std::uint32_t e = ac.fast[acc >> (64 - kLookahead)];
        if (e) {
          consume(static_cast<int>(e & 0xFF));
          if (e & kEob) break;
          consume(static_cast<int>(e >> 24));
          k += static_cast<int>((e >> 8) & 0xFF);
          continue;
        }
        int sym;
        if (!slow_decode(ac, acc, len, sym)) {
          ok = false;
          break;
        }
        consume(len);
        const int run = sym >> 4, bits = sym & 15;
        if (bits) {
          consume(bits);
          k += run + 1;
        } else if (run == 15) {
          k += 16;
        } else {
          break;  // EOB
        }
      }
    }
    bits_ = r;
    return ok;
  }

 private:
  const Stream& s_;
  Bits bits_;
};

// Decodes MCUs from `bit` (an MCU start, or a guess at one) until one would
// start at or after `stop`, the data ends or a code is bad, recording at
// most the image's MCU count (junk after the data costs no memory). With
// restart intervals `first_mcu` is the MCU index at `bit` and the segment
// runs to MCU `end_mcu` exactly, aligning to each interval and resetting
// the predictor; ending anywhere else (a short interval) is a failure.
// Without, first_mcu is 0 for the first segment and -1 (unknown) for the
// others, and `end_mcu` is unused.
Segment decode_segment(const Stream& s, std::uint64_t bit, std::uint64_t stop, std::int64_t first_mcu,
                       std::int64_t end_mcu) {
  Segment out;
  out.first_mcu = first_mcu;
  out.start.reserve(static_cast<std::size_t>(std::min<std::uint64_t>((stop - bit) / 64, s.mcus) + 1));
  Decoder dec(s, bit);
  std::uint32_t pred = 0;
  std::uint32_t luma[16];
  for (std::int64_t m = first_mcu;;) {
    if (s.restart && m % s.restart == 0 && m != first_mcu && m < end_mcu) {
      const auto next = interval_bit(s, static_cast<std::uint64_t>(m) / s.restart, dec.bit());
      if (!next) {
        out.start.push_back(static_cast<std::uint32_t>(dec.bit()));
        out.failed = true;
        break;
      }
      dec.seek(*next);
      pred = 0;
    }
    const std::uint64_t at = dec.bit();
    out.start.push_back(static_cast<std::uint32_t>(at));
    if (s.restart ? m >= end_mcu : at >= stop) break;
    if (out.luma.size() >= s.mcus * static_cast<std::size_t>(s.luma_blocks)) break;  // more MCUs than the image
    if (!dec.mcu(pred, luma) || dec.bit() > s.data_bits()) {
      out.failed = true;
      break;
    }
    out.luma.insert(out.luma.end(), luma, luma + s.luma_blocks);
    if (m >= 0) ++m;
  }
  return out;
}

// The 1x1 inverse DCT of libjpeg-turbo (jidctred.c) with its range limit.
inline std::uint8_t dc_pixel(std::uint32_t dc, int q0) {
  const int v = static_cast<std::int16_t>(dc) * q0;  // the coefficient is a JCOEF (short)
  const int i = ((v + 4) >> 3) & 1023;
  return static_cast<std::uint8_t>(i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896);
}

// Decodes the data in segments on up to `threads` threads: equal byte
// ranges (each but the first a guess at an MCU start), or with restart
// markers whole intervals (no guess). Empty when memory ran out.
std::vector<Segment> decode_segments(const Stream& s, unsigned threads, std::size_t min_segment) {
  unsigned n = threads ? threads : usable_cores();
  n = static_cast<unsigned>(std::clamp<std::size_t>(s.size / (min_segment ? min_segment : kMinSegment), 1, n));
  if (s.restart) n = static_cast<unsigned>(std::min<std::size_t>(n, s.interval_start.size()));
  std::vector<std::uint64_t> begin(n + 1);
  std::vector<std::int64_t> first(n, -1);
  for (unsigned t = 0; t < n; ++t) {
    if (s.restart) {
      const std::size_t k = s.interval_start.size() * t / n;
      begin[t] = std::uint64_t{s.interval_start[k]} * 8;
      first[t] = static_cast<std::int64_t>(k * s.restart);
    } else {
      begin[t] = std::uint64_t{s.size} * t / n * 8;
    }
  }
  first[0] = 0;
  begin[n] = s.data_bits();
  std::vector<Segment> seg(n);
  std::atomic<bool> out_of_memory{false};
  run_pool(n, n,
           [&](unsigned, std::size_t t) {
             try {
               seg[t] = decode_segment(s, begin[t], begin[t + 1], first[t],
                                       t + 1 < n ? first[t + 1] : static_cast<std::int64_t>(s.mcus));
             } catch (const std::bad_alloc&) {
               out_of_memory = true;
             }
           },
           {}, {});
  if (out_of_memory) seg.clear();  // the caller leaves the file to libjpeg-turbo
  return seg;
}

// Puts the segments together into the luma image: segment 0 is right from
// its start; each later one from the first MCU start that the right
// decoding (segment 0's, then decoded here) reaches and it recorded.
class Stitcher {
 public:
  explicit Stitcher(const Stream& s)
      : s_(s),
        out_w_((s.width + 7) / 8),
        out_h_((s.height + 7) / 8),
        px_(static_cast<std::size_t>(out_w_) * out_h_),
        dec_(s, 0) {}

  // The image, or nullopt where the data does not decode to the end.
  std::optional<Image> run(const std::vector<Segment>& seg) {
    adopt(seg[0], 0);
    for (std::size_t t = 1; t < seg.size() && mcu_ < s_.mcus && !failed_; ++t) {
      // Decode on from at_ until an MCU start that segment t recorded;
      // past its last record it is of no use and the next one is tried.
      const Segment& g = seg[t];
      for (std::size_t j = 0;;) {
        if (!settle()) return std::nullopt;
        while (j < g.start.size() && g.start[j] < at_) ++j;
        if (j == g.start.size() || mcu_ >= s_.mcus) break;
        // (A segment of restart intervals is right from its first MCU
        // only: reached at another MCU index, the intervals before it were
        // short, which libjpeg-turbo decodes with a warning.)
        if (g.start[j] == at_ && (g.first_mcu < 0 || (j == 0 && mcu_ == static_cast<std::uint64_t>(g.first_mcu)))) {
          adopt(g, j);
          break;
        }
        if (!step()) return std::nullopt;
      }
    }
    while (mcu_ < s_.mcus && !failed_)  // whatever no segment covered
      if (!settle() || !step()) return std::nullopt;
    // Every MCU decoded and nothing but the last byte's padding left.
    if (mcu_ < s_.mcus || (at_ + 7) / 8 != s_.size) return std::nullopt;
    return Image::generate({out_h_, out_w_}, Mode::L, PixelType::U8,
                           [&](std::span<std::byte> b) { std::memcpy(b.data(), px_.data(), px_.size()); });
  }

 private:
  // The pixels of MCU mcu_ from its luma DC values (+ delta).
  void place(const std::uint32_t* luma, std::uint32_t delta) {
    const int bw = s_.luma_w, bh = s_.luma_h;
    const int mx = static_cast<int>(mcu_ % s_.mcus_per_row), my = static_cast<int>(mcu_ / s_.mcus_per_row);
    for (int by = 0; by < bh; ++by)
      for (int bx = 0; bx < bw; ++bx) {
        const int r = my * bh + by, c = mx * bw + bx;
        if (r < out_h_ && c < out_w_)
          px_[static_cast<std::size_t>(r) * out_w_ + c] = dc_pixel(luma[by * bw + bx] + delta, s_.q0);
      }
    ++mcu_;
  }

  // At a restart interval's first MCU: at_ moves to the interval's byte and
  // the predictor restarts; false when the interval before did not end in
  // the byte before.
  bool settle() {
    if (!s_.restart || mcu_ == 0 || mcu_ >= s_.mcus || mcu_ % s_.restart != 0) return true;
    const auto next = interval_bit(s_, mcu_ / s_.restart, at_);
    if (!next) return false;
    at_ = *next;
    pred_ = 0;
    return true;
  }

  // Takes g's MCUs from `from` on, right up to a predictor offset (none
  // after a restart, which resets both).
  void adopt(const Segment& g, std::size_t from) {
    const auto lb = static_cast<std::size_t>(s_.luma_blocks);
    const std::uint32_t delta = pred_ - (from ? g.luma[from * lb - 1] : 0u);
    const std::size_t decoded = g.luma.size() / lb;
    std::size_t i = from;
    for (; i < decoded && mcu_ < s_.mcus; ++i) place(&g.luma[i * lb], delta);
    at_ = g.start[i];
    if (i > 0) pred_ = g.luma[i * lb - 1] + delta;
    failed_ = g.failed && i == decoded;
  }

  // Decodes the MCU at at_ here; false for a bad code or the data's end.
  bool step() {
    if (dec_.bit() != at_) dec_.seek(at_);
    std::uint32_t luma[16];
    if (!dec_.mcu(pred_, luma) || dec_.bit() > s_.data_bits()) return false;
    place(luma, 0);
    at_ = dec_.bit();
    return true;
  }

  const Stream& s_;
  const int out_w_, out_h_;
  std::vector<std::uint8_t> px_;
  Decoder dec_;
  std::uint64_t mcu_ = 0;   // MCUs placed
  std::uint64_t at_ = 0;    // the bit where MCU mcu_ starts
  std::uint32_t pred_ = 0;  // the luma predictor there
  bool failed_ = false;     // the data holds no MCU at at_
};

}  // namespace

std::optional<Image> jpeg_dc_luma(std::span<const std::uint8_t> data, unsigned threads, std::size_t min_segment) {
  Stream s;
  if (!parse(data, s)) return std::nullopt;
  if (s.restart && s.interval_start.size() != (s.mcus + s.restart - 1) / s.restart) return std::nullopt;
  // Every block takes at least two bits (a DC code and an EOB or more):
  // data too short for its header's size is refused before any allocation.
  if (s.mcus * s.block_luma.size() * 2 > s.data_bits()) return std::nullopt;
  const std::vector<Segment> seg = decode_segments(s, threads, min_segment);
  if (seg.empty()) return std::nullopt;
  return Stitcher(s).run(seg);
}

}  // namespace pixelcache::detail
