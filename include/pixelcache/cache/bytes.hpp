// pixelcache/cache/bytes.hpp — Bytes, the immutable byte string a Cache
// stores for results that are neither images nor Values (part of
// pixelcache/cache.hpp).
//
// Thread safety: Bytes is a plain value with shared, never-modified storage;
// copies and reads from any number of threads at once are safe (assigning
// to one object while another thread reads that same object is not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "pixelcache/digest.hpp"

namespace pixelcache {

/// An immutable byte string with O(1) copies (shared storage), for results
/// that are neither images nor Values (e.g. encoded files, pickled objects).
class Bytes {
 public:
  /// The empty byte string.
  Bytes() = default;
  /// Takes ownership of `data`.
  explicit Bytes(std::vector<std::uint8_t> data);
  /// Copies `data`.
  explicit Bytes(std::span<const std::uint8_t> data);
  /// Copies the characters of `data`.
  explicit Bytes(std::string_view data);

  const std::uint8_t* data() const noexcept { return data_ ? data_->data() : nullptr; }
  /// Length in bytes.
  std::size_t size() const noexcept { return data_ ? data_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  std::span<const std::uint8_t> span() const noexcept { return {data(), size()}; }
  /// The bytes as characters (no copy).
  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(data()), size()}; }
  /// digest_bytes() of the content.
  Digest digest() const { return digest_bytes(data(), size()); }
  /// Equal content.
  bool operator==(const Bytes& o) const noexcept;

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> data_;
};

}  // namespace pixelcache
