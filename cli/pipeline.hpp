// The load -> steps -> save pipeline shared by `pixelcache run` and
// `pixelcache batch`: read an input's bytes (file or URL), decode them (a JPEG
// at reduced DCT scale when the first step shrinks), apply the steps, encode.
//
// The encoded output is a pure function of the input's bytes, the steps and
// the output format / options, so with a Cache (cache.hpp) process() looks it
// up before decoding: a hit writes the stored file bytes without decoding or
// pixel work. What is stored, under output_key():
//   a Bytes entry: the encoded output file, exactly as written;
//   its tag: "output image_digest=" + the result image's Digest::hex() (the
//   pixel digest the batch report gives, so a hit needs no decode for it).
//
// Thread safety: a Pipeline is immutable once built; process() and its parts
// may run concurrently on one Pipeline from any number of threads (steps are
// pure functions of their input image), sharing one Cache (thread-safe;
// concurrent misses of one key compute once: the others report a hit).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mapped_file.hpp"  // InputBytes
#include "pixelcache/cache.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/pipeline.hpp"

namespace pixelcache::cli {

/// Parsed steps plus the output options: everything but the input.
struct Pipeline {
  Transform transform;
  EncodeOptions encode;
  /// The decode's limits (--max-stream-pixels); its shrink-on-load hint
  /// comes from the steps (Transform::load_options).
  LoadOptions load{};

  /// Parses every step before any work; throws InvalidArgument for a bad one.
  static Pipeline parse(const std::vector<std::string>& step_texts, const EncodeOptions& encode);
};

/// The bytes of a file or an http(s) URL. Throws IoError (missing,
/// unreadable, a directory), NetworkError, LimitError (URL body too large).
std::vector<std::uint8_t> read_input(const std::string& path_or_url, const FetchOptions& fetch = {});

/// An input's bytes: a file mapped into memory (its pages dropped from the
/// process as a streamed decode passes them: thumbnail.hpp), or a URL's body.
using detail::InputBytes;

/// digest_bytes() of an input, dropping the pages of a mapped file as it
/// goes (so hashing a large file does not keep it resident).
Digest digest_input(std::span<const std::uint8_t> bytes);

/// The pure part: decodes `bytes` (named `source` in errors), applies the
/// steps and returns the result image (Transform::run with the pipeline's
/// LoadOptions: a first resize streams the decode). Throws what decode and
/// the steps throw.
Image transform(const Pipeline& pipeline, std::span<const std::uint8_t> bytes, const std::string& source);

/// The pipeline version in output keys: entries written by another
/// pixelcache release (whose codecs or operations may differ) are not used.
std::string pipeline_version();

/// The cache key of the output file of `pipeline` for an input whose bytes
/// digest to `input_digest`, encoded as `format`: CacheKey(`key_namespace`,
/// "pixelcache.pipeline", pipeline_version()) with the arguments
/// input_digest, the list of the steps' keys (Step::key, in order), the
/// format name, and the encode options {quality, lossless, png_compression}.
Digest output_key(const Pipeline& pipeline, const Digest& input_digest, Format format, std::string_view key_namespace);

/// How process() used the cache.
enum class CacheUse : std::uint8_t {
  Off,   ///< no cache given
  Hit,   ///< the output came from the cache: nothing decoded, no pixel work
  Miss,  ///< computed, then stored in the cache
};

/// What process() did for one input.
struct Processed {
  /// XXH3-128 of the input's bytes (the input part of a cache key).
  Digest input_digest;
  /// XXH3-128 of the written file's bytes.
  Digest output_digest;
  /// The pixel digest of the result image (what `pixelcache hash` prints for
  /// a lossless output).
  Digest image_digest;
  CacheUse cache = CacheUse::Off;
  /// Where a hit came from (memory, disk, redis; joined: another thread of
  /// this process computed the same key at the same time); Computed on a miss.
  Origin origin = Origin::Computed;
};

/// Writes the encoded output file (bytes) somewhere; throws on failure.
using OutputWriter = std::function<void(std::span<const std::uint8_t>)>;

/// InputBytes -> transform -> encode in `format` -> write `output`
/// atomically with write_file() (a unique temporary file renamed into place:
/// the output is either the old file, absent, or complete), or with `write`
/// when given (`pixelcache batch` writes beneath its output folder). With
/// `cache`, the encoded output is looked up by output_key() after reading
/// the input (a hit skips decode, steps and encode) and stored after a miss;
/// a failing cache tier only turns a hit into a miss. Throws what the parts
/// throw; nothing is written on error.
Processed process(const Pipeline& pipeline, const std::string& input, const std::filesystem::path& output,
                  Format format, Cache* cache = nullptr, const OutputWriter& write = {});

}  // namespace pixelcache::cli
