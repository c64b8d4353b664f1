// Internal: a digest computed once, on first use, by whichever thread asks
// first; later calls return it without locking.
//
// (A flag and a mutex rather than std::once_flag: glibc's pthread_once makes
// a futex syscall each time an initialisation runs, 0.3 us per image coming
// out of the cache.)
//
// Thread safety: get() and set() may be called from any threads; set() only
// before the owner is shared.
#pragma once

#include <atomic>
#include <mutex>

#include "pixelcache/digest.hpp"

namespace pixelcache::detail {

class LazyDigest {
 public:
  /// The digest, computing it with `compute()` (returning a Digest) the
  /// first time.
  template <class F>
  Digest get(F&& compute) const {
    if (ready_.load(std::memory_order_acquire)) return value_;
    std::lock_guard lock(mu_);
    if (!ready_.load(std::memory_order_relaxed)) {
      value_ = compute();
      ready_.store(true, std::memory_order_release);
    }
    return value_;
  }

  /// Records a digest known in advance (the owner is not shared yet).
  void set(const Digest& d) noexcept {
    value_ = d;
    ready_.store(true, std::memory_order_release);
  }

 private:
  mutable std::atomic<bool> ready_{false};
  mutable std::mutex mu_;
  mutable Digest value_;
};

}  // namespace pixelcache::detail
