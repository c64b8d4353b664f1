// Tier specs (tier_spec.hpp): sizes, schemes, and CacheOptions to and from
// specs through the tier registry.
#include <charconv>

#include "cache/tier_registry.hpp"

namespace pixelcache {

using namespace cache_detail;

std::uint64_t parse_byte_size(std::string_view text, std::string_view what) {
  static constexpr std::pair<std::string_view, int> units[] = {{"", 0},   {"B", 0},    {"K", 10}, {"KiB", 10},
                                                               {"M", 20}, {"MiB", 20}, {"G", 30}, {"GiB", 30},
                                                               {"T", 40}, {"TiB", 40}};
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  auto fail = [&](const std::string& why) -> std::uint64_t {
    throw InvalidArgument(std::string(what) + " '" + escape_bytes(text) + "' " + why);
  };
  if (ec == std::errc::result_out_of_range) return fail("is too large");
  if (ec != std::errc() || end == text.data())
    return fail("is not a size (a number of bytes with an optional unit: B, KiB, MiB, GiB, TiB or K, M, G, T)");
  for (const auto& [name, shift] : units) {
    if (unit != name) continue;
    if (shift && v > (~std::uint64_t{0} >> shift)) return fail("is too large");
    return v << shift;
  }
  return fail("has an unknown unit '" + escape_bytes(unit) + "' (B, KiB, MiB, GiB, TiB or K, M, G, T)");
}

std::string format_byte_size(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (u < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return std::to_string(bytes) + units[u];
}

std::string tier_scheme(std::string_view spec) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0)
    throw InvalidArgument("cache tier '" + printable_tier_spec(spec) +
                          "': no scheme (memory:SIZE, lmdb:DIR, redis://HOST, unix:///PATH or a registered one)");
  return std::string(spec.substr(0, colon));
}

std::string printable_tier_spec(std::string_view spec) {
  std::string s(spec);
  const auto scheme = s.find("://");
  const auto at = s.rfind('@');
  if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
    const auto colon = s.find(':', scheme + 3);
    const auto from = colon != std::string::npos && colon < at ? colon + 1 : scheme + 3;
    s.replace(from, at - from, "***");
  }
  return escape_bytes(s);
}

void CacheOptions::add_tier(std::string_view spec) {
  const auto type = tier_type_of(spec);
  if (type->configure) {
    type->configure(spec, *this);
    return;
  }
  if (type->validate) {
    TierBinding binding{key_namespace, std::nullopt};
    type->validate(TierContext{*this, std::string(spec), std::move(binding)});
  }
  extra_tiers.emplace_back(spec);
}

CacheOptions CacheOptions::from_specs(const std::vector<std::string>& specs) {
  CacheOptions o;
  o.memory_bytes = 0;
  for (const auto& s : specs) o.add_tier(s);
  return o;
}

std::vector<std::string> CacheOptions::tier_specs() const {
  std::vector<std::string> out;
  for (const auto& t : builtin_tier_types())
    if (auto s = t->spec_of(*this)) out.push_back(std::move(*s));
  out.insert(out.end(), extra_tiers.begin(), extra_tiers.end());
  return out;
}

std::string CacheOptions::tier_spec(TierKind tier) const {
  for (const auto& t : builtin_tier_types())
    if (t->kind == tier) return t->spec_of(*this).value_or("");
  return {};
}

}  // namespace pixelcache
