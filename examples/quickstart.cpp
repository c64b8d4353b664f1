// The C++ example of README.md and doc/cpp.md: load, inspect, digest, build from a raw buffer,
// convert to and from OpenCV, save. Run by ctest (example_quickstart).
//
//   quickstart ASSETS_DIR OUTPUT_DIR
#include <iostream>
#include <pixelcache/interop/opencv.hpp>
#include <pixelcache/pixelcache.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: quickstart ASSETS_DIR OUTPUT_DIR\n";
    return 2;
  }
  const std::string assets = argv[1], out = argv[2];
  try {
    // Load from a path (or an http(s) URL, or bytes with pixelcache::decode).
    const pixelcache::Image cat = pixelcache::load(assets + "/chelsea.png");
    std::cout << cat.to_string() << " digest " << cat.hex_digest() << '\n';

    // The digest is a content key: the same pixels from a raw buffer agree.
    const std::vector<std::uint8_t> pixels = cat.to_u8_vector();  // an independent copy
    const pixelcache::Image again = pixelcache::Image::from_raw(pixels.data(), {cat.height(), cat.width(), 3});
    std::cout << "raw buffer digest equal: " << std::boolalpha << (again.digest() == cat.digest()) << '\n';

    // OpenCV: BGR copies in and out, or a zero-copy RGB view.
    const cv::Mat bgr = pixelcache::to_mat(cat);
    const cv::Mat view = pixelcache::mat_view(cat);
    std::cout << "cv::Mat " << bgr.cols << "x" << bgr.rows
              << ", view shares storage: " << (static_cast<const void*>(view.data) == cat.data()) << '\n';

    // Hashable containers make whole configurations cache keys.
    const pixelcache::HashableDict config{{"image", cat}, {"size", pixelcache::HashableList{256, 256}}};
    std::cout << "config digest " << config.digest().hex() << '\n';

    // Operations: free functions, image first, a new image back.
    using namespace pixelcache;
    const Image small = resize(cat, {256, 256}, Interpolation::Lanczos);  // ImageSize is {height, width}
    const Image mask = to_binary(to_gray(cat), 0.5, /*area_min=*/0.001);
    Mask2BboxOptions opt_boxes;
    opt_boxes.margin = 0.1;  // grow boxes by 10 %
    opt_boxes.merge = true;
    const auto boxes = mask2bbox(mask, opt_boxes);  // BoundingBoxes, exclusive ends
    const Image crop = crop_from_bbox(cat, boxes);
    const Image back = uncrop_from_bbox(apply_palette(to_gray(crop), "viridis"), cat, boxes);
    const Image grid = make_image_grid({{"input", {cat, small}}, {"mask", {mask}}, {"result", {back}}});
    std::cout << boxes.size() << " boxes, grid " << grid.to_string() << '\n';
    save(grid, out + "/grid.png");

    // Save: format from the extension.
    pixelcache::EncodeOptions opt;
    opt.lossless = true;
    pixelcache::save(cat, out + "/chelsea.webp", opt);
    std::cout << "lossless WebP keeps the digest: "
              << (pixelcache::load(out + "/chelsea.webp").digest() == cat.digest()) << '\n';
  } catch (const pixelcache::Error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
