// The shared load -> steps -> save pipeline (pipeline.hpp).
#include "pipeline.hpp"

#include <algorithm>

#include "mapped_file.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"
#include "pixelcache/version.hpp"

namespace pixelcache::cli {

Pipeline Pipeline::parse(const std::vector<std::string>& step_texts, const EncodeOptions& encode) {
  return Pipeline{Transform::parse(step_texts), encode};
}

std::vector<std::uint8_t> read_input(const std::string& path_or_url, const FetchOptions& fetch) {
  if (is_url(path_or_url)) return fetch_url(path_or_url, fetch);
  std::error_code ec;
  if (std::filesystem::is_directory(path_or_url, ec)) throw IoError(path_or_url + ": is a directory");
  return read_file(path_or_url);
}

Digest digest_input(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t kChunk = std::size_t{4} << 20;  // pages of a mapped input held at once
  if (bytes.size() <= kChunk) return digest_bytes(bytes.data(), bytes.size());
  Hasher h;  // the same XXH3-128 as digest_bytes()
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
    h.update(bytes.data() + at, std::min(kChunk, bytes.size() - at));
    detail::release_mapped(bytes);
  }
  return h.finish();
}

Image transform(const Pipeline& pipeline, std::span<const std::uint8_t> bytes, const std::string& source) {
  return pipeline.transform.run(bytes, source, pipeline.load);
}

// 2: a shrink-on-load decode is resized from exactly its content, sized as
// the full image (Transform::run), so outputs of such steps changed.
std::string pipeline_version() { return std::string("2/") + version(); }

Digest output_key(const Pipeline& pipeline, const Digest& input_digest, Format format, std::string_view key_namespace) {
  std::vector<Value> steps;
  for (const auto& s : pipeline.transform.steps()) steps.emplace_back(s.key);
  return CacheKey(key_namespace, "pixelcache.pipeline", pipeline_version())
      .add_digest(input_digest)
      .add(Value(HashableList(std::move(steps))))
      .add(Value(format_name(format)))
      .add(Value(HashableList{pipeline.encode.quality, pipeline.encode.lossless, pipeline.encode.png_compression}))
      .digest();
}

namespace {

constexpr std::string_view kTagPrefix = "output image_digest=";

// The image digest of a stored output, or nullopt when the entry is not one
// (another writer's entry under the key: it is replaced).
std::optional<Digest> stored_image_digest(const Entry& e) {
  if (e.kind() != EntryKind::Bytes || !e.tag().starts_with(kTagPrefix)) return std::nullopt;
  try {
    return Digest::from_hex(std::string_view(e.tag()).substr(kTagPrefix.size()));
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

}  // namespace

Processed process(const Pipeline& pipeline, const std::string& input, const std::filesystem::path& output,
                  Format format, Cache* cache, const OutputWriter& write) {
  const InputBytes in(input);
  const std::span<const std::uint8_t> bytes = in.bytes();
  Processed r;
  r.input_digest = digest_input(bytes);
  const auto compute = [&] {
    const Image result = transform(pipeline, bytes, input);
    r.image_digest = result.digest();
    return Entry(Bytes(encode(result, format, pipeline.encode)), std::string(kTagPrefix) + r.image_digest.hex());
  };
  Entry out = [&] {
    if (!cache) return compute();
    const Digest key = output_key(pipeline, r.input_digest, format, cache->options().key_namespace);
    auto fetched = cache->get_or_compute(key, compute);
    r.origin = fetched.origin;
    if (fetched.origin == Origin::Computed) {
      r.cache = CacheUse::Miss;
    } else if (auto d = stored_image_digest(fetched.entry)) {
      r.cache = CacheUse::Hit;
      r.image_digest = *d;
    } else {  // not an output entry: compute and replace it
      fetched.entry = compute();
      cache->put(key, fetched.entry);
      r.cache = CacheUse::Miss;
      r.origin = Origin::Computed;
    }
    return std::move(fetched.entry);
  }();
  const Bytes& encoded = out.bytes();
  if (write)
    write(encoded.span());
  else
    write_file(output, encoded.span());
  r.output_digest = encoded.digest();
  return r;
}

}  // namespace pixelcache::cli
