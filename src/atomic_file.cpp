// Writing a whole file atomically through a unique temporary file created
// without following links (atomic_file.hpp).
#include "atomic_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "pixelcache/error.hpp"

namespace pixelcache::detail {

namespace {

constexpr std::string_view kPrefix = ".pxc-";
constexpr std::string_view kSuffix = ".tmp";
constexpr std::size_t kRandomChars = 11;  // 36^11: 56 bits
constexpr int kNameAttempts = 64;

// Closes a descriptor on scope exit unless released.
class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }
  // Closes now; returns close()'s errno, 0 when it succeeded.
  int close() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd < 0 || ::close(fd) == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

std::uint64_t random_u64() {
  std::uint64_t v = 0;
  if (::getrandom(&v, sizeof v, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof v)) return v;
  // No entropy yet (early boot) or no getrandom: unpredictability is not
  // needed for correctness (O_EXCL and linkat refuse existing names).
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t z = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                    (static_cast<std::uint64_t>(::getpid()) << 32) ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;  // splitmix64's finaliser
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Writes all of `data`; 0 or the errno of the failing write.
int write_all(int fd, std::span<const std::uint8_t> data) noexcept {
  std::size_t done = 0;
  while (done < data.size()) {
    const std::size_t chunk = std::min<std::size_t>(data.size() - done, std::size_t{1} << 30);
    const ssize_t n = ::write(fd, data.data() + done, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

[[noreturn]] void fail(std::string_view display, const char* what, int err) {
  throw IoError(escape_bytes(display) + ": " + what + ": " + std::strerror(err));
}

void check_name(std::string_view name, std::string_view display) {
  reject_nul(display);
  if (name.find('\0') != std::string_view::npos)
    throw InvalidArgument(escape_bytes(display) + ": a path cannot hold a NUL byte");
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
    throw InvalidArgument(escape_bytes(display) + ": not a file path (it names a folder or has no file name)");
}

// The state of one write: its temporary name while it exists.
class Temporary {
 public:
  Temporary(int dirfd, std::string_view display, const AtomicWriteOptions& options)
      : dirfd_(dirfd), display_(display), options_(options) {}
  ~Temporary() { remove(); }
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;

  std::string next_name() const { return options_.next_name ? options_.next_name() : random_temporary_name(); }

  // `name` is about to be created (TemporaryObserver::creating()).
  void announce(const std::string& name) const {
    if (options_.observer) options_.observer->creating(dirfd_, name.c_str());
  }
  // The announced name was not created (taken, or an error).
  void withdraw() const noexcept {
    if (options_.observer) options_.observer->not_created();
  }
  // `name` now exists and is ours.
  void own(std::string name) {
    name_ = std::move(name);
    if (options_.observer) options_.observer->named(dirfd_, name_.c_str());
  }
  // The name no longer needs removing (renamed into place).
  void release() noexcept {
    if (name_.empty()) return;
    name_.clear();
    if (options_.observer) options_.observer->cleared();
  }
  // Removes the named temporary, if any.
  void remove() noexcept {
    if (name_.empty()) return;
    ::unlinkat(dirfd_, name_.c_str(), 0);
    release();
  }
  // Renames the temporary over `name`; throws IoError (the temporary removed).
  void rename_to(std::string_view name) {
    const std::string target(name);
    if (::renameat(dirfd_, name_.c_str(), dirfd_, target.c_str()) != 0) {
      const int err = errno;
      remove();
      fail(display_, "cannot rename into place", err);
    }
    release();
  }

  int dirfd() const noexcept { return dirfd_; }
  std::string_view display() const noexcept { return display_; }

 private:
  int dirfd_;
  std::string_view display_;
  const AtomicWriteOptions& options_;
  std::string name_;
};

// Through an unnamed O_TMPFILE file. False when the file system (or the
// kernel) cannot do it: nothing was created, the caller takes the named way.
bool write_unnamed(Temporary& t, std::string_view name, std::span<const std::uint8_t> data) {
  Fd fd(::openat(t.dirfd(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666));
  if (fd.get() < 0) return false;  // EOPNOTSUPP, EISDIR (old kernels), EACCES...: the named way says why
  if (const int err = write_all(fd.get(), data)) fail(t.display(), "write error", err);
  char proc[48];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd.get());
  for (int attempt = 0;; ++attempt) {
    std::string tmp = t.next_name();
    t.announce(tmp);
    // linkat never follows a link at the new name: an existing one is EEXIST.
    // Through /proc (needs no privilege), else AT_EMPTY_PATH (needs
    // CAP_DAC_READ_SEARCH on older kernels).
    int linked = ::linkat(AT_FDCWD, proc, t.dirfd(), tmp.c_str(), AT_SYMLINK_FOLLOW);
    if (linked != 0 && errno != EEXIST) linked = ::linkat(fd.get(), "", t.dirfd(), tmp.c_str(), AT_EMPTY_PATH);
    if (linked == 0) {
      t.own(std::move(tmp));
      break;
    }
    const int err = errno;
    t.withdraw();
    if (err != EEXIST) return false;  // cannot give it a name: the unnamed file just goes, the named way follows
    if (attempt + 1 == kNameAttempts) fail(t.display(), "no free temporary name in the folder", EEXIST);
  }
  if (const int err = fd.close()) {
    t.remove();
    fail(t.display(), "write error", err);
  }
  t.rename_to(name);
  return true;
}

// Through a named temporary created with O_EXCL | O_NOFOLLOW.
void write_named(Temporary& t, std::string_view name, std::span<const std::uint8_t> data) {
  const int f = [&] {
    for (int attempt = 0;; ++attempt) {
      std::string tmp = t.next_name();
      t.announce(tmp);
      // O_EXCL: an existing name (a planted symlink included) is EEXIST, never opened.
      const int opened = ::openat(t.dirfd(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (opened >= 0) {
        t.own(std::move(tmp));
        return opened;
      }
      const int err = errno;
      t.withdraw();
      if (err != EEXIST) fail(t.display(), "cannot create a temporary file in its folder", err);
      if (attempt + 1 == kNameAttempts) fail(t.display(), "no free temporary name in the folder", err);
    }
  }();
  Fd fd(f);
  int err = write_all(fd.get(), data);
  const int close_err = fd.close();
  if (err == 0) err = close_err;
  if (err != 0) {
    t.remove();
    fail(t.display(), "write error", err);
  }
  t.rename_to(name);
}

}  // namespace

void reject_nul(std::string_view path) {
  if (path.find('\0') != std::string_view::npos)
    throw InvalidArgument(escape_bytes(path) + ": a path cannot hold a NUL byte");
}

std::string random_temporary_name() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uint64_t v = random_u64();
  std::string out(kPrefix);
  for (std::size_t i = 0; i < kRandomChars; ++i) {
    out += kAlphabet[v % 36];
    v /= 36;
  }
  out += kSuffix;
  return out;
}

bool is_temporary_name(std::string_view name) {
  if (name.size() != kPrefix.size() + kRandomChars + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix))
    return false;
  const std::string_view r = name.substr(kPrefix.size(), kRandomChars);
  return std::all_of(r.begin(), r.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

void write_file_at(int dirfd, std::string_view name, std::span<const std::uint8_t> data, std::string_view display,
                   const AtomicWriteOptions& options) {
  check_name(name, display);
  Temporary t(dirfd, display, options);
  if (options.unnamed_first && write_unnamed(t, name, data)) return;
  write_named(t, name, data);
}

void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                       const AtomicWriteOptions& options) {
  const std::string& p = path.native();
  reject_nul(p);
  const std::filesystem::path parent = path.parent_path();
  const std::string name = path.filename().native();
  check_name(name, p);
  Fd dir(::open(parent.empty() ? "." : parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    const int err = errno;
    fail(p, ("cannot open its folder " + escape_bytes(parent.native())).c_str(), err);
  }
  write_file_at(dir.get(), name, data, p, options);
}

}  // namespace pixelcache::detail
