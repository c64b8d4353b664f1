// Pixel buffers: allocation, release, and the pool of large freed buffers
// (image_storage.hpp).
//
// Small buffers come from malloc, which keeps freed heap memory and hands it
// out again without page faults. Buffers of kHugeFrom bytes and more are
// beyond malloc's largest mmap threshold (32 MiB): each would be mapped
// afresh and every page zeroed by the kernel on first touch (36 MB: ~3 ms,
// as long as copying them). They are 2 MiB aligned and asked to be backed by
// transparent huge pages, and up to kPoolBytes of freed ones are kept for
// the next allocation of about the same size, so a loop over 12 MP images
// (decode, cache hit, operation) reuses mapped memory.
#include <pthread.h>
#include <sys/mman.h>

#include <array>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "image_storage.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache::detail {

namespace {

constexpr std::size_t kHugeFrom = std::size_t{32} << 20;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
// Freed large buffers kept at most, in bytes and in number.
constexpr std::size_t kPoolBytes = std::size_t{128} << 20;
constexpr std::size_t kPoolBuffers = 4;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kPooling = false;  // let the sanitizers see every free
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kPooling = false;
#else
constexpr bool kPooling = true;
#endif
#else
constexpr bool kPooling = true;
#endif

struct Pool {
  std::mutex mu;
  std::vector<std::pair<void*, std::size_t>> buffers;  // oldest first
  std::size_t bytes = 0;
};

// Never destroyed: images may be freed during static destruction.
Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool;
    q->buffers.reserve(kPoolBuffers + 1);  // give_back() never allocates: it runs in a noexcept deleter
    // A fork while another thread holds the lock would leave it held in the
    // child forever.
    ::pthread_atfork([] { pool().mu.lock(); }, [] { pool().mu.unlock(); }, [] { pool().mu.unlock(); });
    return q;
  }();
  return *p;
}

// A pooled buffer of exactly `capacity` bytes (a multiple of 2 MiB), or
// nullptr.
void* take_pooled(std::size_t capacity) {
  if (!kPooling) return nullptr;
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  auto best = p.buffers.end();
  for (auto it = p.buffers.begin(); it != p.buffers.end(); ++it)
    if (it->second == capacity) {
      best = it;
      break;
    }
  if (best == p.buffers.end()) return nullptr;
  void* out = best->first;
  p.bytes -= best->second;
  p.buffers.erase(best);
  return out;
}

// Keeps a freed large buffer for reuse, freeing the oldest beyond the bounds.
void give_back(void* buffer, std::size_t capacity) {
  if (!kPooling || capacity > kPoolBytes) {
    std::free(buffer);
    return;
  }
  std::array<void*, kPoolBuffers> release{};
  std::size_t released = 0;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    while (!p.buffers.empty() && (p.bytes + capacity > kPoolBytes || p.buffers.size() >= kPoolBuffers)) {
      release[released++] = p.buffers.front().first;
      p.bytes -= p.buffers.front().second;
      p.buffers.erase(p.buffers.begin());
    }
    p.buffers.emplace_back(buffer, capacity);  // within the reserved capacity
    p.bytes += capacity;
  }
  for (std::size_t i = 0; i < released; ++i) std::free(release[i]);
}

}  // namespace

std::size_t pooled_pixel_bytes() {
  if (!kPooling) return 0;
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  return p.bytes;
}

void FreeDeleter::operator()(std::byte* p) const noexcept {
  if (adopted) return;
  if (pooled)
    give_back(p, pooled);
  else
    std::free(p);
}

std::unique_ptr<std::byte, FreeDeleter> allocate_pixels(std::size_t bytes) {
  if (bytes < kHugeFrom) {
    void* p = std::malloc(bytes ? bytes : 1);
    if (!p) throw LimitError("cannot allocate " + std::to_string(bytes) + " bytes for an image");
    return std::unique_ptr<std::byte, FreeDeleter>(static_cast<std::byte*>(p));
  }
  const std::size_t capacity = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = take_pooled(capacity);
  if (!p) {
    p = std::aligned_alloc(kHugePage, capacity);
    if (!p) throw LimitError("cannot allocate " + std::to_string(bytes) + " bytes for an image");
    ::madvise(p, capacity, MADV_HUGEPAGE);  // advice only: failure is harmless
  }
  FreeDeleter d;
  d.pooled = capacity;
  return std::unique_ptr<std::byte, FreeDeleter>(static_cast<std::byte*>(p), std::move(d));
}

}  // namespace pixelcache::detail
