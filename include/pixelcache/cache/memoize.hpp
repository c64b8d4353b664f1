// pixelcache/cache/memoize.hpp — memoize(): a function wrapped so its results
// are looked up in a Cache by the key of its name, version and arguments, and
// computed only on a miss (part of pixelcache/cache.hpp).
//
// Thread safety: a Memoized may be called from any number of threads at once
// when the wrapped function may; concurrent identical misses run the
// function once (Cache::get_or_compute). It holds a reference to its Cache,
// which must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "pixelcache/cache/bytes.hpp"
#include "pixelcache/cache/cache.hpp"
#include "pixelcache/cache/entry.hpp"
#include "pixelcache/cache/key.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

namespace detail {
// The result types memoize() can store: Entry's kinds and Value's alternatives.
template <class R>
inline constexpr bool is_value_alternative_v =
    std::is_same_v<R, bool> || std::is_same_v<R, std::int64_t> || std::is_same_v<R, double> ||
    std::is_same_v<R, std::string> || std::is_same_v<R, BoundingBox> || std::is_same_v<R, Array> ||
    std::is_same_v<R, HashableList> || std::is_same_v<R, HashableDict>;

template <class R>
Entry to_entry(R r) {
  if constexpr (std::is_same_v<R, Image> || std::is_same_v<R, Value> || std::is_same_v<R, Bytes>)
    return Entry(std::move(r));
  else
    return Entry(Value(std::move(r)));
}

// The stored result as R, or nullopt when the entry holds another type.
template <class R>
std::optional<R> from_entry(const Entry& e) {
  if constexpr (std::is_same_v<R, Image>) {
    if (e.kind() == EntryKind::Image) return e.image();
  } else if constexpr (std::is_same_v<R, Bytes>) {
    if (e.kind() == EntryKind::Bytes) return e.bytes();
  } else if constexpr (std::is_same_v<R, Value>) {
    if (e.kind() == EntryKind::Value) return e.value();
  } else if (e.kind() == EntryKind::Value) {
    if (const R* p = std::get_if<R>(&e.value().variant())) return *p;
  }
  return std::nullopt;
}

template <class A>
void add_argument(CacheKey& key, const A& a) {
  if constexpr (std::is_same_v<A, Digest>)
    key.add_digest(a);
  else if constexpr (std::is_same_v<A, Bytes>)
    key.add(a);
  else
    key.add(Value(a));
}
}  // namespace detail

/// A function wrapped by memoize(): calling it looks the result up by the
/// key of (cache namespace, function name, version, the arguments' digests)
/// and runs the function only on a miss (once for concurrent identical
/// misses). Arguments must convert to Value (Image, numbers, strings, boxes,
/// arrays, containers ...), or be Bytes, or a Digest (taken as the
/// argument's digest). The result type must be Image, Value, Bytes, or one of
/// Value's alternatives (bool, std::int64_t, double, std::string,
/// BoundingBox, Array, HashableList, HashableDict). A stored entry of another
/// type under the key (a changed function without a new version) is
/// recomputed and replaced. Holds a reference to the Cache, which must
/// outlive it. Thread-safe when the function is.
template <class F>
class Memoized {
 public:
  Memoized(Cache& cache, std::string function, std::string version, F fn)
      : cache_(&cache), function_(std::move(function)), version_(std::move(version)), fn_(std::move(fn)) {}

  /// The key a call with `args` uses.
  template <class... A>
  Digest key(const A&... args) const {
    CacheKey k(cache_->options().key_namespace, function_, version_);
    (detail::add_argument(k, args), ...);
    return k.digest();
  }

  template <class... A>
  auto operator()(const A&... args) const {
    using R = std::decay_t<std::invoke_result_t<const F&, const A&...>>;
    static_assert(std::is_same_v<R, Image> || std::is_same_v<R, Value> || std::is_same_v<R, Bytes> ||
                      detail::is_value_alternative_v<R>,
                  "memoize: the result must be Image, Value, Bytes or a Value alternative");
    const Digest k = key(args...);
    auto fetched = cache_->get_or_compute(k, [&] { return detail::to_entry<R>(fn_(args...)); });
    if (auto r = detail::from_entry<R>(fetched.entry)) return std::move(*r);
    R fresh = fn_(args...);
    cache_->put(k, detail::to_entry<R>(fresh));
    return fresh;
  }

 private:
  Cache* cache_;
  std::string function_, version_;
  F fn_;
};

/// Wraps `fn` so its results are cached in `cache` under the name
/// `function` and `version` (see Memoized). Example:
///   auto thumb = memoize(cache, "thumbnail", "1",
///                        [](const std::string& path) { return resize(load(path), {256, 256}); });
///   Image t = thumb("cat.jpg");   // computed once, then served by the cache
template <class F>
Memoized<F> memoize(Cache& cache, std::string function, std::string version, F fn) {
  return Memoized<F>(cache, std::move(function), std::move(version), std::move(fn));
}

}  // namespace pixelcache
