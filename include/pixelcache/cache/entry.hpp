// pixelcache/cache/entry.hpp — Entry, one cached result (an Image, a Value
// tree, Bytes or Code) with its tag, and EntryKind (part of
// pixelcache/cache.hpp). How an Entry is stored: cache/entry_format.hpp.
// How Code entries are signed and refused: cache/cache.hpp ("Trust").
//
// Thread safety: Entry is a plain value with O(1) copies (its image, Value or
// bytes are shared and never modified); copies and reads from any number of
// threads at once are safe (assigning to one object while another thread
// reads that same object is not). entry_kind_name() may be called from any
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "pixelcache/cache/bytes.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

/// What an entry holds (the kind byte of the stored format). Code is bytes
/// whose loading runs code (a Python pickle): stored signed, and returned by
/// a tier only when its signature verifies (see the file comment).
enum class EntryKind : std::uint8_t { Image = 1, Value = 2, Bytes = 3, Code = 4 };
/// "image", "value", "bytes" or "code".
const char* entry_kind_name(EntryKind kind) noexcept;

/// Longest tag, in bytes.
inline constexpr std::size_t kMaxTagLength = 64;

/// One cached result: an Image, a Value tree, Bytes or Code (bytes that run
/// code when loaded), plus a short tag chosen by the writer so a front end
/// can restore the original type (the Python front writes "py:" + type
/// codes, e.g. "py:T" for a HashableImage; its pickles are Code entries
/// tagged "pickle"; python/pixelcache/_entries.py). O(1) copies.
class Entry {
 public:
  /// A Code entry: `code` is loaded by running it (a pickle). Tiers store it
  /// signed and return it only when the signature verifies. Throws
  /// InvalidArgument for a tag as below.
  static Entry code(Bytes code, std::string tag = {});

  /// Throws InvalidArgument for an empty image, or a tag longer than
  /// kMaxTagLength bytes or with bytes outside printable ASCII (0x20..0x7e).
  Entry(Image image, std::string tag = {});
  /// Throws InvalidArgument for a tag as above, or a Value that holds an
  /// empty Image anywhere inside.
  Entry(Value value, std::string tag = {});
  /// Throws InvalidArgument for a tag as above.
  Entry(Bytes bytes, std::string tag = {});

  EntryKind kind() const noexcept { return code_ ? EntryKind::Code : static_cast<EntryKind>(v_.index() + 1); }
  const std::string& tag() const noexcept { return tag_; }
  /// The held image; throws InvalidArgument naming the kind when it is not one.
  const Image& image() const;
  /// The held Value; throws InvalidArgument when it is not one.
  const Value& value() const;
  /// The held bytes (of a Bytes or Code entry); throws InvalidArgument for
  /// another kind.
  const Bytes& bytes() const;
  const std::variant<Image, Value, Bytes>& variant() const noexcept { return v_; }

  /// The content digest: Image::digest(), Value::digest() or Bytes::digest().
  Digest content_digest() const;
  /// Estimated memory held, in bytes (pixels, strings, array data, ...);
  /// what the memory tier counts against its bound.
  std::size_t byte_size() const;
  /// Same kind, tag and content.
  bool operator==(const Entry& o) const;

 private:
  std::variant<Image, Value, Bytes> v_;
  std::string tag_;
  bool code_ = false;
};

}  // namespace pixelcache
