// `pixelcache run INPUT -o OUTPUT [STEP...]`: load, apply steps, save in the
// format of OUTPUT's extension.
#include <iostream>

#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Load an image, apply steps, save it (format from the extension)");
  struct Args {
    std::string input, output;
    std::vector<std::string> steps;
    int quality = 90;
    bool lossless = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("input", a->input, "Image file or http(s) URL")->required();
  cmd->add_option("-o,--output", a->output, "Output file (.png .jpg .webp .tif .bmp)")->required();
  cmd->add_option("steps", a->steps, "Operations to apply, in order");
  cmd->add_option("-q,--quality", a->quality, "JPEG / WebP quality 1..100")->check(CLI::Range(1, 100));
  cmd->add_flag("--lossless", a->lossless, "Lossless WebP");
  return [a] {
    if (!a->steps.empty())
      throw InvalidArgument("unknown step '" + a->steps.front() + "' (no steps are available in this version)");
    const Image img = load(a->input);
    EncodeOptions opt;
    opt.quality = a->quality;
    opt.lossless = a->lossless;
    save(img, a->output, opt);
    return 0;
  };
}

}  // namespace pixelcache::cli
