// Fuzz target: the digest encoders (digest.hpp, value.hpp). The bytes are
// read three ways:
//   1. as text for Digest::from_hex: it either throws InvalidArgument or the
//      text is 32 hex digits and hex() gives it back in lowercase;
//   2. as bytes for the streaming Hasher: any split into chunks digests like
//      digest_bytes() of the whole;
//   3. as a program that builds a Value tree (null, bool, int, float with
//      NaN / -0.0, string, image u8 / f32, bounding box, array, nested lists
//      and dicts). The tree is built twice, the second time with every dict
//      in reverse insertion order: both must be equal with equal digests,
//      every dict must find each of its keys, an 8-bit image and its float
//      k/255 copy must digest alike, and hex() / from_hex() must round trip.
// A tree that is invalid (duplicate dict key, bad bounding box) must be
// refused by InvalidArgument both times.
#include <algorithm>
#include <cctype>
#include <optional>

#include "fuzz_support.hpp"

namespace {

namespace pc = pixelcache;
namespace pf = pixelcache::fuzz;

bool is_hex32(std::string_view s) {
  return s.size() == 32 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

void check_hex(const pc::Digest& d) {
  const std::string h = d.hex();
  pf::require(h.size() == 32, "hex() is not 32 characters");
  pf::require(std::none_of(h.begin(), h.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); }),
              "hex() is not lowercase");
  pf::require(pc::Digest::from_hex(h) == d, "from_hex(hex()) is not the digest");
}

void check_from_hex(std::string_view text) {
  std::optional<pc::Digest> d;
  try {
    d = pc::Digest::from_hex(text);
  } catch (const pc::InvalidArgument&) {
    pf::require(!is_hex32(text), "from_hex refused 32 hex digits");
    return;
  }
  pf::require(is_hex32(text), "from_hex accepted something other than 32 hex digits");
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  pf::require(d->hex() == lower, "hex(from_hex(text)) is not the text in lowercase");
}

void check_streaming(const std::uint8_t* data, std::size_t size) {
  const pc::Digest whole = pc::digest_bytes(data, size);
  pc::Hasher h;
  std::size_t pos = 0, step = 1;
  while (pos < size) {  // chunks of 1, 2, 4, ... bytes: every split point kind
    const std::size_t n = std::min(step, size - pos);
    h.update(data + pos, n);
    pos += n;
    step = step * 2 + 1;
  }
  pf::require(h.finish() == whole, "streaming Hasher differs from digest_bytes");
  pf::require(h.finish() == whole, "Hasher::finish() is not repeatable");
}

// Builds a Value from the reader. `reverse_dicts` inserts dict entries in
// reverse order, which must not change equality or the digest.
class Builder {
 public:
  Builder(const std::uint8_t* data, std::size_t size, bool reverse_dicts) : r_(data, size), reverse_(reverse_dicts) {}

  pc::Value build(int depth = 0) {
    if (++nodes_ > 200) return {};
    switch (r_.below(depth < 5 ? 10 : 8)) {
      case 0: return {};
      case 1: return r_.flag();
      case 2: return static_cast<std::int64_t>(r_.u64());
      case 3: return r_.f64();
      case 4: return r_.bytes(24);
      case 5: return image();
      case 6: return bbox();
      case 7: return array();
      case 8: {
        std::vector<pc::Value> items;
        for (unsigned n = r_.below(5); n > 0; --n) items.push_back(build(depth + 1));
        return pc::HashableList(std::move(items));
      }
      default: {
        std::vector<std::pair<pc::Value, pc::Value>> items;
        for (unsigned n = r_.below(5); n > 0; --n) {
          pc::Value k = build(depth + 1);
          items.emplace_back(std::move(k), build(depth + 1));
        }
        if (reverse_) std::reverse(items.begin(), items.end());
        const pc::HashableDict dict(items);  // InvalidArgument on a duplicate key
        for (const auto& [k, v] : items) {
          const pc::Value* found = dict.find(k);
          pf::require(found != nullptr && *found == v, "HashableDict::find misses one of its keys");
        }
        return dict;
      }
    }
  }

 private:
  pc::Value image() {
    const pc::ImageSize size{1 + static_cast<int>(r_.below(5)), 1 + static_cast<int>(r_.below(5))};
    const auto mode = static_cast<pc::Mode>(r_.below(3));
    std::vector<std::uint8_t> px(size.area() * static_cast<std::size_t>(pc::mode_channels(mode)));
    for (auto& p : px) p = mode == pc::Mode::Binary ? (r_.u8() & 1) : r_.u8();
    const pc::Image u8 = pc::Image::from_u8(size, mode, px);
    if (mode != pc::Mode::Binary) {
      std::vector<float> f(px.size());
      for (std::size_t i = 0; i < px.size(); ++i) f[i] = static_cast<float>(px[i]) / 255.0f;
      const pc::Image f32 = pc::Image::from_f32(size, mode, std::move(f));
      pf::require(f32.pixel_type() == pc::PixelType::U8, "exact k/255 floats were not stored as uint8");
      pf::require(f32 == u8 && f32.digest() == u8.digest(), "k/255 floats digest unlike the 8-bit image");
      if (r_.flag()) {  // arbitrary floats: an image, or InvalidArgument for NaN / out of range
        std::vector<float> g(px.size());
        for (auto& v : g) v = r_.f32();
        try {
          const pc::Image img = pc::Image::from_f32(size, mode, std::move(g));
          pf::require(img.digest() == img.as_f32().digest(), "as_f32() changed the digest");
          return img;
        } catch (const pc::InvalidArgument&) {
        }
      }
    }
    return u8;
  }

  pc::Value bbox() {
    const double x0 = r_.f64(), y0 = r_.f64(), x1 = r_.f64(), y1 = r_.f64();
    std::optional<pc::ImageSize> size;
    if (r_.flag()) size = pc::ImageSize{static_cast<int>(r_.u8()), static_cast<int>(r_.u8())};
    std::optional<bool> normalized;
    if (r_.flag()) normalized = r_.flag();
    return pc::BoundingBox(x0, y0, x1, y1, size, normalized);  // InvalidArgument when invalid
  }

  pc::Value array() {
    static const char* const dtypes[] = {"uint8", "float32", "int64", "bool"};
    pc::Array a;
    a.dtype = dtypes[r_.below(4)];
    for (unsigned rank = r_.below(4); rank > 0; --rank) a.shape.push_back(static_cast<std::int8_t>(r_.u8()));
    const std::string bytes = r_.bytes(32);
    a.data.assign(bytes.begin(), bytes.end());
    return a;
  }

  pf::Reader r_;
  bool reverse_;
  int nodes_ = 0;
};

// The tree, or nullopt when building refused it with InvalidArgument.
std::optional<pc::Value> try_build(const std::uint8_t* data, std::size_t size, bool reverse_dicts) {
  try {
    return Builder(data, size, reverse_dicts).build();
  } catch (const pc::InvalidArgument&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_from_hex(std::string_view(reinterpret_cast<const char*>(data), std::min<std::size_t>(size, 40)));
  check_streaming(data, size);

  const std::optional<pc::Value> a = try_build(data, size, false);
  const std::optional<pc::Value> b = try_build(data, size, true);
  pf::require(a.has_value() == b.has_value(), "dict insertion order changed whether the tree is valid");
  if (!a) return 0;
  const pc::Digest d = a->digest();
  check_hex(d);
  pf::require(*a == *b, "equal trees compare unequal (dict order?)");
  pf::require(b->digest() == d, "equal trees have different digests");
  pf::require(std::hash<pc::Value>{}(*a) == d.fold(), "std::hash is not digest().fold()");
  const pc::Value copy = *a;
  pf::require(copy == *a && copy.digest() == d, "a copy differs from its source");
  // A list holding the tree must differ from the tree itself (tags matter).
  const pc::Value wrapped = pc::HashableList({*a});
  pf::require(!(wrapped == *a) && wrapped.digest() != d, "a one-element list equals its element");
  return 0;
}
