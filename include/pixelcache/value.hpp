// pixelcache/value.hpp — hashable values and the immutable containers
// HashableList and HashableDict.
//
// A Value holds null, bool, int, float, string, Image, BoundingBox, an
// n-dimensional array (dtype + shape + bytes), or a nested HashableList /
// HashableDict. Containers are immutable and share their members; copying a
// handle is O(1).
//
// Structural digest (version 1): XXH3-128 of a tagged serialisation,
//   null   'N'
//   bool   'B' + 1 byte (0/1)
//   int    'I' + int64 little-endian
//   float  'F' + IEEE-754 double bits little-endian (-0.0 -> +0.0, every NaN
//          -> 0x7ff8000000000000)
//   string 'S' + u64 length + UTF-8 bytes
//   image  'M' + the image digest (16 bytes, see digest.hpp)
//   bbox   'X' + 4 doubles + normalized byte + (1 + height + width as
//          int64, or 0 without image size)
//   array  'A' + dtype string + u64 rank + int64 dims + u64 length + bytes
//   list   'L' + u64 count + each member's digest in order
//   dict   'D' + u64 count + (key digest, value digest) pairs sorted by key
//          digest, so key order does not change the digest
// each prefixed by "PXV1". A Value holding a container hashes "PXV1" + 'l'
// or 'd' + the container's digest. Types are distinct: 1, 1.0 and true are three
// different keys (unlike Python's ==), which is what a cache key wants.
//
// Python value types without a tag of their own enter as tagged lists (a
// list whose first member is the type name), so they need no new tag and
// cannot collide with each other:
//   ImageSize  ["ImageSize", height, width]
//   Points     ["Points", array float64 (N, 2) of (x, y) as given,
//               is_normalized (bool), ["ImageSize", h, w]]
//   ImageCrop  ["ImageCrop", left, top, right, bottom] (floats); a crop made
//              by from_bbox / from_mask appends its image and original size
// Python tuples hash as lists, bytes as an array of dtype "bytes".
//
// Thread safety: immutable values; share freely.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "pixelcache/digest.hpp"
#include "pixelcache/geometry.hpp"
#include "pixelcache/image.hpp"

namespace pixelcache {

class Value;

/// An n-dimensional array by content: dtype name (NumPy's, e.g. "float32"),
/// shape and packed C-order bytes. Used for arrays and tensors in containers.
struct Array {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;
  bool operator==(const Array&) const = default;
};

/// An immutable, hashable list; order matters.
class HashableList {
 public:
  HashableList();
  explicit HashableList(std::vector<Value> items);
  HashableList(std::initializer_list<Value> items);

  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  /// Member i; throws InvalidArgument when out of range.
  const Value& at(std::size_t i) const;
  const Value& operator[](std::size_t i) const { return at(i); }
  const std::vector<Value>& items() const noexcept;
  auto begin() const noexcept { return items().begin(); }
  auto end() const noexcept { return items().end(); }

  /// Structural digest (see file comment), cached.
  Digest digest() const;
  bool operator==(const HashableList& o) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// An immutable, hashable mapping. Keys are Values (usually strings); the
/// insertion order is kept for iteration (make_image_grid lays out in that
/// order) but does not change equality or the digest.
class HashableDict {
 public:
  HashableDict();
  /// Throws InvalidArgument on a duplicate key.
  explicit HashableDict(std::vector<std::pair<Value, Value>> items);
  HashableDict(std::initializer_list<std::pair<Value, Value>> items);

  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  bool contains(const Value& key) const;
  /// The value for `key`, or nullptr.
  const Value* find(const Value& key) const;
  /// The value for `key`; throws InvalidArgument when absent.
  const Value& at(const Value& key) const;
  /// Entries in insertion order.
  const std::vector<std::pair<Value, Value>>& items() const noexcept;
  auto begin() const noexcept { return items().begin(); }
  auto end() const noexcept { return items().end(); }

  /// Structural digest, independent of key order; cached.
  Digest digest() const;
  /// Same keys with equal values, in any order.
  bool operator==(const HashableDict& o) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// One hashable value.
class Value {
 public:
  using Variant = std::variant<std::monostate, bool, std::int64_t, double, std::string, Image, BoundingBox, Array,
                               HashableList, HashableDict>;
  /// The kind held, in Variant order.
  enum class Kind { Null, Bool, Int, Float, String, Image, BoundingBox, Array, List, Dict };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool v) : v_(v) {}
  Value(int v) : v_(static_cast<std::int64_t>(v)) {}
  Value(long v) : v_(static_cast<std::int64_t>(v)) {}
  Value(long long v) : v_(static_cast<std::int64_t>(v)) {}
  Value(double v) : v_(v) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(Image v) : v_(std::move(v)) {}
  Value(BoundingBox v) : v_(std::move(v)) {}
  Value(Array v) : v_(std::move(v)) {}
  Value(HashableList v) : v_(std::move(v)) {}
  Value(HashableDict v) : v_(std::move(v)) {}

  Kind kind() const noexcept { return static_cast<Kind>(v_.index()); }
  bool is_null() const noexcept { return kind() == Kind::Null; }
  const Variant& variant() const noexcept { return v_; }
  /// The held T; throws InvalidArgument naming both kinds when it is not a T.
  template <class T>
  const T& as() const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    throw_kind_mismatch(kind_of<T>());
  }

  /// The Kind that holds a T.
  template <class T>
  static constexpr Kind kind_of() noexcept {
    return static_cast<Kind>(index_of<T, 0>());
  }

  /// Structural digest (see file comment).
  Digest digest() const;
  bool operator==(const Value& o) const;

 private:
  template <class T, std::size_t I>
  static constexpr std::size_t index_of() noexcept {
    if constexpr (std::is_same_v<T, std::variant_alternative_t<I, Variant>>)
      return I;
    else
      return index_of<T, I + 1>();
  }
  [[noreturn]] void throw_kind_mismatch(Kind wanted) const;
  Variant v_;
};

/// "null", "bool", "int", "float", "string", "image", "bbox", "array", "list", "dict".
const char* kind_name(Value::Kind k) noexcept;

}  // namespace pixelcache

template <>
struct std::hash<pixelcache::Value> {
  std::size_t operator()(const pixelcache::Value& v) const { return v.digest().fold(); }
};
template <>
struct std::hash<pixelcache::HashableList> {
  std::size_t operator()(const pixelcache::HashableList& v) const { return v.digest().fold(); }
};
template <>
struct std::hash<pixelcache::HashableDict> {
  std::size_t operator()(const pixelcache::HashableDict& v) const { return v.digest().fold(); }
};
