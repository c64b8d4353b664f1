// The worker pool (work_pool.hpp).
#include "work_pool.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace pixelcache::detail {

std::size_t run_pool(std::size_t count, unsigned workers, const std::function<void(unsigned, std::size_t)>& job,
                     const std::function<bool()>& stop, const std::function<void()>& heartbeat, int heartbeat_ms) {
  if (count == 0) return 0;
  workers = static_cast<unsigned>(std::clamp<std::size_t>(count, 1, std::max(1u, workers)));
  std::atomic<std::size_t> next{0};
  std::mutex m;
  std::condition_variable done_cv;
  unsigned running = workers;
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      while (!(stop && stop())) {
        const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
        if (i >= count) break;
        job(w, i);
      }
      const std::lock_guard lock(m);
      if (--running == 0) done_cv.notify_all();
    });
  }
  {
    std::unique_lock lock(m);
    while (running > 0) {
      done_cv.wait_for(lock, std::chrono::milliseconds(heartbeat_ms));
      lock.unlock();
      if (heartbeat) heartbeat();
      lock.lock();
    }
  }
  for (auto& t : threads) t.join();
  return std::min(next.load(), count);
}

unsigned usable_cores() noexcept {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace pixelcache::detail
