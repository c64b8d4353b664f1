// Cache with its memory and disk (LMDB) tiers, in one process: round trips,
// byte bounds, LRU, corruption on disk, trim / verify / listing, errors,
// defaults, memoize. (Redis: test_cache_redis.cpp; threads and processes:
// test_cache_concurrency.cpp.)
#include <sys/resource.h>

#include <csignal>
#include <fstream>

#include "cache_support.hpp"

namespace pixelcache::test {
namespace {

std::vector<Entry> every_kind_entries() {
  return {Entry(pattern(9, 13), "pil"),
          Entry(pattern(6, 5, Mode::L)),
          Entry(pattern(33, 17, Mode::Binary), "mask"),
          Entry(pattern(6, 5).as_f32().as_u8()),
          Entry(Image::from_f32({1, 3}, Mode::L, {0.1f, 0.5f, 0.9f}), "torch"),
          Entry(every_kind_value(), "numpy"),
          Entry(Bytes(std::string_view("\x80\x05raw")), "raw"),
          Entry::code(Bytes(std::string_view("\x80\x05K\x01.")), "pickle"),
          Entry(Bytes())};
}

void expect_round_trips(Cache& cache, TierKind expected_tier) {
  const auto entries = every_kind_entries();
  for (std::size_t i = 0; i < entries.size(); ++i) cache.put(key_for(static_cast<int>(i)), entries[i]);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    TierKind found = TierKind::Redis;
    const auto got = cache.get(key_for(static_cast<int>(i)), &found);
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(found, expected_tier);
    EXPECT_EQ(got->kind(), entries[i].kind());
    EXPECT_EQ(got->tag(), entries[i].tag());
    EXPECT_EQ(got->content_digest(), entries[i].content_digest()) << i;
    EXPECT_TRUE(*got == entries[i]) << i;
  }
  EXPECT_FALSE(cache.get(key_for(1000)));
}

TEST(CacheMemory, RoundTripsEveryKindAndSharesStorage) {
  Cache cache(tiers(1 << 20));
  expect_round_trips(cache, TierKind::Memory);
  const Image img = pattern(10, 10);
  cache.put(key_for(50), Entry(img));
  EXPECT_TRUE(cache.get_image(key_for(50))->same_storage(img));  // a hit costs no copy
  EXPECT_FALSE(cache.has_tier(TierKind::Disk));
  EXPECT_FALSE(cache.has_tier(TierKind::Redis));
}

TEST(CacheMemory, HoldsItsByteBoundWhileWritingThreeTimesIt) {
  const std::uint64_t bound = 1 << 20;
  Cache cache(tiers(bound));
  std::uint64_t written = 0;
  int n = 0;
  while (written < 3 * bound) {
    const Image img = pattern(128, 128);  // 48 KiB
    cache.put(key_for(n++), Entry(Value(HashableList{img, n})));
    written += img.byte_size();
    const auto m = cache.stats().tier(TierKind::Memory);
    ASSERT_LE(*m->bytes, bound);
  }
  const auto m = cache.stats().tier(TierKind::Memory);
  EXPECT_GT(m->evictions, 0u);
  EXPECT_TRUE(cache.contains(key_for(n - 1)));  // the newest stays
  EXPECT_FALSE(cache.contains(key_for(0)));     // the oldest went
}

TEST(CacheMemory, EvictsLeastRecentlyUsed) {
  const Entry e(Bytes(std::vector<std::uint8_t>(100000)));
  Cache cache(tiers(e.byte_size() * 3 + 1000));
  cache.put(key_for(0), e);
  cache.put(key_for(1), e);
  cache.put(key_for(2), e);
  ASSERT_TRUE(cache.get(key_for(0)));  // 0 is now the most recent
  cache.put(key_for(3), e);            // evicts 1
  EXPECT_TRUE(cache.contains(key_for(0)));
  EXPECT_FALSE(cache.contains(key_for(1)));
  EXPECT_TRUE(cache.contains(key_for(3)));
}

TEST(CacheMemory, GenerationMovesWhenAnEntryLeavesOrIsReplaced) {
  TempDir dir;
  const Entry e(Bytes(std::vector<std::uint8_t>(100000)));
  Cache cache(tiers(e.byte_size() * 3 + 1000, dir.path()));
  const auto compute = [&] { return e; };
  auto fetched = cache.get_or_compute(key_for(0), compute);  // computed, stored in memory
  ASSERT_EQ(fetched.origin, Origin::Computed);
  std::uint64_t g = cache.memory_generation();
  EXPECT_EQ(fetched.memory_generation, g);
  fetched = cache.get_or_compute(key_for(0), compute);  // a memory hit
  EXPECT_EQ(fetched.origin, Origin::Memory);
  EXPECT_EQ(fetched.memory_generation, g);
  cache.put(key_for(1), e);  // added, read: the generation stays
  ASSERT_TRUE(cache.get(key_for(1)));
  EXPECT_TRUE(cache.contains(key_for(0)));
  EXPECT_EQ(cache.memory_generation(), g);
  const auto moves = [&](const char* what, const std::function<void()>& change) {
    change();
    EXPECT_GT(cache.memory_generation(), g) << what;
    g = cache.memory_generation();
  };
  moves("put over a stored key", [&] { cache.put(key_for(0), Entry(Value(2))); });
  moves("erase", [&] { cache.erase(key_for(1)); });
  moves("eviction", [&] {
    for (int i = 2; i < 6; ++i) cache.put(key_for(i), e);
  });
  moves("trim", [&] { cache.trim(1 << 30); });
  moves("clear", [&] { cache.clear(); });
  cache.erase(key_for(99));  // nothing left the tier
  EXPECT_EQ(cache.memory_generation(), g);
  // A disk hit is promoted: the entry is in memory at the reported generation.
  Cache disk_only(tiers(0, dir.path()));
  disk_only.put(key_for(7), e);
  fetched = cache.get_or_compute(key_for(7), compute);
  EXPECT_EQ(fetched.origin, Origin::Disk);
  EXPECT_EQ(fetched.memory_generation, cache.memory_generation());
  // No memory tier, or an entry larger than its bound: no generation to report.
  EXPECT_FALSE(disk_only.get_or_compute(key_for(8), compute).memory_generation);
  EXPECT_EQ(disk_only.memory_generation(), 0u);
  const Entry big(Bytes(std::vector<std::uint8_t>(e.byte_size() * 4)));
  EXPECT_FALSE(cache.get_or_compute(key_for(9), [&] { return big; }).memory_generation);
  // Hits a front served count as memory hits.
  const auto hits = cache.stats().tier(TierKind::Memory)->hits;
  cache.count_memory_hits(3);
  EXPECT_EQ(cache.stats().tier(TierKind::Memory)->hits, hits + 3);
}

TEST(CacheDisk, RoundTripsEveryKindAndSurvivesReopening) {
  TempDir dir;
  {
    Cache cache(tiers(0, dir.path()));
    expect_round_trips(cache, TierKind::Disk);
  }
  Cache again(tiers(0, dir.path()));
  const auto entries = every_kind_entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto got = again.get(key_for(static_cast<int>(i)));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->content_digest(), entries[i].content_digest());
  }
  EXPECT_TRUE(std::filesystem::exists(disk_store_file(dir.path())));
}

TEST(CacheDisk, HitIsPromotedIntoMemory) {
  TempDir dir;
  {
    Cache writer(tiers(0, dir.path()));
    writer.put(key_for(1), Entry(pattern(20, 20)));
  }
  Cache cache(tiers(1 << 20, dir.path()));
  TierKind found;
  ASSERT_TRUE(cache.get(key_for(1), &found));
  EXPECT_EQ(found, TierKind::Disk);
  ASSERT_TRUE(cache.get(key_for(1), &found));
  EXPECT_EQ(found, TierKind::Memory);
  const auto st = cache.stats();
  EXPECT_EQ(st.tier(TierKind::Memory)->hits, 1u);
  EXPECT_EQ(st.tier(TierKind::Memory)->misses, 1u);
  EXPECT_EQ(st.tier(TierKind::Disk)->hits, 1u);
}

TEST(CacheDisk, HoldsItsByteBoundWhileWritingThreeTimesIt) {
  TempDir dir;
  const std::uint64_t bound = 4 << 20;
  Cache cache(tiers(0, dir.path(), bound));
  std::uint64_t written = 0;
  int n = 0;
  while (written < 3 * bound) {
    const Image img = noise_image(100 + n % 50, 200, static_cast<std::uint32_t>(n));
    cache.put(key_for(n++), Entry(img));
    written += img.byte_size();
    ASSERT_LE(*cache.stats().tier(TierKind::Disk)->bytes, bound);
  }
  const auto d = cache.stats().tier(TierKind::Disk);
  EXPECT_GT(d->evictions, 0u);
  EXPECT_EQ(d->errors, 0u);
  EXPECT_TRUE(cache.get(key_for(n - 1)));
  EXPECT_FALSE(cache.contains(key_for(0)));
  // The file respects the documented ceiling (1.5 x bound + 4 MiB).
  EXPECT_LE(std::filesystem::file_size(disk_store_file(dir.path())), bound + bound / 2 + (4u << 20));
}

TEST(CacheDisk, FragmentedStoreEvictsInsteadOfFailing) {
  // Large entries of mixed sizes fragment LMDB's free pages until a value
  // finds no contiguous run (MDB_MAP_FULL) although the bytes fit: the
  // tier evicts more and stores it.
  TempDir dir;
  const std::uint64_t bound = 8 << 20;
  Cache cache(tiers(0, dir.path(), bound));
  std::uint32_t s = 7;
  for (int i = 0; i < 120; ++i) {
    s = s * 1664525u + 1013904223u;
    const std::size_t size = (512u << 10) + (s >> 8) % (3u << 20);
    cache.put(key_for(i), Entry(Bytes(noise_bytes(size, static_cast<std::uint32_t>(i)))));
    ASSERT_TRUE(cache.contains(key_for(i))) << i;
  }
  const auto d = cache.stats().tier(TierKind::Disk);
  EXPECT_EQ(d->errors, 0u);
  EXPECT_LE(*d->bytes, bound);
  EXPECT_LE(std::filesystem::file_size(disk_store_file(dir.path())), bound + bound / 2 + (4u << 20));
  EXPECT_EQ(cache.verify().corrupt(), 0u);
}

TEST(CacheDisk, ReadsKeepEntriesFromEviction) {
  TempDir dir;
  const Entry e(Bytes(noise_bytes(200000, 1)));
  Cache cache(tiers(0, dir.path(), 1 << 20));  // room for 5
  cache.put(key_for(0), e);
  for (int i = 1; i < 20; ++i) {
    ASSERT_TRUE(cache.get(key_for(0))) << i;  // read before every write: 0 stays recent
    cache.put(key_for(i), e);
  }
  EXPECT_TRUE(cache.contains(key_for(0)));
  EXPECT_FALSE(cache.contains(key_for(1)));
  EXPECT_TRUE(cache.contains(key_for(19)));
}

// Reads between two writes are recorded and applied by the next write, each
// key once, in the order of its last read: read 1, 0, 1 leaves 0 older than
// 1 (the first reads' order would keep 0 and evict 1).
TEST(CacheDisk, RepeatedReadsCountInTheOrderOfTheLastRead) {
  TempDir dir;
  const Entry e(Bytes(noise_bytes(200000, 1)));
  Cache cache(tiers(0, dir.path(), 1 << 20));  // room for 5
  for (int i = 0; i < 5; ++i) cache.put(key_for(i), e);
  for (int i : {1, 0, 1}) ASSERT_TRUE(cache.get(key_for(i))) << i;
  for (int i = 5; i < 8; ++i) cache.put(key_for(i), e);  // evicts 2, 3, 4
  for (int i : {0, 1}) EXPECT_TRUE(cache.contains(key_for(i))) << i;
  cache.put(key_for(8), e);  // evicts the older of 0 and 1
  EXPECT_FALSE(cache.contains(key_for(0)));
  EXPECT_TRUE(cache.contains(key_for(1)));
}

TEST(CacheDisk, EntryLargerThanTheBoundIsNotStored) {
  TempDir dir;
  Cache cache(tiers(0, dir.path(), 1 << 20));
  cache.put(key_for(1), Entry(Bytes(noise_bytes(2 << 20, 3))));
  EXPECT_FALSE(cache.contains(key_for(1)));
  EXPECT_EQ(cache.stats().tier(TierKind::Disk)->errors, 0u);
}

TEST(CacheDisk, EraseContainsClearTrim) {
  TempDir dir;
  Cache cache(tiers(1 << 20, dir.path()));
  for (int i = 0; i < 10; ++i) cache.put(key_for(i), Entry(image_for(i)));
  EXPECT_TRUE(cache.contains(key_for(3)));
  EXPECT_TRUE(cache.erase(key_for(3)));
  EXPECT_FALSE(cache.contains(key_for(3)));
  EXPECT_FALSE(cache.erase(key_for(3)));
  EXPECT_EQ(*cache.stats().tier(TierKind::Disk)->entries, 9u);

  const std::uint64_t before = *cache.stats().tier(TierKind::Disk)->bytes;
  const TrimReport r = cache.trim(before / 2);
  EXPECT_TRUE(r.ok);
  EXPECT_GT(r.evicted_entries, 0u);
  EXPECT_LE(r.bytes, before / 2);
  EXPECT_EQ(*cache.stats().tier(TierKind::Disk)->bytes, r.bytes);

  EXPECT_TRUE(cache.clear());
  EXPECT_EQ(*cache.stats().tier(TierKind::Disk)->entries, 0u);
  EXPECT_EQ(*cache.stats().tier(TierKind::Memory)->entries, 0u);
  EXPECT_FALSE(cache.get(key_for(9)));
}

TEST(CacheDisk, ListsEntriesWithKindAndTag) {
  TempDir dir;
  Cache cache(tiers(1 << 20, dir.path()));
  cache.put(key_for(1), Entry(pattern(4, 4), "pil"));
  cache.put(key_for(2), Entry(Value(5), "int"));
  cache.put(key_for(3), Entry(Bytes(std::string_view("x")), "pickle"));
  for (TierKind t : {TierKind::Memory, TierKind::Disk}) {
    std::map<std::string, std::pair<EntryKind, std::string>> seen;
    cache.for_each_entry(t, [&](const EntryInfo& i) {
      seen[i.key.hex()] = {i.kind, i.tag};
      EXPECT_GT(i.bytes, 48u);
      return true;
    });
    ASSERT_EQ(seen.size(), 3u) << tier_name(t);
    EXPECT_EQ(seen[key_for(1).hex()], std::make_pair(EntryKind::Image, std::string("pil")));
    EXPECT_EQ(seen[key_for(2).hex()], std::make_pair(EntryKind::Value, std::string("int")));
    EXPECT_EQ(seen[key_for(3).hex()], std::make_pair(EntryKind::Bytes, std::string("pickle")));
  }
  int visited = 0;
  cache.for_each_entry(TierKind::Disk, [&](const EntryInfo&) { return ++visited < 2; });
  EXPECT_EQ(visited, 2);  // stops when asked
}

// Flips one byte of the stored pixels of `img` in the store file. (LMDB
// reuses page buffers without clearing them, so stale copies of a value can
// sit in unused parts of other pages: every copy is flipped.)
void flip_stored_pixel(const std::filesystem::path& file, const Image& img) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(f)), {});
  const auto px = img.u8_view();
  const std::string needle(reinterpret_cast<const char*>(px.data()), 64);
  int found = 0;
  for (auto at = data.find(needle); at != std::string::npos; at = data.find(needle, at + 1), ++found) {
    f.seekp(static_cast<std::streamoff>(at + 40));
    f.put(static_cast<char>(data[at + 40] ^ 0x10));
  }
  ASSERT_GT(found, 0) << "pixels not found in the store file";
}

TEST(CacheDisk, FlippedByteIsDetectedDroppedAndRecomputed) {
  TempDir dir;
  const Image img = noise_image(64, 64, 77);
  {
    Cache cache(tiers(0, dir.path()));
    cache.put(key_for(1), Entry(img));
    cache.put(key_for(2), Entry(pattern(8, 8)));
  }
  flip_stored_pixel(disk_store_file(dir.path()), img);
  Cache cache(tiers(0, dir.path()));
  int computed = 0;
  auto compute = [&] {
    ++computed;
    return Entry(img);
  };
  const auto r = cache.get_or_compute(key_for(1), compute);  // corrupt: a miss, recomputed
  EXPECT_EQ(r.origin, Origin::Computed);
  EXPECT_EQ(r.entry.image(), img);
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(cache.stats().tier(TierKind::Disk)->corrupt, 1u);
  const auto again = cache.get_or_compute(key_for(1), compute);  // stored anew
  EXPECT_EQ(again.origin, Origin::Disk);
  EXPECT_EQ(again.entry.image(), img);
  EXPECT_EQ(computed, 1);
  EXPECT_TRUE(cache.get(key_for(2)));  // the neighbour is intact
}

TEST(CacheDisk, VerifyFindsAndDropsCorruptEntries) {
  TempDir dir;
  const Image bad = noise_image(32, 32, 78);
  {
    Cache cache(tiers(0, dir.path()));
    cache.put(key_for(0), Entry(bad));
    for (int i = 1; i < 6; ++i) cache.put(key_for(i), Entry(image_for(i)));
  }
  flip_stored_pixel(disk_store_file(dir.path()), bad);
  Cache cache(tiers(0, dir.path()));
  const VerifyReport r = cache.verify();
  ASSERT_EQ(r.tiers.size(), 1u);
  EXPECT_EQ(r.tiers[0].checked, 6u);
  EXPECT_EQ(r.tiers[0].ok, 5u);
  EXPECT_EQ(r.tiers[0].corrupt, 1u);
  EXPECT_EQ(r.corrupt(), 1u);
  EXPECT_FALSE(cache.contains(key_for(0)));
  EXPECT_EQ(cache.verify().corrupt(), 0u);
}

TEST(CacheDisk, StoreKeepsLifetimeCountersAcrossProcessesAndClear) {
  TempDir dir;
  const Image bad = noise_image(32, 32, 79);
  {
    Cache cache(tiers(0, dir.path()));
    EXPECT_EQ(cache.stats().tier(TierKind::Disk)->totals->writes, 0u);
    cache.put(key_for(0), Entry(bad));
    for (int i = 1; i < 4; ++i) cache.put(key_for(i), Entry(image_for(i)));
    for (int i = 1; i < 4; ++i) EXPECT_TRUE(cache.get(key_for(i)));
    EXPECT_FALSE(cache.get(key_for(99)));
    // This process's reads count before they are written to the store.
    const StoreTotals t = *cache.stats().tier(TierKind::Disk)->totals;
    EXPECT_EQ(t.hits, 3u);
    EXPECT_EQ(t.misses, 1u);
    EXPECT_EQ(t.writes, 4u);
  }
  flip_stored_pixel(disk_store_file(dir.path()), bad);
  EXPECT_EQ(in_child([&] {
              // Another process sees the counters the first one left (its reads were written on close).
              Cache cache(tiers(0, dir.path()));
              const StoreTotals t = *cache.stats().tier(TierKind::Disk)->totals;
              if (t.hits != 3 || t.misses != 1 || t.writes != 4 || t.corrupt != 0) return 1;
              if (cache.get(key_for(0))) return 2;  // the corrupt entry: dropped, counted
              if (cache.trim(0).evicted_entries != 3) return 3;
              return 0;
            }),
            0);
  Cache cache(tiers(0, dir.path()));
  const TierStats disk = *cache.stats().tier(TierKind::Disk);
  EXPECT_EQ(*disk.entries, 0u);
  EXPECT_EQ(disk.totals->hits, 3u);
  EXPECT_EQ(disk.totals->misses, 2u);
  EXPECT_EQ(disk.totals->corrupt, 1u);
  EXPECT_EQ(disk.totals->evictions, 3u);
  cache.put(key_for(5), Entry(image_for(5)));
  EXPECT_TRUE(cache.clear());
  EXPECT_EQ(cache.stats().tier(TierKind::Disk)->totals->writes, 5u);  // clear keeps the history
  Cache memory_only(tiers(1 << 20));
  EXPECT_FALSE(memory_only.stats().tier(TierKind::Memory)->totals);  // only stores keep totals
}

TEST(CacheDisk, DiskFullSkipsWritesAndKeepsReading) {
  TempDir dir;
  const int rc = in_child([&] {
    std::signal(SIGXFSZ, SIG_IGN);
    Cache cache(tiers(0, dir.path()));
    cache.put(key_for(0), Entry(pattern(16, 16)));
    const auto size = std::filesystem::file_size(disk_store_file(dir.path()));
    rlimit lim{size + (256 << 10), size + (256 << 10)};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) return 10;
    for (int i = 1; i < 40; ++i) cache.put(key_for(i), Entry(Bytes(noise_bytes(100000, i))));
    const auto d = cache.stats().tier(TierKind::Disk);
    if (d->errors == 0) return 11;
    const auto got = cache.get_image(key_for(0));  // reads go on
    if (!got || *got != pattern(16, 16)) return 12;
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(CacheErrors, UnusablePathsAreCacheErrors) {
  TempDir dir;
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(Cache(tiers(0, dir / "file")), CacheError);
  EXPECT_THROW(Cache(tiers(0, dir / "file" / "sub")), CacheError);
  try {
    Cache c(tiers(0, dir / "file"));
  } catch (const CacheError& e) {
    EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find((dir / "file").string()), std::string::npos) << e.what();
  }
  // No permission (as an unprivileged user: root ignores permissions).
  std::filesystem::create_directory(dir / "locked");
  std::filesystem::permissions(dir / "locked", std::filesystem::perms::owner_all);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  const int rc = in_child([&] {
    if (::geteuid() == 0 && ::setuid(65534) != 0) return 20;
    try {
      Cache c(tiers(0, dir / "locked" / "sub"));
      return 21;
    } catch (const CacheError&) {
    }
    try {
      Cache c(tiers(0, dir / "locked"));
      return 22;
    } catch (const CacheError&) {
    }
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(CacheErrors, BadOptionsAreInvalidArguments) {
  for (const char* url :
       {"http://localhost", "rediss://localhost", "redis://", "redis://host:0", "redis://host:70000",
        "redis://host:abc", "redis://host/x", "redis://host?timeout=1", "redis://:@host", "unix://relative.sock",
        "redis://ho st", "redis://[::1", "redis://%zz@host", "localhost:6379"}) {
    auto o = tiers(0);
    o.redis_url = url;
    EXPECT_THROW(Cache{o}, InvalidArgument) << url;
  }
  auto o = tiers(0);
  o.redis_url = "redis://user:s3cret@localhost:1/x";
  try {
    Cache c(o);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << "password in the message: " << e.what();
  }
  o = tiers(1 << 20);
  o.key_namespace = "";
  EXPECT_THROW(Cache{o}, InvalidArgument);
  o.key_namespace = "bad\nname";
  EXPECT_THROW(Cache{o}, InvalidArgument);
  o = tiers(1 << 20);
  o.connect_timeout = std::chrono::milliseconds(0);
  EXPECT_THROW(Cache{o}, InvalidArgument);
  // Well-formed URLs construct (nothing listens: the tier just backs off).
  for (const char* url :
       {"redis://127.0.0.1:1", "redis://:pw@127.0.0.1:1/3", "redis://[::1]:1", "unix:///nonexistent.sock?db=2"}) {
    auto ok = tiers(1 << 20);
    ok.redis_url = url;
    EXPECT_NO_THROW(Cache{ok}) << url;
  }
}

TEST(CacheErrors, WrongKindIsAnInvalidArgument) {
  Cache cache(tiers(1 << 20));
  cache.put(key_for(1), Entry(Value(3)));
  EXPECT_THROW(cache.get_image(key_for(1)), InvalidArgument);
  EXPECT_THROW(cache.get_bytes(key_for(1)), InvalidArgument);
  EXPECT_EQ(cache.get_value(key_for(1))->as<std::int64_t>(), 3);
  EXPECT_FALSE(cache.get_image(key_for(2)));
}

// Sets environment variables for one test and restores them after.
class Env {
 public:
  void set(const char* name, const char* value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~Env() {
    for (const auto& [k, v] : saved_) v ? ::setenv(k.c_str(), v->c_str(), 1) : ::unsetenv(k.c_str());
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(CacheOptions, DefaultsComeFromTheEnvironment) {
  Env env;
  env.set("PIXELCACHE_CACHE_DIR", "/tmp/pc-explicit");
  env.set("XDG_CACHE_HOME", "/tmp/xdg");
  env.set("HOME", "/tmp/home");
  env.set("PIXELCACHE_REDIS_URL", nullptr);
  EXPECT_EQ(CacheOptions::default_directory(), "/tmp/pc-explicit");
  env.set("PIXELCACHE_CACHE_DIR", "");
  EXPECT_EQ(CacheOptions::default_directory(), "/tmp/xdg/pixelcache");
  env.set("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(CacheOptions::default_directory(), "/tmp/home/.cache/pixelcache");
  env.set("HOME", nullptr);
  EXPECT_FALSE(CacheOptions::default_directory().empty());  // the password database
  CacheOptions o = CacheOptions::from_environment();
  EXPECT_TRUE(o.redis_url.empty());
  EXPECT_GT(o.memory_bytes, 0u);
  EXPECT_FALSE(o.disk_bytes);  // the store's own bound
  EXPECT_TRUE(o.secret.empty());
  env.set("PIXELCACHE_CACHE_KEY", "k3y");
  EXPECT_EQ(CacheOptions::from_environment().secret, "k3y");
  env.set("PIXELCACHE_CACHE_KEY", nullptr);
  env.set("PIXELCACHE_REDIS_URL", "redis://127.0.0.1:1");
  EXPECT_EQ(CacheOptions::from_environment().redis_url, "redis://127.0.0.1:1");

  TempDir dir;
  env.set("PIXELCACHE_CACHE_DIR", dir.path().c_str());
  env.set("PIXELCACHE_REDIS_URL", nullptr);
  Cache cache;  // the default constructor uses the environment
  EXPECT_TRUE(cache.has_tier(TierKind::Memory));
  EXPECT_TRUE(cache.has_tier(TierKind::Disk));
  EXPECT_FALSE(cache.has_tier(TierKind::Redis));
  cache.put(key_for(1), Entry(Value(1)));
  EXPECT_TRUE(std::filesystem::exists(disk_store_file(dir.path())));
}

TEST(Memoize, ComputesOnceAndRestoresEveryResultType) {
  TempDir dir;
  Cache cache(tiers(1 << 20, dir.path()));
  int calls = 0;
  auto thumb = memoize(cache, "thumb", "1", [&](const Image& img, int side) {
    ++calls;
    return resize(img, {side, side});
  });
  const Image src = pattern(40, 60);
  const Image a = thumb(src, 16);
  const Image b = thumb(src, 16);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, resize(src, {16, 16}));
  thumb(src, 8);
  EXPECT_EQ(calls, 2);  // another argument, another key

  auto count = memoize(cache, "count", "1", [&](const std::string& s) {
    ++calls;
    return static_cast<std::int64_t>(s.size());
  });
  EXPECT_EQ(count("abcd"), 4);
  EXPECT_EQ(count("abcd"), 4);
  auto boxes = memoize(cache, "boxes", "1", [&](int n) {
    ++calls;
    std::vector<Value> v;
    for (int i = 0; i < n; ++i) v.emplace_back(BoundingBox(i, i, i + 1, i + 1, std::nullopt, false));
    return HashableList(std::move(v));
  });
  EXPECT_EQ(boxes(3).size(), 3u);
  EXPECT_EQ(boxes(3)[2].as<BoundingBox>().xmax(), 3);
  auto blob = memoize(cache, "blob", "1", [&](const Bytes& b) {
    ++calls;
    return Bytes(std::string(b.view()) + "!");
  });
  EXPECT_EQ(blob(Bytes(std::string_view("hi"))).view(), "hi!");
  EXPECT_EQ(blob(Bytes(std::string_view("hi"))).view(), "hi!");
  EXPECT_EQ(calls, 5);
}

TEST(Memoize, VersionAndNamespaceSeparateResults) {
  Cache cache(tiers(1 << 20));
  int calls = 0;
  auto f1 = memoize(cache, "f", "1", [&](int x) {
    ++calls;
    return static_cast<std::int64_t>(x);
  });
  auto f2 = memoize(cache, "f", "2", [&](int x) {
    ++calls;
    return static_cast<std::int64_t>(x * 10);
  });
  EXPECT_EQ(f1(2), 2);
  EXPECT_EQ(f2(2), 20);
  EXPECT_EQ(calls, 2);
  EXPECT_NE(f1.key(2), f2.key(2));
  // Same name and version with another result type: recomputed, not misread.
  auto g = memoize(cache, "f", "1", [&](int x) { return std::to_string(x); });
  EXPECT_EQ(g(2), "2");
  EXPECT_EQ(g(2), "2");
}

TEST(Memoize, ExceptionsPropagateAndNothingIsStored) {
  Cache cache(tiers(1 << 20));
  int calls = 0;
  auto f = memoize(cache, "fails", "1", [&](int x) -> std::int64_t {
    if (++calls == 1) throw InvalidArgument("first call fails");
    return x;
  });
  EXPECT_THROW(f(1), InvalidArgument);
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.stats().computed, 1u);
}

TEST(Memoize, RecursionOnTheSameKeyIsAnError) {
  Cache cache(tiers(1 << 20));
  const Digest k = key_for(1);
  EXPECT_THROW(cache.get_or_compute(k, [&] { return cache.get_or_compute(k, [] { return Entry(Value(1)); }).entry; }),
               InvalidArgument);
  EXPECT_EQ(cache.get_or_compute(k, [] { return Entry(Value(2)); }).entry.value().as<std::int64_t>(), 2);
}

}  // namespace
}  // namespace pixelcache::test
