// The stored entry format (pixelcache/cache/entry_format.hpp): header,
// checksum, image bodies, encode_entry / decode_entry / read_entry_header.
#include "cache/entry_format.hpp"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>

#include "cache/signature.hpp"
#include "digest_copy.hpp"
#include "image_storage.hpp"

namespace pixelcache {
namespace cache_detail {

namespace {

constexpr unsigned char kMagic[4] = {'P', 'X', 'C', 'E'};
// Bodies smaller than this are never compressed by Compression::Auto.
constexpr std::size_t kAutoMinBody = 4096;
// Compression::Auto compresses when a trial on this many leading bytes, at
// the fastest level, shrinks them to half or less (about 40 us).
constexpr std::size_t kTrialBytes = 16 * 1024;
// Compression::Auto: a body of this size or more is compressed only when it
// shrinks kLargeRatio-fold. zstd decompresses a 2-3x compressible body at
// about 1 GB/s — a 12 MP smooth photo's hit would take 3-5x a copy — but a
// body that shrinks 8x or more (masks, flat images) at close to copy speed,
// so a large hit stays within about one copy (bench/hit_compare.py).
constexpr std::size_t kLargeBody = std::size_t{1} << 20;
constexpr std::size_t kLargeRatio = 8;
// The ratio Auto asks of a body of `total` bytes.
std::size_t auto_ratio(std::size_t total) { return total >= kLargeBody ? kLargeRatio : 2; }
constexpr int kTrialLevel = 1;
constexpr std::size_t kZstdMinBody = 64;
constexpr int kZstdLevel = 3;
// (Image bodies are hashed while they are copied out, in one pass:
// digest_copy.hpp. Hashing on a second thread while copying was tried for
// large images: on this project's busy 2-core machines the second thread
// waits for a core and a 12 MP hit got 2-4x slower.)

void put_u16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
std::uint16_t get_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Header offsets (pixelcache/cache/entry_format.hpp).
constexpr std::size_t kOffNamespaceLen = 8, kOffStored = 16, kOffBody = 24, kOffDigest = 32, kOffKey = 48,
                      kOffChecksum = 64;

// XXH3-64 of header bytes 0..63, the namespace, the tag and, for a
// compressed body, the stored body (an uncompressed body is covered by the
// body digest).
std::uint64_t header_checksum(const std::uint8_t* header, std::string_view ns, std::string_view tag,
                              std::span<const std::uint8_t> compressed_body) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, header, kOffChecksum);
  XXH3_64bits_update(&st, ns.data(), ns.size());
  XXH3_64bits_update(&st, tag.data(), tag.size());
  if (!compressed_body.empty()) XXH3_64bits_update(&st, compressed_body.data(), compressed_body.size());
  return XXH3_64bits_digest(&st);
}

struct Canonical {
  ImageSize size;
  Mode mode = Mode::RGB;
  PixelType type = PixelType::U8;
};

// Parses the 16-byte canonical header of an image body of `body_len` bytes.
Canonical parse_canonical(const std::uint8_t* p, std::uint64_t body_len) {
  if (body_len < 16) corrupt("image body of " + std::to_string(body_len) + " bytes is shorter than its 16-byte header");
  if (std::memcmp(p, "PXC1", 4) != 0) corrupt("image body does not start with \"PXC1\"");
  Canonical c;
  switch (p[4]) {
    case 'R': c.mode = Mode::RGB; break;
    case 'L': c.mode = Mode::L; break;
    case '1': c.mode = Mode::Binary; break;
    default:
      corrupt("image body has an unknown mode byte " +
              escape_bytes(std::string_view(reinterpret_cast<const char*>(p + 4), 1)));
  }
  if (p[5] != 1 && p[5] != 4) corrupt("image body has an unknown sample type " + std::to_string(p[5]));
  c.type = p[5] == 1 ? PixelType::U8 : PixelType::F32;
  if (c.mode == Mode::Binary && c.type == PixelType::F32) corrupt("image body: a binary image with float samples");
  if (p[6] != mode_channels(c.mode) || p[7] != 0)
    corrupt("image body: channel count " + std::to_string(p[6]) + " does not match its mode");
  std::uint32_t w = 0, h = 0;
  for (int i = 3; i >= 0; --i) {
    w = (w << 8) | p[8 + i];
    h = (h << 8) | p[12 + i];
  }
  if (w == 0 || h == 0 || w > static_cast<std::uint32_t>(std::numeric_limits<int>::max()) ||
      h > static_cast<std::uint32_t>(std::numeric_limits<int>::max()))
    corrupt("image body has an invalid size " + std::to_string(w) + "x" + std::to_string(h) + " (WxH)");
  c.size = ImageSize{static_cast<int>(h), static_cast<int>(w)};
  const auto pixel_bytes =
      static_cast<unsigned __int128>(w) * h * static_cast<unsigned>(p[6]) * (c.type == PixelType::F32 ? 4u : 1u);
  if (pixel_bytes + 16 != body_len)
    corrupt("image body of " + std::to_string(body_len) + " bytes does not hold a " + c.size.to_string() + " " +
            mode_name(c.mode) + " image");
  return c;
}

std::shared_ptr<Image::Storage> allocate_for(const Canonical& c) {
  return detail::allocate(c.size, c.mode, c.type);  // LimitError beyond max_image_bytes()
}

// Validates freshly filled storage and turns it into an Image. For uint8
// storage whose pixels (with `canon`) hashed to `hashed`, `expected` is
// checked against it and becomes the image's digest; float storage is
// checked by digesting the finished image.
Image seal(std::shared_ptr<Image::Storage> s, const Digest* expected, const Digest* hashed) {
  std::shared_ptr<const Image::Storage> fin;
  try {
    fin = detail::finalize(s, "cache entry");
  } catch (const InvalidArgument& e) {
    corrupt(std::string("image pixels are invalid: ") + e.what());
  }
  if (fin.get() != s.get()) corrupt("float image body holds exact 8-bit values (not canonical)");
  if (expected && hashed) {
    if (*hashed != *expected) corrupt("body digest mismatch (the pixels changed)");
    s->digest.set(*expected);  // not shared yet
    return detail::ImageAccess::wrap(std::move(fin));
  }
  Image img = detail::ImageAccess::wrap(std::move(fin));
  if (expected && img.digest() != *expected) corrupt("body digest mismatch (the pixels changed)");
  return img;
}

Digest hash_storage(const std::uint8_t* canon, const Image::Storage& s) {
  Hasher h;
  h.update(canon, 16).update(s.bytes.get(), s.nbytes);
  return h.finish();
}

Image compressed_image(std::span<const std::uint8_t> frame, std::uint64_t body_len, const Digest& expected) {
  ZstdReader r(frame);
  std::uint8_t canon[16];
  r.read(canon);
  const Canonical c = parse_canonical(canon, body_len);
  auto s = allocate_for(c);
  r.read(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(s->bytes.get()), s->nbytes));
  r.finish();
  if (c.type == PixelType::U8) {
    const Digest d = hash_storage(canon, *s);
    return seal(std::move(s), &expected, &d);
  }
  return seal(std::move(s), &expected, nullptr);
}

bool worth_compressing(std::span<const std::span<const std::uint8_t>> parts, std::size_t total, Compression c) {
  if (c == Compression::None) return false;
  if (c == Compression::Zstd) return total >= kZstdMinBody;
  if (total < kAutoMinBody) return false;
  // Trial on the leading bytes (skipping a short first part: the image
  // header says nothing about the pixels).
  std::span<const std::uint8_t> sample = parts.back();
  for (auto p : parts)
    if (p.size() >= kAutoMinBody) {
      sample = p;
      break;
    }
  sample = sample.first(std::min(sample.size(), kTrialBytes));
  const std::span<const std::uint8_t> one[] = {sample};
  return zstd_compress(one, kTrialLevel).size() * auto_ratio(total) <= sample.size();
}

}  // namespace

void put_digest(std::uint8_t* p, const Digest& d) {
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<std::uint8_t>(d.high >> (56 - 8 * i));
    p[8 + i] = static_cast<std::uint8_t>(d.low >> (56 - 8 * i));
  }
}

Digest get_digest(const std::uint8_t* p) {
  Digest d;
  for (int i = 0; i < 8; ++i) {
    d.high = (d.high << 8) | p[i];
    d.low = (d.low << 8) | p[8 + i];
  }
  return d;
}

void corrupt(const std::string& what) { throw CorruptEntryError("cache entry: " + what); }

void validate_namespace(std::string_view ns) {
  if (ns.empty() || ns.size() > kMaxNamespace)
    throw InvalidArgument("cache namespace must be 1..256 bytes, got " + std::to_string(ns.size()));
  for (unsigned char c : ns)
    if (c < 0x20 || c == 0x7f)
      throw InvalidArgument("cache namespace '" + escape_bytes(ns) + "' contains a control character");
}

// ---------------------------------------------------------------- EncodedEntry

EncodedEntry EncodedEntry::prepare(const Entry& entry, const EntryAddress& address, Compression compression) {
  validate_namespace(address.key_namespace);
  EncodedEntry out;
  out.ns_ = address.key_namespace;
  out.tag_ = entry.tag();
  out.needs_signature_ = entry.kind() == EntryKind::Code;
  Digest body_digest;
  std::span<const std::uint8_t> parts[2];
  std::size_t nparts = 1;
  switch (entry.kind()) {
    case EntryKind::Image: {
      out.keep_image_ = entry.image();
      const Image& img = out.keep_image_;
      detail::canonical_header(img.size(), img.mode(), img.pixel_type(), out.canon_.data());
      out.has_canon_ = true;
      out.pixels_ = {static_cast<const std::uint8_t*>(img.data()), img.byte_size()};
      body_digest = img.digest();
      parts[0] = out.canon_;
      parts[1] = out.pixels_;
      nparts = 2;
      break;
    }
    case EntryKind::Value:
      encode_value(entry.value(), out.owned_);
      out.body_ = out.owned_;
      body_digest = digest_bytes(out.owned_.data(), out.owned_.size());
      parts[0] = out.body_;
      break;
    case EntryKind::Bytes:
    case EntryKind::Code:
      out.keep_bytes_ = entry.bytes();
      out.body_ = out.keep_bytes_.span();
      body_digest = out.keep_bytes_.digest();
      parts[0] = out.body_;
      break;
  }
  const std::span<const std::span<const std::uint8_t>> all(parts, nparts);
  std::uint64_t body_len = 0;
  for (auto p : all) body_len += p.size();
  if (body_len > kMaxBody)
    throw LimitError("cache entry: a body of " + std::to_string(body_len) + " bytes is larger than the 1 TiB limit");

  std::uint64_t stored = body_len;
  std::uint8_t flags = 0;
  if (worth_compressing(all, body_len, compression)) {
    std::vector<std::uint8_t> z = zstd_compress(all, kZstdLevel);
    // Auto keeps the compressed body only when the whole of it halves too: a
    // trial on leading bytes can pass on a flat strip (sky) of a photograph
    // that compresses 10 % overall, whose every read would then pay
    // decompression (a 256x256 photo thumbnail: ~110 us instead of ~20).
    // Nor beyond what a reader accepts (kMaxExpansion : 1 above
    // kFreeExpansion): a flat image that shrinks further is stored raw.
    const bool readable = body_len <= std::max(kFreeExpansion, kMaxExpansion * z.size());
    const bool keep = readable && (compression == Compression::Auto ? z.size() * auto_ratio(body_len) <= body_len
                                                                    : z.size() < body_len);
    if (keep) {
      out.owned_ = std::move(z);
      out.body_ = out.owned_;
      out.has_canon_ = false;
      out.pixels_ = {};
      stored = out.owned_.size();
      flags = kFlagZstd;
    }
  }
  auto& h = out.header_;
  std::memcpy(h.data(), kMagic, 4);
  h[4] = kFormatVersion;
  h[5] = static_cast<std::uint8_t>(entry.kind());
  if (out.needs_signature_) flags |= kFlagSigned;
  h[6] = flags;
  h[7] = static_cast<std::uint8_t>(out.tag_.size());
  put_u16(h.data() + kOffNamespaceLen, static_cast<std::uint16_t>(out.ns_.size()));
  put_u64(h.data() + kOffStored, stored);
  put_u64(h.data() + kOffBody, body_len);
  put_digest(h.data() + kOffDigest, body_digest);
  put_digest(h.data() + kOffKey, address.key);
  put_u64(h.data() + kOffChecksum, header_checksum(h.data(), out.ns_, out.tag_,
                                                   (flags & kFlagZstd) ? out.body_ : std::span<const std::uint8_t>()));
  return out;
}

std::vector<std::span<const std::uint8_t>> EncodedEntry::pieces() const {
  const auto chars = [](const std::string& s) {
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  std::vector<std::span<const std::uint8_t>> out = {header_, chars(ns_), chars(tag_)};
  if (has_canon_) {
    out.push_back(canon_);
    out.push_back(pixels_);
  } else {
    out.push_back(body_);
  }
  return out;
}

EncodedEntry EncodedEntry::signed_with(std::span<const std::uint8_t> key) const {
  if (key.empty()) throw InvalidArgument("cache entry: a code entry needs a signing key");
  EncodedEntry out = *this;
  if (!owned_.empty() && body_.data() == owned_.data()) out.body_ = out.owned_;  // the copy's own buffer
  const auto p = out.pieces();
  out.signature_ = hmac_sha256(key, p);
  out.has_signature_ = true;
  return out;
}

EncodedEntry EncodedEntry::raw(std::span<const std::uint8_t> encoded) {
  EncodedEntry out;
  out.raw_ = encoded;
  return out;
}

std::size_t EncodedEntry::size() const noexcept {
  if (raw_.data()) return raw_.size();
  return kHeaderSize + ns_.size() + tag_.size() + (has_canon_ ? canon_.size() + pixels_.size() : body_.size()) +
         (needs_signature_ ? kSignatureSize : 0);
}

void EncodedEntry::write(std::uint8_t* dst) const {
  if (raw_.data()) {
    std::memcpy(dst, raw_.data(), raw_.size());
    return;
  }
  if (needs_signature_ && !has_signature_) throw std::logic_error("cache entry: a code entry written unsigned");
  for (auto p : pieces()) {
    if (!p.empty()) std::memcpy(dst, p.data(), p.size());
    dst += p.size();
  }
  if (needs_signature_) std::memcpy(dst, signature_.data(), kSignatureSize);
}

std::vector<std::uint8_t> EncodedEntry::to_vector() const {
  std::vector<std::uint8_t> v(size());
  write(v.data());
  return v;
}

// ---------------------------------------------------------------- image bodies

void append_image_body(const Image& img, std::vector<std::uint8_t>& out) {
  std::uint8_t canon[16];
  detail::canonical_header(img.size(), img.mode(), img.pixel_type(), canon);
  const auto* px = static_cast<const std::uint8_t*>(img.data());
  out.insert(out.end(), canon, canon + 16);
  out.insert(out.end(), px, px + img.byte_size());
}

Image image_from_body(std::span<const std::uint8_t> body, const Digest* expected) {
  const Canonical c = parse_canonical(body.data(), body.size());
  auto s = allocate_for(c);
  auto* dst = reinterpret_cast<std::uint8_t*>(s->bytes.get());
  if (expected && c.type == PixelType::U8) {
    // One pass: each stripe is hashed and copied while in registers.
    const Digest d = detail::copy_and_digest(body.data(), 16 + s->nbytes, dst, 16);
    return seal(std::move(s), expected, &d);
  }
  std::memcpy(dst, body.data() + 16, s->nbytes);
  return seal(std::move(s), expected, nullptr);
}

}  // namespace cache_detail

using namespace cache_detail;

// ---------------------------------------------------------------- public codec

EntryHeader read_entry_header(std::span<const std::uint8_t> b) {
  if (b.size() < kHeaderSize)
    corrupt("truncated: " + std::to_string(b.size()) + " bytes, less than the 72-byte header");
  if (std::memcmp(b.data(), kMagic, 4) != 0)
    corrupt("not a pixelcache entry (magic \"" +
            escape_bytes(std::string_view(reinterpret_cast<const char*>(b.data()), 4)) + "\", expected \"PXCE\")");
  if (b[4] != kFormatVersion)
    corrupt("format version " + std::to_string(b[4]) + " is not supported (this build reads version 2)");
  const std::size_t tlen = b[7];
  const std::size_t nlen = get_u16(b.data() + kOffNamespaceLen);
  if (tlen > kMaxTagLength) corrupt("tag length " + std::to_string(tlen) + " is over the limit of 64");
  if (nlen == 0 || nlen > kMaxNamespace) corrupt("namespace length " + std::to_string(nlen) + " is not 1..256");
  if (b.size() < kHeaderSize + nlen + tlen)
    corrupt("truncated: " + std::to_string(b.size()) + " bytes, the header announces a " + std::to_string(nlen) +
            "-byte namespace and a " + std::to_string(tlen) + "-byte tag");
  const std::string_view ns(reinterpret_cast<const char*>(b.data() + kHeaderSize), nlen);
  const std::string_view tag(reinterpret_cast<const char*>(b.data() + kHeaderSize + nlen), tlen);
  const std::uint64_t stored = get_u64(b.data() + kOffStored);
  // A compressed body is covered by the checksum too; with only a prefix of
  // the entry in hand (listing), its part of the check is left to the read.
  std::span<const std::uint8_t> zbody;
  const std::size_t head = kHeaderSize + nlen + tlen;
  if (b[6] & kFlagZstd) {
    if (stored <= kMaxBody && b.size() - head >= stored) zbody = b.subspan(head, stored);
  }
  const bool whole = !(b[6] & kFlagZstd) || !zbody.empty();
  if (whole && header_checksum(b.data(), ns, tag, zbody) != get_u64(b.data() + kOffChecksum))
    corrupt("header checksum mismatch");
  if (b[5] < 1 || b[5] > 4) corrupt("unknown kind " + std::to_string(b[5]));
  if (b[6] & ~(kFlagZstd | kFlagSigned)) corrupt("unknown flags " + std::to_string(b[6]));
  if (((b[6] & kFlagSigned) != 0) != (b[5] == static_cast<std::uint8_t>(EntryKind::Code)))
    corrupt("the signature flag does not match the kind");
  for (int i = 10; i < 16; ++i)
    if (b[i] != 0) corrupt("reserved header bytes are not zero");
  for (unsigned char ch : tag)
    if (ch < 0x20 || ch > 0x7e) corrupt("tag \"" + escape_bytes(tag) + "\" has a non-printable byte");
  for (unsigned char ch : ns)
    if (ch < 0x20 || ch == 0x7f) corrupt("namespace \"" + escape_bytes(ns) + "\" has a control character");
  EntryHeader h;
  h.kind = static_cast<EntryKind>(b[5]);
  h.tag.assign(tag);
  h.key_namespace.assign(ns);
  h.key = get_digest(b.data() + kOffKey);
  h.compressed = (b[6] & kFlagZstd) != 0;
  h.signed_entry = (b[6] & kFlagSigned) != 0;
  h.stored_body_bytes = stored;
  h.body_bytes = get_u64(b.data() + kOffBody);
  h.body_digest = get_digest(b.data() + kOffDigest);
  if (h.stored_body_bytes > kMaxBody || h.body_bytes > kMaxBody) corrupt("body length over the 1 TiB limit");
  if (!h.compressed && h.body_bytes != h.stored_body_bytes)
    corrupt("uncompressed body lengths differ (" + std::to_string(h.stored_body_bytes) + " stored, " +
            std::to_string(h.body_bytes) + " announced)");
  if (h.compressed && h.body_bytes > std::max(kFreeExpansion, kMaxExpansion * h.stored_body_bytes))
    corrupt("a compressed body of " + std::to_string(h.stored_body_bytes) + " bytes announces " +
            std::to_string(h.body_bytes) + " bytes, beyond the 1024:1 bound");
  return h;
}

Entry decode_entry(std::span<const std::uint8_t> b, const EntryAddress& address,
                   std::span<const std::uint8_t> signing_key) {
  const EntryHeader h = read_entry_header(b);
  if (b.size() != h.entry_bytes())
    corrupt((b.size() < h.entry_bytes() ? "truncated: " : "trailing bytes: ") + std::to_string(b.size()) +
            " bytes, the header announces " + std::to_string(h.entry_bytes()));
  if (h.key != address.key || h.key_namespace != address.key_namespace)
    corrupt("stored under key " + h.key.hex() + " of namespace \"" + escape_bytes(h.key_namespace) +
            "\", read as key " + address.key.hex() + " of namespace \"" + escape_bytes(address.key_namespace) + "\"");
  const std::size_t head = kHeaderSize + h.key_namespace.size() + h.tag.size();
  const auto body = b.subspan(head, h.stored_body_bytes);
  if (h.signed_entry) {
    if (signing_key.empty())
      throw UnverifiedEntryError("cache entry " + address.key.hex() +
                                 " runs code when loaded and no signing key is configured to verify it");
    const std::span<const std::uint8_t> signed_part[] = {b.first(b.size() - kSignatureSize)};
    Signature stored{};
    std::memcpy(stored.data(), b.data() + b.size() - kSignatureSize, kSignatureSize);
    if (!signatures_equal(hmac_sha256(signing_key, signed_part), stored))
      corrupt("the signature of a code entry does not verify (forged, or signed with another key)");
  }
  if (h.kind == EntryKind::Image) {
    Image img =
        h.compressed ? compressed_image(body, h.body_bytes, h.body_digest) : image_from_body(body, &h.body_digest);
    return Entry(std::move(img), h.tag);
  }
  std::vector<std::uint8_t> plain;
  std::span<const std::uint8_t> u = body;
  if (h.compressed) {
    plain = zstd_decompress(body, h.body_bytes);
    u = plain;
  }
  if (digest_bytes(u.data(), u.size()) != h.body_digest) corrupt("body digest mismatch");
  if (h.kind == EntryKind::Value) return Entry(decode_value(u), h.tag);
  Bytes bytes = h.compressed ? Bytes(std::move(plain)) : Bytes(u);
  if (h.kind == EntryKind::Code) return Entry::code(std::move(bytes), h.tag);
  return Entry(std::move(bytes), h.tag);
}

std::vector<std::uint8_t> encode_entry(const Entry& entry, const EntryAddress& address, Compression compression,
                                       std::span<const std::uint8_t> signing_key) {
  EncodedEntry e = EncodedEntry::prepare(entry, address, compression);
  if (e.needs_signature()) {
    if (signing_key.empty()) throw InvalidArgument("encode_entry: a code entry needs a signing key");
    return e.signed_with(signing_key).to_vector();
  }
  return e.to_vector();
}

}  // namespace pixelcache
