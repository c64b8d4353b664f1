// `pixelcache demo [-o DIR]`: the main job on the bundled sample photos —
// loads each one, prints its facts and digest, writes it through every
// writer and shows which round trips keep the digest.
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

#ifndef PIXELCACHE_ASSETS_DIR
#define PIXELCACHE_ASSETS_DIR "assets"
#endif

namespace pixelcache::cli {

Runner add_demo(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Run the demo on the bundled sample photos");
  auto out = std::make_shared<std::string>("demo-output");
  auto assets = std::make_shared<std::string>(PIXELCACHE_ASSETS_DIR);
  cmd->add_option("-o,--output", *out, "Folder for the pictures written")->capture_default_str();
  cmd->add_option("--assets", *assets, "Folder with the sample photos")->capture_default_str();
  return [out, assets] {
    namespace fs = std::filesystem;
    fs::create_directories(*out);
    std::vector<fs::path> photos;
    for (const auto& e : fs::directory_iterator(*assets))
      if (e.is_regular_file() && sniff_format(read_file(e.path())) != Format::Unknown) photos.push_back(e.path());
    std::sort(photos.begin(), photos.end());
    if (photos.empty()) throw IoError(*assets + ": no sample photos found");
    for (const auto& p : photos) {
      const Decoded d = load_ex(p.string());
      std::cout << p.filename().string() << ": " << format_name(d.format) << " " << d.image.width() << "x"
                << d.image.height() << " " << mode_name(d.image.mode()) << " digest " << d.image.hex_digest() << '\n';
      for (const char* ext : {".png", ".bmp", ".tiff", ".webp", ".jpg"}) {
        const fs::path target = fs::path(*out) / (p.stem().string() + ext);
        EncodeOptions opt;
        opt.lossless = true;
        save(d.image, target, opt);
        const Image back = load(target.string());
        std::cout << "  " << target.string() << " (" << fs::file_size(target)
                  << " bytes): " << (back.digest() == d.image.digest() ? "same digest" : "different digest (lossy)")
                  << '\n';
      }
    }
    return 0;
  };
}

}  // namespace pixelcache::cli
