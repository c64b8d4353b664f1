// Internal: a digest computed on first use and kept; later calls return it
// with one atomic load.
//
// No lock is held while computing: a thread that finds no digest computes it
// (a pure function of immutable data) and the first to finish publishes it;
// threads racing on a first digest each compute it. So nothing ever waits:
// neither on a futex (std::once_flag: glibc's pthread_once makes a syscall
// each time an initialisation runs, 0.3 us per image out of the cache) nor,
// in a child forked while another thread was computing, on a lock that
// thread can no longer release.
//
// Thread safety: get() and set() may be called from any threads; set() only
// before the owner is shared.
#pragma once

#include <atomic>
#include <cstdint>

#include "pixelcache/digest.hpp"

namespace pixelcache::detail {

class LazyDigest {
 public:
  /// The digest, computing it with `compute()` (returning a Digest) unless a
  /// call has published it.
  template <class F>
  Digest get(F&& compute) const {
    if (state_.load(std::memory_order_acquire) == kReady) return value_;
    const Digest d = compute();
    std::uint8_t expected = kEmpty;
    if (state_.compare_exchange_strong(expected, kWriting, std::memory_order_acquire)) {
      value_ = d;
      state_.store(kReady, std::memory_order_release);
    }
    return d;
  }

  /// Records a digest known in advance (the owner is not shared yet).
  void set(const Digest& d) noexcept {
    value_ = d;
    state_.store(kReady, std::memory_order_release);
  }

 private:
  static constexpr std::uint8_t kEmpty = 0, kWriting = 1, kReady = 2;
  mutable std::atomic<std::uint8_t> state_{kEmpty};
  mutable Digest value_;
};

}  // namespace pixelcache::detail
