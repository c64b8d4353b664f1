// Cache keys: the digest of (namespace, function, version, argument digests).
#include "pixelcache/cache.hpp"

namespace pixelcache {

CacheKey::CacheKey(std::string_view key_namespace, std::string_view function, std::string_view version)
    : ns_(key_namespace), function_(function), version_(version) {}

CacheKey& CacheKey::add(const Value& argument) {
  args_.push_back(argument.digest());
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
