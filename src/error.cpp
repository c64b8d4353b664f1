// escape_bytes() (error.hpp): untrusted bytes made printable for messages.
#include "pixelcache/error.hpp"

namespace pixelcache {

namespace {

// Length of the well-formed UTF-8 sequence of a printable character at
// s[i] (2 to 4 bytes; no overlongs, surrogates, code points above U+10FFFF
// or C1 controls U+0080..U+009F), 0 when the bytes there are not one.
std::size_t utf8_printable_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c == 0xC2)
    n = 2, lo = 0xA0;  // U+0080..U+009F are C1 control characters
  else if (c >= 0xC3 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else
    return 0;
  if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string escape_bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += bytes[i++];
    } else if (const std::size_t n = c >= 0x80 ? utf8_printable_length(bytes, i) : 0) {
      out.append(bytes, i, n);
      i += n;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
      ++i;
    }
  }
  return out;
}

}  // namespace pixelcache
