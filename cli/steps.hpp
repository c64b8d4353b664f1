// The steps of `pixelcache run`: "name" or "name:arg,arg,key=value", parsed
// generically from the operation catalogue (pixelcache/catalogue.hpp), which
// also gives the argument formats (sizes WIDTHxHEIGHT, as in ImageMagick
// and vipsthumbnail; boxes X0:Y0:X1:Y1; MASK / IMAGE arguments are files).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pixelcache/image.hpp"
#include "pixelcache/io.hpp"

namespace pixelcache::cli {

/// One parsed step, ready to apply.
struct Step {
  std::function<Image(const Image&)> apply;
  /// For shrink-on-load: the size this step reduces to, when it is a resize.
  ImageSize resize_to{0, 0};
  /// The canonical form of the step (catalogue::canonical_call): its name
  /// and every argument that affects the result, defaults filled in,
  /// numbers in one format, file arguments replaced by their pixel digest.
  /// Equal keys give equal results, so `run` / `batch` pipelines are keyed
  /// on them.
  std::string key;
};

/// Parses a step; throws InvalidArgument listing the accepted steps when the
/// name is unknown (or is an operation whose result is not an image), or
/// naming the argument that is wrong.
Step parse_step(const std::string& text);

/// One line per step: "name:ARG[,arg=default]  description".
std::string step_help();

}  // namespace pixelcache::cli
