// The operation table (catalogue.hpp): every image operation with its
// arguments as the Python original names them,
// its one-line doc, and the call of the typed C++ function it runs.
#include <climits>

#include "catalogue_internal.hpp"
#include "pixelcache/compose.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/grid.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/mask.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::catalogue {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ArgSpec builder: A("name", type, "doc").def(v).kw().range(lo, hi)...
struct A {
  ArgSpec s;
  A(std::string name, ArgType type, std::string doc) {
    s.name = std::move(name);
    s.type = type;
    s.doc = std::move(doc);
  }
  A& def(Value v) { return s.default_value = std::move(v), *this; }
  A& kw() { return s.kind = ArgKind::KeywordOnly, *this; }
  A& posonly() { return s.kind = ArgKind::PositionalOnly, *this; }
  A& range(double lo, double hi = kInf) { return s.min = lo, s.max = hi, *this; }
  A& above(double lo) { return s.min = lo, s.min_exclusive = true, *this; }
  A& choices(std::vector<std::string> c) { return s.choices = std::move(c), *this; }
  A& cpp(std::string n) { return s.cpp_name = std::move(n), *this; }
  A& no_effect() { return s.affects_result = false, *this; }
  operator ArgSpec() const { return s; }
};

using Run = std::function<Value(const Image&, const Arguments&)>;

Operation op(std::string name, std::string cpp, std::string doc, std::vector<ArgSpec> args, Run run) {
  Operation o;
  o.name = std::move(name);
  o.cpp = std::move(cpp);
  o.doc = std::move(doc);
  o.args = std::move(args);
  o.run = std::move(run);
  return o;
}

// An operation without arguments that applies `fn`.
Operation nullary(std::string name, std::string doc, Image (*fn)(const Image&)) {
  std::string cpp = name + "(img)";
  return op(std::move(name), std::move(cpp), std::move(doc), {},
            [fn](const Image& img, const Arguments&) { return Value(fn(img)); });
}

// ---------------------------------------------------------------- readers

int as_int(const Arguments& a, std::string_view name) {
  const std::int64_t v = a[name].as<std::int64_t>();
  if (v < INT_MIN || v > INT_MAX)
    throw InvalidArgument(a.op->name + ": " + std::string(name) + " " + std::to_string(v) + " is out of range");
  return static_cast<int>(v);
}
double as_double(const Arguments& a, std::string_view name) { return a[name].as<double>(); }
bool as_bool(const Arguments& a, std::string_view name) { return a[name].as<bool>(); }
const std::string& as_str(const Arguments& a, std::string_view name) { return a[name].as<std::string>(); }
const Image& as_image(const Arguments& a, std::string_view name) { return a[name].as<Image>(); }

// [height, width] -> ImageSize (sides checked by the operation).
ImageSize as_size(const Arguments& a, std::string_view name) {
  const auto& l = a[name].as<HashableList>();
  const std::int64_t h = l[0].as<std::int64_t>(), w = l[1].as<std::int64_t>();
  if (h < INT_MIN || h > INT_MAX || w < INT_MIN || w > INT_MAX)
    throw InvalidArgument(a.op->name + ": " + std::string(name) + " is out of range");
  return {static_cast<int>(h), static_cast<int>(w)};
}

std::vector<Image> as_images(const Arguments& a, std::string_view name) {
  std::vector<Image> out;
  for (const Value& v : a[name].as<HashableList>()) out.push_back(v.as<Image>());
  return out;
}

std::vector<BoundingBox> as_boxes(const Arguments& a, std::string_view name) {
  std::vector<BoundingBox> out;
  for (const Value& v : a[name].as<HashableList>()) out.push_back(v.as<BoundingBox>());
  return out;
}

Points as_points(const Arguments& a, std::string_view name) {
  std::vector<std::pair<double, double>> xy;
  for (const Value& p : a[name].as<HashableList>()) {
    const auto& l = p.as<HashableList>();
    xy.emplace_back(number(l[0]), number(l[1]));
  }
  return Points(std::move(xy));
}

Interpolation as_interp(const Arguments& a, std::string_view name) { return parse_interpolation(as_str(a, name)); }

// ---------------------------------------------------------------- the mask options

// The original's seven mask2bbox keyword arguments after `margin`, written
// once for every function that takes them. `margin_required`: mask2bbox and
// mask2squaremask have no default margin; `normalized`: the function has that
// argument (mask2squaremask has not); `normalized_matters`: false for crops,
// whose result the boxes' kind cannot change; `verbose`: its default.
std::vector<ArgSpec> mask_args(bool margin_required, bool normalized, bool normalized_matters, bool verbose) {
  std::vector<ArgSpec> out;
  A margin("margin", ArgType::Float, "grow each box by this fraction of its width / height on every side");
  margin.range(0);
  if (!margin_required) margin.def(0.0);
  out.push_back(margin);
  if (normalized) {
    A n("normalized", ArgType::Bool,
        normalized_matters ? "boxes normalised to [0, 1] instead of pixels"
                           : "accepted for compatibility; the crop is the same");
    n.def(false).kw();
    if (!normalized_matters) n.no_effect();
    out.push_back(n);
  }
  out.push_back(
      A("merge", ArgType::Bool, "one box, the union of all regions (overlapping boxes merge anyway)").def(false).kw());
  out.push_back(A("verbose", ArgType::Bool, "accepted for compatibility; pixelcache does not log here")
                    .def(verbose)
                    .kw()
                    .no_effect());
  out.push_back(A("closing", ArgType::KernelShape,
                  "morphological closing (after the opening) with a ones kernel of "
                  "this (height, width); 0 = off")
                    .def(HashableList{Value(0), Value(0)})
                    .kw());
  out.push_back(A("opening", ArgType::KernelShape,
                  "morphological opening (after the area filter) with a ones kernel of this (height, width); 0 = off")
                    .def(HashableList{Value(0), Value(0)})
                    .kw());
  out.push_back(
      A("area_threshold", ArgType::Float, "first remove holes and islands smaller than this fraction of the image area")
          .def(0.0)
          .range(0, 1)
          .kw());
  out.push_back(A("number_of_objects", ArgType::Int,
                  "keep only the largest N regions (of equal areas, the first in reading order); -1 keeps all")
                    .def(-1)
                    .range(-1)
                    .kw());
  return out;
}

Mask2BboxOptions as_mask_options(const Arguments& a) {
  Mask2BboxOptions o;
  o.margin = as_double(a, "margin");
  for (const ArgSpec& s : a.op->args)
    if (s.name == "normalized") o.normalized = as_bool(a, "normalized");
  o.merge = as_bool(a, "merge");
  o.closing = as_size(a, "closing");
  o.opening = as_size(a, "opening");
  o.area_threshold = as_double(a, "area_threshold");
  o.number_of_objects = as_int(a, "number_of_objects");
  return o;
}

template <class... Lists>
std::vector<ArgSpec> cat(std::vector<ArgSpec> first, const Lists&... rest) {
  (first.insert(first.end(), rest.begin(), rest.end()), ...);
  return first;
}

Value boxes_value(const std::vector<BoundingBox>& boxes) {
  std::vector<Value> out(boxes.begin(), boxes.end());
  return Value(HashableList(std::move(out)));
}

const std::vector<std::string> kResizeModes = {"bilinear", "lanczos", "nearest", "bicubic", "area"};
const std::vector<std::string> kRotateModes = {"bilinear", "nearest", "bicubic"};
const std::vector<std::string> kMorphologies = {"erode", "dilate", "open", "close"};
const std::vector<std::string> kOrientations = {"horizontal", "vertical"};

// The groups of the table: each appends its operations to `t`, in table order.

// Geometry: resizing, crops, rotation, flips, padding, concatenation.
void add_geometry(std::vector<Operation>& t) {
  t.push_back(op("resize", "resize(img, size, interpolation)",
                 "Resampled to `size` with Pillow's filters, antialiased when shrinking; the pixel mode is kept, and "
                 "the current size returns the image itself. A side of 0 (steps: `256x`, `x256`) follows the other's "
                 "scale, keeping the aspect ratio.",
                 {A("size", ArgType::Size, "the new size (height, width); one side may be 0").range(0),
                  A("mode", ArgType::String, "the filter: bilinear, lanczos, nearest, bicubic or area")
                      .def("bilinear")
                      .choices(kResizeModes)
                      .cpp("interpolation")},
                 [](const Image& img, const Arguments& a) {
                   return Value(resize(img, as_size(a, "size"), as_interp(a, "mode")));
                 }));
  t.push_back(op("downsample", "downsample(img, factor)",
                 "Shrunk to (height // factor, width // factor), bilinear; factor 1 returns the image itself.",
                 {A("factor", ArgType::Int, "the integer divisor of both sides").range(1)},
                 [](const Image& img, const Arguments& a) { return Value(downsample(img, as_int(a, "factor"))); }));
  t.push_back(op("resize_min_size", "resize_min_size(img, min_size, modulo)",
                 "The shorter side (the width when square) resized to `min_size`, the other in proportion (Python "
                 "round), both then rounded down to a multiple of `modulo`; bilinear.",
                 {A("min_size", ArgType::Int, "the new length of the shorter side, pixels").range(1),
                  A("modulo", ArgType::Int, "both sides become multiples of this").def(16).range(1)},
                 [](const Image& img, const Arguments& a) {
                   return Value(resize_min_size(img, as_int(a, "min_size"), as_int(a, "modulo")));
                 }));
  t.push_back(op("center_crop", "center_crop(img, size)",
                 "The central `size` region, placed as torchvision's CenterCrop (offsets rounded half to even; a "
                 "smaller image is first padded with black).",
                 {A("size", ArgType::Size, "the size of the crop (height, width)")},
                 [](const Image& img, const Arguments& a) { return Value(center_crop(img, as_size(a, "size"))); }));
  t.push_back(op("rotate", "rotate(img, degrees, expand, interpolation)",
                 "Rotated counter-clockwise by `rotation` degrees around the centre, black fill; `expand` grows the "
                 "canvas to hold the whole result (binary images: nearest).",
                 {A("rotation", ArgType::Float, "the angle in degrees, counter-clockwise positive").cpp("degrees"),
                  A("mode", ArgType::String, "the interpolation: bilinear, nearest or bicubic")
                      .def("bilinear")
                      .choices(kRotateModes)
                      .cpp("interpolation"),
                  A("expand", ArgType::Bool, "grow the canvas to hold the whole rotated image").def(true).kw()},
                 [](const Image& img, const Arguments& a) {
                   return Value(rotate(img, as_double(a, "rotation"), as_bool(a, "expand"), as_interp(a, "mode")));
                 }));
  t.push_back(nullary("flip_horizontal", "Mirrored left-right.", flip_horizontal));
  t.push_back(nullary("flip_vertical", "Mirrored top-bottom.", flip_vertical));
  t.push_back(op("center_pad", "center_pad(img, size, fill)",
                 "Placed on a canvas of `image_size` filled with `fill`, at row H // 2 - h // 2 and column "
                 "W // 2 - w // 2; the pixel mode is kept.",
                 {A("image_size", ArgType::Size, "the canvas size (height, width), at least the image's").cpp("size"),
                  A("fill", ArgType::Int, "the canvas level 0..255 (0 or 1 for binary images)").def(0).range(0, 255)},
                 [](const Image& img, const Arguments& a) {
                   return Value(center_pad(img, as_size(a, "image_size"), as_int(a, "fill")));
                 }));
  t.push_back(op("crop", "crop(img, box)",
                 "The pixels inside one box (pixel boxes: exclusive ends; normalised boxes: fractions of the image).",
                 {A("bbox", ArgType::BBox, "the box; it must lie inside the image").cpp("box")},
                 [](const Image& img, const Arguments& a) { return Value(crop(img, a["bbox"].as<BoundingBox>())); }));
  t.push_back(op("concat", "concat({img, other...}, horizontal)",
                 "The image followed by `other`, side by side (horizontal) or stacked (vertical); modes and the "
                 "shared side must agree.",
                 {A("other", ArgType::Images, "the images to append, in order"),
                  A("mode", ArgType::String, "horizontal or vertical").choices(kOrientations).cpp("horizontal")},
                 [](const Image& img, const Arguments& a) {
                   std::vector<Image> all{img};
                   for (Image& i : as_images(a, "other")) all.push_back(std::move(i));
                   return Value(concat(all, as_str(a, "mode") == "horizontal"));
                 }));
}

// Colour and type: conversions, inversions, channel order, levels, palettes.
void add_colour(std::vector<Operation>& t) {
  t.push_back(
      nullary("to_rgb", "RGB: gray replicated to three channels, binary as 0 / 255; RGB returns itself.", to_rgb));
  t.push_back(nullary("to_gray", "Gray (L) with Pillow's convert(\"L\") formula; binary as 0 / 255; L returns itself.",
                      to_gray));
  t.push_back(op("to_binary", "to_binary(img, threshold, area_min, connectivity)",
                 "A binary mask, true where any channel > threshold * 255; optionally without small holes and "
                 "islands. A binary image returns itself.",
                 {A("threshold", ArgType::Float, "the threshold as a fraction of white").def(0.0).range(0, 1),
                  A("area_min", ArgType::Float,
                    "remove holes, then islands, smaller than this fraction of the image area (the largest island "
                    "stays)")
                      .def(0.0)
                      .range(0, 1),
                  A("connectivity", ArgType::Int, "4 or 8: how regions connect for area_min").def(8).range(4, 8)},
                 [](const Image& img, const Arguments& a) {
                   return Value(
                       to_binary(img, as_double(a, "threshold"), as_double(a, "area_min"), as_int(a, "connectivity")));
                 }));
  t.push_back(nullary("invert_binary", "A binary image with true and false swapped.", invert_binary));
  t.push_back(
      nullary("invert_rgb", "255 - value for RGB and L images (binary images: use invert_binary).", invert_rgb));
  t.push_back(nullary("rgb2bgr", "The first and third channels swapped (RGB images).", rgb2bgr));
  t.push_back(nullary("bgr2rgb", "The first and third channels swapped (the same swap as rgb2bgr).", bgr2rgb));
  t.push_back(op("set_minmax", "set_minmax(img, min, max)",
                 "Values stretched linearly so that the minimum becomes `min` and the maximum `max` (fractions of the "
                 "full range; a constant image becomes `min`).",
                 {A("min", ArgType::Float, "the new minimum, 0..1").posonly().range(0, 1),
                  A("max", ArgType::Float, "the new maximum, 0..1, above min").posonly().range(0, 1)},
                 [](const Image& img, const Arguments& a) {
                   return Value(set_minmax(img, as_double(a, "min"), as_double(a, "max")));
                 }));
  t.push_back(nullary("equalize_hist",
                      "Histogram equalisation (OpenCV's equalizeHist), per channel for RGB; L stays L, binary "
                      "becomes L.",
                      equalize_hist));
  t.push_back(op("apply_palette", "apply_palette(img, palette)",
                 "A gray image's levels mapped through a 256-colour palette, giving RGB.",
                 {A("palette", ArgType::Palette,
                    "\"default\" (the original's label colours), a matplotlib colormap name (viridis, magma, jet, ...) "
                    "or a 256 x 3 uint8 table")
                      .def("default")
                      .posonly()},
                 [](const Image& img, const Arguments& a) {
                   const Value& p = a["palette"];
                   if (p.kind() == Value::Kind::String) return Value(apply_palette(img, p.as<std::string>()));
                   return Value(apply_palette(img, std::span<const std::uint8_t>(p.as<Array>().data)));
                 }));
}

// Masks to boxes and crops: mask2bbox, crops from masks / boxes / points, uncrop.
void add_mask_crops(std::vector<Operation>& t) {
  {
    Operation o = op("mask2bbox", "mask2bbox(img, Mask2BboxOptions)",
                     "The bounding boxes of the mask's 8-connected regions (exclusive ends), grown by `margin`, "
                     "overlapping boxes merged; top to bottom then left to right; an empty mask gives an empty list.",
                     mask_args(true, true, true, true), [](const Image& img, const Arguments& a) {
                       return boxes_value(mask2bbox(img, as_mask_options(a)));
                     });
    o.result = ResultType::BBoxes;
    o.step = false;
    t.push_back(std::move(o));
  }
  t.push_back(op("mask2squaremask", "mask2squaremask(img, Mask2BboxOptions)",
                 "A binary mask with each box of mask2bbox filled.", mask_args(true, false, false, true),
                 [](const Image& img, const Arguments& a) { return Value(mask2squaremask(img, as_mask_options(a))); }));
  t.push_back(op("crop_from_mask", "crop_from_mask(img, mask, Mask2BboxOptions)",
                 "The pixels inside the union of the boxes of `mask`'s regions (see mask2bbox); an empty mask is an "
                 "error.",
                 cat({A("mask", ArgType::Image, "the mask (any mode; nonzero = in), the image's size")},
                     mask_args(false, true, false, false)),
                 [](const Image& img, const Arguments& a) {
                   return Value(crop_from_mask(img, as_image(a, "mask"), as_mask_options(a)));
                 }));
  t.push_back(
      op("crop_from_bbox", "crop_from_bbox(img, bboxes)",
         "The pixels inside the union of `bboxes` (pixel or normalised boxes).",
         {A("bboxes", ArgType::BBoxes, "one or more boxes inside the image")},
         [](const Image& img, const Arguments& a) { return Value(crop_from_bbox(img, as_boxes(a, "bboxes"))); }));
  t.push_back(op("crop_from_points", "crop_from_points(img, points, Mask2BboxOptions)",
                 "crop_from_mask with a mask of the points (each point a 1 x 1 region).",
                 cat({A("points", ArgType::Points, "(x, y) pixel coordinates inside the image")},
                     mask_args(false, true, false, false)),
                 [](const Image& img, const Arguments& a) {
                   return Value(crop_from_points(img, as_points(a, "points"), as_mask_options(a)));
                 }));
  t.push_back(
      op("uncrop_from_bbox", "uncrop_from_bbox(img, base, bboxes, resize, blend_width)",
         "This crop pasted into `base` at the union of `bboxes`, its edges feathered over `blend_width` "
         "pixels.",
         {A("base", ArgType::Image, "the image to paste into"),
          A("bboxes", ArgType::BBoxes, "the boxes whose union receives the crop"),
          A("resize", ArgType::Bool, "resize the crop to the box (otherwise the sizes must agree)").def(false).kw(),
          A("blend_width", ArgType::Int, "feathering width in pixels; 0 = hard edge").def(10).range(0).kw()},
         [](const Image& img, const Arguments& a) {
           return Value(uncrop_from_bbox(img, as_image(a, "base"), as_boxes(a, "bboxes"), as_bool(a, "resize"),
                                         as_int(a, "blend_width")));
         }));
}

// Masks: morphology, union, masked fill, points_to_mask.
void add_morphology(std::vector<Operation>& t) {
  t.push_back(op("morphologyEx", "morphology(img, op, kernel)",
                 "Erosion, dilation, opening or closing of the mask with a structuring element (OpenCV's "
                 "morphologyEx, default border); returns a binary mask.",
                 {A("operation", ArgType::String, "erode, dilate, open or close").choices(kMorphologies).cpp("op"),
                  A("kernel", ArgType::Kernel, "a 2-D array (nonzero = in the element) or k for a k x k square")},
                 [](const Image& img, const Arguments& a) {
                   return Value(morphology(img, parse_morphology(as_str(a, "operation")), as_image(a, "kernel")));
                 }));
  t.push_back(op("morphology", "morphology(img, op, kernel)", "morphologyEx with a square kernel of `kernel` pixels.",
                 {A("op", ArgType::String, "erode, dilate, open or close").choices(kMorphologies),
                  A("kernel", ArgType::Int, "the side of the square kernel").def(3).range(1)},
                 [](const Image& img, const Arguments& a) {
                   return Value(morphology(img, parse_morphology(as_str(a, "op")), as_int(a, "kernel")));
                 }));
  t.push_back(op("dilate", "morphology(img, Morphology::Dilate, kernel)", "The mask dilated by a square kernel.",
                 {A("kernel", ArgType::Int, "the side of the square kernel").def(3).range(1)},
                 [](const Image& img, const Arguments& a) {
                   return Value(morphology(img, Morphology::Dilate, as_int(a, "kernel")));
                 }));
  t.push_back(op("erode", "morphology(img, Morphology::Erode, kernel)", "The mask eroded by a square kernel.",
                 {A("kernel", ArgType::Int, "the side of the square kernel").def(3).range(1)},
                 [](const Image& img, const Arguments& a) {
                   return Value(morphology(img, Morphology::Erode, as_int(a, "kernel")));
                 }));
  t.push_back(op("logical_or_reduce", "logical_or_reduce({img, other...})",
                 "The union of this mask and `other` (every image binarised: any channel > 0); an empty list gives "
                 "to_binary().",
                 {A("other", ArgType::Images, "masks of the same size")}, [](const Image& img, const Arguments& a) {
                   std::vector<Image> all{img};
                   for (Image& i : as_images(a, "other")) all.push_back(std::move(i));
                   return Value(logical_or_reduce(all));
                 }));
  t.push_back(op("masked_fill", "masked_fill(img, mask, value)",
                 "A new image with the pixels under `mask` set to `value` (what the original's img[mask] = v "
                 "meant).",
                 {A("mask", ArgType::Image, "the mask (nonzero = set), the image's size"),
                  A("value", ArgType::Int, "the level 0..255 (0 or 1 for binary images)").range(0, 255)},
                 [](const Image& img, const Arguments& a) {
                   return Value(masked_fill(img, as_image(a, "mask"), as_int(a, "value")));
                 }));
  {
    Operation o = op("points_to_mask", "points_to_mask(points, size)", "A binary mask of `size` with the points set.",
                     {A("points", ArgType::Points, "(x, y) pixel coordinates"),
                      A("size", ArgType::Size, "the mask size (height, width)")},
                     [](const Image&, const Arguments& a) {
                       return Value(points_to_mask(as_points(a, "points"), as_size(a, "size")));
                     });
    o.method = false;
    o.step = false;
    t.push_back(std::move(o));
  }
}

// Compositing and constants: blend, zeros_like, ones_like.
void add_compositing(std::vector<Operation>& t) {
  t.push_back(op("blend", "blend(img, other, alpha, with_bbox, merge_bbox)",
                 "With a binary mask: pixels outside it scaled by `alpha`; with an image: alpha * mask + (1 - alpha) "
                 "* image. `with_bbox` draws red boxes around the mask's regions.",
                 {A("mask", ArgType::Image, "a binary mask, or an image of the same mode to mix in").cpp("other"),
                  A("alpha", ArgType::Float, "outside scale (mask) or weight of the image").range(0, 1),
                  A("with_bbox", ArgType::Bool, "draw red 3-pixel boxes around the mask's regions (result RGB)").kw(),
                  A("merge_bbox", ArgType::Bool, "one box around all regions (mask2bbox's merge)").def(true).kw()},
                 [](const Image& img, const Arguments& a) {
                   return Value(blend(img, as_image(a, "mask"), as_double(a, "alpha"), as_bool(a, "with_bbox"),
                                      as_bool(a, "merge_bbox")));
                 }));
  t.push_back(nullary("zeros_like", "A black image of the same size and mode.", zeros_like));
  t.push_back(nullary("ones_like", "A white image of the same size and mode (255; true for binary).", ones_like));
}

// Grids: make_image_grid.
void add_grids(std::vector<Operation>& t) {
  {
    Operation o =
        op("make_image_grid", "make_image_grid(HashableDict, GridOptions)",
           "A labelled grid: one row (horizontal) or column (vertical) per key of {label: [images]}, in order.",
           {A("images", ArgType::Grid, "{label: [images]}, a dict or HashableDict of lists"),
            A("orientation", ArgType::String, "horizontal: one row per label; vertical: one column per label")
                .def("horizontal")
                .choices(kOrientations)
                .kw(),
            A("with_text", ArgType::Bool, "draw the labels").def(false).kw(),
            A("verbose", ArgType::Bool, "accepted for compatibility; no effect").def(false).kw().no_effect(),
            A("output", ArgType::String, "also save the grid to this path").def(Value()).kw().no_effect()},
           [](const Image&, const Arguments& a) {
             GridOptions g;
             g.orientation =
                 as_str(a, "orientation") == "vertical" ? GridOrientation::Vertical : GridOrientation::Horizontal;
             g.with_text = as_bool(a, "with_text");
             Image out = make_image_grid(a["images"].as<HashableDict>(), g);
             if (!a["output"].is_null()) save(out, as_str(a, "output"));
             return Value(std::move(out));
           });
    o.method = false;
    o.python = false;  // written by hand in Python (its dict argument)
    o.step = false;
    t.push_back(std::move(o));
  }
}

// The whole table, the groups in this order (generated docs and tests depend on it).
std::vector<Operation> build() {
  std::vector<Operation> t;
  add_geometry(t);
  add_colour(t);
  add_mask_crops(t);
  add_morphology(t);
  add_compositing(t);
  add_grids(t);
  return t;
}

}  // namespace

const std::vector<Operation>& operations() {
  static const std::vector<Operation> table = build();
  return table;
}

}  // namespace pixelcache::catalogue
