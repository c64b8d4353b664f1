// The small name tables of cache.hpp (CacheOptions' defaults from the
// environment are in environment.cpp, its specs in tier_spec.cpp).
#include "pixelcache/cache.hpp"

namespace pixelcache {

const char* tier_name(TierKind tier) noexcept {
  switch (tier) {
    case TierKind::Memory: return "memory";
    case TierKind::Disk: return "disk";
    case TierKind::Redis: return "redis";
    case TierKind::Other: return "other";
  }
  return "?";
}

const char* origin_name(Origin origin) noexcept {
  switch (origin) {
    case Origin::Memory: return "memory";
    case Origin::Disk: return "disk";
    case Origin::Redis: return "redis";
    case Origin::Computed: return "computed";
    case Origin::Joined: return "joined";
    case Origin::Other: return "other";
  }
  return "?";
}

std::optional<TierStats> CacheStats::tier(TierKind t) const {
  for (const auto& s : tiers)
    if (s.tier == t) return s;
  return std::nullopt;
}

std::uint64_t VerifyReport::corrupt() const noexcept {
  std::uint64_t n = 0;
  for (const auto& t : tiers) n += t.corrupt + (t.set_aside ? 1 : 0);
  return n;
}

}  // namespace pixelcache
