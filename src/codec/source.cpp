// ByteSource (codec.hpp): encoded bytes in memory, or a file read only as far
// as a prober asks; and probe_source(), which sniffs the format and calls
// its prober (registry.hpp).
#include <algorithm>
#include <cstring>

#include "codec.hpp"
#include "registry.hpp"

namespace pixelcache::detail {

ByteSource::ByteSource(std::span<const std::uint8_t> data) noexcept : size_(data.size()), held_(data) {}

ByteSource::ByteSource(std::uint64_t size, ReadFn read, std::size_t first) : size_(size), read_(std::move(read)) {
  prefix(first);
}

ByteSource::~ByteSource() = default;

std::size_t ByteSource::read_into(std::uint64_t offset, std::uint8_t* buffer, std::size_t n) {
  const std::size_t got = read_(offset, buffer, n);
  bytes_read_ += got;
  // A short read inside the size: the file shrank since its size was taken.
  if (got < n) size_ = std::min<std::uint64_t>(size_, offset + got);
  return got;
}

std::span<const std::uint8_t> ByteSource::prefix(std::uint64_t n) {
  n = std::min(n, size_);
  if (!read_ || n <= held_.size()) return held_;
  // At least double what is held, so that asking for a little more at a
  // time still reads the file in O(log size) steps.
  const std::uint64_t target = std::min<std::uint64_t>(size_, std::max<std::uint64_t>(n, 2 * held_.size()));
  const auto want = static_cast<std::size_t>(target);
  auto block = std::make_unique_for_overwrite<std::uint8_t[]>(want);
  if (!held_.empty()) std::memcpy(block.get(), held_.data(), held_.size());
  const std::size_t got = held_.size() + read_into(held_.size(), block.get() + held_.size(), want - held_.size());
  held_ = {block.get(), got};
  blocks_.push_back(std::move(block));  // earlier prefixes stay valid: their blocks are kept
  return held_;
}

std::span<const std::uint8_t> ByteSource::at(std::uint64_t offset, std::uint64_t n) {
  if (offset >= size_) return {};
  n = std::min(n, size_ - offset);
  if (offset + n <= held_.size()) return held_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(n));
  if (!read_) return held_.subspan(static_cast<std::size_t>(offset));  // unreachable: memory holds everything
  // A range read before that holds these bytes (the one starting last at or
  // before `offset`): a parser reading a box, then its fields again.
  if (auto it = ranges_.upper_bound(offset); it != ranges_.begin()) {
    --it;
    const std::uint64_t skip = offset - it->first;
    if (skip + n <= it->second.size())
      return it->second.subspan(static_cast<std::size_t>(skip), static_cast<std::size_t>(n));
  }
  const auto count = static_cast<std::size_t>(n);
  auto block = std::make_unique_for_overwrite<std::uint8_t[]>(count);
  const std::size_t got = read_into(offset, block.get(), count);
  const std::span<const std::uint8_t> out(block.get(), got);
  blocks_.push_back(std::move(block));
  if (auto& kept = ranges_[offset]; kept.size() < out.size()) kept = out;
  return out;
}

ImageInfo probe_source(ByteSource& bytes, const LoadOptions& options, std::string_view source) {
  const ProbeInput in{bytes, options, source};
  // The sniffers decide from the first kSniffBytes (or the whole input when
  // shorter), as for the whole input.
  const FormatEntry* e = sniff_entry(bytes.prefix(kSniffBytes));
  if (!e) unsupported_format(source, bytes.size());
  ImageInfo info = e->probe(in);
  info.format = e->id;
  if (options.apply_orientation) info.size = oriented_size(info.size, info.orientation);
  return info;
}

}  // namespace pixelcache::detail
