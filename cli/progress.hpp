// Progress of `pixelcache batch`: a bar on a terminal (count, percentage,
// rate, ETA, failures), and a one-line summary at the end in every case.
//
// Thread safety: count() and note() may be called from any thread;
// draw() and summary() from the thread that owns the Progress.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>

namespace pixelcache::cli {

/// What happened to one input.
enum class Outcome { Written, Failed, Skipped };

/// Counters of a batch and their display.
class Progress {
 public:
  /// `total` inputs; the bar is drawn on `out` when `bar` is true (callers
  /// pass isatty(out)), else nothing is drawn until summary(). A `label`
  /// starts the bar ("hashing 12/300 [###...").
  Progress(std::size_t total, bool bar, std::FILE* out, std::string label = {});

  /// Counts one finished input; `from_cache`: a written output that came
  /// from the cache (counted in written() and cached()).
  void count(Outcome outcome, bool from_cache = false) noexcept;
  /// Prints `line` on stderr, on a line of its own (the bar is cleared first
  /// and redrawn by the next draw()).
  void note(const std::string& line);
  /// Redraws the bar (at most every 100 ms unless `force`); no-op without a bar.
  void draw(bool force = false);
  /// Clears the bar, leaving the line empty for the summary.
  void clear();
  /// "N inputs: W written, F failed, S skipped (output exists) in T s (R
  /// inputs/s)" — R counts the inputs processed (written or failed), not
  /// the skipped ones; "none processed" when all were skipped —
  /// with "W written (C from the cache)" when outputs came from the cache
  /// and, when `caching`, "(0 from the cache)" too, and with what was not
  /// started when `signal` (non-zero) interrupted the run.
  std::string summary(int signal, bool caching = false) const;

  std::size_t written() const noexcept { return written_; }
  std::size_t failed() const noexcept { return failed_; }
  std::size_t skipped() const noexcept { return skipped_; }
  std::size_t cached() const noexcept { return cached_; }

 private:
  double seconds() const;

  const std::size_t total_;
  const bool bar_;
  const std::string label_;
  std::FILE* const out_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::atomic<std::size_t> written_{0}, failed_{0}, skipped_{0}, cached_{0};
  std::mutex print_;  // one writer at a time on the terminal
};

}  // namespace pixelcache::cli
