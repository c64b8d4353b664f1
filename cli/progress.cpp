// Progress bar and summary (progress.hpp).
#include "progress.hpp"

#include <csignal>
#include <cstring>

namespace pixelcache::cli {

namespace {

std::string clock_time(double s) {  // m:ss or h:mm:ss
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

}  // namespace

Progress::Progress(std::size_t total, bool bar, std::FILE* out, std::string label)
    : total_(total), bar_(bar), label_(std::move(label)), out_(out), start_(std::chrono::steady_clock::now()) {}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::count(Outcome outcome, bool from_cache) noexcept {
  if (from_cache) ++cached_;
  switch (outcome) {
    case Outcome::Written: ++written_; break;
    case Outcome::Failed: ++failed_; break;
    case Outcome::Skipped: ++skipped_; break;
  }
}

void Progress::note(const std::string& line) {
  const std::lock_guard lock(print_);
  if (bar_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

void Progress::draw(bool force) {
  if (!bar_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const std::size_t done = written_ + failed_ + skipped_;
  const std::size_t processed = written_ + failed_;  // skipped inputs cost next to nothing: not in the rate
  const double s = seconds();
  const double rate = s > 0 ? static_cast<double>(processed) / s : 0.0;
  constexpr int width = 30;
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(frac * width);
  std::string line = "\r\033[K" + (label_.empty() ? std::string() : label_ + " ") + std::to_string(done) + "/" +
                     std::to_string(total_) + " [";
  line.append(static_cast<std::size_t>(filled), '#');
  line.append(static_cast<std::size_t>(width - filled), '.');
  char tail[128];
  std::snprintf(tail, sizeof tail, "] %3d%% %.1f/s ETA %s", static_cast<int>(frac * 100), rate,
                processed > 0 && rate > 0 ? clock_time(static_cast<double>(total_ - done) / rate).c_str() : "?");
  line += tail;
  if (skipped_ > 0) line += "  " + std::to_string(skipped_) + " skipped";
  if (failed_ > 0) line += "  " + std::to_string(failed_) + " failed";
  const std::lock_guard lock(print_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void Progress::clear() {
  if (!bar_) return;
  const std::lock_guard lock(print_);
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
}

std::string Progress::summary(int signal, bool caching) const {
  const std::size_t done = written_ + failed_ + skipped_;
  const std::size_t processed = written_ + failed_;
  const double s = seconds();
  const std::string from_cache =
      caching || cached_ > 0 ? " (" + std::to_string(cached_.load()) + " from the cache)" : std::string();
  // The rate counts the inputs processed (written or failed), not the
  // skipped ones, which cost next to nothing.
  char rate[64];
  if (processed > 0 && s > 0)
    std::snprintf(rate, sizeof rate, "%.1f inputs/s", static_cast<double>(processed) / s);
  else
    std::snprintf(rate, sizeof rate, "none processed");
  char buf[256];
  std::snprintf(buf, sizeof buf, "%zu written%s, %zu failed, %zu skipped (output exists) in %.1f s (%s)",
                written_.load(), from_cache.c_str(), failed_.load(), skipped_.load(), s, rate);
  std::string out = "pixelcache batch: " + std::to_string(total_) + " inputs: " + buf;
  if (signal != 0) {
    const char* name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
    out += "; interrupted by " + std::string(name) + ", " + std::to_string(total_ - done) +
           " not done (rerun with --cache or --skip-existing to resume)";
  }
  return out;
}

}  // namespace pixelcache::cli
