// ImageHash, the bit-matrix value of phash.hpp: packing, imagehash's hex
// form, Hamming distance, the Value form and its digest.
#include <bit>
#include <cctype>
#include <cmath>

#include "pixelcache/error.hpp"
#include "pixelcache/phash.hpp"

namespace pixelcache {

namespace {

constexpr char kTag[] = "ImageHash";

std::size_t word_count(std::size_t bits) { return (bits + 63) / 64; }

void check_shape(int rows, int cols) {
  if (rows < 1 || cols < 1 || static_cast<long long>(rows) * cols > ImageHash::kMaxBits)
    throw InvalidArgument("ImageHash: " + std::to_string(rows) + " x " + std::to_string(cols) +
                          " bits: each side must be >= 1 and at most " + std::to_string(ImageHash::kMaxBits) +
                          " bits in all");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string quoted(std::string_view hex) {
  constexpr std::size_t kShown = 80;
  return "'" + escape_bytes(hex.substr(0, kShown)) + (hex.size() > kShown ? "...'" : "'");
}

}  // namespace

ImageHash::ImageHash(int rows, int cols, std::span<const std::uint8_t> bits) {
  check_shape(rows, cols);
  const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  if (bits.size() != n)
    throw InvalidArgument("ImageHash: " + std::to_string(rows) + " x " + std::to_string(cols) + " needs " +
                          std::to_string(n) + " bits, got " + std::to_string(bits.size()));
  rows_ = rows;
  cols_ = cols;
  words_.assign(word_count(n), 0);
  for (std::size_t i = 0; i < n; ++i)
    if (bits[i]) words_[i / 64] |= std::uint64_t{1} << (63 - i % 64);
}

ImageHash ImageHash::from_hex(std::string_view hex) {
  if (hex.empty()) throw InvalidArgument("ImageHash.from_hex: the hex string is empty");
  // imagehash.hex_to_hash: the side is floor(sqrt(4 * digits)).
  int side = static_cast<int>(std::sqrt(4.0 * static_cast<double>(hex.size())));
  while (static_cast<std::size_t>(side + 1) * static_cast<std::size_t>(side + 1) <= 4 * hex.size()) ++side;
  while (side > 0 && static_cast<std::size_t>(side) * static_cast<std::size_t>(side) > 4 * hex.size()) --side;
  const std::size_t bits = static_cast<std::size_t>(side) * static_cast<std::size_t>(side);
  if (side < 1 || bits > static_cast<std::size_t>(kMaxBits) || (bits + 3) / 4 != hex.size())
    throw InvalidArgument("ImageHash.from_hex: " + std::to_string(hex.size()) + " hex digits " + quoted(hex) +
                          " are no square hash of at most " + std::to_string(kMaxBits) + " bits");
  return from_hex(hex, side, side);
}

ImageHash ImageHash::from_hex(std::string_view hex, int rows, int cols) {
  check_shape(rows, cols);
  const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  const std::size_t digits = (n + 3) / 4;
  if (hex.size() != digits)
    throw InvalidArgument("ImageHash.from_hex: a " + std::to_string(rows) + " x " + std::to_string(cols) +
                          " hash has " + std::to_string(digits) + " hex digits, got " + std::to_string(hex.size()) +
                          " (" + quoted(hex) + ")");
  // The digits hold 4 * digits bits; the first `pad` are the zero padding.
  const std::size_t pad = 4 * digits - n;
  std::vector<std::uint8_t> bits(n);
  for (std::size_t d = 0; d < digits; ++d) {
    const int v = hex_value(hex[d]);
    if (v < 0) throw InvalidArgument("ImageHash.from_hex: " + quoted(hex) + " is not a hex string");
    for (int b = 0; b < 4; ++b) {
      const std::size_t pos = 4 * d + static_cast<std::size_t>(b);
      const bool set = (v >> (3 - b)) & 1;
      if (pos < pad) {
        if (set)
          throw InvalidArgument("ImageHash.from_hex: " + quoted(hex) + " has bits set beyond the " + std::to_string(n) +
                                " bits of a " + std::to_string(rows) + " x " + std::to_string(cols) + " hash");
      } else {
        bits[pos - pad] = set ? 1 : 0;
      }
    }
  }
  return ImageHash(rows, cols, bits);
}

ImageHash ImageHash::from_value(const Value& v) {
  const auto fail = [] {
    throw InvalidArgument("ImageHash.from_value: expected the list [\"ImageHash\", rows, cols, hex]");
  };
  if (v.kind() != Value::Kind::List) fail();
  const auto& l = v.as<HashableList>();
  if (l.size() != 4 || l[0].kind() != Value::Kind::String || l[0].as<std::string>() != kTag ||
      l[1].kind() != Value::Kind::Int || l[2].kind() != Value::Kind::Int || l[3].kind() != Value::Kind::String)
    fail();
  const auto rows = l[1].as<std::int64_t>(), cols = l[2].as<std::int64_t>();
  if (rows < 1 || cols < 1 || rows > kMaxBits || cols > kMaxBits) fail();
  return from_hex(l[3].as<std::string>(), static_cast<int>(rows), static_cast<int>(cols));
}

bool ImageHash::bit(std::size_t i) const {
  if (i >= size())
    throw InvalidArgument("ImageHash: bit " + std::to_string(i) + " of a " + std::to_string(size()) + "-bit hash");
  return (words_[i / 64] >> (63 - i % 64)) & 1;
}

bool ImageHash::bit(int row, int col) const {
  if (row < 0 || row >= rows_ || col < 0 || col >= cols_)
    throw InvalidArgument("ImageHash: bit (" + std::to_string(row) + ", " + std::to_string(col) + ") of a " +
                          std::to_string(rows_) + " x " + std::to_string(cols_) + " hash");
  return bit(static_cast<std::size_t>(row) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(col));
}

std::vector<std::uint8_t> ImageHash::bits() const {
  std::vector<std::uint8_t> out(size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = (words_[i / 64] >> (63 - i % 64)) & 1;
  return out;
}

std::string ImageHash::hex() const {
  const std::size_t n = size();
  const std::size_t digits = (n + 3) / 4, pad = 4 * digits - n;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (std::size_t d = 0; d < digits; ++d) {
    int v = 0;
    for (std::size_t b = 0; b < 4; ++b) {
      const std::size_t pos = 4 * d + b;
      const bool set = pos >= pad && ((words_[(pos - pad) / 64] >> (63 - (pos - pad) % 64)) & 1);
      v = (v << 1) | (set ? 1 : 0);
    }
    out[d] = kDigits[v];
  }
  return out;
}

int ImageHash::distance(const ImageHash& other) const {
  if (size() != other.size())
    throw InvalidArgument("ImageHash: the hashes must be of the same shape, got " + std::to_string(rows_) + " x " +
                          std::to_string(cols_) + " and " + std::to_string(other.rows_) + " x " +
                          std::to_string(other.cols_));
  int d = 0;
  for (std::size_t w = 0; w < words_.size(); ++w) d += std::popcount(words_[w] ^ other.words_[w]);
  return d;
}

Value ImageHash::value() const { return Value(HashableList{Value(kTag), Value(rows_), Value(cols_), Value(hex())}); }

Digest ImageHash::digest() const { return value().digest(); }

std::string ImageHash::to_string() const {
  return "ImageHash(" + std::to_string(rows_) + "x" + std::to_string(cols_) + ", " + hex() + ")";
}

}  // namespace pixelcache
