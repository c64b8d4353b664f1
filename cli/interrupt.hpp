// Clean stops for `pixelcache batch` on SIGINT (Ctrl-C) and SIGTERM.
//
// The first signal only raises a flag: the batch starts no new input, lets
// the inputs in flight finish (their outputs are written whole, through a
// temporary file renamed into place) and prints its summary. A second signal
// stops at once: it deletes the temporary files being written at that moment
// (registered per worker with writing()), then exits with 128 + the signal.
//
// Thread safety: one Interrupts object per process (the constructor throws
// std::logic_error for a second one); stop_requested() and writing() may be
// called from any thread (writing() only with the caller's own slot).
#pragma once

#include <cstddef>
#include <filesystem>
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
  /// Registers (or, with an empty path, clears) the temporary file that
  /// worker `slot` is writing; a second signal deletes it before exiting.
  void writing(std::size_t slot, const std::filesystem::path& temporary) noexcept;

  struct State;  ///< implementation detail

 private:
  std::unique_ptr<State> state_;
};

}  // namespace pixelcache::cli
