// The Redis tier against a real redis-server started by the tests on a free
// loopback port: round trips, key names, TTL, promotion, corruption, clear,
// verify, the server killed and restarted, slow and unreachable servers,
// AUTH.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <thread>

#include "cache_support.hpp"
#include "entry_forge.hpp"
#include "redis_server.hpp"

namespace pixelcache::test {
namespace {

class CacheRedis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (RedisServer::available()) server_ = new RedisServer();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << "redis-server is not installed (scripts/install-deps.sh installs it)";
    server_->start();  // a test may have stopped it
    server_->integer({"FLUSHALL"});
  }
  CacheOptions redis_only(const std::string& ns = "test") const {
    CacheOptions o = tiers(0, {}, 0, server_->url());
    o.key_namespace = ns;
    return o;
  }
  static RedisServer* server_;
};
RedisServer* CacheRedis::server_ = nullptr;

TEST_F(CacheRedis, RoundTripsEveryKind) {
  Cache cache(redis_only());
  const std::vector<Entry> entries = {Entry(pattern(9, 13), "pil"), Entry(pattern(7, 3, Mode::Binary)),
                                      Entry(Image::from_f32({1, 2}, Mode::RGB, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f})),
                                      Entry(every_kind_value(), "numpy"),
                                      Entry(Bytes(std::string_view("\x80\x05x")), "pickle")};
  for (std::size_t i = 0; i < entries.size(); ++i) cache.put(key_for(static_cast<int>(i)), entries[i]);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    TierKind found = TierKind::Memory;
    const auto got = cache.get(key_for(static_cast<int>(i)), &found);
    ASSERT_TRUE(got);
    EXPECT_EQ(found, TierKind::Redis);
    EXPECT_EQ(got->content_digest(), entries[i].content_digest());
    EXPECT_TRUE(*got == entries[i]);
  }
  EXPECT_FALSE(cache.get(key_for(99)));
  EXPECT_TRUE(cache.contains(key_for(0)));
  EXPECT_TRUE(cache.erase(key_for(0)));
  EXPECT_FALSE(cache.contains(key_for(0)));
  const auto r = cache.stats().tier(TierKind::Redis);
  EXPECT_EQ(r->hits, entries.size());
  EXPECT_EQ(r->misses, 1u);
  EXPECT_EQ(r->errors, 0u);
  EXPECT_FALSE(r->entries);  // not known without a scan
}

TEST_F(CacheRedis, KeysCarryTheNamespacePrefixAndTtl) {
  auto o = redis_only("ns1");
  o.redis_ttl = std::chrono::seconds(300);
  Cache cache(o);
  cache.put(key_for(1), Entry(Value(1)));
  const std::string name = "pixelcache:ns1:" + key_for(1).hex();
  EXPECT_EQ(server_->integer({"EXISTS", name}), 1);
  const long long ttl = server_->integer({"TTL", name});
  EXPECT_GT(ttl, 250);
  EXPECT_LE(ttl, 300);
  Cache no_ttl(redis_only("ns2"));
  no_ttl.put(key_for(1), Entry(Value(1)));
  EXPECT_EQ(server_->integer({"TTL", "pixelcache:ns2:" + key_for(1).hex()}), -1);
}

TEST_F(CacheRedis, ClearRemovesOnlyThisNamespace) {
  Cache a(redis_only("a*"));  // glob characters in the namespace are escaped
  Cache ab(redis_only("ab"));
  for (int i = 0; i < 30; ++i) a.put(key_for(i), Entry(Value(i)));
  ab.put(key_for(1), Entry(Value(1)));
  int listed = 0;
  a.for_each_entry(TierKind::Redis, [&](const EntryInfo& e) {
    EXPECT_EQ(e.kind, EntryKind::Value);
    ++listed;
    return true;
  });
  EXPECT_EQ(listed, 30);
  EXPECT_TRUE(a.clear());
  EXPECT_FALSE(a.contains(key_for(3)));
  EXPECT_TRUE(ab.contains(key_for(1)));
}

TEST_F(CacheRedis, HitIsPromotedIntoDiskAndMemory) {
  TempDir d1, d2;
  {
    Cache writer(tiers(1 << 20, d1.path(), 64 << 20, server_->url()));
    writer.put(key_for(1), Entry(pattern(30, 30), "pil"));
  }
  Cache reader(tiers(1 << 20, d2.path(), 64 << 20, server_->url()));
  TierKind found;
  ASSERT_TRUE(reader.get(key_for(1), &found));
  EXPECT_EQ(found, TierKind::Redis);
  ASSERT_TRUE(reader.get(key_for(1), &found));
  EXPECT_EQ(found, TierKind::Memory);
  Cache disk_only(tiers(0, d2.path()));
  const auto e = disk_only.get(key_for(1), &found);
  ASSERT_TRUE(e);
  EXPECT_EQ(found, TierKind::Disk);
  EXPECT_EQ(e->tag(), "pil");
  EXPECT_EQ(e->image(), pattern(30, 30));
}

TEST_F(CacheRedis, FlippedByteIsDetectedDroppedAndRecomputed) {
  Cache cache(redis_only());
  const Image img = pattern(20, 20);
  cache.put(key_for(1), Entry(img));
  const std::string name = "pixelcache:test:" + key_for(1).hex();
  redisReply* r = server_->command({"GETRANGE", name, "100", "100"});
  ASSERT_TRUE(r && r->len == 1);
  const std::string flipped(1, static_cast<char>(r->str[0] ^ 4));
  freeReplyObject(r);
  server_->integer({"SETRANGE", name, "100", flipped});
  int calls = 0;
  const auto got = cache.get_or_compute(key_for(1), [&] {
    ++calls;
    return Entry(img);
  });
  EXPECT_EQ(got.origin, Origin::Computed);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.stats().tier(TierKind::Redis)->corrupt, 1u);
  EXPECT_EQ(cache.get_or_compute(key_for(1), [&] { return Entry(img); }).origin, Origin::Redis);

  // verify() finds a damaged entry too.
  server_->integer({"SETRANGE", name, "70", "\xff\xff"});
  server_->integer({"SET", "pixelcache:test:" + key_for(2).hex(), "not an entry"});
  cache.put(key_for(3), Entry(Value(3)));
  const VerifyReport v = cache.verify();
  ASSERT_EQ(v.tiers.size(), 1u);
  EXPECT_EQ(v.tiers[0].checked, 3u);
  EXPECT_EQ(v.tiers[0].corrupt, 2u);
  EXPECT_EQ(v.tiers[0].ok, 1u);
  EXPECT_EQ(server_->integer({"EXISTS", name}), 0);
}

// Issue 16: a value copied from one key to another (or to another
// namespace) is a corrupt miss there, never another call's answer.
TEST_F(CacheRedis, AValueCopiedToAnotherKeyIsNotServed) {
  Cache cache(redis_only());
  cache.put(key_for(1), Entry(pattern(12, 12), "pil"));
  cache.put(key_for(2), Entry(pattern(13, 13), "pil"));
  const std::string a = "pixelcache:test:" + key_for(1).hex(), b = "pixelcache:test:" + key_for(2).hex();
  server_->integer({"COPY", a, b, "REPLACE"});
  server_->integer({"COPY", a, "pixelcache:other:" + key_for(1).hex()});
  int calls = 0;
  const auto got = cache.get_or_compute(key_for(2), [&] {
    ++calls;
    return Entry(pattern(13, 13), "pil");
  });
  EXPECT_EQ(got.origin, Origin::Computed);
  EXPECT_EQ(got.entry.image(), pattern(13, 13));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.stats().tier(TierKind::Redis)->corrupt, 1u);
  EXPECT_EQ(cache.get_image(key_for(1)), pattern(12, 12));  // the original is fine
  Cache other(redis_only("other"));
  EXPECT_FALSE(other.get(key_for(1)));
  EXPECT_EQ(other.stats().tier(TierKind::Redis)->corrupt, 1u);
  // verify() reports a copied value as corrupt.
  server_->integer({"COPY", a, b, "REPLACE"});
  const VerifyReport v = cache.verify();
  EXPECT_EQ(v.tiers[0].corrupt, 1u);
  EXPECT_EQ(v.tiers[0].ok, 1u);
}

// Issue 16: whoever can write to Redis must not run code in the readers:
// code entries (pickles) are shared only with a secret, signed, and a forged
// or unsigned one is refused.
TEST_F(CacheRedis, CodeEntriesNeedTheSharedSecret) {
  const Entry pickle = Entry::code(Bytes(std::string_view("\x80\x05K\x07.")), "pickle");
  Cache keyless(redis_only());
  keyless.put(key_for(1), pickle);
  EXPECT_EQ(server_->integer({"EXISTS", "pixelcache:test:" + key_for(1).hex()}), 0);  // not shared without a key
  EXPECT_EQ(keyless.stats().tier(TierKind::Redis)->errors, 0u);

  auto with_secret = [&](const std::string& secret) {
    CacheOptions o = redis_only();
    o.secret = secret;
    return o;
  };
  Cache signer(with_secret("team-secret"));
  signer.put(key_for(2), pickle);
  const auto back = signer.get(key_for(2));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind(), EntryKind::Code);
  EXPECT_EQ(back->bytes(), pickle.bytes());
  // Without the key: a miss, and the entry stays for those who hold it.
  EXPECT_FALSE(keyless.get(key_for(2)));
  EXPECT_EQ(keyless.stats().tier(TierKind::Redis)->corrupt, 0u);
  EXPECT_EQ(server_->integer({"EXISTS", "pixelcache:test:" + key_for(2).hex()}), 1);
  // With another key: corrupt (forged or foreign), dropped.
  Cache intruder(with_secret("guess"));
  EXPECT_FALSE(intruder.get(key_for(2)));
  EXPECT_EQ(intruder.stats().tier(TierKind::Redis)->corrupt, 1u);
  // An entry encoded by someone with the documented format but the wrong key
  // is refused by the holder of the right one.
  const std::vector<std::uint8_t> wrong = {'w', 'r', 'o', 'n', 'g'};
  const auto forged = encode_entry(pickle, EntryAddress{"test", key_for(3)}, Compression::None, wrong);
  server_->integer({"SET", "pixelcache:test:" + key_for(3).hex(),
                    std::string(reinterpret_cast<const char*>(forged.data()), forged.size())});
  EXPECT_FALSE(signer.get(key_for(3)));
  EXPECT_EQ(signer.stats().tier(TierKind::Redis)->corrupt, 1u);
}

// Issue 16: a 32 KB Redis value that would decompress to 1 GiB is a corrupt
// miss, refused before it is inflated.
TEST_F(CacheRedis, DecompressionBombIsRefusedQuickly) {
  Cache cache(redis_only());
  const auto bomb = sealed_compressed_entry(EntryAddress{"test", key_for(4)}, zstd_zeros(std::uint64_t{1} << 30),
                                            std::uint64_t{1} << 30);
  ASSERT_LT(bomb.size(), 64u << 10);
  server_->integer({"SET", "pixelcache:test:" + key_for(4).hex(),
                    std::string(reinterpret_cast<const char*>(bomb.data()), bomb.size())});
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(cache.get(key_for(4)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(cache.stats().tier(TierKind::Redis)->corrupt, 1u);
  EXPECT_EQ(server_->integer({"EXISTS", "pixelcache:test:" + key_for(4).hex()}), 0);  // dropped
}

// Issue 16: one value over the server's proto-max-bulk-len is not shared,
// and the tier — reads and other writes — stays up.
TEST_F(CacheRedis, AValueOverTheServersLimitLeavesTheTierUp) {
  redisReply* r = server_->command({"CONFIG", "SET", "proto-max-bulk-len", "1048576"});
  ASSERT_TRUE(r);
  freeReplyObject(r);
  Cache cache(redis_only());
  cache.put(key_for(1), Entry(pattern(10, 10)));
  cache.put(key_for(2), Entry(Bytes(noise_bytes(3u << 20, 2))));  // 3 MiB > 1 MiB
  cache.put(key_for(3), Entry(pattern(11, 11)));
  const auto s = cache.stats().tier(TierKind::Redis);
  EXPECT_TRUE(s->available);
  EXPECT_EQ(s->errors, 0u);
  EXPECT_EQ(cache.get_image(key_for(1)), pattern(10, 10));
  EXPECT_FALSE(cache.get(key_for(2)));
  EXPECT_EQ(cache.get_image(key_for(3)), pattern(11, 11));
  r = server_->command({"CONFIG", "SET", "proto-max-bulk-len", "536870912"});
  if (r) freeReplyObject(r);
}

TEST_F(CacheRedis, ServerKilledMidRunThenRestarted) {
  TempDir dir;
  auto o = tiers(0, dir.path(), 64 << 20, server_->url());
  o.retry_backoff = std::chrono::milliseconds(500);  // longer than any pause of a loaded machine between two calls
  Cache cache(o);
  for (int i = 0; i < 5; ++i) cache.put(key_for(i), Entry(image_for(i)));
  EXPECT_EQ(server_->integer({"EXISTS", "pixelcache:test:" + key_for(4).hex()}), 1);

  server_->stop();
  // A large write into the dead connection must not raise SIGPIPE.
  EXPECT_NO_THROW(cache.put(key_for(30), Entry(Bytes(noise_bytes(8 << 20, 30)))));
  auto st = cache.stats();
  EXPECT_EQ(st.tier(TierKind::Redis)->errors, 1u);
  EXPECT_FALSE(st.tier(TierKind::Redis)->available);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // past the first back-off
  EXPECT_NO_THROW(cache.put(key_for(31), Entry(Bytes(noise_bytes(8 << 20, 31)))));
  for (int i = 5; i < 15; ++i) {
    EXPECT_NO_THROW(cache.put(key_for(i), Entry(image_for(i))));
    const auto got = cache.get_image(key_for(i));  // served by the disk tier
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, image_for(i));
  }
  st = cache.stats();
  EXPECT_GE(st.tier(TierKind::Redis)->errors, 2u);
  EXPECT_EQ(st.tier(TierKind::Disk)->errors, 0u);

  server_->start();  // an empty server on the same port
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);  // > 500 ms x 32
  while (!cache.stats().tier(TierKind::Redis)->available && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  cache.put(key_for(20), Entry(image_for(20)));
  EXPECT_EQ(server_->integer({"EXISTS", "pixelcache:test:" + key_for(20).hex()}), 1);
  st = cache.stats();
  EXPECT_TRUE(st.tier(TierKind::Redis)->available);
  Cache other(redis_only());
  EXPECT_EQ(other.get_image(key_for(20)), image_for(20));
}

TEST_F(CacheRedis, UnreachableServerIsCountedNotThrown) {
  auto o = tiers(1 << 20, {}, 0, "redis://127.0.0.1:" + std::to_string(free_loopback_port()));
  Cache cache(o);
  cache.put(key_for(1), Entry(Value(1)));
  EXPECT_EQ(cache.get_value(key_for(1))->as<std::int64_t>(), 1);
  EXPECT_FALSE(cache.get(key_for(2)));
  EXPECT_GE(cache.stats().tier(TierKind::Redis)->errors, 1u);
}

TEST_F(CacheRedis, SlowServerTimesOut) {
  // A socket that accepts connections (the kernel does) but never answers.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  auto o = tiers(1 << 20, {}, 0, "redis://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  o.command_timeout = std::chrono::milliseconds(200);
  o.retry_backoff = std::chrono::seconds(30);  // no retry within the test
  Cache cache(o);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(cache.get(key_for(1)));
  cache.put(key_for(1), Entry(Value(1)));  // skipped: the tier backs off
  EXPECT_TRUE(cache.get(key_for(1)));      // from memory
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(cache.stats().tier(TierKind::Redis)->errors, 1u);
  ::close(fd);
}

TEST(CacheRedisAuth, PasswordAndDatabaseFromTheUrl) {
  if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
  RedisServer server({"--requirepass", "s3cret"});
  auto good = tiers(0, {}, 0, "redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/2");
  Cache cache(good);
  cache.put(key_for(1), Entry(Value(1)));
  EXPECT_EQ(cache.get_value(key_for(1))->as<std::int64_t>(), 1);
  EXPECT_EQ(cache.stats().tier(TierKind::Redis)->errors, 0u);
  auto bad = tiers(0, {}, 0, "redis://:wrong@127.0.0.1:" + std::to_string(server.port()));
  Cache denied(bad);
  EXPECT_FALSE(denied.get(key_for(1)));
  EXPECT_EQ(denied.stats().tier(TierKind::Redis)->errors, 1u);
}

}  // namespace
}  // namespace pixelcache::test
