// The stored entry format and keys of cache.hpp: round trips, the documented
// byte layout checked independently, every corruption detected, golden
// entries, key derivation.
#include <xxhash.h>

#include <fstream>

#include "cache_support.hpp"

namespace pixelcache::test {
namespace {

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
      Entry(Bytes(std::string_view("pickled \x80\x05 bytes")), "pickle"),
      Entry(Bytes()),
      Entry(Bytes(std::move(big)), "big"),
      Entry(flat_mask(300, 400)),
  };
}

TEST(CacheEntry, RoundTripsEveryKindWithEveryCompression) {
  for (Compression c : {Compression::None, Compression::Auto, Compression::Zstd}) {
    for (const Entry& e : sample_entries()) {
      const auto bytes = encode_entry(e, c);
      const Entry back = decode_entry(bytes);
      EXPECT_EQ(back.kind(), e.kind());
      EXPECT_EQ(back.tag(), e.tag());
      EXPECT_EQ(back.content_digest(), e.content_digest()) << entry_kind_name(e.kind()) << " " << e.tag();
      EXPECT_TRUE(back == e);
    }
  }
}

TEST(CacheEntry, DecodedImageCarriesItsDigestAndStorage) {
  const Image img = pattern(20, 30);
  const Entry back = decode_entry(encode_entry(Entry(img), Compression::None));
  EXPECT_EQ(back.image().digest(), img.digest());
  EXPECT_FALSE(back.image().same_storage(img));
  EXPECT_EQ(back.image().to_string(), img.to_string());
}

TEST(CacheEntry, LayoutMatchesTheHeaderDocumentation) {
  // Recomputes every documented field with xxHash directly.
  const Image img = pattern(3, 4);
  const auto b = encode_entry(Entry(img, "pil"), Compression::None);
  ASSERT_EQ(b.size(), 48u + 3 + 16 + img.byte_size());
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "PXCE");
  EXPECT_EQ(b[4], 1);  // version
  EXPECT_EQ(b[5], 1);  // image
  EXPECT_EQ(b[6], 0);  // not compressed
  EXPECT_EQ(b[7], 3);  // tag length
  EXPECT_EQ(le64(b, 8), 16 + img.byte_size());
  EXPECT_EQ(le64(b, 16), 16 + img.byte_size());
  // The body digest is the image digest, in hex order.
  std::string hex;
  for (int i = 24; i < 40; ++i) {
    static const char* k = "0123456789abcdef";
    hex += k[b[i] >> 4];
    hex += k[b[i] & 15];
  }
  EXPECT_EQ(hex, img.hex_digest());
  std::vector<std::uint8_t> covered(b.begin(), b.begin() + 40);
  covered.insert(covered.end(), b.begin() + 48, b.begin() + 51);
  EXPECT_EQ(le64(b, 40), XXH3_64bits(covered.data(), covered.size()));
  EXPECT_EQ(std::string(b.begin() + 48, b.begin() + 51), "pil");
  // The body is the canonical form of digest.hpp: its XXH3-128 is the digest.
  const XXH128_hash_t h = XXH3_128bits(b.data() + 51, b.size() - 51);
  EXPECT_EQ((Digest{h.high64, h.low64}), img.digest());
  EXPECT_EQ(std::string(b.begin() + 51, b.begin() + 55), "PXC1");
}

TEST(CacheEntry, AutoCompressesMasksButNotPhotographs) {
  const auto mask = encode_entry(Entry(flat_mask(512, 512)), Compression::Auto);
  EXPECT_EQ(mask[6], 1);
  EXPECT_LT(mask.size(), 512u * 512 / 50);
  const auto photo = encode_entry(Entry(noise_image(256, 256, 1)), Compression::Auto);
  EXPECT_EQ(photo[6], 0);
  const auto none = encode_entry(Entry(flat_mask(512, 512)), Compression::None);
  EXPECT_EQ(none[6], 0);
  const EntryHeader h = read_entry_header(mask);
  EXPECT_TRUE(h.compressed);
  EXPECT_EQ(h.body_bytes, 16u + 512 * 512);
  EXPECT_EQ(h.entry_bytes(), mask.size());
}

void expect_corrupt(const std::vector<std::uint8_t>& b, const std::string& what) {
  try {
    (void)decode_entry(b);
    ADD_FAILURE() << what << ": decoded without error";
  } catch (const CorruptEntryError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": threw another exception: " << e.what();
  }
}

TEST(CacheEntry, EveryFlippedBitAndTruncationIsDetected) {
  std::vector<Entry> entries = {Entry(pattern(3, 5), "t"), Entry(every_kind_value(), "v"),
                                Entry(Bytes(std::string_view("abc")), "b")};
  entries.emplace_back(flat_mask(64, 64));
  for (const auto& e : entries) {
    for (Compression c : {Compression::None, Compression::Zstd}) {
      const auto good = encode_entry(e, c);
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
  auto b = encode_entry(Entry(pattern(3, 5)), Compression::None);
  b[70] ^= 1;  // a pixel
  try {
    (void)decode_entry(b);
    FAIL();
  } catch (const CorruptEntryError& e) {
    EXPECT_NE(std::string(e.what()).find("digest mismatch"), std::string::npos) << e.what();
  }
  b = encode_entry(Entry(pattern(3, 5)), Compression::None);
  b[4] = 2;
  try {
    (void)decode_entry(b);
    FAIL();
  } catch (const CorruptEntryError& e) {
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decode_entry(std::vector<std::uint8_t>{'P', 'X'}), CorruptEntryError);
  EXPECT_THROW((void)read_entry_header(std::vector<std::uint8_t>(48, 0xff)), CorruptEntryError);
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
      {"bytes.pxce", Entry(Bytes(std::string_view("\x80\x05pickle")), "pickle"), Compression::None},
  };
  const bool write = std::getenv("PIXELCACHE_WRITE_GOLDEN") != nullptr;
  for (const auto& g : golden) {
    const auto bytes = encode_entry(g.entry, g.c);
    if (write) {
      std::ofstream(dir / g.name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      continue;
    }
    const auto stored = read_file(dir / g.name);
    const Entry back = decode_entry(stored);
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
