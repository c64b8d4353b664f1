// make_image_grid (grid.hpp).
#include "pixelcache/grid.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <opencv2/imgproc.hpp>

#include "ops_internal.hpp"
#include "pixelcache/ops.hpp"
#include "text.hpp"

namespace pixelcache {

Image make_image_grid(const std::vector<std::pair<std::string, std::vector<Image>>>& columns,
                      const GridOptions& options) {
  if (columns.empty()) throw InvalidArgument("make_image_grid: no labels");
  if (options.font_size < 0) throw InvalidArgument("make_image_grid: font_size must be >= 0");
  int cell_h = 0, cell_w = 0;
  std::size_t longest = 0;
  for (const auto& [label, images] : columns) {
    longest = std::max(longest, images.size());
    for (const Image& im : images) {
      if (im.empty()) throw InvalidArgument("make_image_grid: empty image under label '" + label + "'");
      cell_h = std::max(cell_h, im.height());
      cell_w = std::max(cell_w, im.width());
    }
  }
  if (longest == 0) throw InvalidArgument("make_image_grid: every list is empty");
  const bool vertical = options.orientation == GridOrientation::Vertical;
  const int ncols = static_cast<int>(columns.size()), nitems = static_cast<int>(longest);

  // Labels: one font size for all, the largest that fits every label along
  // its cell (width for columns, height for rows, as rows' labels are turned).
  int px = 0, strip = 0;
  std::unique_ptr<detail::Font> font;
  if (options.with_text) {
    font = std::make_unique<detail::Font>();
    const int along = vertical ? cell_w : cell_h;
    px = options.font_size > 0 ? options.font_size : std::clamp(std::min(cell_w, cell_h) / 10, 10, 64);
    if (options.font_size == 0)
      for (const auto& col : columns)
        while (px > 6 && font->measure(col.first, px) > along * 95 / 100) --px;
    strip = px * 3 / 2 + 4;
  }
  const std::int64_t wide = vertical ? std::int64_t{ncols} * cell_w : strip + std::int64_t{nitems} * cell_w;
  const std::int64_t tall = vertical ? strip + std::int64_t{nitems} * cell_h : std::int64_t{ncols} * cell_h;
  if (wide > INT32_MAX || tall > INT32_MAX)
    throw LimitError("make_image_grid: a " + std::to_string(tall) + "x" + std::to_string(wide) + " grid is too large");
  const int grid_w = static_cast<int>(wide), grid_h = static_cast<int>(tall);
  // The canvas is the result's own storage (allocation checks the size limit).
  return Image::generate({grid_h, grid_w}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> canvas) {
    std::memset(canvas.data(), 0, canvas.size());
    cv::Mat out(grid_h, grid_w, CV_8UC3, canvas.data());
    for (int k = 0; k < ncols; ++k) {
      const auto& [label, images] = columns[static_cast<std::size_t>(k)];
      if (options.with_text) {
        const ImageSize along_size = vertical ? ImageSize{strip, cell_w} : ImageSize{strip, cell_h};
        Image text = detail::render_label(*font, label, along_size, px);
        if (!vertical) text = rotate(text, 90);  // reads bottom to top
        const cv::Rect r = vertical ? cv::Rect(k * cell_w, 0, cell_w, strip) : cv::Rect(0, k * cell_h, strip, cell_h);
        cv::Mat rgb;
        cv::cvtColor(detail::as_mat(text), rgb, cv::COLOR_GRAY2RGB);
        rgb.copyTo(out(r));
      }
      for (int i = 0; i < static_cast<int>(images.size()); ++i) {
        const Image cell = center_pad(to_rgb(images[static_cast<std::size_t>(i)]).as_u8(), {cell_h, cell_w});
        const cv::Rect r = vertical ? cv::Rect(k * cell_w, strip + i * cell_h, cell_w, cell_h)
                                    : cv::Rect(strip + i * cell_w, k * cell_h, cell_w, cell_h);
        detail::as_mat(cell).copyTo(out(r));
      }
    }
  });
}

Image make_image_grid_from_dict(const HashableDict& dict, const GridOptions& options) {
  std::vector<std::pair<std::string, std::vector<Image>>> columns;
  for (const auto& [key, value] : dict) {
    if (key.kind() != Value::Kind::String) throw InvalidArgument("make_image_grid: labels must be strings");
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
