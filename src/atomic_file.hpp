// Internal: writing a whole file atomically (the writer behind write_file()
// and save() in io.hpp, and behind `pixelcache batch`, which writes beneath
// its output folder through a folder descriptor).
//
// How a file is written:
//   1. a temporary file is created in the destination's folder, never
//      through a link: with O_TMPFILE (an unnamed file) where the folder's
//      file system has it, else by openat(..., O_CREAT | O_EXCL |
//      O_NOFOLLOW) under a fresh random name (".pxc-" + 11 random
//      [a-z0-9] + ".tmp": 20 bytes, so a destination name of NAME_MAX bytes
//      still works; an existing name, a planted symlink included, is
//      skipped for another). Mode 0666 less the umask (a default ACL of the
//      folder applies), as fopen("wb") gives a new file;
//   2. all the data is written, then the file is closed (errors of either:
//      the temporary is removed, IoError naming the destination);
//   3. the O_TMPFILE file gets a random name (linkat, which never follows a
//      link at that name) and is renamed over the destination (renameat).
//      A symlink at the destination is replaced by the file, its target
//      untouched; a folder there is an error.
// So the destination is at every moment absent, its old file, or the whole
// new file, and writers racing for one destination never mix their bytes:
// the last rename wins. Nothing is flushed to the disk (no fsync): after a
// power loss, an output written just before may be empty on some file
// systems.
//
// Thread safety: reentrant; any number of threads may write, to one
// destination too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace pixelcache::detail {

/// Throws InvalidArgument naming `path` (escaped) when it holds a NUL byte:
/// the system would see only the part before it.
void reject_nul(std::string_view path);

/// Hears of the named temporary file of a write, so that a process stopping
/// at once (the second Ctrl-C of `pixelcache batch`) can remove it with
/// unlinkat(dirfd, name, 0). Both calls come from the writing thread; they
/// should only store (lock-free atomics, a copy of the name) what a signal
/// handler then reads.
class TemporaryObserver {
 public:
  /// `name` (in the folder `dirfd`) is about to be created by this write:
  /// an observer that removes names from a signal handler arms it now, so
  /// the handler can never run between the file's creation and named()
  /// (removing a name not created yet is harmless, and a random name is
  /// nobody else's). Followed by named() or not_created(); `name` lives
  /// until then.
  virtual void creating(int /*dirfd*/, const char* /*name*/) noexcept {}
  /// The name announced by creating() was not created (taken, or an error).
  virtual void not_created() noexcept {}
  /// `name` (in the folder `dirfd`) was just created by this write and is
  /// ours until cleared(); `name` lives until then.
  virtual void named(int dirfd, const char* name) noexcept = 0;
  /// The temporary name is gone (renamed into place or removed); called
  /// before `dirfd` is closed.
  virtual void cleared() noexcept = 0;

 protected:
  ~TemporaryObserver() = default;
};

struct AtomicWriteOptions {
  /// Told the temporary name; may be null.
  TemporaryObserver* observer = nullptr;
  /// Try O_TMPFILE first (false: always the named temporary, which is what
  /// file systems without O_TMPFILE get).
  bool unnamed_first = true;
  /// The temporary names to try, in order (tests); empty: random ones.
  std::function<std::string()> next_name;
};

/// ".pxc-" + 11 random characters of [a-z0-9] + ".tmp".
std::string random_temporary_name();
/// True for names random_temporary_name() makes.
bool is_temporary_name(std::string_view name);

/// Writes `data` as the file `name` (one path component) in the folder
/// `dirfd` (an O_PATH descriptor is enough), as described above. `display`
/// names the destination in errors. Throws InvalidArgument (a NUL byte, a
/// name that is empty, "." or ".." or holds '/'), IoError (the temporary
/// cannot be created, a write error such as a full disk or the file size
/// limit, the rename fails); nothing is left behind on error.
void write_file_at(int dirfd, std::string_view name, std::span<const std::uint8_t> data, std::string_view display,
                   const AtomicWriteOptions& options = {});

/// write_file_at() in the folder of `path` (opened as open() resolves it:
/// links in the folder's own path are followed, as for any path), under
/// its last component.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                       const AtomicWriteOptions& options = {});

}  // namespace pixelcache::detail
