// The worker pool of `pixelcache batch` and find_duplicates() (dups.hpp):
// independent items on a few threads, with a stop check and a heartbeat.
//
// Thread safety: run_pool() is called from one thread; `job` runs on the
// pool's threads concurrently (on different items) and must be safe for
// that, as must `stop`; `heartbeat` runs on the calling thread.
#pragma once

#include <cstddef>
#include <functional>

namespace pixelcache::detail {

/// Runs job(worker, item) for every item in [0, count) on `workers` threads
/// (worker in [0, workers)). Scheduling is dynamic: a worker that finishes
/// takes the next item nobody has started (one atomic counter), so no worker
/// idles while work remains and a slow item never holds up a queue behind it
/// — with one flat list of independent items this is what work stealing
/// amounts to, without per-worker queues. Once stop() returns true no new
/// item is started; items already started finish. The calling thread calls
/// heartbeat() about every `heartbeat_ms` milliseconds while it waits.
/// `stop` and `heartbeat` may be empty. `job` must not throw (an escaping
/// exception terminates). Returns the number of items started (the first
/// that many indices).
std::size_t run_pool(std::size_t count, unsigned workers, const std::function<void(unsigned, std::size_t)>& job,
                     const std::function<bool()>& stop, const std::function<void()>& heartbeat, int heartbeat_ms = 100);

/// The cores this process may run on (its CPU affinity), at least 1: the
/// default worker count.
unsigned usable_cores() noexcept;

}  // namespace pixelcache::detail
