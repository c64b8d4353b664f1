// Files, their stat and the cache keys of pixelcache.data (data.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pixelcache/data.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/value.hpp"
#include "pixelcache/version.hpp"

namespace pixelcache::data {

namespace {

void check_path(const std::string& path) {
  if (path.find('\0') != std::string::npos)
    throw InvalidArgument("path '" + escape_bytes(path) + "' contains a NUL byte");
}

[[noreturn]] void fail(const std::string& path, const char* what, int err) {
  throw IoError(escape_bytes(path) + ": " + what + ": " + std::strerror(err));
}

FileStat stat_of(const struct stat& st) {
  FileStat f;
  f.size = static_cast<std::uint64_t>(st.st_size);
  f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  f.inode = static_cast<std::uint64_t>(st.st_ino);
  f.device = static_cast<std::uint64_t>(st.st_dev);
  return f;
}

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

FileStat stat_file(const std::string& path) {
  check_path(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(path, "cannot stat", errno);
  if (S_ISDIR(st.st_mode)) throw IoError(escape_bytes(path) + ": is a directory");
  return stat_of(st);
}

FileBytes read_file_stat(const std::string& path) {
  check_path(path);
  Fd f;
  do {
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (f.fd < 0 && errno == EINTR);
  if (f.fd < 0) fail(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail(path, "cannot stat", errno);
  if (S_ISDIR(st.st_mode)) throw IoError(escape_bytes(path) + ": is a directory");
  FileBytes out;
  out.stat = stat_of(st);
  // Regular files read to their size (plus a check for growth); others
  // (pipes, /proc files) until the end.
  std::size_t capacity = S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) + 1 : 1 << 16;
  out.bytes.resize(capacity);
  std::size_t used = 0;
  while (true) {
    if (used == out.bytes.size()) out.bytes.resize(out.bytes.size() * 2);
    const ssize_t r = ::read(f.fd, out.bytes.data() + used, out.bytes.size() - used);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot read", errno);
    }
    if (r == 0) break;
    used += static_cast<std::size_t>(r);
  }
  out.bytes.resize(used);
  struct stat after {};
  if (::fstat(f.fd, &after) != 0) fail(path, "cannot stat", errno);
  out.stable = stat_of(after) == out.stat && used == out.stat.size;
  return out;
}

std::string data_cache_version() { return std::string("pixelcache-data 1, pipeline 1, pixelcache ") + version(); }

Digest file_index_key(std::string_view key_namespace, std::string_view absolute_path, const FileStat& stat) {
  return CacheKey(key_namespace, "pixelcache.data.file", data_cache_version())
      .add(Value(std::string(absolute_path)))
      .add(Value(static_cast<std::int64_t>(stat.size)))
      .add(Value(stat.mtime_ns))
      .add(Value(static_cast<std::int64_t>(stat.inode)))
      .add(Value(static_cast<std::int64_t>(stat.device)))
      .digest();
}

Digest transform_key(std::string_view key_namespace, const Digest& file_digest, const Digest& transform_digest) {
  return CacheKey(key_namespace, "pixelcache.data.transform", data_cache_version())
      .add_digest(file_digest)
      .add_digest(transform_digest)
      .digest();
}

}  // namespace pixelcache::data
