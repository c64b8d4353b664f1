// `pixelcache demo [-o DIR]`: the main job. From the bundled sample photos it
// writes the two pictures doc/cli.md describes — a grid of transformations and the mask
// workflow (mask -> boxes -> blend -> crop -> uncrop) — and shows that the
// digest is a content key across formats.
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

#ifndef PIXELCACHE_ASSETS_DIR
#define PIXELCACHE_ASSETS_DIR "assets"
#endif

namespace pixelcache::cli {

namespace {

Image transformations(const Image& cat) {
  const Image gray = to_gray(cat);
  const Image equalized = equalize_hist(gray);
  const HashableDict grid{
      {"original", HashableList{cat, flip_horizontal(cat)}},
      {"resize + rotate", HashableList{resize(cat, {150, 226}, Interpolation::Lanczos), rotate(cat, 30)}},
      {"gray + binary", HashableList{gray, to_binary(gray, 0.5)}},
      {"equalize + palette", HashableList{equalized, apply_palette(equalized, "viridis")}},
      {"invert + pad", HashableList{invert_rgb(cat), center_pad(resize(cat, {200, 300}), cat.size(), 255)}},
  };
  return make_image_grid(grid, {GridOrientation::Vertical, true});
}

Image mask_workflow(const Image& photo) {
  // The bright cup: threshold the gray image, clean it, keep the largest region.
  const Image bright = to_binary(to_gray(photo), 0.7);
  const Image mask = morphology(morphology(bright, Morphology::Close, 25), Morphology::Open, 9);
  Mask2BboxOptions o;
  o.number_of_objects = 1;
  o.margin = 0.05;
  const auto boxes = mask2bbox(mask, o);
  if (boxes.empty()) throw Error("demo: the sample photo gave an empty mask");
  const Image crop = crop_from_bbox(photo, boxes);
  const Image edited = apply_palette(equalize_hist(to_gray(crop)), "magma");
  const HashableDict grid{
      {"image", HashableList{photo}},
      {"mask", HashableList{mask}},
      {"blend + boxes", HashableList{blend(photo, mask, 0.3, true)}},
      {"crop", HashableList{crop}},
      {"edited crop, uncropped", HashableList{uncrop_from_bbox(edited, photo, boxes)}},
  };
  return make_image_grid(grid, {GridOrientation::Vertical, true});  // one column per step
}

}  // namespace

Runner add_demo(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Run the demo on the bundled sample photos");
  auto out = std::make_shared<std::string>("demo-output");
  auto assets = std::make_shared<std::string>(PIXELCACHE_ASSETS_DIR);
  cmd->add_option("-o,--output", *out, "Folder for the pictures written")->capture_default_str();
  cmd->add_option("--assets", *assets, "Folder with the sample photos")->capture_default_str();
  return [out, assets] {
    namespace fs = std::filesystem;
    fs::create_directories(*out);
    const Image cat = load(*assets + "/chelsea.png");
    const Image coffee = load(*assets + "/coffee.png");

    const fs::path t = fs::path(*out) / "transformations.png";
    save(transformations(cat), t);
    std::cout << "wrote " << t.string() << '\n';
    const fs::path m = fs::path(*out) / "mask_workflow.png";
    save(mask_workflow(coffee), m);
    std::cout << "wrote " << m.string() << '\n';

    // The digest is a content key: lossless formats agree, JPEG does not.
    std::cout << "chelsea.png digest " << cat.hex_digest() << '\n';
    for (const char* ext : {".bmp", ".tiff", ".webp", ".jpg"}) {
      const fs::path p = fs::path(*out) / (std::string("chelsea") + ext);
      EncodeOptions opt;
      opt.lossless = true;
      save(cat, p, opt);
      const Image back = load(p.string());
      std::cout << "  " << p.filename().string() << ": " << back.hex_digest() << ' '
                << (back == cat ? "(same pixels, same digest)" : "(lossy: different pixels, different digest)") << '\n';
    }
    return 0;
  };
}

}  // namespace pixelcache::cli
