// Fork detection for the tiers (store_tier.hpp), and EntryInfo from headers.
#include <pthread.h>

#include <atomic>

#include "cache/store_tier.hpp"

namespace pixelcache::cache_detail {

namespace {
std::atomic<std::uint64_t> g_generation{0};
void on_fork_child() noexcept { g_generation.fetch_add(1, std::memory_order_relaxed); }
// Registered when the library loads, before any tier can exist.
const int g_registered = pthread_atfork(nullptr, nullptr, on_fork_child);
}  // namespace

std::uint64_t fork_generation() noexcept {
  (void)g_registered;
  return g_generation.load(std::memory_order_relaxed);
}

std::optional<EntryInfo> entry_info(std::span<const std::uint8_t> head, std::uint64_t total) {
  try {
    const EntryHeader h = read_entry_header(head);
    return EntryInfo{h.key, h.key_namespace, h.kind, h.tag, total, h.compressed};
  } catch (const CorruptEntryError&) {
    return std::nullopt;
  }
}

}  // namespace pixelcache::cache_detail
