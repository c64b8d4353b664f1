// Internal: the tier registry — each kind of tier registers its schemes, how
// its spec sets CacheOptions, the spec of the tier CacheOptions describe, and
// how to open it; Cache construction and CacheOptions::add_tier() go through
// it. Also the pieces of a spec (scheme, body, query parameters) its parsers
// share.
//
// A new tier is its own file(s) implementing StoreTier (store_tier.hpp) and
// one register_tier() call: a built-in one in builtin_tiers() of
// tier_registry.cpp, a program's own before it makes the Cache (see
// tests/cpp/test_cache_registry.cpp for a whole one).
//
// Thread safety: register_tier() and find_tier_type() may be called from any
// thread; a TierType is immutable once registered.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/store_tier.hpp"

namespace pixelcache::cache_detail {

/// What opening a stored tier gets.
struct TierContext {
  const CacheOptions& options;
  /// The tier's spec: from TierType::spec_of() (built-in) or extra_tiers.
  std::string spec;
  /// The Cache's namespace and the signing key of Code entries
  /// (CacheOptions::secret; none when it is empty).
  TierBinding binding;
};

/// One kind of tier.
struct TierType {
  /// The schemes its specs start with, the first canonical ("lmdb", "disk").
  std::vector<std::string> schemes;
  /// Memory, Disk, Redis for the built-in tiers; Other for the rest.
  TierKind kind = TierKind::Other;
  /// Checks `spec` and records it in `options` (throws InvalidArgument
  /// naming the spec). Unset: `validate`, then the spec is appended to
  /// CacheOptions::extra_tiers.
  std::function<void(std::string_view spec, CacheOptions& options)> configure;
  /// Unset, or checks the tier without opening anything (throws
  /// InvalidArgument naming the spec): a Cache validates every tier before
  /// it opens any.
  std::function<void(const TierContext& context)> validate;
  /// Built-in tiers: the spec of the tier `options` describe, or nullopt
  /// when it is off.
  std::function<std::optional<std::string>(const CacheOptions& options)> spec_of;
  /// Opens the tier (null for the memory tier, which Cache makes itself).
  /// Throws InvalidArgument for a malformed spec, CacheError for a store that
  /// cannot be used.
  std::function<std::unique_ptr<StoreTier>(const TierContext& context)> open;
};

/// Adds `type`; a later registration of a scheme replaces the earlier one.
/// Throws InvalidArgument for a type without schemes, a scheme that is not
/// [a-z][a-z0-9+.-]*, or a type without `open` (the memory tier aside).
void register_tier(TierType type);
/// The type registered for `scheme`, or nullptr.
std::shared_ptr<const TierType> find_tier_type(std::string_view scheme);
/// The type of `spec`'s scheme; throws InvalidArgument naming the spec and
/// the registered schemes when there is none.
std::shared_ptr<const TierType> tier_type_of(std::string_view spec);
/// The built-in types with a spec_of, in stacking order (memory, disk, Redis).
std::vector<std::shared_ptr<const TierType>> builtin_tier_types();

/// A spec cut at its first ':' and its last '?': "lmdb:/d?max=1G" is
/// {"lmdb", "/d", {{"max", "1G"}}}. Query values are percent-decoded.
struct SpecParts {
  std::string scheme;
  std::string body;
  std::vector<std::pair<std::string, std::string>> query;
};
/// Throws InvalidArgument naming the spec for one without a scheme or with
/// a malformed query (a parameter without '=', a repeated name, a bad
/// %-escape).
SpecParts split_spec(std::string_view spec);
/// Throws InvalidArgument naming the spec and `name` for a parameter of
/// `parts` not in `allowed`.
void allow_only(std::string_view spec, const SpecParts& parts, std::initializer_list<std::string_view> allowed);
/// The value of parameter `name`, or nullopt.
std::optional<std::string> query_value(const SpecParts& parts, std::string_view name);
/// Throws InvalidArgument("cache tier '<printable spec>': " + why).
[[noreturn]] void bad_spec(std::string_view spec, const std::string& why);
/// Decodes %XX escapes in `text` (of `spec`, for messages).
std::string percent_decode_spec(std::string_view spec, std::string_view text);
/// Escapes '%' and '?' in a path for a spec body.
std::string percent_encode_path(std::string_view path);

}  // namespace pixelcache::cache_detail
