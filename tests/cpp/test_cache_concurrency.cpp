// Cache under threads and processes (ctest label "threaded"; run under
// ThreadSanitizer too): single-flight, threads hammering every tier,
// processes sharing one directory (including a Cache inherited across
// fork), a writer killed with SIGKILL, memoize across processes.
#include <signal.h>

#include <atomic>
#include <latch>
#include <thread>

#include "cache_support.hpp"
#include "redis_server.hpp"

namespace pixelcache::test {
namespace {

TEST(CacheConcurrency, SingleFlightComputesOnce) {
  Cache cache(tiers(1 << 20));
  constexpr int kThreads = 8;
  std::atomic<int> calls{0};
  std::latch start(kThreads);
  std::vector<Origin> origins(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      const auto r = cache.get_or_compute(key_for(1), [&] {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return Entry(image_for(1));
      });
      EXPECT_EQ(r.entry.image(), image_for(1));
      origins[t] = r.origin;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(std::count(origins.begin(), origins.end(), Origin::Computed), 1);
  const auto st = cache.stats();
  EXPECT_EQ(st.computed, 1u);
  EXPECT_EQ(st.joined + std::count(origins.begin(), origins.end(), Origin::Memory), kThreads - 1u);
}

TEST(CacheConcurrency, SingleFlightSharesTheException) {
  Cache cache(tiers(1 << 20));
  constexpr int kThreads = 6;
  std::atomic<int> calls{0}, thrown{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        cache.get_or_compute(key_for(2), [&]() -> Entry {
          ++calls;
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          throw InvalidArgument("boom");
        });
      } catch (const InvalidArgument&) {
        ++thrown;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(thrown.load(), kThreads);
  // Stragglers arriving after a run ended run it again; the others shared it.
  EXPECT_LT(calls.load(), kThreads);
  EXPECT_FALSE(cache.contains(key_for(2)));
}

// Every read is a miss or exactly the value of its key.
void hammer(Cache& cache, int seed, int ops, std::atomic<int>& wrong) {
  std::uint32_t s = static_cast<std::uint32_t>(seed) * 2654435761u + 1;
  for (int n = 0; n < ops; ++n) {
    s = s * 1664525u + 1013904223u;
    const int i = static_cast<int>((s >> 8) % 40);
    switch ((s >> 20) % 4) {
      case 0: cache.put(key_for(i), Entry(image_for(i))); break;
      case 3:
        if ((s >> 24) % 8 == 0) {
          cache.erase(key_for(i));
          break;
        }
        [[fallthrough]];
      default:
        if (auto got = cache.get(key_for(i)); got && !(got->kind() == EntryKind::Image && got->image() == image_for(i)))
          ++wrong;
    }
  }
}

TEST(CacheConcurrency, ThreadsHammerMemoryAndDisk) {
  TempDir dir;
  // Small bounds, so eviction runs all the time.
  Cache cache(tiers(8000, dir.path(), 20000));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { hammer(cache, t, 600, wrong); });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  const auto st = cache.stats();
  EXPECT_EQ(st.tier(TierKind::Disk)->errors, 0u);
  EXPECT_LE(*st.tier(TierKind::Disk)->bytes, 20000u);
  EXPECT_LE(*st.tier(TierKind::Memory)->bytes, 8000u);
  EXPECT_GT(st.tier(TierKind::Disk)->evictions, 0u);
  EXPECT_EQ(cache.verify().corrupt(), 0u);
}

TEST(CacheConcurrency, ThreadsHammerRedis) {
  if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
  RedisServer server;
  Cache cache(tiers(0, {}, 0, server.url()));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { hammer(cache, t, 300, wrong); });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(cache.stats().tier(TierKind::Redis)->errors, 0u);
}

TEST(CacheConcurrency, FourProcessesHammerOneDirectory) {
  TempDir dir;
  Cache inherited(tiers(0, dir.path(), 30000));
  inherited.put(key_for(0), Entry(image_for(0)));  // the environment is open before fork
  std::vector<pid_t> pids;
  for (int p = 0; p < 4; ++p)
    pids.push_back(spawn([&, p] {
      std::atomic<int> wrong{0};
      if (p % 2 == 0) {
        hammer(inherited, 100 + p, 800, wrong);  // the parent's Cache: reopened after fork
        if (inherited.stats().tier(TierKind::Disk)->errors) return 3;
      } else {
        Cache own(tiers(0, dir.path(), 30000));
        hammer(own, 100 + p, 800, wrong);
        if (own.stats().tier(TierKind::Disk)->errors) return 3;
      }
      return wrong.load() == 0 ? 0 : 2;
    }));
  for (pid_t pid : pids) EXPECT_EQ(wait_for(pid), 0);
  // The parent's environment still works, and everything stored is intact.
  std::atomic<int> wrong{0};
  hammer(inherited, 7, 200, wrong);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(*inherited.stats().tier(TierKind::Disk)->bytes, 30000u);
  const VerifyReport v = inherited.verify();
  EXPECT_EQ(v.corrupt(), 0u);
  EXPECT_GT(v.tiers[0].checked, 0u);
}

TEST(CacheConcurrency, WriterKilledMidPutLeavesNoCorruption) {
  TempDir dir;
  int next = 0;
  for (int round = 0; round < 3; ++round) {
    const int first = next;
    const pid_t pid = spawn([&] {
      Cache cache(tiers(0, dir.path(), 8 << 20));
      for (int i = first;; ++i) {
        // Some large entries, so the kill often lands inside a write.
        const Image img = i % 5 == 0 ? noise_image(400 + i % 7, 500, static_cast<std::uint32_t>(i)) : image_for(i);
        cache.put(key_for(i), Entry(img));
      }
      return 0;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 70 * round));
    ::kill(pid, SIGKILL);
    EXPECT_EQ(wait_for(pid), 128 + SIGKILL);
    next += 100000;
  }
  Cache cache(tiers(0, dir.path(), 8 << 20));
  const VerifyReport v = cache.verify();
  EXPECT_EQ(v.corrupt(), 0u);
  EXPECT_GT(v.tiers[0].checked, 0u);
  // Every entry listed reads back (0 corrupt reads), and new writes work.
  std::uint64_t read = 0;
  std::vector<Digest> keys;
  cache.for_each_entry(TierKind::Disk, [&](const EntryInfo& e) {
    keys.push_back(e.key);
    return true;
  });
  for (const auto& k : keys) read += cache.get(k).has_value();
  EXPECT_EQ(read, keys.size());
  EXPECT_EQ(cache.stats().tier(TierKind::Disk)->corrupt, 0u);
  cache.put(key_for(-1), Entry(image_for(1)));
  EXPECT_EQ(cache.get_image(key_for(-1)), image_for(1));
}

TEST(CacheConcurrency, MemoizeAcrossTwoProcesses) {
  TempDir dir;
  auto run = [&] {
    Cache cache(tiers(1 << 20, dir.path()));
    int calls = 0;
    auto thumb = memoize(cache, "thumb", "1", [&](const Image& img) {
      ++calls;
      return resize(img, {8, 8});
    });
    const Image t = thumb(pattern(40, 40));
    if (t != resize(pattern(40, 40), {8, 8})) return 50;
    return calls;  // the exit code says whether this process computed
  };
  EXPECT_EQ(wait_for(spawn(run)), 1);
  EXPECT_EQ(wait_for(spawn(run)), 0);  // the second process hits the disk tier
}

}  // namespace
}  // namespace pixelcache::test
