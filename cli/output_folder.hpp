// Where `pixelcache batch` writes: beneath its output folder only, never
// through a link, never over one of its inputs.
//
// The output folder (OUTDIR as given; links in its own path are followed,
// as for any path the user names) is created when missing and opened once,
// on first use. Each output's folder is reached from there one component
// at a time: mkdirat (an existing folder is fine, so concurrent batches
// share folders), then openat(O_PATH | O_DIRECTORY | O_NOFOLLOW). A symlink
// (or anything but a folder) where a folder should be fails that output,
// and so does a component ".." or an absolute path: nothing is created or
// written outside OUTDIR, whatever links are planted in it. The output file
// is then written in that folder by write_file_at() (src/atomic_file.hpp:
// a unique temporary renamed into place), after check_replaceable().
//
// Thread safety: an OutputFolder and an InputFiles are shared by the
// batch's workers: open_parent() and the const members may run
// concurrently; InputFiles::add() only before the work starts.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace pixelcache::cli {

/// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

/// The batch's output folder.
class OutputFolder {
 public:
  explicit OutputFolder(std::filesystem::path dir) : dir_(std::move(dir)) {}

  /// The folder that holds the output `relative` (a path below the output
  /// folder), created as needed, as an O_PATH descriptor. Throws IoError
  /// naming the output folder or the component at fault: it cannot be
  /// created or opened, it is a symlink or not a folder, or `relative`
  /// leaves the output folder ("..", absolute); InvalidArgument for a NUL
  /// byte.
  UniqueFd open_parent(const std::filesystem::path& relative) const;

 private:
  int root() const;  // the output folder's descriptor; throws IoError

  std::filesystem::path dir_;
  mutable std::once_flag opened_;
  mutable UniqueFd root_;
  mutable std::string root_error_;
};

/// The files a batch reads, by (st_dev, st_ino) after following links: an
/// output is never written over one of them, whatever name it has.
class InputFiles {
 public:
  /// Adds `path` when it is a regular file (following links); other
  /// paths (URLs, missing files, folders) are ignored.
  void add(const std::string& path);
  /// The input (as given) that is the file (dev, ino), or null.
  const std::string* find(dev_t dev, ino_t ino) const;

 private:
  std::map<std::pair<dev_t, ino_t>, std::string> files_;
};

/// Throws IoError naming `display` when the entry `name` of the folder
/// `dirfd` exists and may not be replaced by an output: a symlink (batch
/// replaces no links in its output folder, and never follows them), or one
/// of `inputs` (a hard link, or the input itself). A missing entry, or any
/// other file, passes.
void check_replaceable(int dirfd, const std::string& name, const InputFiles& inputs, const std::string& display);

}  // namespace pixelcache::cli
