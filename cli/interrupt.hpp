// Clean stops for `pixelcache batch` on SIGINT (Ctrl-C) and SIGTERM.
//
// The first signal only raises a flag: the batch starts no new input, lets
// the inputs in flight finish (their outputs are written whole, through a
// temporary file renamed into place) and prints its summary. A second signal
// stops at once: it deletes the named temporary files being written at that
// moment (registered per worker with writing(): a folder descriptor and a
// name, removed with unlinkat), then exits with 128 + the signal. (Unnamed
// O_TMPFILE temporaries need nothing: they vanish with the process.)
//
// Thread safety: one Interrupts object per process (the constructor throws
// std::logic_error for a second one); stop_requested() and writing() may be
// called from any thread (writing() only with the caller's own slot).
#pragma once

#include <cstddef>
#include <memory>

namespace pixelcache::cli {

/// Installs the SIGINT / SIGTERM handlers for its lifetime (the previous
/// handlers come back on destruction).
class Interrupts {
 public:
  /// `slots`: one per worker thread, for the temporary file it writes.
  explicit Interrupts(std::size_t slots);
  ~Interrupts();
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  /// True once a first signal arrived.
  bool stop_requested() const noexcept;
  /// The signal that asked to stop (SIGINT, SIGTERM), 0 when none did.
  int signal_number() const noexcept;
  /// Registers the temporary file `name` in the folder `dirfd` that worker
  /// `slot` is writing (or, with a null `name`, clears the slot); a second
  /// signal deletes it before exiting. `dirfd` must stay open until the
  /// slot is cleared. A name of 256 bytes or more is not registered.
  void writing(std::size_t slot, int dirfd, const char* name) noexcept;

  struct State;  ///< implementation detail

 private:
  std::unique_ptr<State> state_;
};

}  // namespace pixelcache::cli
