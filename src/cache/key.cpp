// Cache keys: the digest of (namespace, function, version, argument digests).
#include <cmath>
#include <vector>

#include "pixelcache/cache.hpp"

namespace pixelcache {

CacheKey::CacheKey(std::string_view key_namespace, std::string_view function, std::string_view version)
    : ns_(key_namespace), function_(function), version_(version) {}

namespace {
// Appends the sign bits of the zero floats of `v`, in pre-order.
void zero_signs(const Value& v, std::vector<std::uint8_t>& out) {
  const auto one = [&](double d) {
    if (d == 0.0) out.push_back(std::signbit(d) ? 1 : 0);
  };
  switch (v.kind()) {
    case Value::Kind::Float: one(v.as<double>()); break;
    case Value::Kind::BoundingBox: {
      const BoundingBox& b = v.as<BoundingBox>();
      for (double c : {b.xmin(), b.ymin(), b.xmax(), b.ymax()}) one(c);
      break;
    }
    case Value::Kind::List:
      for (const Value& x : v.as<HashableList>()) zero_signs(x, out);
      break;
    case Value::Kind::Dict:
      for (const auto& [k, x] : v.as<HashableDict>()) {
        zero_signs(k, out);
        zero_signs(x, out);
      }
      break;
    default: break;
  }
}
}  // namespace

Digest argument_digest(const Value& v) {
  const Digest d = v.digest();
  std::vector<std::uint8_t> signs;
  zero_signs(v, signs);
  bool negative = false;
  for (auto s : signs) negative = negative || s != 0;
  if (!negative) return d;
  Hasher h;
  h.update("PXZ1", 4).update_digest(d).update_u64(signs.size()).update(signs.data(), signs.size());
  return h.finish();
}

CacheKey& CacheKey::add(const Value& argument) {
  args_.push_back(argument_digest(argument));
  return *this;
}

CacheKey& CacheKey::add(const Bytes& argument) {
  // A Value Array of dtype "bytes": the Value serialisation, so no second
  // digest form exists (no NumPy dtype is called "bytes").
  Array a{"bytes", {static_cast<std::int64_t>(argument.size())}, {argument.data(), argument.data() + argument.size()}};
  args_.push_back(Value(std::move(a)).digest());
  return *this;
}

CacheKey& CacheKey::add_digest(const Digest& argument_digest) {
  args_.push_back(argument_digest);
  return *this;
}

Digest CacheKey::digest() const { return cache_key(ns_, function_, version_, args_); }

Digest cache_key(std::string_view key_namespace, std::string_view function, std::string_view version,
                 std::span<const Digest> argument_digests) {
  Hasher h;
  h.update("PXK1", 4).update_string(key_namespace).update_string(function).update_string(version);
  h.update_u64(argument_digests.size());
  for (const auto& d : argument_digests) h.update_digest(d);
  return h.finish();
}

}  // namespace pixelcache
