// Bytes and Entry: the values a Cache stores (cache.hpp).
#include <cstring>

#include "cache/entry_format.hpp"

namespace pixelcache {

Bytes::Bytes(std::vector<std::uint8_t> data)
    : data_(std::make_shared<const std::vector<std::uint8_t>>(std::move(data))) {}
Bytes::Bytes(std::span<const std::uint8_t> data)
    : data_(std::make_shared<const std::vector<std::uint8_t>>(data.begin(), data.end())) {}
Bytes::Bytes(std::string_view data)
    : data_(std::make_shared<const std::vector<std::uint8_t>>(
          reinterpret_cast<const std::uint8_t*>(data.data()),
          reinterpret_cast<const std::uint8_t*>(data.data()) + data.size())) {}

bool Bytes::operator==(const Bytes& o) const noexcept {
  return size() == o.size() && (data_ == o.data_ || size() == 0 || std::memcmp(data(), o.data(), size()) == 0);
}

const char* entry_kind_name(EntryKind kind) noexcept {
  switch (kind) {
    case EntryKind::Image: return "image";
    case EntryKind::Value: return "value";
    case EntryKind::Bytes: return "bytes";
    case EntryKind::Code: return "code";
  }
  return "?";
}

namespace {

std::string checked_tag(std::string tag) {
  if (tag.size() > kMaxTagLength)
    throw InvalidArgument("cache entry tag \"" + escape_bytes(tag) + "\" is " + std::to_string(tag.size()) +
                          " bytes long, more than 64");
  for (unsigned char c : tag)
    if (c < 0x20 || c > 0x7e)
      throw InvalidArgument("cache entry tag \"" + escape_bytes(tag) + "\" has a byte outside printable ASCII");
  return tag;
}

}  // namespace

Entry::Entry(Image image, std::string tag) : v_(std::move(image)), tag_(checked_tag(std::move(tag))) {
  if (std::get<Image>(v_).empty()) throw InvalidArgument("cannot cache an empty image");
}

Entry::Entry(Value value, std::string tag) : v_(std::move(value)), tag_(checked_tag(std::move(tag))) {
  if (cache_detail::value_has_empty_image(std::get<Value>(v_)))
    throw InvalidArgument("cannot cache a Value that holds an empty image");
}

Entry::Entry(Bytes bytes, std::string tag) : v_(std::move(bytes)), tag_(checked_tag(std::move(tag))) {}

Entry Entry::code(Bytes code, std::string tag) {
  Entry e(std::move(code), std::move(tag));
  e.code_ = true;
  return e;
}

namespace {
[[noreturn]] void wrong_kind(EntryKind held, const char* wanted) {
  throw InvalidArgument(std::string("cache entry holds ") + entry_kind_name(held) + ", not " + wanted);
}
}  // namespace

const Image& Entry::image() const {
  if (const auto* p = std::get_if<Image>(&v_)) return *p;
  wrong_kind(kind(), "an image");
}

const Value& Entry::value() const {
  if (const auto* p = std::get_if<Value>(&v_)) return *p;
  wrong_kind(kind(), "a value");
}

const Bytes& Entry::bytes() const {
  if (const auto* p = std::get_if<Bytes>(&v_)) return *p;
  wrong_kind(kind(), "bytes or code");
}

Digest Entry::content_digest() const {
  return std::visit([](const auto& x) { return x.digest(); }, v_);
}

std::size_t Entry::byte_size() const {
  constexpr std::size_t kOverhead = sizeof(Entry);
  return kOverhead + tag_.size() +
         std::visit(
             [](const auto& x) -> std::size_t {
               using T = std::decay_t<decltype(x)>;
               if constexpr (std::is_same_v<T, Image>)
                 return x.byte_size();
               else if constexpr (std::is_same_v<T, Value>)
                 return cache_detail::value_byte_size(x);
               else
                 return x.size();
             },
             v_);
}

bool Entry::operator==(const Entry& o) const { return code_ == o.code_ && tag_ == o.tag_ && v_ == o.v_; }

}  // namespace pixelcache
