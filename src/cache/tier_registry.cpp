// The tier registry and the pieces of a spec (tier_registry.hpp).
#include "cache/tier_registry.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "cache/percent.hpp"

namespace pixelcache::cache_detail {

// The built-in tier types (tier_types.cpp).
TierType memory_tier_type();
TierType disk_tier_type();
TierType redis_tier_type();

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const TierType>, std::less<>> by_scheme;
  std::vector<std::shared_ptr<const TierType>> builtin;

  Registry() {
    for (TierType t : {memory_tier_type(), disk_tier_type(), redis_tier_type()}) {
      auto p = std::make_shared<const TierType>(std::move(t));
      builtin.push_back(p);
      for (const auto& s : p->schemes) by_scheme[s] = p;
    }
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

bool valid_scheme(std::string_view s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
  });
}

}  // namespace

void register_tier(TierType type) {
  if (type.schemes.empty()) throw InvalidArgument("register_tier: a tier type needs at least one scheme");
  for (const auto& s : type.schemes)
    if (!valid_scheme(s))
      throw InvalidArgument("register_tier: scheme '" + escape_bytes(s) + "' is not [a-z][a-z0-9+.-]*");
  if (!type.open && type.kind != TierKind::Memory)
    throw InvalidArgument("register_tier: the tier type of scheme '" + type.schemes[0] + "' cannot be opened");
  auto p = std::make_shared<const TierType>(std::move(type));
  auto& r = registry();
  std::lock_guard lock(r.mu);
  for (const auto& s : p->schemes) r.by_scheme[s] = p;
}

std::shared_ptr<const TierType> find_tier_type(std::string_view scheme) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  const auto it = r.by_scheme.find(scheme);
  return it == r.by_scheme.end() ? nullptr : it->second;
}

std::shared_ptr<const TierType> tier_type_of(std::string_view spec) {
  const std::string scheme = tier_scheme(spec);
  if (auto t = find_tier_type(scheme)) return t;
  std::string known;
  {
    auto& r = registry();
    std::lock_guard lock(r.mu);
    for (const auto& [s, t] : r.by_scheme) known += (known.empty() ? "" : ", ") + s;
  }
  bad_spec(spec, "unknown scheme '" + escape_bytes(scheme) + "' (registered: " + known + ")");
}

std::vector<std::shared_ptr<const TierType>> builtin_tier_types() { return registry().builtin; }

[[noreturn]] void bad_spec(std::string_view spec, const std::string& why) {
  throw InvalidArgument("cache tier '" + printable_tier_spec(spec) + "': " + why);
}

std::string percent_decode_spec(std::string_view spec, std::string_view text) {
  std::optional<std::string> out = percent_decoded(text);
  if (!out) bad_spec(spec, "malformed %-escape");
  return std::move(*out);
}

std::string percent_encode_path(std::string_view path) {
  std::string out;
  for (char c : path) out += c == '%' ? "%25" : c == '?' ? "%3F" : std::string(1, c);
  return out;
}

SpecParts split_spec(std::string_view spec) {
  SpecParts p;
  p.scheme = tier_scheme(spec);
  std::string_view rest = spec.substr(p.scheme.size() + 1);
  const auto q = rest.find('?');
  p.body = std::string(rest.substr(0, q));
  if (q == std::string_view::npos) return p;
  std::string_view query = rest.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      bad_spec(spec, "query parameter '" + escape_bytes(item) + "' is not NAME=VALUE");
    std::string name(item.substr(0, eq));
    if (query_value(p, name)) bad_spec(spec, "query parameter '" + name + "' given twice");
    p.query.emplace_back(std::move(name), percent_decode_spec(spec, item.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return p;
}

void allow_only(std::string_view spec, const SpecParts& parts, std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : parts.query) {
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    bad_spec(spec, "unknown query parameter '" + escape_bytes(name) + "'" +
                       (list.empty() ? " (it takes none)" : " (known: " + list + ")"));
  }
}

std::optional<std::string> query_value(const SpecParts& parts, std::string_view name) {
  for (const auto& [n, v] : parts.query)
    if (n == name) return v;
  return std::nullopt;
}

}  // namespace pixelcache::cache_detail
