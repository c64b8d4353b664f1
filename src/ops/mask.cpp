// Masks and boxes (mask.hpp).
#include "pixelcache/mask.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <opencv2/imgproc.hpp>
#include <tuple>

#include "ops_internal.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache {

using detail::as_mat;

namespace {

using detail::binarise;
using detail::check_same_size;

// Integer pixel box [x0, x1) x [y0, y1).
using Box = detail::MaskBox;

Box union_box(const Image& img, std::span<const BoundingBox> bboxes, const char* op) {
  if (bboxes.empty()) throw InvalidArgument(std::string(op) + ": no bounding boxes (an empty mask has none)");
  Box u{img.width(), img.height(), 0, 0};
  for (const BoundingBox& b : bboxes) {
    const detail::Rect r = detail::pixel_rect(img, b, op);
    u = {std::min(u.x0, r.x0), std::min(u.y0, r.y0), std::max(u.x1, r.x1), std::max(u.y1, r.y1)};
  }
  return u;
}

Image crop_box(const Image& img, const Box& b) { return detail::crop_rect(img, {b.x0, b.y0, b.x1, b.y1}); }

void validate(const Mask2BboxOptions& o) {
  if (!(o.margin >= 0) || !std::isfinite(o.margin)) throw InvalidArgument("mask2bbox: margin must be >= 0 and finite");
  if (!(o.area_threshold >= 0 && o.area_threshold <= 1))
    throw InvalidArgument("mask2bbox: area_threshold must be within [0, 1]");
  for (const ImageSize k : {o.closing, o.opening})
    if (k.height < 0 || k.width < 0)
      throw InvalidArgument("mask2bbox: closing and opening kernel sides must be >= 0, got " + k.to_string());
  if (o.number_of_objects < -1) throw InvalidArgument("mask2bbox: number_of_objects must be -1 (all) or >= 0");
}

}  // namespace

namespace detail {

std::vector<MaskBox> merge_overlapping(std::vector<MaskBox> boxes) {
  // Rounds of a sweep from left to right. The boxes the sweep line crosses
  // ("active") overlap each other in x, so once merged they are disjoint in
  // y: kept in a map by their top edge, a new box finds the active boxes it
  // overlaps in O(log n) plus one step per box it absorbs. A union reaches
  // back to the left, where a box the sweep has passed may now overlap it,
  // so rounds repeat until one merges nothing (the result — no two boxes
  // overlapping, each the union of a connected group — does not depend on
  // the order of merges). Each round is O(n log n); a round after the first
  // runs only when a union grew into boxes already passed.
  for (bool merged = true; merged && boxes.size() > 1;) {
    merged = false;
    std::sort(boxes.begin(), boxes.end(), [](const MaskBox& a, const MaskBox& b) { return a.x0 < b.x0; });
    std::vector<MaskBox> done;
    done.reserve(boxes.size());
    std::multimap<int, MaskBox> active;  // by y0; disjoint in y
    // Boxes leave the active set when the sweep reaches their right edge.
    std::multimap<int, int> ends;  // x1 -> y0 of an active box
    for (MaskBox b : boxes) {
      while (!ends.empty() && ends.begin()->first <= b.x0) {
        const auto [x1, y0] = *ends.begin();
        ends.erase(ends.begin());
        auto range = active.equal_range(y0);
        for (auto it = range.first; it != range.second; ++it)
          if (it->second.x1 == x1) {
            done.push_back(it->second);
            active.erase(it);
            break;
          }
      }
      for (bool grew = true; grew;) {
        grew = false;
        // Active boxes overlapping b in y: starting before b.y1, ending after b.y0.
        auto it = active.lower_bound(b.y0);
        if (it != active.begin()) --it;  // the one starting above may reach down into b
        while (it != active.end() && it->first < b.y1) {
          if (it->second.y1 > b.y0 && it->second.x1 > b.x0) {
            const MaskBox a = it->second;
            b = b.united(a);
            auto range = ends.equal_range(a.x1);
            for (auto e = range.first; e != range.second; ++e)
              if (e->second == a.y0) {
                ends.erase(e);
                break;
              }
            it = active.erase(it);
            merged = grew = true;
          } else {
            ++it;
          }
        }
      }
      active.emplace(b.y0, b);
      ends.emplace(b.x1, b.y0);
    }
    for (const auto& [y0, b] : active) done.push_back(b);
    boxes = std::move(done);
  }
  return boxes;
}

}  // namespace detail

std::vector<BoundingBox> mask2bbox(const Image& mask, const Mask2BboxOptions& o) {
  validate(o);
  const Image bin = binarise(mask, "mask2bbox");
  // A read-only view of the 0 / 1 samples; the steps below write new
  // matrices. The original's order: area filter, opening, closing.
  cv::Mat m = as_mat(bin);
  if (o.area_threshold > 0) {
    cv::Mat cleaned = m.clone();
    detail::remove_small_regions(cleaned, o.area_threshold * static_cast<double>(bin.size().area()), 8);
    m = cleaned;
  }
  for (auto [op, k] : {std::pair{cv::MORPH_OPEN, o.opening}, {cv::MORPH_CLOSE, o.closing}}) {
    if (k.height + k.width <= 0) continue;  // the original's sum(kernel) > 0
    cv::Mat next;
    cv::morphologyEx(m, next, op, cv::Mat::ones(std::max(k.height, 1), std::max(k.width, 1), CV_8U));
    m = next;
  }
  std::vector<detail::Region> regions = detail::find_regions(m);
  if (o.number_of_objects >= 0 && static_cast<int>(regions.size()) > o.number_of_objects) {
    // The largest; of equal areas the first in raster order.
    std::stable_sort(regions.begin(), regions.end(),
                     [](const detail::Region& a, const detail::Region& b) { return a.area > b.area; });
    regions.resize(static_cast<std::size_t>(o.number_of_objects));
  }
  std::vector<Box> boxes;
  // A margin in pixels, clamped to the image's extent before it becomes an
  // int (margin 1e308: tests/fuzz/regressions/fuzz_parse_step/crop-from-mask-*).
  const double extent = std::max(bin.width(), bin.height());
  const auto margin_px = [&](int side) {
    const double v = std::round(o.margin * side);
    return static_cast<int>(std::isnan(v) ? 0.0 : std::clamp(v, -extent, extent));
  };
  for (const detail::Region& r : regions) {
    Box b = r.box;
    const int mx = margin_px(b.x1 - b.x0);
    const int my = margin_px(b.y1 - b.y0);
    boxes.push_back({std::max(0, b.x0 - mx), std::max(0, b.y0 - my), std::min(bin.width(), b.x1 + mx),
                     std::min(bin.height(), b.y1 + my)});
  }
  // Overlapping boxes become their union, transitively, until no pair
  // overlaps (the original does one pass, which is not transitive).
  boxes = detail::merge_overlapping(std::move(boxes));
  if (o.merge && boxes.size() > 1) {  // the original's merge: one box, the union of all
    Box u = boxes.front();
    for (const Box& b : boxes) u = u.united(b);
    boxes = {u};
  }
  std::sort(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) {
    return std::tie(a.y0, a.x0, a.y1, a.x1) < std::tie(b.y0, b.x0, b.y1, b.x1);
  });
  std::vector<BoundingBox> out;
  for (const Box& b : boxes) {
    BoundingBox bb(b.x0, b.y0, b.x1, b.y1, bin.size(), false);
    out.push_back(o.normalized ? bb.to_normalized() : bb);
  }
  return out;
}

Image crop_from_bbox(const Image& img, std::span<const BoundingBox> bboxes) {
  detail::require_image(img, "crop_from_bbox");
  return crop_box(img, union_box(img, bboxes, "crop_from_bbox"));
}

Image crop_from_mask(const Image& img, const Image& mask, const Mask2BboxOptions& options) {
  return ImageCrop::from_mask(img, mask, options).image;
}

Image crop_from_points(const Image& img, const Points& points, const Mask2BboxOptions& options) {
  detail::require_image(img, "crop_from_points");
  if (points.empty()) throw InvalidArgument("crop_from_points: no points");
  return crop_from_mask(img, points_to_mask(points, img.size()), options);
}

Image uncrop_from_bbox(const Image& crop_img, const Image& base, std::span<const BoundingBox> bboxes, bool resize_crop,
                       int blend_width) {
  detail::require_image(crop_img, "uncrop_from_bbox");
  detail::require_image(base, "uncrop_from_bbox");
  if (blend_width < 0) throw InvalidArgument("uncrop_from_bbox: blend_width must be >= 0");
  const Box u = union_box(base, bboxes, "uncrop_from_bbox");
  const ImageSize box_size{u.y1 - u.y0, u.x1 - u.x0};
  Image patch = base.is_rgb() ? to_rgb(crop_img) : (base.is_gray() ? to_gray(crop_img) : to_binary(crop_img));
  if (patch.size() != box_size) {
    if (!resize_crop)
      throw InvalidArgument("uncrop_from_bbox: crop is " + patch.size().to_string() + " but the box is " +
                            box_size.to_string() + " (pass resize=true to fit it)");
    patch = resize(patch, box_size);
  }
  const bool binary = base.is_binary();
  const Image src = binary ? patch : patch.as_f32();
  const Image dst = binary ? base : base.as_f32();
  const int c = base.channels();
  // Feather weight: distance to the box edge over blend_width, capped at 1.
  auto weight = [&](int x, int y) {
    if (blend_width == 0) return 1.0f;
    const int d = std::min({x, y, box_size.width - 1 - x, box_size.height - 1 - y}) + 1;
    return std::min(1.0f, static_cast<float>(d) / static_cast<float>(blend_width + 1));
  };
  Image out = Image::generate(base.size(), base.mode(), dst.pixel_type(), [&](std::span<std::byte> bytes) {
    std::memcpy(bytes.data(), dst.data(), bytes.size());
    for (int y = 0; y < box_size.height; ++y)
      for (int x = 0; x < box_size.width; ++x) {
        const float w = weight(x, y);
        const std::size_t di = (static_cast<std::size_t>(u.y0 + y) * base.width() + (u.x0 + x)) * c;
        const std::size_t si = (static_cast<std::size_t>(y) * box_size.width + x) * c;
        if (binary) {
          auto* o = reinterpret_cast<std::uint8_t*>(bytes.data());
          if (w >= 0.5f) o[di] = src.u8_view()[si];
        } else {
          auto* o = reinterpret_cast<float*>(bytes.data());
          const auto s = src.f32_view();
          for (int k = 0; k < c; ++k) o[di + k] = w * s[si + k] + (1.0f - w) * o[di + k];
        }
      }
  });
  return base.pixel_type() == PixelType::U8 ? out.as_u8() : out;
}

ImageCrop ImageCrop::from_bbox(const Image& img, std::span<const BoundingBox> bboxes) {
  detail::require_image(img, "ImageCrop");
  const Box u = union_box(img, bboxes, "ImageCrop");
  return {crop_box(img, u), BoundingBox(u.x0, u.y0, u.x1, u.y1, img.size(), false), img.size()};
}

ImageCrop ImageCrop::from_mask(const Image& img, const Image& mask, const Mask2BboxOptions& options) {
  detail::require_image(img, "crop_from_mask");
  detail::require_image(mask, "crop_from_mask");
  check_same_size(img, mask, "crop_from_mask");
  const auto boxes = mask2bbox(mask, options);
  if (boxes.empty()) throw InvalidArgument("crop_from_mask: the mask is empty (no region to crop)");
  return from_bbox(img, boxes);
}

Image ImageCrop::uncrop(const Image& base, const Image& edited, bool resize_crop, int blend_width) const {
  detail::require_image(base, "ImageCrop::uncrop");
  if (base.size() != original_size)
    throw InvalidArgument("ImageCrop::uncrop: base is " + base.size().to_string() + " but the crop came from a " +
                          original_size.to_string() + " image");
  return uncrop_from_bbox(edited.empty() ? image : edited, base, std::span(&bbox, 1), resize_crop, blend_width);
}

Image mask2squaremask(const Image& mask, const Mask2BboxOptions& options) {
  const auto boxes = mask2bbox(mask, options);
  std::vector<std::uint8_t> out(mask.size().area(), 0);
  for (const BoundingBox& b : boxes) {
    const auto r = (b.normalized() ? b.to_pixels() : b).to_int_pixels();
    for (int y = r[1]; y < r[3]; ++y) std::fill_n(out.begin() + y * mask.width() + r[0], r[2] - r[0], 1);
  }
  return Image::from_u8(mask.size(), Mode::Binary, std::move(out));
}

Morphology parse_morphology(std::string_view name) {
  if (name == "erode") return Morphology::Erode;
  if (name == "dilate") return Morphology::Dilate;
  if (name == "open") return Morphology::Open;
  if (name == "close") return Morphology::Close;
  throw InvalidArgument("unknown morphology operator '" + std::string(name) +
                        "' (expected erode, dilate, open or close)");
}

Image morphology(const Image& mask, Morphology op, int kernel) {
  if (kernel < 1) throw InvalidArgument("morphology: kernel must be >= 1, got " + std::to_string(kernel));
  return morphology(mask, op,
                    Image::generate({kernel, kernel}, Mode::Binary, PixelType::U8,
                                    [](std::span<std::byte> b) { std::fill(b.begin(), b.end(), std::byte{1}); }));
}

Image morphology(const Image& mask, Morphology op, const Image& kernel) {
  if (!kernel.is_binary()) throw InvalidArgument("morphology: the kernel must be a non-empty binary image");
  const auto cells = kernel.u8_view();
  if (std::find(cells.begin(), cells.end(), 1) == cells.end())
    throw InvalidArgument("morphology: the kernel " + kernel.size().to_string() + " has no true cell");
  const Image bin = binarise(mask, "morphology");
  static constexpr int kOps[] = {cv::MORPH_ERODE, cv::MORPH_DILATE, cv::MORPH_OPEN, cv::MORPH_CLOSE};
  return detail::make_like(bin, bin.size(), [&](cv::Mat& d) {
    cv::morphologyEx(as_mat(bin), d, kOps[static_cast<int>(op)], as_mat(kernel));
  });
}

Image logical_or_reduce(std::span<const Image> masks) {
  if (masks.empty()) throw InvalidArgument("logical_or_reduce: no masks");
  Image acc = binarise(masks.front(), "logical_or_reduce");
  for (std::size_t i = 1; i < masks.size(); ++i) {
    const Image m = binarise(masks[i], "logical_or_reduce");
    check_same_size(acc, m, "logical_or_reduce");
    acc = detail::make_like(acc, acc.size(), [&](cv::Mat& d) { cv::bitwise_or(as_mat(acc), as_mat(m), d); });
  }
  return acc;
}

Image masked_fill(const Image& img, const Image& mask, int value) {
  detail::require_image(img, "masked_fill");
  const Image m = binarise(mask, "masked_fill");
  check_same_size(img, m, "masked_fill");
  const int max = img.is_binary() ? 1 : 255;
  if (value < 0 || value > max)
    throw InvalidArgument("masked_fill: value must be 0.." + std::to_string(max) + " for a " + mode_name(img.mode()) +
                          " image, got " + std::to_string(value));
  const double v = img.pixel_type() == PixelType::F32 ? value / 255.0 : value;
  return detail::make_like(img, img.size(), [&](cv::Mat& d) {
    as_mat(img).copyTo(d);
    d.setTo(cv::Scalar::all(v), as_mat(m));
  });
}

Image points_to_mask(const Points& points, ImageSize size) {
  size.validate("points_to_mask");
  return Image::generate(size, Mode::Binary, PixelType::U8, [&](std::span<std::byte> out) {
    std::memset(out.data(), 0, out.size());
    for (const auto& [x, y] : points.xy()) {
      // Compared as doubles before the conversion: 1e308 or NaN must not
      // reach an int (tests/fuzz/regressions/fuzz_parse_step/crop-from-points-*).
      const double fx = std::floor(x), fy = std::floor(y);
      if (!(fx >= 0 && fy >= 0 && fx < size.width && fy < size.height))
        throw InvalidArgument("points_to_mask: point (" + std::to_string(x) + ", " + std::to_string(y) +
                              ") is outside the " + size.to_string() + " mask");
      out[static_cast<std::size_t>(fy) * size.width + static_cast<std::size_t>(fx)] = std::byte{1};
    }
  });
}

}  // namespace pixelcache
