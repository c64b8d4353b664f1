// pixelcache/cache/key.hpp — cache keys: CacheKey, cache_key() and
// argument_digest(), the 128-bit digests memoize() stores results under (part
// of pixelcache/cache.hpp).
//
// Keys: CacheKey computes XXH3-128 of "PXK1", then the namespace, function
// name and version each as a u64 length + bytes, then u64 argument count,
// then each argument digest (16 bytes, Digest::hex() order). Arguments are
// digested as Values (value.hpp); byte strings as a Value Array of dtype
// "bytes" and shape {n}.
//
// Thread safety: CacheKey is a plain value with no synchronisation: build one
// per thread (concurrent const calls on one object are safe; add() needs the
// object to itself). The free functions keep no state; any number of threads
// may call them at once.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/cache/bytes.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

/// Builds a cache key: the digest of (namespace, function name, user
/// version, the arguments' digests) — see the file comment for the bytes.
/// Change `version` when the function's output changes, to stop reading old
/// results.
class CacheKey {
 public:
  CacheKey(std::string_view key_namespace, std::string_view function, std::string_view version = {});
  /// Appends an argument by its Value digest (images, numbers, strings,
  /// bools, null, boxes, arrays, containers — anything a Value holds).
  CacheKey& add(const Value& argument);
  /// Appends a byte-string argument (digested as a Value Array of dtype
  /// "bytes", shape {n}).
  CacheKey& add(const Bytes& argument);
  /// Appends an argument already reduced to its digest.
  CacheKey& add_digest(const Digest& argument_digest);
  /// The argument digests appended so far.
  const std::vector<Digest>& arguments() const noexcept { return args_; }
  /// The key.
  Digest digest() const;

 private:
  std::string ns_, function_, version_;
  std::vector<Digest> args_;
};

/// The digest CacheKey::add() takes for an argument: v.digest(), except that
/// a Value holding negative zeros (a float or a box coordinate, anywhere in
/// it) is told apart from the same Value with positive ones — Value digests
/// treat -0.0 as 0.0, as == does, but a function may not (1 / x, atan2,
/// copysign): then XXH3-128 of "PXZ1", v.digest(), u64 n, and the sign bits
/// of its n zero floats in order (one byte each, pre-order).
Digest argument_digest(const Value& v);

/// The key of (namespace, function, version, argument digests) in one call.
Digest cache_key(std::string_view key_namespace, std::string_view function, std::string_view version,
                 std::span<const Digest> argument_digests);

}  // namespace pixelcache
