// Read-only file mappings whose pages can be dropped (mapped_file.hpp).
#include "mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>

#include "atomic_file.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/net.hpp"

namespace pixelcache::detail {

namespace {

// The live mappings (start, length), for release_mapped().
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::pair<const std::uint8_t*, std::size_t>>& registry() {
  static std::vector<std::pair<const std::uint8_t*, std::size_t>> r;
  return r;
}

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) {
  reject_nul(path.native());
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(escape_bytes(path.string()) + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular && st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      ::madvise(p, static_cast<std::size_t>(st.st_size), MADV_SEQUENTIAL);
      data_ = static_cast<const std::uint8_t*>(p);
      size_ = static_cast<std::size_t>(st.st_size);
      mapped_ = true;
    }
  }
  ::close(fd);
  if (mapped_) {
    const std::lock_guard lock(registry_mutex());
    registry().emplace_back(data_, size_);
    return;
  }
  copy_ = read_file(path);  // not mappable: an empty file, a pipe, a special file
  data_ = copy_.data();
  size_ = copy_.size();
}

MappedFile::~MappedFile() {
  if (!mapped_) return;
  {
    const std::lock_guard lock(registry_mutex());
    auto& r = registry();
    r.erase(std::remove(r.begin(), r.end(), std::make_pair(data_, size_)), r.end());
  }
  ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

InputBytes::InputBytes(const std::string& path_or_url, const FetchOptions& fetch) {
  reject_nul(path_or_url);
  if (is_url(path_or_url)) {
    body_ = fetch_url(path_or_url, fetch);
    return;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path_or_url, ec)) throw IoError(escape_bytes(path_or_url) + ": is a directory");
  file_ = std::make_unique<MappedFile>(path_or_url);
}

InputBytes::~InputBytes() = default;

std::span<const std::uint8_t> InputBytes::bytes() const noexcept {
  return file_ ? file_->bytes() : std::span<const std::uint8_t>(body_);
}

namespace {
// The live mapping (start, length) that `data` lies in, or nullopt; the
// registry mutex must be held.
std::optional<std::pair<const std::uint8_t*, std::size_t>> mapping_of(std::span<const std::uint8_t> data) {
  if (data.empty()) return std::nullopt;
  for (const auto& [start, size] : registry())
    if (data.data() >= start && data.data() < start + size) return std::pair{start, size};
  return std::nullopt;
}
}  // namespace

void release_mapped(std::span<const std::uint8_t> data) noexcept {
  const std::lock_guard lock(registry_mutex());
  // A private, read-only file mapping: MADV_DONTNEED unmaps the pages;
  // touching them again reads the same bytes from the page cache.
  if (const auto m = mapping_of(data)) ::madvise(const_cast<std::uint8_t*>(m->first), m->second, MADV_DONTNEED);
}

bool is_mapped(std::span<const std::uint8_t> data) noexcept {
  const std::lock_guard lock(registry_mutex());
  return mapping_of(data).has_value();
}

}  // namespace pixelcache::detail
