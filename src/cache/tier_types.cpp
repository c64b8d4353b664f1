// The built-in tier types of the registry (tier_registry.hpp): memory:SIZE,
// lmdb:DIR[?max=SIZE] (alias disk:), and redis:// / unix:// (tier_spec.hpp).
#include <charconv>

#include "cache/disk_tier.hpp"
#include "cache/redis_tier.hpp"
#include "cache/tier_registry.hpp"

namespace pixelcache::cache_detail {

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{500}, kCommandTimeout{2000};

std::int64_t parse_count(std::string_view spec, const std::string& name, const std::string& text, std::int64_t lo) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < lo)
    bad_spec(spec, name + "='" + escape_bytes(text) + "' is not a whole number >= " + std::to_string(lo));
  return v;
}

// parse_byte_size() with its error naming the spec.
std::uint64_t spec_size(std::string_view spec, const std::string& text, const char* what) {
  try {
    return parse_byte_size(text, what);
  } catch (const InvalidArgument& e) {
    bad_spec(spec, e.what());
  }
}

void check_prefix(std::string_view spec, const std::string& prefix) {
  bool ok = !prefix.empty() && prefix.size() <= 64;
  for (char c : prefix) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!ok) bad_spec(spec, "prefix '" + escape_bytes(prefix) + "' must be 1..64 letters, digits, '_', '-' or '.'");
}

void configure_redis(std::string_view spec, CacheOptions& o) {
  const SpecParts p = split_spec(spec);
  const bool unix_socket = p.scheme == "unix";
  if (unix_socket)
    allow_only(spec, p, {"db", "prefix", "ttl", "timeout", "connect_timeout"});
  else
    allow_only(spec, p, {"prefix", "ttl", "timeout", "connect_timeout"});
  std::string url = p.scheme + ":" + p.body;
  if (const auto db = query_value(p, "db")) url += "?db=" + *db;
  try {
    RedisUrl::parse(url);
  } catch (const InvalidArgument& e) {
    bad_spec(spec, e.what());
  }
  if (const auto prefix = query_value(p, "prefix")) check_prefix(spec, *prefix);
  o.redis_url = url;
  if (const auto prefix = query_value(p, "prefix")) o.redis_prefix = *prefix;
  if (const auto ttl = query_value(p, "ttl")) o.redis_ttl = std::chrono::seconds(parse_count(spec, "ttl", *ttl, 0));
  if (const auto t = query_value(p, "timeout"))
    o.command_timeout = std::chrono::milliseconds(parse_count(spec, "timeout", *t, 1));
  if (const auto t = query_value(p, "connect_timeout"))
    o.connect_timeout = std::chrono::milliseconds(parse_count(spec, "connect_timeout", *t, 1));
}

std::optional<std::string> redis_spec(const CacheOptions& o) {
  if (o.redis_url.empty()) return std::nullopt;
  std::string s = o.redis_url;
  auto add = [&](const std::string& name, const std::string& value) {
    s += (s.find('?') == std::string::npos ? "?" : "&") + name + "=" + value;
  };
  if (o.redis_prefix != "pixelcache") add("prefix", o.redis_prefix);
  if (o.redis_ttl.count() != 0) add("ttl", std::to_string(o.redis_ttl.count()));
  if (o.command_timeout != kCommandTimeout) add("timeout", std::to_string(o.command_timeout.count()));
  if (o.connect_timeout != kConnectTimeout) add("connect_timeout", std::to_string(o.connect_timeout.count()));
  return s;
}

}  // namespace

TierType memory_tier_type() {
  TierType t;
  t.schemes = {"memory"};
  t.kind = TierKind::Memory;
  t.configure = [](std::string_view spec, CacheOptions& o) {
    const SpecParts p = split_spec(spec);
    allow_only(spec, p, {});
    o.memory_bytes = spec_size(spec, p.body, "the size");
  };
  t.spec_of = [](const CacheOptions& o) -> std::optional<std::string> {
    if (o.memory_bytes == 0) return std::nullopt;
    return "memory:" + format_byte_size(o.memory_bytes);
  };
  return t;
}

TierType disk_tier_type() {
  TierType t;
  t.schemes = {"lmdb", "disk"};
  t.kind = TierKind::Disk;
  t.configure = [](std::string_view spec, CacheOptions& o) {
    const SpecParts p = split_spec(spec);
    allow_only(spec, p, {"max"});
    if (p.body.empty()) bad_spec(spec, "no directory (lmdb:DIR[?max=SIZE])");
    std::optional<std::uint64_t> max;
    if (const auto m = query_value(p, "max")) max = spec_size(spec, *m, "max");
    if (max && *max > kMaxDiskBytes) bad_spec(spec, "max is over the limit of 16 TiB");
    o.disk_path = percent_decode_spec(spec, p.body);
    o.disk_bytes = max;
  };
  t.spec_of = [](const CacheOptions& o) -> std::optional<std::string> {
    if (o.disk_path.empty() || o.disk_bytes.value_or(1) == 0) return std::nullopt;
    return "lmdb:" + percent_encode_path(o.disk_path.string()) +
           (o.disk_bytes ? "?max=" + format_byte_size(*o.disk_bytes) : "");
  };
  t.validate = [](const TierContext& c) {
    if (c.options.disk_bytes && *c.options.disk_bytes > kMaxDiskBytes)
      throw InvalidArgument("cache options: a disk bound of " + std::to_string(*c.options.disk_bytes) +
                            " bytes is over the limit of 16 TiB (2^44 bytes)");
  };
  t.open = [](const TierContext& c) -> std::unique_ptr<StoreTier> {
    const CacheOptions& o = c.options;
    return std::make_unique<DiskTier>(o.disk_path, o.key_namespace, o.disk_bytes, o.secret);
  };
  return t;
}

TierType redis_tier_type() {
  TierType t;
  t.schemes = {"redis", "unix", "rediss"};  // rediss: to say that TLS is not supported
  t.kind = TierKind::Redis;
  t.configure = configure_redis;
  t.spec_of = redis_spec;
  t.validate = [](const TierContext& c) {
    RedisUrl::parse(c.options.redis_url);
    check_prefix(c.spec, c.options.redis_prefix);
  };
  t.open = [](const TierContext& c) -> std::unique_ptr<StoreTier> {
    const CacheOptions& o = c.options;
    return std::make_unique<RedisTier>(RedisUrl::parse(o.redis_url), c.binding, o.redis_ttl, o.connect_timeout,
                                       o.command_timeout, o.redis_prefix);
  };
  return t;
}

}  // namespace pixelcache::cache_detail
