// make_image_grid and create_text (grid.hpp): the original's layout
// and its label strip (tools/text.py create_text), built on
// display_string's layout.
#include "pixelcache/grid.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <opencv2/core.hpp>

#include "image_storage.hpp"
#include "ops_internal.hpp"
#include "pixelcache/ops.hpp"
#include "text.hpp"

namespace pixelcache {
namespace {

// The labels drawn side by side, each centred in a `cell_w` wide, `canvas_h`
// tall canvas at one shared font size (the smallest of their fitting sizes),
// trimmed to the ink rows with 2 rows above and 1 below (remove_white_text,
// without its negative start index). Coverage: 0 = white background. Height 0
// when no label has ink.
detail::Plane label_strip(const std::vector<std::string>& labels, int cell_w, int canvas_h,
                          const std::string& font_path = {}) {
  const int n = static_cast<int>(labels.size());
  detail::Font font(font_path);
  const ImageSize canvas{canvas_h, cell_w};
  std::vector<std::vector<std::u32string>> lines;
  for (const auto& label : labels) lines.push_back(detail::split_lines(label, std::nullopt));
  std::vector<const std::vector<std::u32string>*> with_ink;  // empty labels do not take part
  for (const auto& l : lines)
    if (std::any_of(l.begin(), l.end(), [](const auto& s) { return !s.empty(); })) with_ink.push_back(&l);
  if (with_ink.empty()) return detail::Plane(cell_w * n, 0);
  const int best = detail::fit_font_size(font, with_ink, canvas, 0.5);
  std::vector<detail::TextLayout> layouts;
  int top = canvas_h, bottom = 0;
  for (const auto& l : lines) {
    layouts.push_back(detail::layout_text(font, l, best, canvas, Justification::Center));
    if (layouts.back().ink_bottom > layouts.back().ink_top) {
      top = std::min(top, layouts.back().ink_top);
      bottom = std::max(bottom, layouts.back().ink_bottom);
    }
  }
  if (bottom <= top) return detail::Plane(cell_w * n, 0);
  top = std::max(0, top - 2);
  bottom = std::min(canvas_h, bottom + 2);
  detail::Plane band(cell_w * n, bottom - top, top);
  for (int k = 0; k < n; ++k) {  // each label clipped to its own canvas
    band.clip_left = k * cell_w;
    band.clip_right = (k + 1) * cell_w;
    detail::draw_layout(font, layouts[static_cast<std::size_t>(k)], band, k * cell_w);
  }
  const auto inked = [&](int r) {
    const std::uint8_t* p = band.row(r);
    return std::any_of(p, p + band.width, [](std::uint8_t v) { return v != 0; });
  };
  int first = 0, last = band.height - 1;
  while (first < band.height && !inked(first)) ++first;
  if (first == band.height) return detail::Plane(cell_w * n, 0);
  while (!inked(last)) --last;
  // Rows [first - 2, last + 2) of the canvas, within the canvas.
  const int keep_top = std::max(0, band.y0 + first - 2) - band.y0;
  const int keep_bottom = std::min(canvas_h, band.y0 + last + 2) - band.y0;
  detail::Plane strip(band.width, keep_bottom - keep_top, band.y0 + keep_top);
  std::memcpy(strip.data.data(), band.row(keep_top), strip.data.size());
  return strip;
}

// Paints `strip` (coverage, 0 = background) as black text on `background`
// into `out`: above at column 0 (vertical), or turned 90 degrees counter-
// clockwise on the left ending at the bottom row (horizontal). The whole
// strip band (strip.height rows or columns of `out`) is filled first.
void paint_strip(cv::Mat& out, detail::Plane& strip, bool vertical, const std::array<std::uint8_t, 3>& background) {
  if (strip.height <= 0) return;
  const cv::Scalar bg(background[0], background[1], background[2]);
  out(vertical ? cv::Rect(0, 0, out.cols, strip.height) : cv::Rect(0, 0, strip.height, out.rows)).setTo(bg);
  cv::Mat ink(strip.height, strip.width, CV_8UC1, strip.data.data()), text;
  cv::subtract(cv::Scalar::all(255), ink, text);  // 255 = background, 0 = black text
  if (!vertical) {
    cv::Mat turned;
    cv::rotate(text, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
    text = turned;
  }
  std::vector<cv::Mat> channels(3);
  for (std::size_t c = 0; c < 3; ++c) text.convertTo(channels[c], CV_8U, background[c] / 255.0);
  cv::Mat rgb;
  cv::merge(channels, rgb);
  rgb.copyTo(out(cv::Rect(0, vertical ? 0 : out.rows - rgb.rows, rgb.cols, rgb.rows)));
}

}  // namespace

const char* grid_orientation_name(GridOrientation o) noexcept {
  return o == GridOrientation::Vertical ? "vertical" : "horizontal";
}

GridOrientation parse_grid_orientation(std::string_view name) {
  for (const GridOrientation o : {GridOrientation::Horizontal, GridOrientation::Vertical})
    if (name == grid_orientation_name(o)) return o;
  throw InvalidArgument("make_image_grid: orientation must be \"horizontal\" or \"vertical\", got \"" +
                        std::string(name) + "\"");
}

Image make_image_grid(const std::vector<std::pair<std::string, std::vector<Image>>>& columns,
                      const GridOptions& options) {
  if (columns.empty()) throw InvalidArgument("make_image_grid: no labels (the dict is empty)");
  int cell_h = 0, cell_w = 0;
  std::size_t longest = 0;
  for (const auto& [label, images] : columns) {
    if (images.empty())
      throw InvalidArgument("make_image_grid: the list of '" + label + "' is empty; give every label an image");
    longest = std::max(longest, images.size());
    for (const Image& im : images) {
      if (im.empty()) throw InvalidArgument("make_image_grid: an empty image under label '" + label + "'");
      cell_h = std::max(cell_h, im.height());
      cell_w = std::max(cell_w, im.width());
    }
  }
  const bool vertical = options.orientation == GridOrientation::Vertical;
  const std::int64_t keys = static_cast<std::int64_t>(columns.size()), items = static_cast<std::int64_t>(longest);
  const std::int64_t rows = vertical ? items : keys, cols = vertical ? keys : items;
  const std::int64_t grid_h = rows * cell_h, grid_w = cols * cell_w;
  if (grid_h > INT_MAX || grid_w > INT_MAX)
    throw LimitError("make_image_grid: a grid of " + std::to_string(grid_w) + "x" + std::to_string(grid_h) +
                     " (WxH) pixels is too large");

  // The pixel limit, before any label work (the strip only adds to this).
  detail::checked_sample_count({static_cast<int>(grid_h), static_cast<int>(grid_w)}, 3, 1, "make_image_grid");

  // Labels (create_text): vertical grids get one label per column above;
  // horizontal ones are labelled as if turned 90 degrees clockwise (labels
  // reversed, strip on top) and turned back, so the strip is on the left and
  // its text reads bottom to top.
  detail::Plane strip(0, 0);
  if (options.with_text) {
    std::vector<std::string> labels;
    for (const auto& c : columns) labels.push_back(c.first);
    if (!vertical) std::reverse(labels.begin(), labels.end());
    strip = label_strip(labels, vertical ? cell_w : cell_h, static_cast<int>(vertical ? grid_h : grid_w));
  }
  const std::int64_t total_h = vertical ? grid_h + strip.height : grid_h;
  const std::int64_t total_w = vertical ? grid_w : grid_w + strip.height;
  if (total_h > INT_MAX || total_w > INT_MAX)
    throw LimitError("make_image_grid: a grid of " + std::to_string(total_w) + "x" + std::to_string(total_h) +
                     " (WxH) pixels is too large");
  const int out_h = static_cast<int>(total_h), out_w = static_cast<int>(total_w);
  const int top = vertical ? strip.height : 0, left = vertical ? 0 : strip.height;

  // The canvas is the result's own storage (allocation checks the size limit).
  return Image::generate({out_h, out_w}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> canvas) {
    std::memset(canvas.data(), 0, canvas.size());
    cv::Mat out(out_h, out_w, CV_8UC3, canvas.data());
    paint_strip(out, strip, vertical, {255, 255, 255});
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const auto& images = columns[k].second;
      for (std::size_t i = 0; i < images.size(); ++i) {  // missing cells stay black (zeros_like)
        const Image cell = center_pad(to_rgb(images[i]).as_u8(), {cell_h, cell_w});
        const int r = static_cast<int>(vertical ? i : k), c = static_cast<int>(vertical ? k : i);
        detail::as_mat(cell).copyTo(out(cv::Rect(left + c * cell_w, top + r * cell_h, cell_w, cell_h)));
      }
    }
  });
}

Image create_text(const Image& image, const std::vector<std::string>& texts, const CreateTextOptions& options) {
  if (image.empty()) throw InvalidArgument("create_text: the image is empty");
  if (texts.empty()) throw InvalidArgument("create_text: texts is empty; give one label per row or column");
  const bool vertical = options.orientation == GridOrientation::Vertical;
  const Image rgb = to_rgb(image).as_u8();
  const int h = rgb.height(), w = rgb.width();
  const std::int64_t n = static_cast<std::int64_t>(texts.size());
  const int along = vertical ? w : h;  // the side the labels share
  if (n > along)
    throw InvalidArgument("create_text: " + std::to_string(n) + " texts do not fit along the " +
                          (vertical ? "width" : "height") + " of an image of " + rgb.size().to_string());
  // Horizontal: labelled as if turned 90 degrees clockwise (labels reversed,
  // strip on top) and turned back, as make_image_grid.
  std::vector<std::string> labels = texts;
  if (!vertical) std::reverse(labels.begin(), labels.end());
  detail::Plane strip = label_strip(labels, along / static_cast<int>(n), vertical ? h : w, options.font_path);
  const std::int64_t total_h = vertical ? std::int64_t{h} + strip.height : h;
  const std::int64_t total_w = vertical ? w : std::int64_t{w} + strip.height;
  if (total_h > INT_MAX || total_w > INT_MAX)
    throw LimitError("create_text: an image of " + std::to_string(total_w) + "x" + std::to_string(total_h) +
                     " (WxH) pixels is too large");
  const int out_h = static_cast<int>(total_h), out_w = static_cast<int>(total_w);
  return Image::generate({out_h, out_w}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> canvas) {
    cv::Mat out(out_h, out_w, CV_8UC3, canvas.data());
    paint_strip(out, strip, vertical, options.background);
    detail::as_mat(rgb).copyTo(out(cv::Rect(vertical ? 0 : strip.height, vertical ? strip.height : 0, w, h)));
  });
}

Image make_image_grid_from_dict(const HashableDict& dict, const GridOptions& options) {
  std::vector<std::pair<std::string, std::vector<Image>>> columns;
  for (const auto& [key, value] : dict) {
    if (key.kind() != Value::Kind::String)
      throw InvalidArgument(std::string("make_image_grid: labels must be strings, got a ") + kind_name(key.kind()));
    std::vector<Image> images;
    if (value.kind() == Value::Kind::Image) {
      images.push_back(value.as<Image>());
    } else if (value.kind() == Value::Kind::List) {
      for (const Value& v : value.as<HashableList>()) {
        if (v.kind() != Value::Kind::Image)
          throw InvalidArgument("make_image_grid: '" + key.as<std::string>() + "' holds a " + kind_name(v.kind()) +
                                ", not an image");
        images.push_back(v.as<Image>());
      }
    } else {
      throw InvalidArgument("make_image_grid: '" + key.as<std::string>() + "' must hold a list of images, not a " +
                            kind_name(value.kind()));
    }
    columns.emplace_back(key.as<std::string>(), std::move(images));
  }
  return make_image_grid(columns, options);
}

}  // namespace pixelcache
