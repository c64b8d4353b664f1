// Writing beneath the batch's output folder without following links
// (output_folder.hpp).
#include "output_folder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "atomic_file.hpp"
#include "commands.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache::cli {

namespace fs = std::filesystem;

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

int OutputFolder::root() const {
  std::call_once(opened_, [this] {
    std::error_code ec;
    fs::create_directories(dir_, ec);  // concurrent creators: one wins, the others see it exist
    root_ = UniqueFd(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (root_.get() < 0)
      root_error_ =
          printable(dir_.string()) + ": cannot create the folder: " + (ec ? ec.message() : std::strerror(errno));
  });
  if (root_.get() < 0) throw IoError(root_error_);
  return root_.get();
}

UniqueFd OutputFolder::open_parent(const fs::path& relative) const {
  detail::reject_nul(relative.native());
  if (relative.is_absolute() || relative.filename().empty())
    throw IoError(printable(relative.string()) + ": not a file path below the output folder");
  const int top = root();
  UniqueFd held;  // the current folder, once below the output folder itself
  fs::path shown = dir_;
  for (const fs::path& part : relative.parent_path()) {
    const std::string& c = part.native();
    if (c.empty() || c == ".") continue;
    shown /= part;
    if (c == ".." || c == "/")
      throw IoError(printable(shown.string()) + ": outside the output folder " + printable(dir_.string()));
    const int at = held.get() >= 0 ? held.get() : top;
    if (::mkdirat(at, c.c_str(), 0777) != 0 && errno != EEXIST) {
      const int err = errno;
      throw IoError(printable(shown.string()) + ": cannot create the folder: " + std::strerror(err));
    }
    UniqueFd next(::openat(at, c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (next.get() < 0 || ::fstat(next.get(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      const int err = errno;
      struct stat lst {};
      if (::fstatat(at, c.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
        throw IoError(printable(shown.string()) +
                      ": is a symbolic link; batch writes only beneath the output folder and follows no links there");
      if (::fstatat(at, c.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(lst.st_mode))
        throw IoError(printable(shown.string()) + ": cannot create the folder: a file of that name exists");
      throw IoError(printable(shown.string()) + ": cannot open the folder: " + std::strerror(err));
    }
    held = std::move(next);
  }
  if (held.get() >= 0) return held;
  const int again = ::fcntl(top, F_DUPFD_CLOEXEC, 0);
  if (again < 0) {
    const int err = errno;
    throw IoError(printable(dir_.string()) + ": cannot open the folder: " + std::strerror(err));
  }
  return UniqueFd(again);
}

void InputFiles::add(const std::string& path) {
  struct stat st {};
  if (path.find('\0') == std::string::npos && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
    files_.emplace(std::pair{st.st_dev, st.st_ino}, path);
}

const std::string* InputFiles::find(dev_t dev, ino_t ino) const {
  const auto it = files_.find({dev, ino});
  return it == files_.end() ? nullptr : &it->second;
}

void check_replaceable(int dirfd, const std::string& name, const InputFiles& inputs, const std::string& display) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;  // missing: nothing to replace
  if (S_ISLNK(st.st_mode))
    throw IoError(printable(display) +
                  ": is a symbolic link; not replaced (batch follows and replaces no links in the output folder)");
  if (const std::string* input = inputs.find(st.st_dev, st.st_ino))
    throw IoError(printable(display) + ": is the input " + printable(*input) + " (the same file); not overwritten");
}

}  // namespace pixelcache::cli
