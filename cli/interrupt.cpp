// Clean stops on SIGINT / SIGTERM (interrupt.hpp). The handler only touches
// lock-free atomics and calls async-signal-safe functions (write, unlinkat,
// _exit).
#include "interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace pixelcache::cli {

struct Interrupts::State {
  struct Slot {
    std::atomic<bool> armed{false};
    std::atomic<int> dirfd{-1};
    char name[256] = {};  // NAME_MAX + 1
  };
  std::atomic<int> signal{0};
  std::vector<Slot> slots;
  struct sigaction old_int {
  }, old_term{};
  explicit State(std::size_t n) : slots(n) {}
};

namespace {

std::atomic<Interrupts::State*> g_state{nullptr};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free &&
              std::atomic<Interrupts::State*>::is_always_lock_free);

extern "C" void on_signal(int sig) {
  Interrupts::State* s = g_state.load();
  if (!s) return;
  int none = 0;
  if (s->signal.compare_exchange_strong(none, sig)) {
    static const char msg[] =
        "\npixelcache batch: stopping once the inputs in flight are written (again to stop at once)\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    return;
  }
  for (auto& slot : s->slots)
    if (slot.armed.load()) ::unlinkat(slot.dirfd.load(), slot.name, 0);
  ::_exit(128 + sig);
}

}  // namespace

Interrupts::Interrupts(std::size_t slots) : state_(std::make_unique<State>(slots)) {
  State* expected = nullptr;
  if (!g_state.compare_exchange_strong(expected, state_.get()))
    throw std::logic_error("pixelcache: only one Interrupts object at a time");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &state_->old_int);
  sigaction(SIGTERM, &sa, &state_->old_term);
}

Interrupts::~Interrupts() {
  sigaction(SIGINT, &state_->old_int, nullptr);
  sigaction(SIGTERM, &state_->old_term, nullptr);
  g_state.store(nullptr);
}

bool Interrupts::stop_requested() const noexcept { return state_->signal.load() != 0; }

int Interrupts::signal_number() const noexcept { return state_->signal.load(); }

void Interrupts::writing(std::size_t slot, int dirfd, const char* name) noexcept {
  if (slot >= state_->slots.size()) return;
  State::Slot& s = state_->slots[slot];
  s.armed.store(false);
  if (name == nullptr || dirfd < 0) return;
  const std::size_t n = std::strlen(name);
  if (n == 0 || n >= sizeof s.name) return;  // too long to register: left behind
  std::memcpy(s.name, name, n + 1);
  s.dirfd.store(dirfd);
  s.armed.store(true);
}

}  // namespace pixelcache::cli
