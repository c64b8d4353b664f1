// The per-sample pipeline (data.hpp, SampleSource): the stat index, the
// cached transform, the augment and the RGB conversion.
#include <filesystem>
#include <typeinfo>

#include "pixelcache/data.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::data {

namespace {

constexpr std::string_view kFileTag = "pixelcache.data.file";

// The file changed between its digest and the read that would decode it.
struct FileChanged : std::exception {
  const char* what() const noexcept override { return "the file changed while it was read"; }
};

Bytes digest_bytes16(const Digest& d) {
  std::uint8_t b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<std::uint8_t>(d.high >> (56 - 8 * i));
    b[8 + i] = static_cast<std::uint8_t>(d.low >> (56 - 8 * i));
  }
  return Bytes(std::span<const std::uint8_t>(b, 16));
}

std::optional<Digest> digest_of16(const Bytes& b) {
  if (b.size() != 16) return std::nullopt;
  Digest d;
  for (int i = 0; i < 8; ++i) {
    d.high = (d.high << 8) | b.data()[i];
    d.low = (d.low << 8) | b.data()[8 + i];
  }
  return d;
}

std::string absolute_of(const std::string& path) {
  std::error_code ec;
  const auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// Inside a catch block: rethrows the exception with `path` in its message
// (when it is not there yet), as the same pixelcache type; other exceptions
// (a Python error of a custom step, bad_alloc) unchanged.
[[noreturn]] void rethrow_naming(const std::string& path) {
  try {
    throw;
  } catch (const Error& e) {
    const std::string p = escape_bytes(path), w = e.what();
    const std::string m = w.find(p) != std::string::npos ? w : p + ": " + w;
    const std::type_info& t = typeid(e);
    if (t == typeid(IoError)) throw IoError(m);
    if (t == typeid(NetworkError)) throw NetworkError(m, static_cast<const NetworkError&>(e).status());
    if (t == typeid(DecodeError)) throw DecodeError(m);
    if (t == typeid(EncodeError)) throw EncodeError(m);
    if (t == typeid(LimitError)) throw LimitError(m);
    if (t == typeid(InvalidArgument)) throw InvalidArgument(m);
    if (t == typeid(CacheError)) throw CacheError(m);
    if (t == typeid(Error)) throw Error(m);
    throw;  // a type of its own (a front's): unchanged
  }
}

}  // namespace

SampleSource::SampleSource(SourceOptions options) : options_(std::move(options)) {
  options_.output.validate();
  transform_digest_ = options_.transform.digest();
  if (options_.cache) key_namespace_ = options_.cache->options().key_namespace;
}

SourceStats SampleSource::stats() const noexcept {
  SourceStats s;
  s.samples = counters_.samples.load(std::memory_order_relaxed);
  s.index_hits = counters_.index_hits.load(std::memory_order_relaxed);
  s.index_cache_hits = counters_.index_cache_hits.load(std::memory_order_relaxed);
  s.files_hashed = counters_.files_hashed.load(std::memory_order_relaxed);
  s.transform_hits = counters_.transform_hits.load(std::memory_order_relaxed);
  s.transforms_computed = counters_.transforms_computed.load(std::memory_order_relaxed);
  return s;
}

Digest SampleSource::file_digest(const std::string& path) {
  try {
    bool unused = false;
    std::optional<FileBytes> bytes;
    return resolve(path, bytes, unused);
  } catch (...) {
    rethrow_naming(path);
  }
}

Digest SampleSource::resolve(const std::string& path, std::optional<FileBytes>& bytes, bool& from_index) {
  const FileStat st = stat_file(path);
  std::string absolute;
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(path); it != index_.end()) {
      if (it->second.valid && it->second.stat == st) {
        counters_.index_hits.fetch_add(1, std::memory_order_relaxed);
        from_index = true;
        return it->second.digest;
      }
      absolute = it->second.absolute;
    }
  }
  if (absolute.empty()) absolute = absolute_of(path);
  const auto remember = [&](const FileStat& s, const Digest& d) {
    std::lock_guard lock(mu_);
    index_[path] = Known{absolute, s, d, true};
  };
  Cache* cache = options_.cache.get();
  if (cache) {
    if (auto e = cache->get(file_index_key(key_namespace_, absolute, st)); e && e->kind() == EntryKind::Bytes)
      if (auto d = digest_of16(e->bytes())) {
        counters_.index_cache_hits.fetch_add(1, std::memory_order_relaxed);
        remember(st, *d);
        from_index = true;
        return *d;
      }
  }
  bytes = read_file_stat(path);
  counters_.files_hashed.fetch_add(1, std::memory_order_relaxed);
  const Digest d = digest_bytes(bytes->bytes.data(), bytes->bytes.size());
  from_index = false;
  if (bytes->stable) {
    remember(bytes->stat, d);
    if (cache)
      cache->put(file_index_key(key_namespace_, absolute, bytes->stat),
                 Entry(digest_bytes16(d), std::string(kFileTag)));
  }
  return d;
}

void SampleSource::forget(const std::string& path) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(path); it != index_.end()) it->second.valid = false;
}

Image SampleSource::transformed_once(const std::string& path, bool& retry) {
  Cache& cache = *options_.cache;
  std::optional<FileBytes> bytes;
  bool from_index = false;
  const Digest digest = resolve(path, bytes, from_index);
  const Digest key = transform_key(key_namespace_, digest, transform_digest_);
  const auto compute = [&]() -> Entry {
    if (!bytes) {
      bytes = read_file_stat(path);
      if (digest_bytes(bytes->bytes.data(), bytes->bytes.size()) != digest) throw FileChanged();
    }
    counters_.transforms_computed.fetch_add(1, std::memory_order_relaxed);
    return Entry(options_.transform.run(bytes->bytes, path, options_.load), std::string(kTransformTag));
  };
  std::optional<Cache::Fetched> fetched;
  try {
    fetched.emplace(cache.get_or_compute(key, compute));
  } catch (const FileChanged&) {
    forget(path);
    retry = true;
    return {};
  }
  if (fetched->origin != Origin::Computed) counters_.transform_hits.fetch_add(1, std::memory_order_relaxed);
  if (fetched->entry.kind() == EntryKind::Image) return fetched->entry.image();
  // Another kind of entry under the key (not ours): computed and replaced.
  Entry fresh = compute();
  cache.put(key, fresh);
  return fresh.image();
}

Image SampleSource::transformed(const std::string& path) {
  try {
    if (options_.cache) {
      for (int attempt = 0; attempt < 3; ++attempt) {
        bool retry = false;
        Image img = transformed_once(path, retry);
        if (!retry) return img;
      }
    }
    // No cache, or a file that keeps changing: decoded as it is now, not stored.
    const FileBytes fb = read_file_stat(path);
    counters_.transforms_computed.fetch_add(1, std::memory_order_relaxed);
    return options_.transform.run(fb.bytes, path, options_.load);
  } catch (...) {
    rethrow_naming(path);
  }
}

Image SampleSource::sample(const std::string& path, std::uint64_t epoch, std::uint64_t index) {
  Image img = transformed(path);
  try {
    if (!options_.augment.empty()) {
      SampleRandom random(options_.seed, epoch, index);
      img = options_.augment.apply(std::move(img), random);
    }
    if (!img.is_rgb()) img = to_rgb(img);
  } catch (...) {
    rethrow_naming(path);
  }
  counters_.samples.fetch_add(1, std::memory_order_relaxed);
  return img;
}

}  // namespace pixelcache::data
