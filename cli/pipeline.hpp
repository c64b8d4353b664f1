// The load -> steps -> save pipeline shared by `pixelcache run` and
// `pixelcache batch`: read an input's bytes (file or URL), decode them (a JPEG
// at reduced DCT scale when the first step shrinks), apply the steps, encode.
//
// The pipeline is split so that a content-addressed cache can wrap the pure
// part (see transform()): the output is a function of the input's bytes, the
// steps and the output format / options only.
//
// Thread safety: a Pipeline is immutable once built; process() and its parts
// may run concurrently on one Pipeline from any number of threads (steps are
// pure functions of their input image).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "pixelcache/digest.hpp"
#include "pixelcache/io.hpp"
#include "steps.hpp"

namespace pixelcache::cli {

/// Parsed steps plus the output options: everything but the input.
struct Pipeline {
  std::vector<Step> steps;
  EncodeOptions encode;

  /// Parses every step before any work; throws InvalidArgument for a bad one.
  static Pipeline parse(const std::vector<std::string>& step_texts, const EncodeOptions& encode);
  /// Load options for this pipeline: the first step's resize size as the
  /// JPEG shrink-on-load hint, when it shrinks.
  LoadOptions load_options() const;
};

/// The bytes of a file or an http(s) URL. Throws IoError (missing,
/// unreadable, a directory), NetworkError, LimitError (URL body too large).
std::vector<std::uint8_t> read_input(const std::string& path_or_url, const FetchOptions& fetch = {});

/// The pure part: decodes `bytes` (named `source` in errors), applies the
/// steps and returns the result image. Throws what decode and the steps throw.
Image transform(const Pipeline& pipeline, std::span<const std::uint8_t> bytes, const std::string& source);

/// What process() did for one input.
struct Processed {
  /// XXH3-128 of the input's bytes (the input part of a cache key).
  Digest input_digest;
  /// XXH3-128 of the written file's bytes.
  Digest output_digest;
  /// The pixel digest of the result image (what `pixelcache hash` prints for
  /// a lossless output).
  Digest image_digest;
};

/// read_input -> transform -> encode in `format` -> write `output`
/// atomically (a temporary file renamed into place: the output is either the
/// old file, absent, or complete). Throws what the parts throw; nothing is
/// written on error.
Processed process(const Pipeline& pipeline, const std::string& input, const std::filesystem::path& output,
                  Format format);

}  // namespace pixelcache::cli
