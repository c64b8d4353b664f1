// Value, HashableList and HashableDict (value.hpp).
#include "pixelcache/value.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "lazy_digest.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache {

const char* kind_name(Value::Kind k) noexcept {
  static constexpr const char* names[] = {"null",  "bool", "int",   "float", "string",
                                          "image", "bbox", "array", "list",  "dict"};
  return names[static_cast<int>(k)];
}

void Value::throw_kind_mismatch(Kind wanted) const {
  throw InvalidArgument(std::string("Value holds a ") + kind_name(kind()) + ", not a " + kind_name(wanted));
}

namespace {

std::uint64_t canonical_double(double v) {
  if (std::isnan(v)) return 0x7ff8000000000000ull;
  if (v == 0.0) v = 0.0;
  return std::bit_cast<std::uint64_t>(v);
}

// A lazily computed digest shared by copies of a container handle.
using CachedDigest = detail::LazyDigest;

}  // namespace

// ---------------------------------------------------------------- Value

Digest Value::digest() const {
  Hasher h;
  h.update("PXV1", 4);
  std::visit(
      [&h](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          h.update_u8('N');
        } else if constexpr (std::is_same_v<T, bool>) {
          h.update_u8('B').update_u8(v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          h.update_u8('I').update_u64(static_cast<std::uint64_t>(v));
        } else if constexpr (std::is_same_v<T, double>) {
          h.update_u8('F').update_u64(canonical_double(v));
        } else if constexpr (std::is_same_v<T, std::string>) {
          h.update_u8('S').update_string(v);
        } else if constexpr (std::is_same_v<T, Image>) {
          h.update_u8('M').update_digest(v.digest());
        } else if constexpr (std::is_same_v<T, BoundingBox>) {
          h.update_u8('X');
          for (double c : {v.xmin(), v.ymin(), v.xmax(), v.ymax()}) h.update_u64(canonical_double(c));
          h.update_u8(v.normalized() ? 1 : 0);
          if (const auto& s = v.image_size()) {
            h.update_u8(1)
                .update_u64(static_cast<std::uint64_t>(s->height))
                .update_u64(static_cast<std::uint64_t>(s->width));
          } else {
            h.update_u8(0);
          }
        } else if constexpr (std::is_same_v<T, Array>) {
          h.update_u8('A').update_string(v.dtype).update_u64(v.shape.size());
          for (auto d : v.shape) h.update_u64(static_cast<std::uint64_t>(d));
          h.update_u64(v.data.size()).update(v.data.data(), v.data.size());
        } else {
          // Containers carry their own (cached) digest, which already
          // includes their tag.
          h.update_u8(std::is_same_v<T, HashableList> ? 'l' : 'd').update_digest(v.digest());
        }
      },
      v_);
  return h.finish();
}

bool Value::operator==(const Value& o) const {
  if (v_.index() != o.v_.index()) return false;
  return std::visit(
      [&o](const auto& a) -> bool {
        using T = std::decay_t<decltype(a)>;
        const T& b = std::get<T>(o.v_);
        if constexpr (std::is_same_v<T, double>)
          return canonical_double(a) == canonical_double(b);
        else
          return a == b;
      },
      v_);
}

// ---------------------------------------------------------------- HashableList

struct HashableList::Impl {
  std::vector<Value> items;
  CachedDigest digest;
};

HashableList::HashableList() : HashableList(std::vector<Value>{}) {}

HashableList::HashableList(std::vector<Value> items) {
  auto impl = std::make_shared<Impl>();
  impl->items = std::move(items);
  impl_ = std::move(impl);
}

HashableList::HashableList(std::initializer_list<Value> items) : HashableList(std::vector<Value>(items)) {}

std::size_t HashableList::size() const noexcept { return impl_->items.size(); }
const std::vector<Value>& HashableList::items() const noexcept { return impl_->items; }

const Value& HashableList::at(std::size_t i) const {
  if (i >= impl_->items.size())
    throw InvalidArgument("HashableList index " + std::to_string(i) + " out of range (size " +
                          std::to_string(impl_->items.size()) + ")");
  return impl_->items[i];
}

Digest HashableList::digest() const {
  return impl_->digest.get([this] {
    Hasher h;
    h.update("PXV1", 4).update_u8('L').update_u64(impl_->items.size());
    for (const auto& v : impl_->items) h.update_digest(v.digest());
    return h.finish();
  });
}

bool HashableList::operator==(const HashableList& o) const {
  return impl_ == o.impl_ || (digest() == o.digest() && impl_->items == o.impl_->items);
}

// ---------------------------------------------------------------- HashableDict

struct HashableDict::Impl {
  std::vector<std::pair<Value, Value>> items;
  // (key digest, index into items), sorted by key digest.
  std::vector<std::pair<Digest, std::size_t>> index;
  CachedDigest digest;
};

HashableDict::HashableDict() : HashableDict(std::vector<std::pair<Value, Value>>{}) {}

HashableDict::HashableDict(std::vector<std::pair<Value, Value>> items) {
  auto impl = std::make_shared<Impl>();
  impl->items = std::move(items);
  impl->index.reserve(impl->items.size());
  for (std::size_t i = 0; i < impl->items.size(); ++i) impl->index.emplace_back(impl->items[i].first.digest(), i);
  std::sort(impl->index.begin(), impl->index.end());
  for (std::size_t i = 1; i < impl->index.size(); ++i)
    if (impl->index[i].first == impl->index[i - 1].first)
      throw InvalidArgument("HashableDict: duplicate key (" +
                            std::string(kind_name(impl->items[impl->index[i].second].first.kind())) + ")");
  impl_ = std::move(impl);
}

HashableDict::HashableDict(std::initializer_list<std::pair<Value, Value>> items)
    : HashableDict(std::vector<std::pair<Value, Value>>(items)) {}

std::size_t HashableDict::size() const noexcept { return impl_->items.size(); }
const std::vector<std::pair<Value, Value>>& HashableDict::items() const noexcept { return impl_->items; }

const Value* HashableDict::find(const Value& key) const {
  const Digest d = key.digest();
  auto it = std::lower_bound(impl_->index.begin(), impl_->index.end(), std::make_pair(d, std::size_t{0}));
  if (it == impl_->index.end() || it->first != d) return nullptr;
  const auto& entry = impl_->items[it->second];
  return entry.first == key ? &entry.second : nullptr;
}

bool HashableDict::contains(const Value& key) const { return find(key) != nullptr; }

const Value& HashableDict::at(const Value& key) const {
  if (const Value* v = find(key)) return *v;
  std::string shown = key.kind() == Value::Kind::String ? "'" + key.as<std::string>() + "'" : kind_name(key.kind());
  throw InvalidArgument("HashableDict has no key " + shown);
}

Digest HashableDict::digest() const {
  return impl_->digest.get([this] {
    Hasher h;
    h.update("PXV1", 4).update_u8('D').update_u64(impl_->items.size());
    for (const auto& [kd, i] : impl_->index) h.update_digest(kd).update_digest(impl_->items[i].second.digest());
    return h.finish();
  });
}

bool HashableDict::operator==(const HashableDict& o) const {
  if (impl_ == o.impl_) return true;
  if (size() != o.size() || digest() != o.digest()) return false;
  for (const auto& [k, v] : impl_->items) {
    const Value* ov = o.find(k);
    if (!ov || !(*ov == v)) return false;
  }
  return true;
}

}  // namespace pixelcache
