// The steps of `pixelcache run`: "name" or "name:arg1,arg2". Sizes are
// written WIDTHxHEIGHT, as in ImageMagick and vipsthumbnail.
#pragma once

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
};

/// Parses a step; throws InvalidArgument listing the accepted steps when the
/// name is unknown, or saying what is wrong with the arguments.
Step parse_step(const std::string& text);

/// One line per step: "name:ARGS  description".
std::string step_help();

}  // namespace pixelcache::cli
