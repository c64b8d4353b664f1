// pixelcache/pipeline.hpp — steps in the command line's grammar, as a value:
// "resize:256x256", "resize_min_size:256,modulo=1 center_crop:224x224",
// parsed from the operation catalogue (catalogue.hpp) and applied to images,
// or to encoded bytes with shrink-on-load. The deterministic transform of
// `pixelcache run` / `batch` and of pixelcache.data datasets.
//
// Grammar of one step: "name" or "name:arg,arg,key=value" — every catalogue
// operation that takes an image and returns one; arguments in order or by
// name (a bare bool name means true); sizes WIDTHxHEIGHT (resize also
// "256x" / "x256": the other side follows the aspect ratio), boxes
// X0:Y0:X1:Y1, points X:Y, list items joined with ';', MASK / IMAGE
// arguments are files (read when the step is parsed).
//
// Thread safety: Step and Transform are immutable once made; apply() and
// run() may be called from any number of threads at once (steps are pure
// functions of their input image).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/digest.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/ops.hpp"
#include "pixelcache/thumbnail.hpp"

namespace pixelcache {

/// One parsed step, ready to apply.
struct Step {
  /// The operation with its arguments bound.
  std::function<Image(const Image&)> apply;
  /// The canonical form of the step (catalogue::canonical_call): its name
  /// and every argument that affects the result, defaults filled in,
  /// numbers in one format, file arguments replaced by their pixel digest.
  /// Equal keys give equal results, so pipelines are keyed on them.
  std::string key;
  /// For shrink-on-load: the size a resize reduces to (a side may be 0:
  /// that side is free), {0, 0} for other steps.
  ImageSize shrink_to{0, 0};
  /// For shrink-on-load: the shorter side resize_min_size reduces to (its
  /// result's shorter side is then rounded down to its modulo, so the hint
  /// is that minus the modulo), 0 for other steps.
  int shrink_min_side = 0;
  /// For shrink-on-load: the size this step gives an input of a given size
  /// (resize, resize_min_size; empty for other steps), so that an image
  /// decoded at reduced scale is resized to the size its full-scale decode
  /// would get: shrink-on-load changes pixel values by rounding, never the
  /// geometry.
  std::function<ImageSize(ImageSize)> output_size;
  /// The filter of a resizing step (resize's mode; bilinear otherwise).
  Interpolation interpolation = Interpolation::Bilinear;
  /// For resize and resize_min_size: the resize as a ResizeSpec
  /// (thumbnail.hpp), so a first step can stream the decode into it.
  std::optional<ResizeSpec> resize;
};

/// Parses one step. Throws InvalidArgument naming the argument that is
/// wrong, or, for an unknown name (or an operation whose result is not an
/// image), unknown_step_message().
Step parse_step(std::string_view text);

/// "unknown step 'rezise' — did you mean 'resize'? (--help lists the
/// steps)": up to three steps whose names are within a few letters of
/// `name` (edit distance), or none.
std::string unknown_step_message(std::string_view name);

/// One line per step: "name:ARG[,arg=default]  description", then a line on
/// the argument formats.
std::string step_help();

/// Steps in order. A default-made Transform has none (the identity).
class Transform {
 public:
  Transform() = default;
  /// Parses every step before any work (throws InvalidArgument for the
  /// first bad one). Each text is one step, or several separated by
  /// whitespace.
  static Transform parse(const std::vector<std::string>& steps);
  /// parse({steps}).
  static Transform parse(std::string_view steps);
  /// A transform of already parsed steps.
  explicit Transform(std::vector<Step> steps);

  const std::vector<Step>& steps() const noexcept { return steps_; }
  bool empty() const noexcept { return steps_.empty(); }

  /// `base` with the shrink-on-load hint of these steps: a first step that
  /// shrinks (resize, resize_min_size) lets a JPEG decode at 1/2, 1/4 or
  /// 1/8 scale, never below what that step needs; a growing step decodes
  /// fully.
  LoadOptions load_options(LoadOptions base = {}) const;
  /// Applies the steps in order.
  Image apply(Image img) const;
  /// Decodes `bytes` (named `source` in errors) with load_options(`base`),
  /// then applies the steps. Throws what decoding and the steps throw. When
  /// the first step is a resize or resize_min_size and the format streams
  /// (PNG, TIFF, BMP, GIF), the decode streams into it (decode_resized(),
  /// thumbnail.hpp): the same pixels, bit for bit, in memory that does not
  /// grow with the image, and within max(max_pixels, max_stream_pixels)
  /// pixels. Otherwise, when the decoder shrank the image, the first step
  /// resizes it to the size it gives the full-scale image
  /// (Step::output_size). Either way: same sizes as apply(decode(bytes)).
  Image run(std::span<const std::uint8_t> bytes, std::string_view source = "<bytes>",
            const LoadOptions& base = {}) const;
  /// The steps' keys, in order.
  std::vector<std::string> keys() const;
  /// A digest of the keys (a Value digest of the list of keys): equal
  /// digests, equal transforms.
  Digest digest() const;

 private:
  std::vector<Step> steps_;
};

}  // namespace pixelcache
