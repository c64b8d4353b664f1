// The tiny example of a new tier: a `dir:` tier that keeps each entry as one
// file in a directory, written here and registered with one register_tier()
// call, with no other file of the library changed. A Cache made from the
// spec "dir:/some/dir" stores, returns, lists, verifies and clears entries
// through it, and another Cache on the same directory reads them back.
#include <fstream>
#include <iterator>

#include "cache/tier_registry.hpp"
#include "cache_support.hpp"

using namespace pixelcache;
using namespace pixelcache::cache_detail;
namespace fs = std::filesystem;

namespace {

class DirTier final : public StoreTier {
 public:
  DirTier(fs::path dir, TierBinding binding) : dir_(std::move(dir)), binding_(std::move(binding)) {
    fs::create_directories(dir_);
  }
  TierKind kind() const noexcept override { return TierKind::Other; }
  Lookup get(const Digest& key) override {
    Lookup r;
    const auto bytes = read(file(key));
    if (bytes.empty()) return r;
    try {
      r.entry = decode_entry(bytes, {binding_.key_namespace, key}, binding_.key_bytes());
    } catch (const CorruptEntryError&) {
      r.corrupt = erase(key);
    } catch (const UnverifiedEntryError&) {
    }
    return r;
  }
  void put(const Digest& key, const EncodedEntry& entry) override {
    if (entry.needs_signature() && !binding_.signing_key) return;  // no key: no code entries
    const auto bytes =
        entry.needs_signature() ? entry.signed_with(binding_.key_bytes()).to_vector() : entry.to_vector();
    std::ofstream(file(key), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  bool contains(const Digest& key) override { return fs::exists(file(key)); }
  bool erase(const Digest& key) override { return fs::remove(file(key)); }
  void clear() override {
    for (const auto& f : fs::directory_iterator(dir_)) fs::remove(f.path());
  }
  void for_each(const std::function<bool(const EntryInfo&)>& visit) override {
    for (const auto& f : fs::directory_iterator(dir_)) {
      const auto bytes = read(f.path());
      const auto info = entry_info(bytes, bytes.size());
      if (info && info->key_namespace == binding_.key_namespace && !visit(*info)) return;
    }
  }
  VerifyCounts verify() override {
    VerifyCounts c;
    for (const auto& f : fs::directory_iterator(dir_)) {
      ++c.checked;
      const Lookup r = get(Digest::from_hex(f.path().filename().string()));
      r.corrupt ? ++c.corrupt : ++c.ok;
    }
    return c;
  }

 private:
  fs::path file(const Digest& key) const { return dir_ / key.hex(); }
  static std::vector<std::uint8_t> read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  fs::path dir_;
  TierBinding binding_;
};

// The one registration.
void register_dir_tier() {
  TierType t;
  t.schemes = {"dir"};
  t.open = [](const TierContext& c) -> std::unique_ptr<StoreTier> {
    const SpecParts p = split_spec(c.spec);
    allow_only(c.spec, p, {});
    if (p.body.empty()) bad_spec(c.spec, "no directory (dir:DIR)");
    return std::make_unique<DirTier>(p.body, c.binding);
  };
  register_tier(std::move(t));
}

}  // namespace

TEST(CacheRegistry, ARegisteredTierServesACacheMadeFromItsSpec) {
  register_dir_tier();
  test::TempDir dir;
  const std::string spec = "dir:" + (dir.path() / "entries").string();
  CacheOptions o = CacheOptions::from_specs({spec});
  EXPECT_EQ(o.extra_tiers, std::vector<std::string>{spec});
  EXPECT_EQ(o.tier_specs(), std::vector<std::string>{spec});
  const Digest k = digest_bytes("key", 3);
  const Image img = test::pattern(5, 7);
  {
    Cache cache(o);
    ASSERT_EQ(cache.tiers().size(), 1u);
    EXPECT_EQ(cache.tiers()[0].kind, TierKind::Other);
    EXPECT_EQ(cache.tiers()[0].name, "dir");
    EXPECT_EQ(cache.tiers()[0].spec, spec);
    EXPECT_FALSE(cache.get(k));
    cache.put(k, Entry(img, "t"));
    EXPECT_TRUE(fs::exists(dir.path() / "entries" / k.hex()));  // the tier's own file
    EXPECT_EQ(cache.get_image(k)->digest(), img.digest());
  }
  Cache again(o);  // another Cache reads what the first stored
  const auto fetched = again.get_or_compute(k, []() -> Entry { throw std::logic_error("not computed"); });
  EXPECT_EQ(fetched.origin, Origin::Other);
  EXPECT_EQ(fetched.entry.image().digest(), img.digest());
  const CacheStats st = again.stats();
  ASSERT_EQ(st.tiers.size(), 1u);
  EXPECT_EQ(st.tiers[0].name, "dir");
  EXPECT_EQ(st.tiers[0].hits, 1u);
  std::size_t listed = 0;
  again.for_each_entry(TierKind::Other, [&](const EntryInfo& e) { return ++listed, e.key == k; });
  EXPECT_EQ(listed, 1u);
  // A damaged file is corrupt: dropped, counted, a miss.
  std::ofstream(dir.path() / "entries" / k.hex(), std::ios::binary | std::ios::in) << "XXXX";
  EXPECT_EQ(again.verify().tiers.at(0).corrupt, 1u);
  EXPECT_FALSE(again.get(k));
  // Under a memory tier it is the lower tier, its hits promoted.
  o.add_tier("memory:1MiB");
  Cache stacked(o);
  stacked.put(k, Entry(img, "t"));
  EXPECT_TRUE(stacked.clear());
  EXPECT_FALSE(fs::exists(dir.path() / "entries" / k.hex()));
  // Its spec errors name the spec.
  EXPECT_THROW(Cache(CacheOptions::from_specs({"dir:"})), InvalidArgument);
}
