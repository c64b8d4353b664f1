// The per-file work of find_duplicates (dups.hpp): read, digest, hash with
// shrink-on-load, full decodes for the exact check, each through the cache.
#include <filesystem>

#include "dups_internal.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"
#include "pixelcache/version.hpp"

namespace pixelcache::detail {

namespace {

constexpr char kHashTag[] = "image_hash";
constexpr char kDigestTag[] = "pixel_digest";

std::vector<std::uint8_t> read_input(const std::string& path, const LoadOptions& load) {
  if (is_url(path)) return fetch_url(path, load.fetch);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw IoError(path + ": is a directory");
  return read_file(path);
}

// "<path>: <what>", without repeating a path the message already names.
std::string file_error(const std::string& path, const std::exception& e) {
  std::string what = e.what();
  const std::string shown = escape_bytes(path);
  return what.find(shown) == std::string::npos ? shown + ": " + what : what;
}

// The (hash, pixel digest) a hash entry holds, or nullopt when the entry is
// not one (another writer's entry under the key: recomputed and replaced).
std::optional<std::pair<ImageHash, std::optional<Digest>>> parse_hash_entry(const Entry& e, const HashSpec& spec) {
  try {
    if (e.kind() != EntryKind::Value || e.tag() != kHashTag) return std::nullopt;
    const auto& l = e.value().as<HashableList>();
    if (l.size() != 2) return std::nullopt;
    ImageHash h = ImageHash::from_value(l[0]);
    if (h.rows() != spec.hash_size || h.cols() != spec.hash_size) return std::nullopt;
    std::optional<Digest> d;
    if (!l[1].is_null()) d = Digest::from_hex(l[1].as<std::string>());
    return std::pair{std::move(h), d};
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

std::optional<Digest> parse_digest_entry(const Entry& e) {
  try {
    if (e.kind() != EntryKind::Value || e.tag() != kDigestTag) return std::nullopt;
    return Digest::from_hex(e.value().as<std::string>());
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

// get_or_compute, replacing an entry `parse` refuses with a fresh one.
template <class Parse>
auto fetch(Cache& cache, const Digest& key, const std::function<Entry()>& compute, Parse parse, bool& from_cache) {
  auto fetched = cache.get_or_compute(key, compute);
  from_cache = fetched.origin != Origin::Computed && fetched.origin != Origin::Joined;
  if (auto parsed = parse(fetched.entry)) return *parsed;
  Entry fresh = compute();
  cache.put(key, fresh);
  from_cache = false;
  return *parse(fresh);
}

}  // namespace

Digest image_hash_key(std::string_view key_namespace, const Digest& bytes_digest, const HashSpec& spec) {
  return CacheKey(key_namespace, "pixelcache.image_hash", duplicate_cache_version())
      .add_digest(bytes_digest)
      .add(Value(hash_kind_name(spec.kind)))
      .add(Value(spec.hash_size))
      .add(Value(spec.highfreq_factor))
      .digest();
}

Digest pixel_digest_key(std::string_view key_namespace, const Digest& bytes_digest) {
  return CacheKey(key_namespace, "pixelcache.pixel_digest", duplicate_cache_version())
      .add_digest(bytes_digest)
      .digest();
}

bool hash_one(FileReport& f, DuplicateContext& ctx) {
  try {
    const std::vector<std::uint8_t> bytes = read_input(f.path, ctx.options.load);
    f.bytes_digest = digest_bytes(bytes.data(), bytes.size());
    const std::string& ns = ctx.cache.options().key_namespace;
    const HashSpec& spec = ctx.options.hash;
    const auto compute = [&] {
      const Decoded d = decode_ex(bytes, hash_load_options(spec, ctx.options.load), f.path);
      ++ctx.hashes_computed;
      const ImageHash h = image_hash(d.image, spec);
      Value digest;  // null unless the decode was the full one
      if (d.scale == 1) {
        const std::string hex = d.image.digest().hex();
        ctx.cache.put(pixel_digest_key(ns, f.bytes_digest), Entry(Value(hex), kDigestTag));
        digest = Value(hex);
      }
      return Entry(Value(HashableList{h.value(), digest}), kHashTag);
    };
    bool cached = false;
    auto [h, digest] = fetch(
        ctx.cache, image_hash_key(ns, f.bytes_digest, spec), compute,
        [&](const Entry& e) { return parse_hash_entry(e, spec); }, cached);
    if (cached) ++ctx.hashes_from_cache;
    f.hash = std::move(h);
    f.pixel_digest = digest;
    f.hash_from_cache = cached;
    f.ok = true;
    return cached;
  } catch (const std::exception& e) {
    f.ok = false;
    f.error = file_error(f.path, e);
  }
  return false;
}

bool verify_one(FileReport& f, DuplicateContext& ctx) {
  if (f.pixel_digest) return true;
  try {
    const auto compute = [&] {
      const std::vector<std::uint8_t> bytes = read_input(f.path, ctx.options.load);
      if (digest_bytes(bytes.data(), bytes.size()) != f.bytes_digest)
        throw IoError(f.path + ": the file changed while it was being compared");
      LoadOptions full = ctx.options.load;
      full.shrink_hint = {0, 0};
      full.shrink_min_side = 0;
      const Image img = decode(bytes, full, f.path);
      ++ctx.full_decodes;
      return Entry(Value(img.digest().hex()), kDigestTag);
    };
    bool cached = false;
    f.pixel_digest = fetch(ctx.cache, pixel_digest_key(ctx.cache.options().key_namespace, f.bytes_digest), compute,
                           parse_digest_entry, cached);
    if (cached) ++ctx.digests_from_cache;
    return cached;
  } catch (const std::exception& e) {
    f.ok = false;
    f.error = file_error(f.path, e);
  }
  return false;
}

}  // namespace pixelcache::detail
