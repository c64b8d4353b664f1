// Tier specs (cache/tier_spec.hpp): sizes, the grammar of the built-in
// tiers, the round trip CacheOptions -> specs -> CacheOptions, errors naming
// the spec, PIXELCACHE_CACHE_TIERS, Cache::tiers(), and a Redis tier's prefix
// and TTL given in its spec.
#include <hiredis/hiredis.h>

#include <cstdlib>

#include "cache_support.hpp"
#include "redis_server.hpp"

using namespace pixelcache;
using namespace pixelcache::test;

namespace {

// The message of the InvalidArgument `f` throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

// Sets a variable for the scope.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const char* n, const char* value) : name(n) {
    if (const char* o = std::getenv(n)) old = o;
    value ? ::setenv(n, value, 1) : ::unsetenv(n);
  }
  ~ScopedEnv() { old ? ::setenv(name.c_str(), old->c_str(), 1) : ::unsetenv(name.c_str()); }
};

}  // namespace

TEST(TierSpec, SizesInBothSpellings) {
  EXPECT_EQ(parse_byte_size("256MiB", "size"), 256u << 20);
  EXPECT_EQ(parse_byte_size("256M", "size"), 256u << 20);
  EXPECT_EQ(parse_byte_size("4GiB", "size"), std::uint64_t{4} << 30);
  EXPECT_EQ(parse_byte_size("2T", "size"), std::uint64_t{2} << 40);
  EXPECT_EQ(parse_byte_size("1000", "size"), 1000u);
  EXPECT_EQ(parse_byte_size("7B", "size"), 7u);
  EXPECT_EQ(parse_byte_size("3K", "size"), 3072u);
  for (const char* bad : {"", "MiB", "12X", "-1", "1.5G", "99999999999999999999", "16777216TiB", " 1"})
    EXPECT_NE(error_of([&] { parse_byte_size(bad, "the bound"); }).find("the bound '"), std::string::npos) << bad;
  for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1000}, std::uint64_t{256} << 20, std::uint64_t{3} << 40,
                          (std::uint64_t{1} << 20) + 1024})
    EXPECT_EQ(parse_byte_size(format_byte_size(n), "size"), n) << format_byte_size(n);
  EXPECT_EQ(format_byte_size(std::uint64_t{256} << 20), "256MiB");
  EXPECT_EQ(format_byte_size(1025), "1025B");
}

TEST(TierSpec, BuiltInSpecsSetTheOptions) {
  const auto o = CacheOptions::from_specs({"memory:64MiB", "lmdb:/data/cache?max=4GiB",
                                           "redis://user:pw@cache.local:6380/2?prefix=team&ttl=60&timeout=750"});
  EXPECT_EQ(o.memory_bytes, 64u << 20);
  EXPECT_EQ(o.disk_path, "/data/cache");
  EXPECT_EQ(o.disk_bytes, std::uint64_t{4} << 30);
  EXPECT_EQ(o.redis_url, "redis://user:pw@cache.local:6380/2");
  EXPECT_EQ(o.redis_prefix, "team");
  EXPECT_EQ(o.redis_ttl, std::chrono::seconds(60));
  EXPECT_EQ(o.command_timeout, std::chrono::milliseconds(750));
  EXPECT_TRUE(o.extra_tiers.empty());
  // disk: is lmdb:; no tier given is no tier; a later spec replaces its tier.
  auto d = CacheOptions::from_specs({"disk:/x", "lmdb:/y"});
  EXPECT_EQ(d.disk_path, "/y");
  EXPECT_FALSE(d.disk_bytes);
  EXPECT_EQ(d.memory_bytes, 0u);
  EXPECT_TRUE(d.redis_url.empty());
  EXPECT_TRUE(CacheOptions::from_specs({}).tier_specs().empty());
  const auto u = CacheOptions::from_specs({"unix:///run/redis.sock?db=3&connect_timeout=50"});
  EXPECT_EQ(u.redis_url, "unix:///run/redis.sock?db=3");
  EXPECT_EQ(u.connect_timeout, std::chrono::milliseconds(50));
}

TEST(TierSpec, SpecsRoundTrip) {
  CacheOptions o;
  o.memory_bytes = (std::uint64_t{3} << 30) + 5;
  o.disk_path = "/tmp/odd?dir%name";
  o.disk_bytes = std::uint64_t{1} << 30;
  o.redis_url = "unix:///tmp/r.sock?db=4";
  o.redis_prefix = "p-1";
  o.redis_ttl = std::chrono::seconds(9);
  o.connect_timeout = std::chrono::milliseconds(77);
  const auto specs = o.tier_specs();
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0], "memory:3221225477B");
  EXPECT_EQ(specs[1], "lmdb:/tmp/odd%3Fdir%25name?max=1GiB");
  EXPECT_EQ(specs[2], "unix:///tmp/r.sock?db=4&prefix=p-1&ttl=9&connect_timeout=77");
  const auto back = CacheOptions::from_specs(specs);
  EXPECT_EQ(back.memory_bytes, o.memory_bytes);
  EXPECT_EQ(back.disk_path, o.disk_path);
  EXPECT_EQ(back.disk_bytes, o.disk_bytes);
  EXPECT_EQ(back.redis_url, o.redis_url);
  EXPECT_EQ(back.redis_prefix, o.redis_prefix);
  EXPECT_EQ(back.redis_ttl, o.redis_ttl);
  EXPECT_EQ(back.connect_timeout, o.connect_timeout);
  EXPECT_EQ(back.command_timeout, o.command_timeout);
  EXPECT_EQ(back.tier_specs(), specs);
  EXPECT_EQ(o.tier_spec(TierKind::Disk), specs[1]);
  EXPECT_EQ(CacheOptions{}.tier_spec(TierKind::Memory), "memory:256MiB");
  EXPECT_EQ(CacheOptions{}.tier_spec(TierKind::Redis), "");
}

TEST(TierSpec, ErrorsNameTheSpecAndTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"nothing", "no scheme"},
      {"tape:/dev/st0", "unknown scheme 'tape'"},
      {"memory:lots", "'lots'"},
      {"memory:1G?x=1", "unknown query parameter 'x'"},
      {"lmdb:", "no directory"},
      {"lmdb:/d?max=17TiB", "16 TiB"},
      {"lmdb:/d?max", "not NAME=VALUE"},
      {"lmdb:/d?max=1G&max=2G", "given twice"},
      {"lmdb:/d%zz", "%-escape"},
      {"redis://h:notaport", "port"},
      {"redis://h?ttl=-1", "ttl='-1'"},
      {"redis://h?timeout=0", "timeout='0'"},
      {"redis://h?prefix=a:b", "prefix 'a:b'"},
      {"redis://h/0?db=1", "unknown query parameter 'db'"},
      {"rediss://h", "TLS"},
  };
  for (const auto& [spec, problem] : cases) {
    const std::string what = error_of([&] { CacheOptions().add_tier(spec); });
    EXPECT_NE(what.find("cache tier '"), std::string::npos) << spec << ": " << what;
    EXPECT_NE(what.find(problem), std::string::npos) << spec << ": " << what;
  }
  // A password never appears in a message.
  const std::string what = error_of([] { CacheOptions().add_tier("redis://me:hunter2@h:x"); });
  EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
  EXPECT_EQ(printable_tier_spec("redis://me:hunter2@h:1/0"), "redis://me:***@h:1/0");
  EXPECT_EQ(printable_tier_spec("redis://hunter2@h"), "redis://***@h");
}

TEST(TierSpec, TheEnvironmentNamesTheTiers) {
  ScopedEnv tiers_var("PIXELCACHE_CACHE_TIERS", "memory:8MiB,redis://127.0.0.1:1?ttl=5");
  ScopedEnv key("PIXELCACHE_CACHE_KEY", "k3y");
  ScopedEnv url("PIXELCACHE_REDIS_URL", "redis://elsewhere:1");
  EXPECT_EQ(cache_environment().cache_tiers, "memory:8MiB,redis://127.0.0.1:1?ttl=5");
  const CacheOptions o = CacheOptions::from_environment();
  EXPECT_EQ(o.tier_specs(), (std::vector<std::string>{"memory:8MiB", "redis://127.0.0.1:1?ttl=5"}));
  EXPECT_TRUE(o.disk_path.empty());  // the list is the whole stack
  EXPECT_EQ(o.secret, "k3y");
  ScopedEnv no_memory("PIXELCACHE_CACHE_TIERS", ",lmdb:/tmp/x,");  // the memory tier's default stays
  EXPECT_EQ(CacheOptions::from_environment().tier_specs(), (std::vector<std::string>{"memory:256MiB", "lmdb:/tmp/x"}));
  ScopedEnv bad("PIXELCACHE_CACHE_TIERS", "memory:8MiB,floppy:a");
  const std::string what = error_of([] { CacheOptions::from_environment(); });
  EXPECT_NE(what.find("PIXELCACHE_CACHE_TIERS"), std::string::npos) << what;
  EXPECT_NE(what.find("floppy"), std::string::npos) << what;
}

TEST(TierSpec, CacheListsItsTiers) {
  TempDir dir;
  Cache cache(CacheOptions::from_specs({"memory:1MiB", "lmdb:" + dir.path().string() + "?max=64MiB"}));
  ASSERT_EQ(cache.tiers().size(), 2u);
  EXPECT_EQ(cache.tiers()[0].kind, TierKind::Memory);
  EXPECT_EQ(cache.tiers()[0].spec, "memory:1MiB");
  EXPECT_EQ(cache.tiers()[1].kind, TierKind::Disk);
  EXPECT_EQ(cache.tiers()[1].name, "disk");
  EXPECT_EQ(cache.tiers()[1].spec, "lmdb:" + dir.path().string() + "?max=64MiB");
  EXPECT_EQ(cache.stats().tiers[1].name, "disk");
  EXPECT_EQ(cache.stats().tiers[1].max_bytes, 64u << 20);
}

TEST(CacheRedisTierSpec, PrefixAndTtlComeFromTheSpec) {
  if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
  RedisServer server;
  auto o = CacheOptions::from_specs({server.url() + "?prefix=team7&ttl=100"});
  o.key_namespace = "ns";
  Cache cache(o);
  const Digest k = digest_bytes("tiered", 6);
  cache.put(k, Entry(Bytes(std::string_view("v")), ""));
  redisReply* ttl = server.command({"TTL", "team7:ns:" + k.hex()});
  ASSERT_NE(ttl, nullptr);
  EXPECT_GT(ttl->integer, 0);  // stored under the prefix, expiring
  EXPECT_LE(ttl->integer, 100);
  freeReplyObject(ttl);
  redisReply* plain = server.command({"EXISTS", "pixelcache:ns:" + k.hex()});
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->integer, 0);
  freeReplyObject(plain);
  EXPECT_EQ(Cache(o).get_bytes(k)->view(), "v");
}
