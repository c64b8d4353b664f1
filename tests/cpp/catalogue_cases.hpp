// One case per catalogue operation: an input file, the call in the
// catalogue's text form (a `pixelcache run` step), and the same call made
// directly through the typed C++ API. test_catalogue.cpp checks that the two
// agree; catalogue_cases.cpp prints the direct results' digests for the
// cross-front test (tests/cli/test_catalogue_fronts.py), which runs the same
// cases through Python and the CLI.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pixelcache/pixelcache.hpp"

namespace pixelcache::test {

struct CatalogueCase {
  std::string id;                             ///< unique, used by the Python side to pick its call
  std::string input;                          ///< the input file; "" for static operations
  std::string step;                           ///< catalogue::parse_call() text (make_image_grid: its name only)
  std::function<Value(const Image&)> direct;  ///< the typed C++ call
};

/// The digest the cross-front test compares: the image digest, or the
/// HashableList digest of a box list.
inline std::string result_digest(const Value& v) {
  if (v.kind() == Value::Kind::Image) return v.as<Image>().hex_digest();
  return v.as<HashableList>().digest().hex();
}

/// {label: [images]} for the make_image_grid case.
inline HashableDict grid_case_dict(const std::string& data_dir) {
  const Image cat = load(data_dir + "/chelsea.png"), cam = load(data_dir + "/camera.png");
  return HashableDict{{"cat", HashableList{cat, cam}}, {"camera", HashableList{cam}}};
}

inline std::vector<CatalogueCase> catalogue_cases(const std::string& data_dir, const std::string& assets_dir) {
  const std::string cat = data_dir + "/chelsea.png", cam = data_dir + "/camera.png";
  const std::string mask = assets_dir + "/chelsea_eyes_mask.png", jpeg = data_dir + "/chelsea_q95.jpg";
  auto box = [](double x0, double y0, double x1, double y1) {
    return BoundingBox(x0, y0, x1, y1, std::nullopt, false);
  };
  auto img = [](const Image& i) { return Value(i); };
  auto boxes = [](const std::vector<BoundingBox>& b) {
    return Value(HashableList(std::vector<Value>(b.begin(), b.end())));
  };
  Mask2BboxOptions margin10;
  margin10.margin = 0.1;
  Mask2BboxOptions squares;
  squares.margin = 0.05;
  squares.closing = {5, 3};
  Mask2BboxOptions merged;
  merged.margin = 0.1;
  merged.merge = true;
  merged.opening = {3, 3};
  return {
      {"resize", cat, "resize:200x100,lanczos",
       [=](const Image& i) {
         return img(resize(i, {100, 200}, Interpolation::Lanczos));
       }},
      {"resize_aspect", cat, "resize:x100",
       [=](const Image& i) {
         return img(resize(i, {100, 0}));
       }},
      {"downsample", cat, "downsample:2", [=](const Image& i) { return img(downsample(i, 2)); }},
      {"center_crop", cat, "center_crop:224x201",
       [=](const Image& i) {
         return img(center_crop(i, {201, 224}));
       }},
      {"resize_min_size", cat, "resize_min_size:100,8",
       [=](const Image& i) { return img(resize_min_size(i, 100, 8)); }},
      {"rotate", cat, "rotate:30,nearest,expand=false",
       [=](const Image& i) { return img(rotate(i, 30, false, Interpolation::Nearest)); }},
      {"flip_horizontal", cat, "flip_horizontal", [=](const Image& i) { return img(flip_horizontal(i)); }},
      {"flip_vertical", cat, "flip_vertical", [=](const Image& i) { return img(flip_vertical(i)); }},
      {"center_pad", cat, "center_pad:460x311,7",
       [=](const Image& i) {
         return img(center_pad(i, {311, 460}, 7));
       }},
      {"crop", cat, "crop:10:20:110:221", [=](const Image& i) { return img(crop(i, box(10, 20, 110, 221))); }},
      {"concat", cat, "concat:" + cat + ",vertical",
       [=](const Image& i) {
         const Image both[] = {i, load(cat)};
         return img(concat(both, false));
       }},
      {"to_rgb", cam, "to_rgb", [=](const Image& i) { return img(to_rgb(i)); }},
      {"to_gray", cat, "to_gray", [=](const Image& i) { return img(to_gray(i)); }},
      {"to_binary", cat, "to_binary:0.5,0.001,4", [=](const Image& i) { return img(to_binary(i, 0.5, 0.001, 4)); }},
      {"invert_binary", mask, "invert_binary", [=](const Image& i) { return img(invert_binary(i)); }},
      {"invert_rgb", cat, "invert_rgb", [=](const Image& i) { return img(invert_rgb(i)); }},
      {"rgb2bgr", cat, "rgb2bgr", [=](const Image& i) { return img(rgb2bgr(i)); }},
      {"bgr2rgb", cat, "bgr2rgb", [=](const Image& i) { return img(bgr2rgb(i)); }},
      {"set_minmax", cam, "set_minmax:0.2,0.8", [=](const Image& i) { return img(set_minmax(i, 0.2, 0.8)); }},
      {"equalize_hist", cat, "equalize_hist", [=](const Image& i) { return img(equalize_hist(i)); }},
      {"apply_palette", cam, "apply_palette:viridis", [=](const Image& i) { return img(apply_palette(i, "viridis")); }},
      {"mask2bbox", mask, "mask2bbox:0.1", [=](const Image& i) { return boxes(mask2bbox(i, margin10)); }},
      {"mask2squaremask", mask, "mask2squaremask:0.05,closing=3x5",
       [=](const Image& i) { return img(mask2squaremask(i, squares)); }},
      {"crop_from_mask", cat, "crop_from_mask:" + mask + ",0.1,merge=true,opening=3",
       [=](const Image& i) { return img(crop_from_mask(i, load(mask), merged)); }},
      {"crop_from_bbox", cat, "crop_from_bbox:10:20:110:120;200:30:260:90",
       [=](const Image& i) {
         const BoundingBox b[] = {box(10, 20, 110, 120), box(200, 30, 260, 90)};
         return img(crop_from_bbox(i, b));
       }},
      {"crop_from_points", cat, "crop_from_points:10:20;130:40;60:90",
       [=](const Image& i) {
         return img(crop_from_points(i, Points({{10, 20}, {130, 40}, {60, 90}})));
       }},
      {"uncrop_from_bbox", cam, "uncrop_from_bbox:" + cat + ",100:50:200:150,resize=true,blend_width=5",
       [=](const Image& i) {
         const BoundingBox b[] = {box(100, 50, 200, 150)};
         return img(uncrop_from_bbox(i, load(cat), b, true, 5));
       }},
      {"morphologyEx", mask, "morphologyEx:close,9x5",
       [=](const Image& i) {
         const Image k = Image::from_u8({5, 9}, Mode::Binary, std::vector<std::uint8_t>(45, 1));
         return img(morphology(i, Morphology::Close, k));
       }},
      {"morphology", mask, "morphology:open,5",
       [=](const Image& i) { return img(morphology(i, Morphology::Open, 5)); }},
      {"dilate", mask, "dilate:4", [=](const Image& i) { return img(morphology(i, Morphology::Dilate, 4)); }},
      {"erode", mask, "erode", [=](const Image& i) { return img(morphology(i, Morphology::Erode, 3)); }},
      {"logical_or_reduce", mask, "logical_or_reduce:" + cat,
       [=](const Image& i) {
         const Image all[] = {i, load(cat)};
         return img(logical_or_reduce(all));
       }},
      {"masked_fill", cat, "masked_fill:" + mask + ",200",
       [=](const Image& i) { return img(masked_fill(i, load(mask), 200)); }},
      {"points_to_mask", "", "points_to_mask:1:2;30:4.5,40x20",
       [=](const Image&) {
         return img(points_to_mask(Points({{1, 2}, {30, 4.5}}), {20, 40}));
       }},
      {"blend", cat, "blend:" + mask + ",0.3,with_bbox",
       [=](const Image& i) { return img(blend(i, load(mask), 0.3, true)); }},
      {"blend_image", cat, "blend:" + jpeg + ",0.25,with_bbox=false",
       [=](const Image& i) { return img(blend(i, load(jpeg), 0.25, false)); }},
      {"zeros_like", cat, "zeros_like", [=](const Image& i) { return img(zeros_like(i)); }},
      {"ones_like", mask, "ones_like", [=](const Image& i) { return img(ones_like(i)); }},
      {"make_image_grid", "", "make_image_grid",
       [=](const Image&) {
         GridOptions g;
         g.orientation = GridOrientation::Vertical;
         g.with_text = false;
         return img(make_image_grid(grid_case_dict(data_dir), g));
       }},
  };
}

}  // namespace pixelcache::test
