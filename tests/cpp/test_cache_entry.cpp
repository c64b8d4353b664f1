// The stored entry format and keys of cache.hpp: round trips, the documented
// byte layout checked independently, every corruption detected, entries
// bound to their address, signed code entries, decompression bounds, golden
// entries, key derivation.
#include <xxhash.h>

#include <chrono>
#include <cstring>
#include <fstream>

#include "cache_support.hpp"
#include "entry_forge.hpp"

namespace pixelcache::test {
namespace {

const EntryAddress kHere{"test", Digest{0x0123456789abcdefull, 0xfedcba9876543210ull}};
const std::vector<std::uint8_t> kSecret = {'s', 'e', 'c', 'r', 'e', 't'};

std::vector<std::uint8_t> enc(const Entry& e, Compression c = Compression::Auto) {
  return encode_entry(e, kHere, c, kSecret);
}
Entry dec(std::span<const std::uint8_t> b) { return decode_entry(b, kHere, kSecret); }

std::uint64_t le64(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[at + i];
  return v;
}

Image flat_mask(int h, int w) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w, 0);
  for (int y = h / 4; y < h / 2; ++y)
    for (int x = w / 4; x < w / 2; ++x) px[static_cast<std::size_t>(y) * w + x] = 1;
  return Image::from_u8({h, w}, Mode::Binary, std::move(px));
}

std::vector<Entry> sample_entries() {
  std::vector<std::uint8_t> big(20000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  return {
      Entry(pattern(9, 13), "pil"),
      Entry(pattern(6, 5, Mode::L)),
      Entry(pattern(33, 17, Mode::Binary), "mask"),
      Entry(Image::from_f32({1, 4}, Mode::RGB,
                            {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 0.11f, 0.12f, 0.13f}),
            "torch"),
      Entry(every_kind_value(), "numpy"),
      Entry(Value(7)),
      Entry::code(Bytes(std::string_view("pickled \x80\x05 bytes")), "pickle"),
      Entry(Bytes(std::string_view("plain \x80\x05 bytes")), "raw"),
      Entry(Bytes()),
      Entry(Bytes(std::move(big)), "big"),
      Entry(flat_mask(300, 400)),
  };
}

TEST(CacheEntry, RoundTripsEveryKindWithEveryCompression) {
  for (Compression c : {Compression::None, Compression::Auto, Compression::Zstd}) {
    for (const Entry& e : sample_entries()) {
      const auto bytes = enc(e, c);
      const Entry back = dec(bytes);
      EXPECT_EQ(back.kind(), e.kind());
      EXPECT_EQ(back.tag(), e.tag());
      EXPECT_EQ(back.content_digest(), e.content_digest()) << entry_kind_name(e.kind()) << " " << e.tag();
      EXPECT_TRUE(back == e);
    }
  }
}

TEST(CacheEntry, DecodedImageCarriesItsDigestAndStorage) {
  const Image img = pattern(20, 30);
  const Entry back = dec(enc(Entry(img), Compression::None));
  EXPECT_EQ(back.image().digest(), img.digest());
  EXPECT_FALSE(back.image().same_storage(img));
  EXPECT_EQ(back.image().to_string(), img.to_string());
}

TEST(CacheEntry, LayoutMatchesTheHeaderDocumentation) {
  // Recomputes every documented field with xxHash directly.
  const Image img = pattern(3, 4);
  const auto b = enc(Entry(img, "pil"), Compression::None);
  const std::size_t body = 72 + 4 + 3;  // header, namespace "test", tag "pil"
  ASSERT_EQ(b.size(), body + 16 + img.byte_size());
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "PXCE");
  EXPECT_EQ(b[4], 2);                // version
  EXPECT_EQ(b[5], 1);                // image
  EXPECT_EQ(b[6], 0);                // not compressed, not signed
  EXPECT_EQ(b[7], 3);                // tag length
  EXPECT_EQ(b[8] | (b[9] << 8), 4);  // namespace length
  for (int i = 10; i < 16; ++i) EXPECT_EQ(b[i], 0);
  EXPECT_EQ(le64(b, 16), 16 + img.byte_size());
  EXPECT_EQ(le64(b, 24), 16 + img.byte_size());
  const auto hex_at = [&](int at) {
    std::string hex;
    for (int i = at; i < at + 16; ++i) {
      static const char* k = "0123456789abcdef";
      hex += k[b[i] >> 4];
      hex += k[b[i] & 15];
    }
    return hex;
  };
  EXPECT_EQ(hex_at(32), img.hex_digest());  // the body digest is the image digest, in hex order
  EXPECT_EQ(hex_at(48), kHere.key.hex());   // the key it is stored under
  std::vector<std::uint8_t> covered(b.begin(), b.begin() + 64);
  covered.insert(covered.end(), b.begin() + 72, b.begin() + 79);  // namespace, tag
  EXPECT_EQ(le64(b, 64), XXH3_64bits(covered.data(), covered.size()));
  EXPECT_EQ(std::string(b.begin() + 72, b.begin() + 76), "test");
  EXPECT_EQ(std::string(b.begin() + 76, b.begin() + 79), "pil");
  // The body is the canonical form of digest.hpp: its XXH3-128 is the digest.
  const XXH128_hash_t h = XXH3_128bits(b.data() + body, b.size() - body);
  EXPECT_EQ((Digest{h.high64, h.low64}), img.digest());
  EXPECT_EQ(std::string(b.begin() + body, b.begin() + body + 4), "PXC1");
}

TEST(CacheEntry, AutoCompressesMasksButNotPhotographs) {
  const auto mask = enc(Entry(flat_mask(512, 512)), Compression::Auto);
  EXPECT_EQ(mask[6], 1);
  EXPECT_LT(mask.size(), 512u * 512 / 50);
  const auto photo = enc(Entry(noise_image(256, 256, 1)), Compression::Auto);
  EXPECT_EQ(photo[6], 0);
  const auto none = enc(Entry(flat_mask(512, 512)), Compression::None);
  EXPECT_EQ(none[6], 0);
  // Issue 18: a large body (1 MiB and more) is compressed only when it
  // shrinks 8-fold: one that merely halves (a smooth photo) stays raw, so
  // its hit costs about one copy instead of a 1 GB/s decompression.
  std::vector<std::uint8_t> low = noise_bytes(1024 * 1024 * 3, 5);
  for (auto& v : low) v = static_cast<std::uint8_t>(100 + (v & 3));  // ~2 bits a sample: shrinks ~3-4x
  const auto smooth = enc(Entry(Image::from_u8({1024, 1024}, Mode::RGB, low)), Compression::Auto);
  EXPECT_EQ(smooth[6] & 1, 0);
  const auto forced = enc(Entry(Image::from_u8({1024, 1024}, Mode::RGB, low)), Compression::Zstd);
  EXPECT_EQ(forced[6] & 1, 1);
  EXPECT_LT(forced.size() * 2, smooth.size());  // it does halve
  const auto big_mask = enc(Entry(flat_mask(2048, 2048)), Compression::Auto);
  EXPECT_EQ(big_mask[6] & 1, 1);  // 4 MiB that shrink far more than 8-fold
  const EntryHeader h = read_entry_header(mask);
  EXPECT_TRUE(h.compressed);
  EXPECT_EQ(h.body_bytes, 16u + 512 * 512);
  EXPECT_EQ(h.entry_bytes(), mask.size());
}

void expect_corrupt(const std::vector<std::uint8_t>& b, const std::string& what, const EntryAddress& at = kHere,
                    const std::vector<std::uint8_t>& key = kSecret) {
  try {
    (void)decode_entry(b, at, key);
    ADD_FAILURE() << what << ": decoded without error";
  } catch (const CorruptEntryError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": threw another exception: " << e.what();
  }
}

TEST(CacheEntry, EveryFlippedBitAndTruncationIsDetected) {
  std::vector<Entry> entries = {Entry(pattern(3, 5), "t"), Entry(every_kind_value(), "v"),
                                Entry(Bytes(std::string_view("abc")), "b"),
                                Entry::code(Bytes(std::string_view("\x80\x05K\x01.")), "pickle")};
  entries.emplace_back(flat_mask(64, 64));
  for (const auto& e : entries) {
    for (Compression c : {Compression::None, Compression::Zstd}) {
      const auto good = enc(e, c);
      for (std::size_t i = 0; i < good.size(); ++i)
        for (int bit : {0, 3, 7}) {
          auto b = good;
          b[i] ^= static_cast<std::uint8_t>(1u << bit);
          expect_corrupt(b, "flip at " + std::to_string(i));
        }
      for (std::size_t n = 0; n < good.size(); ++n)
        expect_corrupt(std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<long>(n)),
                       "truncated to " + std::to_string(n));
      auto longer = good;
      longer.push_back(0);
      expect_corrupt(longer, "trailing byte");
    }
  }
}

TEST(CacheEntry, MessagesSayWhatIsWrong) {
  auto b = enc(Entry(pattern(3, 5)), Compression::None);
  b[100] ^= 1;  // a pixel
  try {
    (void)dec(b);
    FAIL();
  } catch (const CorruptEntryError& e) {
    EXPECT_NE(std::string(e.what()).find("digest mismatch"), std::string::npos) << e.what();
  }
  b = enc(Entry(pattern(3, 5)), Compression::None);
  b[4] = 1;  // an entry of the format before
  try {
    (void)dec(b);
    FAIL();
  } catch (const CorruptEntryError& e) {
    EXPECT_NE(std::string(e.what()).find("version 1 is not supported"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dec(std::vector<std::uint8_t>{'P', 'X'}), CorruptEntryError);
  EXPECT_THROW((void)read_entry_header(std::vector<std::uint8_t>(72, 0xff)), CorruptEntryError);
}

// Issue 16: an entry is bound to its key and namespace — a value copied or
// swapped to another key, or read by another namespace, is corrupt, and the
// message names both addresses.
TEST(CacheEntry, AnEntryUnderAnotherAddressIsCorrupt) {
  for (Compression c : {Compression::None, Compression::Zstd}) {
    const auto b = enc(Entry(flat_mask(40, 40), "numpy"), c);
    EXPECT_NO_THROW((void)dec(b));
    EntryAddress other_key = kHere;
    other_key.key.low ^= 1;
    EntryAddress other_ns = kHere;
    other_ns.key_namespace = "tesu";
    expect_corrupt(b, "another key", other_key);
    expect_corrupt(b, "another namespace", other_ns);
    try {
      (void)decode_entry(b, other_key, kSecret);
    } catch (const CorruptEntryError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(kHere.key.hex()), std::string::npos) << what;
      EXPECT_NE(what.find(other_key.key.hex()), std::string::npos) << what;
    }
  }
  EXPECT_THROW((void)encode_entry(Entry(Value(1)), EntryAddress{"", kHere.key}), InvalidArgument);
  EXPECT_THROW((void)encode_entry(Entry(Value(1)), EntryAddress{std::string(257, 'n'), kHere.key}), InvalidArgument);
  const auto long_ns = encode_entry(Entry(Value(1)), EntryAddress{std::string(256, 'n'), kHere.key});
  EXPECT_EQ(decode_entry(long_ns, EntryAddress{std::string(256, 'n'), kHere.key}).value().as<std::int64_t>(), 1);
  const EntryHeader h = read_entry_header(long_ns);
  EXPECT_EQ(h.key, kHere.key);
  EXPECT_EQ(h.key_namespace, std::string(256, 'n'));
}

// Issue 16: entries that run code when loaded are signed; without the key
// they are unverified (a miss), with another key or unsigned they are
// corrupt, and a forged one (XXH3 resealed) never passes.
TEST(CacheEntry, CodeEntriesAreSignedAndVerified) {
  const Entry pickle = Entry::code(Bytes(std::string_view("cos\nsystem\n(S'echo pwned'\ntR.")), "pickle");
  EXPECT_EQ(pickle.kind(), EntryKind::Code);
  EXPECT_STREQ(entry_kind_name(EntryKind::Code), "code");
  EXPECT_THROW((void)encode_entry(pickle, kHere), InvalidArgument);  // no key to sign with
  const auto b = enc(pickle, Compression::None);
  EXPECT_EQ(b[5], 4);
  EXPECT_EQ(b[6], 2);  // signed
  EXPECT_TRUE(read_entry_header(b).signed_entry);
  EXPECT_EQ(read_entry_header(b).entry_bytes(), b.size());
  const Entry back = dec(b);
  EXPECT_EQ(back.kind(), EntryKind::Code);
  EXPECT_EQ(back.bytes(), pickle.bytes());
  EXPECT_THROW((void)decode_entry(b, kHere), UnverifiedEntryError);
  const std::vector<std::uint8_t> other = {'o', 't', 'h', 'e', 'r'};
  expect_corrupt(b, "another key", kHere, other);
  // A forger who knows the format rewrites the body and reseals the XXH3
  // digest and checksum: the signature still fails.
  auto forged = b;
  const std::string evil = "cos\nsystem\n(S'echo owned'\ntR.";
  ASSERT_EQ(evil.size(), pickle.bytes().size());
  const std::size_t body = 72 + 4 + 6;
  std::memcpy(forged.data() + body, evil.data(), evil.size());
  const XXH128_hash_t d = XXH3_128bits(evil.data(), evil.size());
  for (int i = 0; i < 8; ++i) {
    forged[32 + i] = static_cast<std::uint8_t>(d.high64 >> (56 - 8 * i));
    forged[40 + i] = static_cast<std::uint8_t>(d.low64 >> (56 - 8 * i));
  }
  std::vector<std::uint8_t> covered(forged.begin(), forged.begin() + 64);
  covered.insert(covered.end(), forged.begin() + 72, forged.begin() + body);
  const std::uint64_t sum = XXH3_64bits(covered.data(), covered.size());
  for (int i = 0; i < 8; ++i) forged[64 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
  ASSERT_NO_THROW((void)read_entry_header(forged));  // the checksums are right
  expect_corrupt(forged, "forged body");
  // Claiming kind "bytes" to dodge the signature: the flags must match the kind.
  auto dodged = b;
  dodged[5] = 3;
  expect_corrupt(dodged, "kind changed");
}

// Issue 16: decompression is bounded by the declared size and by 1024:1
// beyond 64 MiB; a small frame that inflates to 1 GiB is refused before any
// large allocation, quickly.
TEST(CacheEntry, DecompressionBombsAreRefused) {
  // A real zstd frame of 1 GiB of zeros (~32 KB), sealed as a bytes entry
  // declaring its true size (an attacker's entry is internally consistent):
  // refused by the ratio bound.
  const auto frame = zstd_zeros(std::uint64_t{1} << 30);
  ASSERT_LT(frame.size(), 64u << 10);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    (void)dec(sealed_compressed_entry(kHere, frame, std::uint64_t{1} << 30));
    FAIL() << "a 1 GiB bomb was decoded";
  } catch (const CorruptEntryError& e) {
    EXPECT_NE(std::string(e.what()).find("1024:1"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // A frame that holds more than it declares is stopped at the declared size.
  expect_corrupt(sealed_compressed_entry(kHere, frame, 60u << 20), "frame larger than declared");
  // The writer never produces what a reader refuses: 128 MiB of one value
  // shrinks beyond 1024:1, so it is stored raw.
  const Entry flat(Bytes(std::vector<std::uint8_t>(128u << 20, 0)));
  const auto stored = enc(flat, Compression::Zstd);
  EXPECT_EQ(stored[6] & 1, 0);
  EXPECT_EQ(dec(stored).bytes().size(), 128u << 20);
}

TEST(CacheEntry, BadValuesAndTagsAreRefused) {
  EXPECT_THROW(Entry{Image()}, InvalidArgument);
  EXPECT_THROW(Entry(Value(HashableList{1, Image()})), InvalidArgument);
  EXPECT_THROW(Entry(Value(1), std::string(65, 'a')), InvalidArgument);
  EXPECT_THROW(Entry(Value(1), "new\nline"), InvalidArgument);
  EXPECT_THROW(Entry(Bytes(), std::string("\x8f")), InvalidArgument);
  EXPECT_NO_THROW(Entry(Value(1), std::string(64, 'a')));
  const Entry e(Value(1));
  EXPECT_THROW((void)e.image(), InvalidArgument);
  EXPECT_THROW((void)e.bytes(), InvalidArgument);
  EXPECT_EQ(e.value().as<std::int64_t>(), 1);
}

// Golden entries (also the fuzz corpus): the format must keep reading them,
// and encoding must keep producing them byte for byte (uncompressed ones;
// zstd's output may change between library versions).
// PIXELCACHE_WRITE_GOLDEN=1 rewrites them.
TEST(CacheEntry, GoldenEntriesStayReadable) {
  const std::filesystem::path dir = std::filesystem::path(PIXELCACHE_FUZZ_DIR) / "corpus" / "cache_entry";
  struct Golden {
    const char* name;
    Entry entry;
    Compression c;
  };
  const std::vector<Golden> golden = {
      {"image_rgb.pxce", Entry(pattern(4, 6), "pil"), Compression::None},
      {"image_gray.pxce", Entry(pattern(3, 3, Mode::L)), Compression::None},
      {"image_float.pxce", Entry(Image::from_f32({1, 2}, Mode::L, {0.1f, 0.7f}), "torch"), Compression::None},
      {"mask_zstd.pxce", Entry(flat_mask(32, 32), "numpy"), Compression::Zstd},
      {"value.pxce", Entry(every_kind_value(), "config"), Compression::None},
      {"value_zstd.pxce", Entry(every_kind_value()), Compression::Zstd},
      {"bytes.pxce",
       Entry(Bytes(std::string_view("\x80\x05"
                                    "bytes")),
             "raw"),
       Compression::None},
      {"code.pxce", Entry::code(Bytes(std::string_view("\x80\x05K\x01.")), "pickle"), Compression::None},
  };
  const bool write = std::getenv("PIXELCACHE_WRITE_GOLDEN") != nullptr;
  for (const auto& g : golden) {
    const auto bytes = enc(g.entry, g.c);
    if (write) {
      std::ofstream(dir / g.name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      continue;
    }
    const auto stored = read_file(dir / g.name);
    const Entry back = dec(stored);
    EXPECT_TRUE(back == g.entry) << g.name;
    if (g.c == Compression::None) {
      EXPECT_EQ(stored, bytes) << g.name << ": the encoding changed";
    }
  }
}

TEST(CacheKey, IsTheDocumentedDigest) {
  const Image img = pattern(4, 4);
  const Digest k = CacheKey("ns", "resize", "2").add(Value(img)).add(Value(256)).digest();
  Hasher h;
  h.update("PXK1", 4).update_string("ns").update_string("resize").update_string("2").update_u64(2);
  h.update_digest(Value(img).digest()).update_digest(Value(256).digest());
  EXPECT_EQ(k, h.finish());
  EXPECT_EQ(k, cache_key("ns", "resize", "2", std::vector<Digest>{Value(img).digest(), Value(256).digest()}));
}

TEST(CacheKey, EveryPartChangesTheKey) {
  const Digest base = CacheKey("ns", "f", "1").add(Value(1)).add(Value("a")).digest();
  EXPECT_EQ(base, CacheKey("ns", "f", "1").add(Value(1)).add(Value("a")).digest());
  EXPECT_NE(base, CacheKey("ns2", "f", "1").add(Value(1)).add(Value("a")).digest());
  EXPECT_NE(base, CacheKey("ns", "g", "1").add(Value(1)).add(Value("a")).digest());
  EXPECT_NE(base, CacheKey("ns", "f", "2").add(Value(1)).add(Value("a")).digest());
  EXPECT_NE(base, CacheKey("ns", "f", "1").add(Value("a")).add(Value(1)).digest());    // order
  EXPECT_NE(base, CacheKey("ns", "f", "1").add(Value(1.0)).add(Value("a")).digest());  // type
  // Length prefixes: ("ab", "c") and ("a", "bc") differ.
  EXPECT_NE(CacheKey("ab", "c").digest(), CacheKey("a", "bc").digest());
  // Bytes are not strings.
  EXPECT_NE(CacheKey("ns", "f").add(Bytes(std::string_view("a"))).digest(),
            CacheKey("ns", "f").add(Value("a")).digest());
  const Image img = pattern(8, 8);
  EXPECT_EQ(CacheKey("ns", "f").add(Value(img)).digest(), CacheKey("ns", "f").add_digest(Value(img).digest()).digest());
}

TEST(CacheKey, MalformedHexKeysAreClearErrors) {
  EXPECT_THROW(Digest::from_hex("xyz"), InvalidArgument);
  EXPECT_THROW(Digest::from_hex(std::string(32, 'g')), InvalidArgument);
  const Digest k = key_for(3);
  EXPECT_EQ(Digest::from_hex(k.hex()), k);
}

}  // namespace
}  // namespace pixelcache::test
