// Internal: a file mapped read-only into memory, for inputs that a streamed
// decode reads once (thumbnail.hpp's load_resized(), `pixelcache run` /
// `batch`). Its pages are the kernel's page cache: release_mapped() drops
// them from this process (they are read again if touched), so a decode that
// streams through a 1 GB file does not keep 1 GB resident.
//
// Thread safety: a MappedFile is read-only once made and may be read from
// any number of threads; release_mapped() may run concurrently with reads of
// the same mapping (a dropped page is simply read again).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pixelcache/net.hpp"

namespace pixelcache::detail {

class MappedFile {
 public:
  /// Maps `path`; a file that cannot be mapped (a pipe, a special file) is
  /// read into memory instead. Throws InvalidArgument for a path holding a
  /// NUL byte, IoError as read_file() (io.hpp) does.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::uint8_t> copy_;  // when the file could not be mapped
};

/// Drops this process's pages of the MappedFile that `data` lies in (no-op
/// for memory that is not a live MappedFile). The bytes stay readable.
void release_mapped(std::span<const std::uint8_t> data) noexcept;

/// Whether `data` lies in a live MappedFile (whose pages release_mapped()
/// can drop).
bool is_mapped(std::span<const std::uint8_t> data) noexcept;

/// An input's bytes for a decode that reads them once (load_resized(),
/// hash_file(), `pixelcache run` / `batch`): a file mapped (its pages can be
/// dropped as the decode passes them), or an http(s) URL's body fetched
/// with `fetch`. Throws InvalidArgument for a path holding a NUL byte,
/// IoError (missing, unreadable, a directory) and what fetch_url() throws.
class InputBytes {
 public:
  explicit InputBytes(const std::string& path_or_url, const FetchOptions& fetch = {});
  ~InputBytes();
  std::span<const std::uint8_t> bytes() const noexcept;

 private:
  std::unique_ptr<MappedFile> file_;
  std::vector<std::uint8_t> body_;  // a URL's
};
}  // namespace pixelcache::detail
