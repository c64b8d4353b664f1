// Issue 16 on the disk tier: entries bound to their key and namespace (a
// swapped or misplaced value is a corrupt miss and verify() reports it), the
// store's own signing key for code entries, the store's own size bound,
// and options that used to overflow or truncate.
#include <lmdb.h>
#include <sys/stat.h>

#include <limits>
#include <map>

#include "cache_support.hpp"

namespace pixelcache::test {
namespace {

// Swaps the stored values of two keys (namespace "test") in the store file,
// with LMDB directly, as a damaged page pointer or a careless tool would.
void swap_values(const std::filesystem::path& dir, const Digest& a, const Digest& b) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 4);
  mdb_env_set_mapsize(env, std::size_t{1} << 30);
  ASSERT_EQ(mdb_env_open(env, disk_store_file(dir).c_str(), MDB_NOSUBDIR, 0644), 0);
  MDB_txn* t = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &t), 0);
  MDB_dbi entries;
  ASSERT_EQ(mdb_dbi_open(t, "entries", 0, &entries), 0);
  auto store_key = [](const Digest& d) {
    std::string k(16, '\0');
    for (int i = 0; i < 8; ++i) {
      k[i] = static_cast<char>(d.high >> (56 - 8 * i));
      k[8 + i] = static_cast<char>(d.low >> (56 - 8 * i));
    }
    return k + "test";
  };
  std::string ka = store_key(a), kb = store_key(b);
  MDB_val va{ka.size(), ka.data()}, vb{kb.size(), kb.data()}, da, db;
  ASSERT_EQ(mdb_get(t, entries, &va, &da), 0);
  ASSERT_EQ(mdb_get(t, entries, &vb, &db), 0);
  const std::string sa(static_cast<const char*>(da.mv_data), da.mv_size);
  const std::string sb(static_cast<const char*>(db.mv_data), db.mv_size);
  MDB_val na{sb.size(), const_cast<char*>(sb.data())}, nb{sa.size(), const_cast<char*>(sa.data())};
  ASSERT_EQ(mdb_put(t, entries, &va, &na, 0), 0);
  ASSERT_EQ(mdb_put(t, entries, &vb, &nb, 0), 0);
  ASSERT_EQ(mdb_txn_commit(t), 0);
  mdb_env_close(env);
}

TEST(CacheTrust, SwappedValuesAreCorruptMissesAndVerifyReportsThem) {
  TempDir dir;
  const Image a = noise_image(20, 20, 1), b = noise_image(21, 21, 2);
  {
    Cache cache(tiers(0, dir.path()));
    cache.put(key_for(1), Entry(a, "pil"));
    cache.put(key_for(2), Entry(b, "pil"));
    for (int i = 3; i < 10; ++i) cache.put(key_for(i), Entry(image_for(i)));
  }
  swap_values(dir.path(), key_for(1), key_for(2));
  {
    Cache cache(tiers(0, dir.path()));
    const VerifyReport r = cache.verify();
    ASSERT_EQ(r.tiers.size(), 1u);
    EXPECT_EQ(r.tiers[0].checked, 9u);
    EXPECT_EQ(r.tiers[0].corrupt, 2u);
    EXPECT_EQ(r.tiers[0].ok, 7u);
    EXPECT_FALSE(cache.contains(key_for(1)));
  }
  swap_values(dir.path(), key_for(3), key_for(4));
  Cache cache(tiers(0, dir.path()));
  int calls = 0;
  const auto got = cache.get_or_compute(key_for(3), [&] {
    ++calls;
    return Entry(image_for(3));
  });
  EXPECT_EQ(got.origin, Origin::Computed);  // never key 4's image
  EXPECT_EQ(got.entry.image(), image_for(3));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.stats().tier(TierKind::Disk)->corrupt, 1u);
}

TEST(CacheTrust, NamespacesShareADirectoryWithoutMixing) {
  TempDir dir;
  CacheOptions seg = tiers(0, dir.path()), cls = tiers(0, dir.path());
  seg.key_namespace = "seg";
  cls.key_namespace = "cls";
  Cache a(seg), b(cls);
  a.put(key_for(1), Entry(Value("seg")));
  b.put(key_for(1), Entry(Value("cls")));  // the same raw key, another namespace
  EXPECT_EQ(a.get_value(key_for(1))->as<std::string>(), "seg");
  EXPECT_EQ(b.get_value(key_for(1))->as<std::string>(), "cls");
  int listed = 0;
  a.for_each_entry(TierKind::Disk, [&](const EntryInfo& e) {
    EXPECT_EQ(e.key_namespace, "seg");
    EXPECT_EQ(e.key, key_for(1));
    ++listed;
    return true;
  });
  EXPECT_EQ(listed, 1);
  EXPECT_EQ(a.verify().corrupt(), 0u);  // verify reads every namespace, and all are sound
  EXPECT_EQ(a.stats().tier(TierKind::Disk)->corrupt + b.stats().tier(TierKind::Disk)->corrupt, 0u);
}

TEST(CacheTrust, CodeEntriesUseTheStoresOwnKey) {
  TempDir dir;
  const Entry pickle = Entry::code(Bytes(std::string_view("\x80\x05K\x07.")), "pickle");
  {
    Cache cache(tiers(0, dir.path()));
    cache.put(key_for(1), pickle);
    EXPECT_TRUE(cache.take_notices().empty());
  }
  const auto key_file = dir / "pixelcache-v2.key";
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(in_child([&] {
              Cache cache(tiers(0, dir.path()));  // another process, the same key
              const auto e = cache.get(key_for(1));
              return e && e->kind() == EntryKind::Code && e->bytes() == pickle.bytes() ? 0 : 1;
            }),
            0);
  // A key file others can read is not used: code entries are then neither
  // served nor stored, and a notice says why.
  ASSERT_EQ(::chmod(key_file.c_str(), 0644), 0);
  {
    Cache cache(tiers(0, dir.path()));
    const auto notices = cache.take_notices();
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("other users"), std::string::npos) << notices[0];
    EXPECT_FALSE(cache.get(key_for(1)));
    EXPECT_EQ(cache.stats().tier(TierKind::Disk)->corrupt, 0u);  // unverifiable, not corrupt
    cache.put(key_for(2), pickle);
    EXPECT_FALSE(cache.contains(key_for(2)));
    cache.put(key_for(3), Entry(Value(3)));  // data needs no key
    EXPECT_TRUE(cache.get(key_for(3)));
  }
  // A symlink planted at the key's name is not followed.
  std::filesystem::remove(key_file);
  std::filesystem::create_symlink("/etc/hostname", key_file);
  Cache cache(tiers(0, dir.path()));
  EXPECT_EQ(cache.take_notices().size(), 1u);
  EXPECT_TRUE(std::filesystem::is_symlink(key_file));
  // A configured secret replaces the store's key.
  CacheOptions o = tiers(0, dir.path());
  o.secret = "mine";
  Cache with_secret(o);
  with_secret.put(key_for(4), pickle);
  EXPECT_TRUE(with_secret.get(key_for(4)));
}

TEST(CacheTrust, TheStoresBoundBelongsToTheStore) {
  TempDir dir;
  {
    Cache cache(tiers(0, dir.path(), 64u << 20));
    EXPECT_TRUE(cache.take_notices().empty());
    for (int i = 0; i < 40; ++i) cache.put(key_for(i), Entry(Bytes(noise_bytes(200000, i))));  // ~8 MB
  }
  {
    // Another process asks for 1 MiB: the store keeps its 64 MiB, says so,
    // and nothing is evicted for the other process's wish.
    Cache small(tiers(0, dir.path(), 1u << 20));
    const auto notices = small.take_notices();
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("67108864"), std::string::npos) << notices[0];
    EXPECT_NE(notices[0].find("trim"), std::string::npos) << notices[0];
    EXPECT_EQ(small.stats().tier(TierKind::Disk)->max_bytes, 64u << 20);
    small.put(key_for(100), Entry(Value(1)));
    EXPECT_EQ(*small.stats().tier(TierKind::Disk)->entries, 41u);
  }
  {
    CacheOptions o = tiers(0, dir.path());
    o.disk_bytes.reset();  // the store's own bound, no notice
    Cache cache(o);
    EXPECT_TRUE(cache.take_notices().empty());
    EXPECT_EQ(cache.stats().tier(TierKind::Disk)->max_bytes, 64u << 20);
    // trim() changes the store's bound for everyone.
    const TrimReport r = cache.trim(2u << 20);
    EXPECT_TRUE(r.ok);
    EXPECT_LE(r.bytes, 2u << 20);
    EXPECT_GT(r.evicted_entries, 20u);
  }
  CacheOptions o = tiers(0, dir.path());
  o.disk_bytes.reset();
  Cache cache(o);
  EXPECT_EQ(cache.stats().tier(TierKind::Disk)->max_bytes, 2u << 20);
  for (int i = 200; i < 240; ++i) cache.put(key_for(i), Entry(Bytes(noise_bytes(200000, i))));
  EXPECT_LE(*cache.stats().tier(TierKind::Disk)->bytes, 2u << 20);
  // A new store without a bound asked for gets the default.
  TempDir fresh;
  CacheOptions d = tiers(0, fresh.path());
  d.disk_bytes.reset();
  EXPECT_EQ(Cache(d).stats().tier(TierKind::Disk)->max_bytes, kDefaultDiskBytes);
}

TEST(CacheTrust, OversizedBoundsAndNulBytesAreClearErrors) {
  TempDir dir;
  CacheOptions o = tiers(0, dir.path());
  o.disk_bytes = 12297829382475830614ull;  // used to overflow the map size to ~8 MiB
  EXPECT_THROW(Cache{o}, InvalidArgument);
  o.disk_bytes = kMaxDiskBytes;
  EXPECT_NO_THROW(Cache{o});
  TempDir other;
  o = tiers(0, std::filesystem::path(other.path().string() + std::string("/a\0b", 4)));
  try {
    Cache c(o);
    FAIL() << "a path with a NUL byte was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(other / "a"));  // no truncated folder
  Cache ok(tiers(0, dir.path()));
  EXPECT_THROW((void)ok.trim(kMaxDiskBytes + 1), InvalidArgument);
}

// memoize(f)(-0.0) is not memoize(f)(0.0): Value digests fold the signs of
// zero (as == does), argument digests do not.
TEST(CacheTrust, NegativeZeroIsKeyedApart) {
  EXPECT_EQ(Value(-0.0).digest(), Value(0.0).digest());
  EXPECT_NE(argument_digest(Value(-0.0)), argument_digest(Value(0.0)));
  EXPECT_EQ(argument_digest(Value(0.0)), Value(0.0).digest());  // keys without -0.0 are as before
  EXPECT_EQ(argument_digest(Value(1.5)), Value(1.5).digest());
  const Value a(HashableList{1, -0.0, 0.0}), b(HashableList{1, 0.0, -0.0}), c(HashableList{1, 0.0, 0.0});
  EXPECT_NE(argument_digest(a), argument_digest(b));
  EXPECT_NE(argument_digest(a), argument_digest(c));
  EXPECT_EQ(argument_digest(c), c.digest());
  EXPECT_NE(CacheKey("ns", "f").add(Value(-0.0)).digest(), CacheKey("ns", "f").add(Value(0.0)).digest());
  TempDir dir;
  Cache cache(tiers(0, dir.path()));
  auto inverse = memoize(cache, "inverse", "1", [](double x) { return 1.0 / x; });
  EXPECT_EQ(inverse(0.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(inverse(-0.0), -std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace pixelcache::test
