// The Value body of a stored entry (cache.hpp): a tagged, recursive
// encoding with the tags of value.hpp's digest form, but holding contents
// rather than member digests.
#include <bit>
#include <cstring>
#include <limits>

#include "cache/entry_format.hpp"

namespace pixelcache::cache_detail {

namespace {

constexpr int kMaxDepth = 128;
constexpr std::uint64_t kMaxRank = 64;

void put_u8(std::vector<std::uint8_t>& out, std::uint8_t v) { out.push_back(v); }
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_f64(std::vector<std::uint8_t>& out, double v) { put_u64(out, std::bit_cast<std::uint64_t>(v)); }
void put_bytes(std::vector<std::uint8_t>& out, const void* p, std::size_t n) {
  put_u64(out, n);
  const auto* b = static_cast<const std::uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

// Bounds-checked reading of a body.
struct Reader {
  const std::uint8_t* p;
  const std::uint8_t* end;

  void need(std::uint64_t n, const char* what) const {
    if (n > static_cast<std::uint64_t>(end - p)) corrupt(std::string("value body is truncated in ") + what);
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return *p++;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    p += 8;
    return v;
  }
  std::int64_t i64(const char* what) { return static_cast<std::int64_t>(u64(what)); }
  double f64(const char* what) { return std::bit_cast<double>(u64(what)); }
  std::span<const std::uint8_t> bytes(const char* what) {
    const std::uint64_t n = u64(what);
    need(n, what);
    std::span<const std::uint8_t> s(p, static_cast<std::size_t>(n));
    p += n;
    return s;
  }
  std::string string(const char* what) {
    auto s = bytes(what);
    return std::string(reinterpret_cast<const char*>(s.data()), s.size());
  }
};

// A count of members, each of which needs at least `min_member` bytes.
std::size_t count(Reader& r, std::size_t min_member, const char* what) {
  const std::uint64_t n = r.u64(what);
  if (n > static_cast<std::uint64_t>(r.end - r.p) / min_member)
    corrupt(std::string("value body announces ") + std::to_string(n) + " " + what + " members, more than it holds");
  return static_cast<std::size_t>(n);
}

Value read_value(Reader& r, int depth) {
  if (depth > kMaxDepth) corrupt("value nesting deeper than 128");
  const std::uint8_t tag = r.u8("a value tag");
  switch (tag) {
    case 'N': return Value();
    case 'B': {
      const std::uint8_t b = r.u8("a bool");
      if (b > 1) corrupt("bool value " + std::to_string(b));
      return Value(b == 1);
    }
    case 'I': return Value(static_cast<long long>(r.i64("an int")));
    case 'F': return Value(r.f64("a float"));
    case 'S': return Value(r.string("a string"));
    case 'M': return Value(image_from_body(r.bytes("an image"), nullptr));
    case 'X': {
      double c[4];
      for (double& v : c) v = r.f64("a bbox");
      const std::uint8_t normalized = r.u8("a bbox");
      const std::uint8_t has_size = r.u8("a bbox");
      if (normalized > 1 || has_size > 1) corrupt("bbox flags out of range");
      std::optional<ImageSize> size;
      if (has_size) {
        const std::int64_t h = r.i64("a bbox"), w = r.i64("a bbox");
        if (h <= 0 || w <= 0 || h > std::numeric_limits<int>::max() || w > std::numeric_limits<int>::max())
          corrupt("bbox image size out of range");
        size = ImageSize{static_cast<int>(h), static_cast<int>(w)};
      }
      try {
        return Value(BoundingBox(c[0], c[1], c[2], c[3], size, normalized == 1));
      } catch (const InvalidArgument& e) {
        corrupt(std::string("invalid bbox: ") + e.what());
      }
    }
    case 'A': {
      Array a;
      a.dtype = r.string("an array dtype");
      const std::uint64_t rank = r.u64("an array rank");
      if (rank > kMaxRank) corrupt("array rank " + std::to_string(rank) + " over 64");
      for (std::uint64_t i = 0; i < rank; ++i) {
        const std::int64_t d = r.i64("an array shape");
        if (d < 0) corrupt("negative array dimension");
        a.shape.push_back(d);
      }
      const auto data = r.bytes("array data");
      a.data.assign(data.begin(), data.end());
      return Value(std::move(a));
    }
    case 'L': {
      const std::size_t n = count(r, 1, "list");
      std::vector<Value> items;
      items.reserve(n);
      for (std::size_t i = 0; i < n; ++i) items.push_back(read_value(r, depth + 1));
      return Value(HashableList(std::move(items)));
    }
    case 'D': {
      const std::size_t n = count(r, 2, "dict");
      std::vector<std::pair<Value, Value>> items;
      items.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        Value k = read_value(r, depth + 1);
        Value v = read_value(r, depth + 1);
        items.emplace_back(std::move(k), std::move(v));
      }
      try {
        return Value(HashableDict(std::move(items)));
      } catch (const InvalidArgument& e) {
        corrupt(std::string("invalid dict: ") + e.what());
      }
    }
    default: corrupt("unknown value tag " + escape_bytes(std::string_view(reinterpret_cast<const char*>(&tag), 1)));
  }
}

}  // namespace

void encode_value(const Value& v, std::vector<std::uint8_t>& out) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          put_u8(out, 'N');
        } else if constexpr (std::is_same_v<T, bool>) {
          put_u8(out, 'B');
          put_u8(out, x ? 1 : 0);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          put_u8(out, 'I');
          put_u64(out, static_cast<std::uint64_t>(x));
        } else if constexpr (std::is_same_v<T, double>) {
          put_u8(out, 'F');
          put_f64(out, x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          put_u8(out, 'S');
          put_bytes(out, x.data(), x.size());
        } else if constexpr (std::is_same_v<T, Image>) {
          put_u8(out, 'M');
          put_u64(out, 16 + x.byte_size());
          append_image_body(x, out);
        } else if constexpr (std::is_same_v<T, BoundingBox>) {
          put_u8(out, 'X');
          for (double c : {x.xmin(), x.ymin(), x.xmax(), x.ymax()}) put_f64(out, c);
          put_u8(out, x.normalized() ? 1 : 0);
          put_u8(out, x.image_size() ? 1 : 0);
          if (const auto& s = x.image_size()) {
            put_u64(out, static_cast<std::uint64_t>(s->height));
            put_u64(out, static_cast<std::uint64_t>(s->width));
          }
        } else if constexpr (std::is_same_v<T, Array>) {
          put_u8(out, 'A');
          put_bytes(out, x.dtype.data(), x.dtype.size());
          put_u64(out, x.shape.size());
          for (auto d : x.shape) put_u64(out, static_cast<std::uint64_t>(d));
          put_bytes(out, x.data.data(), x.data.size());
        } else if constexpr (std::is_same_v<T, HashableList>) {
          put_u8(out, 'L');
          put_u64(out, x.size());
          for (const auto& m : x) encode_value(m, out);
        } else {
          put_u8(out, 'D');
          put_u64(out, x.size());
          for (const auto& [k, m] : x) {
            encode_value(k, out);
            encode_value(m, out);
          }
        }
      },
      v.variant());
}

Value decode_value(std::span<const std::uint8_t> body) {
  Reader r{body.data(), body.data() + body.size()};
  Value v = read_value(r, 0);
  if (r.p != r.end) corrupt(std::to_string(r.end - r.p) + " bytes after the value");
  return v;
}

std::size_t value_byte_size(const Value& v) {
  constexpr std::size_t kNode = sizeof(Value);
  return std::visit(
      [](const auto& x) -> std::size_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return kNode + x.size();
        } else if constexpr (std::is_same_v<T, Image>) {
          return kNode + x.byte_size();
        } else if constexpr (std::is_same_v<T, Array>) {
          return kNode + x.dtype.size() + x.shape.size() * 8 + x.data.size();
        } else if constexpr (std::is_same_v<T, HashableList>) {
          std::size_t n = kNode;
          for (const auto& m : x) n += value_byte_size(m);
          return n;
        } else if constexpr (std::is_same_v<T, HashableDict>) {
          std::size_t n = kNode;
          for (const auto& [k, m] : x) n += value_byte_size(k) + value_byte_size(m);
          return n;
        } else {
          return kNode;
        }
      },
      v.variant());
}

bool value_has_empty_image(const Value& v) {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Image>) {
          return x.empty();
        } else if constexpr (std::is_same_v<T, HashableList>) {
          for (const auto& m : x)
            if (value_has_empty_image(m)) return true;
          return false;
        } else if constexpr (std::is_same_v<T, HashableDict>) {
          for (const auto& [k, m] : x)
            if (value_has_empty_image(k) || value_has_empty_image(m)) return true;
          return false;
        } else {
          return false;
        }
      },
      v.variant());
}

}  // namespace pixelcache::cache_detail
