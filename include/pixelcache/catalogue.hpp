// pixelcache/catalogue.hpp — the operation catalogue: one table that says,
// for every image operation, its name, its arguments (the Python original's
// names, types, defaults, ranges, how they may be passed) and a one-line
// doc, after libvips' operation classes.
//
// The table is the single source of truth of the three front ends:
//   * the CLI parses `pixelcache run` steps generically from it
//     (parse_call(): "name:arg,arg,key=value") and keys cached pipelines on
//     canonical_call();
//   * the Python methods of HashableImage are generated from it
//     (tools/gen_python_ops.py writes python/pixelcache/_ops.py) and call
//     invoke() through the extension;
//   * the operation list of doc/operations.md is generated from it.
// The typed C++ functions (ops.hpp, mask.hpp, compose.hpp, grid.hpp) stay
// the C++ API and do the validation; invoke() calls them. The ranges in the
// table document what those functions accept (a test checks that each
// bound is enforced).
//
// Argument values travel as pixelcache::Value (value.hpp). bind_args()
// converts them to one canonical representation per ArgType:
//   Bool bool | Int int | Float float | String string | Image Image |
//   Size HashableList{height, width} | KernelShape HashableList{height, width}
//   (0 = off) | Kernel Image (binary; an int k means a k x k square) |
//   Palette string or Array (256 x 3 uint8) | Images HashableList of Image |
//   BBox BoundingBox | BBoxes HashableList of BoundingBox | Points
//   HashableList of HashableList{x, y} | Grid HashableDict {label: list}.
//
// Text form (CLI steps and keys): "name" or "name:a,b,key=value". Numbers
// as written (keys use the shortest round-trip form); bools true / false (a
// bare bool argument name means true); sizes and kernel shapes WIDTHxHEIGHT
// (a single K means K x K); boxes X0:Y0:X1:Y1 in pixels, lists of boxes and
// points joined with ';' (points X:Y); image arguments are files or URLs,
// keyed by their pixel digest.
//
// Thread safety: the table is built once (thread-safe static) and read-only;
// every function is reentrant.
#pragma once

#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache::catalogue {

/// The type of an argument (see the file comment for each representation).
enum class ArgType : std::uint8_t {
  Bool,
  Int,
  Float,
  String,       ///< one of `choices` when those are given
  Size,         ///< an image size, (height, width)
  KernelShape,  ///< a rectangular kernel's (height, width); 0 = off
  Kernel,       ///< a structuring element: k (a k x k square) or a 2-D array, nonzero = in
  Palette,      ///< a palette name or a 256 x 3 uint8 table
  Image,
  Images,
  BBox,
  BBoxes,
  Points,
  Grid,  ///< {label: [images]}
};

/// "bool", "int", "float", "str", "size", "kernel_shape", "kernel",
/// "palette", "image", "images", "bbox", "bboxes", "points", "grid".
const char* type_name(ArgType t) noexcept;

/// How a Python caller may pass an argument (the original's `/` and `*`).
enum class ArgKind : std::uint8_t { PositionalOnly, Positional, KeywordOnly };

/// One argument of an operation.
struct ArgSpec {
  std::string name;      ///< the Python original's name
  std::string cpp_name;  ///< the C++ parameter or option name, when it differs ("" = same)
  ArgType type = ArgType::Float;
  ArgKind kind = ArgKind::Positional;
  std::optional<Value> default_value;  ///< nullopt: required
  /// Inclusive bounds of Int / Float values: bind_args() refuses values
  /// outside them (so a CLI step fails before any image is loaded), and the
  /// C++ function, called directly, throws InvalidArgument outside them too.
  /// For a Size, `min` is the least side (1 when unset; 0 lets one side be
  /// left to the aspect ratio, text "256x" / "x256").
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;        ///< the bound `min` itself is refused (> min)
  std::vector<std::string> choices;  ///< String: the accepted values
  /// False for arguments accepted for compatibility that cannot change the
  /// result (the original's `verbose`, a crop's `normalized`): left out of
  /// canonical keys and CLI help.
  bool affects_result = true;
  std::string doc;  ///< one line
};

/// What an operation returns.
enum class ResultType : std::uint8_t { Image, BBoxes };

struct Operation;

/// Bound arguments: one canonical Value per ArgSpec, in table order.
struct Arguments {
  const Operation* op = nullptr;
  std::vector<Value> values;
  /// The value of the argument called `name`; throws std::logic_error for
  /// a name the operation does not have (a bug in the table).
  const Value& operator[](std::string_view name) const;
};

/// One operation of the catalogue.
struct Operation {
  std::string name;           ///< Python method and CLI step name (the original's)
  std::string cpp;            ///< the C++ function it calls, e.g. "resize(img, size, interpolation)"
  std::string doc;            ///< one line
  std::vector<ArgSpec> args;  ///< the arguments after the image
  ResultType result = ResultType::Image;
  bool method = true;  ///< an image method (false: static, no input image)
  bool python = true;  ///< generated into HashableImage (false: written by hand)
  bool step = true;    ///< available as a `pixelcache run` step
  /// Runs the operation on `img` (empty for static operations).
  std::function<Value(const Image& img, const Arguments& args)> run;
};

/// Every operation, in documentation order.
const std::vector<Operation>& operations();
/// The operation called `name`; throws InvalidArgument listing the names.
const Operation& operation(std::string_view name);

/// Binds arguments the Python way: `positional` fill the arguments in table
/// order (keyword-only ones included, for the CLI), `keywords` by name, the
/// rest take their defaults. Each value is converted to its type's
/// canonical representation. Throws InvalidArgument "<op>: ..." naming the
/// argument for a missing required one, an unknown or repeated name, too many
/// values, or a value of the wrong type.
Arguments bind_args(const Operation& op, std::span<const Value> positional,
                    std::span<const std::pair<std::string, Value>> keywords = {});

/// Runs `op` on `img` with bound arguments (InvalidArgument for a missing
/// input image of a method, and whatever the operation throws).
Value invoke(const Arguments& args, const Image& img);
/// bind_args() then invoke().
Value invoke(std::string_view name, const Image& img, std::span<const Value> positional = {},
             std::span<const std::pair<std::string, Value>> keywords = {});

/// The canonical text of one bound value (see the file comment).
std::string format_value(ArgType type, const Value& value);
/// The canonical form of a call: "name:arg=value,..." with every argument
/// that affects the result, defaults filled in, numbers in the shortest
/// round-trip form, image arguments as their pixel digest. Equal keys mean
/// equal results; it parses back with parse_call() except for image digests.
std::string canonical_call(const Arguments& args);

/// Parses the text form "name" or "name:a,b,key=value" (file comment);
/// image arguments are loaded with load(). Throws InvalidArgument naming the
/// operation and the argument, or listing the operations for an unknown
/// name; what load() throws for image files.
Arguments parse_call(std::string_view text);

/// "name:ARG,ARG[,ARG=DEFAULT...]" for `pixelcache run --help`.
std::string usage(const Operation& op);

}  // namespace pixelcache::catalogue
