// The catalogue's machinery (catalogue.hpp): binding arguments to their
// canonical Values, the text form of CLI steps and keys, invoke(). The table
// itself is in catalogue_table.cpp.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "catalogue_internal.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::catalogue {

const char* type_name(ArgType t) noexcept {
  static constexpr const char* names[] = {"bool",    "int",   "float",  "str",  "size",   "kernel_shape", "kernel",
                                          "palette", "image", "images", "bbox", "bboxes", "points",       "grid"};
  return names[static_cast<int>(t)];
}

const Value& Arguments::operator[](std::string_view name) const {
  for (std::size_t i = 0; i < op->args.size(); ++i)
    if (op->args[i].name == name) return values.at(i);
  throw std::logic_error("catalogue: operation " + op->name + " has no argument " + std::string(name));
}

const Operation& operation(std::string_view name) {
  for (const Operation& op : operations())
    if (op.name == name) return op;
  std::string names;
  for (const Operation& op : operations()) names += (names.empty() ? "" : ", ") + op.name;
  throw InvalidArgument("unknown operation '" + std::string(name) + "'; the operations are: " + names);
}

namespace {

[[noreturn]] void fail(const Operation& op, const ArgSpec& a, const std::string& why) {
  throw InvalidArgument(op.name + ": argument '" + a.name + "' " + why);
}

std::string what_is(const Value& v) { return std::string("a ") + kind_name(v.kind()); }

// ---------------------------------------------------------------- numbers

std::string shortest(double v) {
  if (v == 0.0) v = 0.0;  // -0 -> 0
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool integral(double d) { return std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15; }

// One little-endian sample of type T at p, as a double.
template <typename T>
double read_sample(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

// The samples of an Array as doubles (NumPy dtypes, little-endian).
std::vector<double> array_values(const Array& a) {
  struct Kind {
    const char* name;
    std::size_t size;
    double (*read)(const std::uint8_t*);
  };
  static const Kind kinds[] = {
      {"bool", 1, [](const std::uint8_t* p) { return *p ? 1.0 : 0.0; }},
      {"uint8", 1, read_sample<std::uint8_t>},
      {"int8", 1, read_sample<std::int8_t>},
      {"uint16", 2, read_sample<std::uint16_t>},
      {"int16", 2, read_sample<std::int16_t>},
      {"uint32", 4, read_sample<std::uint32_t>},
      {"int32", 4, read_sample<std::int32_t>},
      {"uint64", 8, read_sample<std::uint64_t>},
      {"int64", 8, read_sample<std::int64_t>},
      {"float32", 4, read_sample<float>},
      {"float64", 8, read_sample<double>},
  };
  for (const Kind& k : kinds) {
    if (a.dtype != k.name) continue;
    std::vector<double> out(a.data.size() / k.size);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = k.read(a.data.data() + i * k.size);
    return out;
  }
  throw InvalidArgument("arrays of dtype " + a.dtype + " are not accepted here");
}

// Rows of numbers from a 2-D Array or a list of lists of numbers.
std::vector<std::vector<double>> rows_of(const Value& v) {
  std::vector<std::vector<double>> rows;
  if (v.kind() == Value::Kind::Array) {
    const Array& a = v.as<Array>();
    if (a.shape.size() != 2)
      throw InvalidArgument("a 2-D array is needed, got " + std::to_string(a.shape.size()) + "-D");
    const auto values = array_values(a);
    const auto cols = static_cast<std::size_t>(a.shape[1]);
    for (std::size_t r = 0; r < static_cast<std::size_t>(a.shape[0]); ++r)
      rows.emplace_back(values.begin() + r * cols, values.begin() + (r + 1) * cols);
    return rows;
  }
  for (const Value& row : v.as<HashableList>()) {
    std::vector<double> r;
    for (const Value& x : row.as<HashableList>()) r.push_back(number(x));
    rows.push_back(std::move(r));
  }
  return rows;
}

// (height, width) from [h, w] or the tagged ["ImageSize", h, w] form of a
// Python ImageSize.
std::pair<std::int64_t, std::int64_t> pair_of(const Value& v) {
  const auto& l = v.as<HashableList>();
  std::size_t first = 0;
  if (l.size() == 3 && l[0].kind() == Value::Kind::String && l[0].as<std::string>() == "ImageSize") first = 1;
  if (l.size() - first != 2) throw InvalidArgument("a (height, width) pair is needed");
  const double h = number(l[first]), w = number(l[first + 1]);
  if (!integral(h) || !integral(w)) throw InvalidArgument("whole numbers of pixels are needed");
  return {static_cast<std::int64_t>(h), static_cast<std::int64_t>(w)};
}

Value size_value(std::int64_t h, std::int64_t w) { return Value(HashableList{Value(h), Value(w)}); }

Image ones_kernel(std::int64_t h, std::int64_t w) {
  if (h < 1 || w < 1 || h > 10000 || w > 10000) throw InvalidArgument("a kernel side must be within [1, 10000]");
  return Image::generate({static_cast<int>(h), static_cast<int>(w)}, Mode::Binary, PixelType::U8,
                         [](std::span<std::byte> b) { std::fill(b.begin(), b.end(), std::byte{1}); });
}

BoundingBox box_of(const Value& v) {
  if (v.kind() != Value::Kind::BoundingBox) throw InvalidArgument("a BoundingBox is needed, got " + what_is(v));
  return v.as<BoundingBox>();
}

// ---------------------------------------------------------------- coercion

// The table's bounds of an Int / Float value, checked when arguments are
// bound, so a bad step argument is refused before any image is loaded.
Value in_range(const ArgSpec& a, const Value& v) {
  const double x = v.kind() == Value::Kind::Int ? static_cast<double>(v.as<std::int64_t>()) : v.as<double>();
  if (x < a.min || (a.min_exclusive && x == a.min) || x > a.max) {
    std::string range;
    if (std::isfinite(a.min)) range = (a.min_exclusive ? "> " : ">= ") + shortest(a.min);
    if (std::isfinite(a.max)) range += (range.empty() ? "<= " : " and <= ") + shortest(a.max);
    throw InvalidArgument("must be " + range + ", got " + shortest(x));
  }
  return v;
}

// An ArgType::Size: a (height, width) pair, each side at least `a.min`
// (1 when unset).
Value coerce_size(const ArgSpec& a, const Value& v) {
  if (v.kind() != Value::Kind::List)
    throw InvalidArgument("expects an ImageSize or a (height, width) pair, got " + what_is(v));
  const auto [h, w] = pair_of(v);
  // A Size's `min` (when set) is its least side: 0 lets a side follow
  // the other's scale (resize:256x).
  const double least = std::isfinite(a.min) ? a.min : 1;
  if (h < least || w < least || (h == 0 && w == 0)) {
    constexpr std::int64_t kInt = std::numeric_limits<int>::max();
    const bool fits = std::abs(h) <= kInt && std::abs(w) <= kInt;
    throw InvalidArgument(std::string(least <= 0 ? "must be positive (one side may be 0 to keep the aspect "
                                                   "ratio), got "
                                                 : "must be positive, got ") +
                          (fits ? ImageSize{static_cast<int>(h), static_cast<int>(w)}.to_string()
                                : "height " + std::to_string(h) + ", width " + std::to_string(w)));
  }
  return size_value(h, w);
}

// An ArgType::Kernel: k (a k x k square), an image, or a 2-D array / list
// of rows (nonzero = in), as a binary Image.
Value coerce_kernel(const Value& v) {
  using K = Value::Kind;
  const K k = v.kind();
  if (k == K::Int) return Value(ones_kernel(v.as<std::int64_t>(), v.as<std::int64_t>()));
  if (k == K::Image) return Value(to_binary(v.as<Image>()));
  if (k != K::Array && k != K::List)
    throw InvalidArgument("expects an int or a 2-D array (nonzero = in the kernel), got " + what_is(v));
  const auto rows = rows_of(v);
  const std::size_t h = rows.size(), w = rows.empty() ? 0 : rows[0].size();
  if (h == 0 || w == 0) throw InvalidArgument("the kernel is empty");
  std::vector<std::uint8_t> cells;
  for (const auto& r : rows) {
    if (r.size() != w) throw InvalidArgument("the kernel's rows differ in length");
    for (double x : r) cells.push_back(x != 0.0);
  }
  return Value(Image::from_u8({static_cast<int>(h), static_cast<int>(w)}, Mode::Binary, std::move(cells)));
}

// An ArgType::Palette: a name, or a 256 x 3 table of levels as a uint8 Array.
Value coerce_palette(const Value& v) {
  using K = Value::Kind;
  const K k = v.kind();
  if (k == K::String) return v;
  if (k != K::Array && k != K::List)
    throw InvalidArgument("expects a palette name or a 256 x 3 uint8 table, got " + what_is(v));
  const auto rows = rows_of(v);
  Array t{"uint8", {256, 3}, {}};
  if (rows.size() != 256) throw InvalidArgument("a palette table has 256 rows, got " + std::to_string(rows.size()));
  for (const auto& r : rows) {
    if (r.size() != 3) throw InvalidArgument("a palette table has 3 columns (R, G, B)");
    for (double x : r) {
      if (!(x >= 0 && x <= 255) || !integral(x)) throw InvalidArgument("palette entries are levels 0..255");
      t.data.push_back(static_cast<std::uint8_t>(x));
    }
  }
  return Value(std::move(t));
}

Value coerce_value(const ArgSpec& a, const Value& v) {
  using K = Value::Kind;
  const K k = v.kind();
  if (k == K::Null && a.default_value && a.default_value->is_null()) return v;
  switch (a.type) {
    case ArgType::Bool:
      if (k != K::Bool) throw InvalidArgument("expects a bool, got " + what_is(v));
      return v;
    case ArgType::Int: {
      if (k == K::Int) return in_range(a, v);
      if (k == K::Float && integral(v.as<double>()))
        return in_range(a, Value(static_cast<std::int64_t>(v.as<double>())));
      throw InvalidArgument("expects an int, got " + (k == K::Float ? shortest(v.as<double>()) : what_is(v)));
    }
    case ArgType::Float:
      if (k == K::Int) return in_range(a, Value(static_cast<double>(v.as<std::int64_t>())));
      if (k != K::Float) throw InvalidArgument("expects a float, got " + what_is(v));
      return in_range(a, v);
    case ArgType::String: {
      if (k != K::String) throw InvalidArgument("expects a str, got " + what_is(v));
      const auto& s = v.as<std::string>();
      if (!a.choices.empty() && std::find(a.choices.begin(), a.choices.end(), s) == a.choices.end()) {
        std::string c;
        for (const auto& x : a.choices) c += (c.empty() ? "" : ", ") + x;
        throw InvalidArgument("must be one of " + c + ", got '" + s + "'");
      }
      return v;
    }
    case ArgType::Size: return coerce_size(a, v);
    case ArgType::KernelShape: {
      if (k == K::Int) return size_value(v.as<std::int64_t>(), v.as<std::int64_t>());
      if (k != K::List) throw InvalidArgument("expects an int or a (height, width) pair, got " + what_is(v));
      const auto [h, w] = pair_of(v);
      return size_value(h, w);
    }
    case ArgType::Kernel: return coerce_kernel(v);
    case ArgType::Palette: return coerce_palette(v);
    case ArgType::Image:
      if (k != K::Image || v.as<Image>().empty()) throw InvalidArgument("expects an image, got " + what_is(v));
      return v;
    case ArgType::Images: {
      if (k == K::Image) return Value(HashableList{v});
      if (k != K::List) throw InvalidArgument("expects a list of images, got " + what_is(v));
      for (const Value& x : v.as<HashableList>())
        if (x.kind() != K::Image) throw InvalidArgument("expects a list of images, found " + what_is(x) + " in it");
      return v;
    }
    case ArgType::BBox: return Value(box_of(v));
    case ArgType::BBoxes: {
      if (k == K::BoundingBox) return Value(HashableList{v});
      if (k != K::List) throw InvalidArgument("expects a list of BoundingBox, got " + what_is(v));
      for (const Value& x : v.as<HashableList>()) box_of(x);
      return v;
    }
    case ArgType::Points: {
      if (k != K::List && k != K::Array) throw InvalidArgument("expects (x, y) points, got " + what_is(v));
      std::vector<Value> pts;
      for (const auto& r : rows_of(v)) {
        if (r.size() != 2) throw InvalidArgument("expects (x, y) pairs");
        pts.emplace_back(HashableList{Value(r[0]), Value(r[1])});
      }
      return Value(HashableList(std::move(pts)));
    }
    case ArgType::Grid:
      if (k != K::Dict) throw InvalidArgument("expects a {label: [images]} mapping, got " + what_is(v));
      return v;
  }
  return v;
}

}  // namespace

double number(const Value& v) {
  if (v.kind() == Value::Kind::Int) return static_cast<double>(v.as<std::int64_t>());
  if (v.kind() == Value::Kind::Float) return v.as<double>();
  if (v.kind() == Value::Kind::Bool) return v.as<bool>() ? 1.0 : 0.0;
  throw InvalidArgument("a number is needed, got " + what_is(v));
}

Arguments bind_args(const Operation& op, std::span<const Value> positional,
                    std::span<const std::pair<std::string, Value>> keywords) {
  const auto& specs = op.args;
  if (positional.size() > specs.size())
    throw InvalidArgument(op.name + ": takes at most " + std::to_string(specs.size()) + " argument(s), got " +
                          std::to_string(positional.size()));
  std::vector<std::optional<Value>> given(specs.size());
  for (std::size_t i = 0; i < positional.size(); ++i) given[i] = positional[i];
  for (const auto& [name, v] : keywords) {
    // (Compared through `n`: clang 14 cannot capture a structured binding.)
    const auto it = std::find_if(specs.begin(), specs.end(), [&n = name](const ArgSpec& a) { return a.name == n; });
    if (it == specs.end()) {
      std::string names;
      for (const auto& a : specs) names += (names.empty() ? "" : ", ") + a.name;
      throw InvalidArgument(op.name + ": unknown argument '" + name + "' (" +
                            (names.empty() ? "it takes none" : "its arguments: " + names) + ")");
    }
    auto& slot = given[static_cast<std::size_t>(it - specs.begin())];
    if (slot) throw InvalidArgument(op.name + ": argument '" + name + "' given twice");
    slot = v;
  }
  Arguments out{&op, {}};
  out.values.reserve(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const ArgSpec& a = specs[i];
    if (!given[i]) {
      if (!a.default_value) fail(op, a, "is required");
      out.values.push_back(*a.default_value);
      continue;
    }
    try {
      out.values.push_back(coerce_value(a, *given[i]));
    } catch (const InvalidArgument& e) {
      fail(op, a, e.what());
    }
  }
  return out;
}

Value invoke(const Arguments& args, const Image& img) {
  const Operation& op = *args.op;
  if (op.method && img.empty()) throw InvalidArgument(op.name + ": the image is empty");
  return op.run(img, args);
}

Value invoke(std::string_view name, const Image& img, std::span<const Value> positional,
             std::span<const std::pair<std::string, Value>> keywords) {
  return invoke(bind_args(operation(name), positional, keywords), img);
}

// ---------------------------------------------------------------- text form

namespace {

std::string box_text(const BoundingBox& b) {
  std::string s = shortest(b.xmin()) + ":" + shortest(b.ymin()) + ":" + shortest(b.xmax()) + ":" + shortest(b.ymax());
  return b.normalized() ? s + ":n" : s;
}

template <class F>
std::string joined(const HashableList& l, F&& f) {
  std::string out;
  for (const Value& v : l) out += (out.empty() ? "" : ";") + f(v);
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    out.emplace_back(s.substr(start, p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

double parse_number(const std::string& s) {
  double d = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(d))
    throw InvalidArgument("'" + s + "' is not a number");
  return d;
}

// "WxH" (or "K" for K x K when `square` is allowed; "Wx" / "xH" with a 0
// for the side left out when `open` is allowed) -> [height, width].
Value parse_wh(const std::string& s, bool square, bool open = false) {
  const auto wh = split(s, 'x');
  if (wh.size() == 1 && square) {
    const double k = parse_number(wh[0]);
    return Value(HashableList{Value(k), Value(k)});
  }
  if (wh.size() != 2) throw InvalidArgument("'" + s + "' is not WIDTHxHEIGHT");
  const auto side = [&](const std::string& t) { return open && t.empty() && s != "x" ? 0.0 : parse_number(t); };
  return Value(HashableList{Value(side(wh[1])), Value(side(wh[0]))});
}

BoundingBox parse_box(const std::string& s) {
  const auto f = split(s, ':');
  const bool norm = f.size() == 5 && f[4] == "n";
  if (f.size() != 4 && !norm) throw InvalidArgument("'" + s + "' is not a box X0:Y0:X1:Y1 (add :n when normalised)");
  return BoundingBox(parse_number(f[0]), parse_number(f[1]), parse_number(f[2]), parse_number(f[3]), std::nullopt,
                     norm);
}

// A text token as the Value bind_args() expects for `a`.
Value parse_text(const ArgSpec& a, const std::string& t) {
  switch (a.type) {
    case ArgType::Bool:
      if (t == "true" || t == "1" || t == "yes") return Value(true);
      if (t == "false" || t == "0" || t == "no") return Value(false);
      throw InvalidArgument("'" + t + "' is not a bool (true or false)");
    case ArgType::Int:
    case ArgType::Float: return Value(parse_number(t));
    case ArgType::String: return Value(t);
    case ArgType::Palette: return Value(t);
    case ArgType::Size: return parse_wh(t, false, std::isfinite(a.min) && a.min <= 0);
    case ArgType::KernelShape:
    case ArgType::Kernel: {
      const Value wh = parse_wh(t, true);
      if (a.type == ArgType::KernelShape) return wh;
      const auto& l = wh.as<HashableList>();
      const double h = number(l[0]), w = number(l[1]);
      if (!integral(h) || !integral(w)) throw InvalidArgument("'" + t + "' is not a whole kernel size");
      return Value(ones_kernel(static_cast<std::int64_t>(h), static_cast<std::int64_t>(w)));
    }
    case ArgType::Image: return Value(load(t));
    case ArgType::Images: {
      std::vector<Value> imgs;
      for (const auto& p : split(t, ';')) imgs.emplace_back(load(p));
      return Value(HashableList(std::move(imgs)));
    }
    case ArgType::BBox: return Value(parse_box(t));
    case ArgType::BBoxes: {
      std::vector<Value> boxes;
      for (const auto& p : split(t, ';')) boxes.emplace_back(parse_box(p));
      return Value(HashableList(std::move(boxes)));
    }
    case ArgType::Points: {
      std::vector<Value> pts;
      for (const auto& p : split(t, ';')) {
        const auto xy = split(p, ':');
        if (xy.size() != 2) throw InvalidArgument("'" + p + "' is not a point X:Y");
        pts.emplace_back(HashableList{Value(parse_number(xy[0])), Value(parse_number(xy[1]))});
      }
      return Value(HashableList(std::move(pts)));
    }
    case ArgType::Grid: break;
  }
  throw InvalidArgument("cannot be given as text");
}

}  // namespace

std::string format_value(ArgType type, const Value& v) {
  if (v.is_null()) return "none";
  switch (type) {
    case ArgType::Bool: return v.as<bool>() ? "true" : "false";
    case ArgType::Int: return std::to_string(v.as<std::int64_t>());
    case ArgType::Float: return shortest(v.as<double>());
    case ArgType::String: return v.as<std::string>();
    case ArgType::Size:
    case ArgType::KernelShape: {
      const auto& l = v.as<HashableList>();
      return std::to_string(l[1].as<std::int64_t>()) + "x" + std::to_string(l[0].as<std::int64_t>());
    }
    case ArgType::Kernel: {
      const Image& k = v.as<Image>();
      const auto px = k.u8_view();
      if (std::all_of(px.begin(), px.end(), [](std::uint8_t c) { return c == 1; }))
        return std::to_string(k.width()) + "x" + std::to_string(k.height());
      return "image:" + k.hex_digest();
    }
    case ArgType::Palette: return v.kind() == Value::Kind::String ? v.as<std::string>() : "table:" + v.digest().hex();
    case ArgType::Image: return v.as<Image>().hex_digest();
    case ArgType::Images:
      return joined(v.as<HashableList>(), [](const Value& x) { return x.as<Image>().hex_digest(); });
    case ArgType::BBox: return box_text(v.as<BoundingBox>());
    case ArgType::BBoxes:
      return joined(v.as<HashableList>(), [](const Value& x) { return box_text(x.as<BoundingBox>()); });
    case ArgType::Points:
      return joined(v.as<HashableList>(), [](const Value& p) {
        const auto& xy = p.as<HashableList>();
        return shortest(number(xy[0])) + ":" + shortest(number(xy[1]));
      });
    case ArgType::Grid: return "grid:" + v.as<HashableDict>().digest().hex();
  }
  return "?";
}

std::string canonical_call(const Arguments& args) {
  const Operation& op = *args.op;
  std::string out = op.name, sep = ":";
  for (std::size_t i = 0; i < op.args.size(); ++i) {
    const ArgSpec& a = op.args[i];
    if (!a.affects_result) continue;
    out += sep + a.name + "=" + format_value(a.type, args.values[i]);
    sep = ",";
  }
  return out;
}

Arguments parse_call(std::string_view text) {
  const std::size_t colon = text.find(':');
  const Operation& op = operation(text.substr(0, colon));
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
  if (colon != std::string_view::npos && colon + 1 < text.size()) {
    for (const std::string& token : split(text.substr(colon + 1), ',')) {
      const std::size_t eq = token.find('=');
      const std::string name = eq == std::string::npos ? token : token.substr(0, eq);
      const auto it = std::find_if(op.args.begin(), op.args.end(), [&](const ArgSpec& a) { return a.name == name; });
      if (eq == std::string::npos && (it == op.args.end() || it->type != ArgType::Bool)) {
        if (!keywords.empty())
          throw InvalidArgument(op.name + ": positional argument '" + token + "' after a keyword argument");
        if (positional.size() >= op.args.size())
          throw InvalidArgument(op.name + ": takes at most " + std::to_string(op.args.size()) + " argument(s)");
        const ArgSpec& a = op.args[positional.size()];
        try {
          positional.push_back(parse_text(a, token));
        } catch (const InvalidArgument& e) {
          fail(op, a, e.what());
        }
        continue;
      }
      if (it == op.args.end()) {
        keywords.emplace_back(name, Value());  // bind_args() names the unknown argument
        continue;
      }
      try {
        keywords.emplace_back(name, eq == std::string::npos ? Value(true) : parse_text(*it, token.substr(eq + 1)));
      } catch (const InvalidArgument& e) {
        fail(op, *it, e.what());
      }
    }
  }
  return bind_args(op, positional, keywords);
}

std::string usage(const Operation& op) {
  std::string out = op.name, sep = ":";
  for (const ArgSpec& a : op.args) {
    if (!a.affects_result) continue;
    std::string upper = a.name;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    if (a.default_value)
      out += "[" + sep + a.name + "=" + format_value(a.type, *a.default_value) + "]";
    else
      out += sep + upper;
    sep = ",";
  }
  return out;
}

}  // namespace pixelcache::catalogue
