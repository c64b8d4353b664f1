// `pixelcache run INPUT -o OUTPUT [STEP...]`: load, apply steps, save in the
// format of OUTPUT's extension.
#include <iostream>

#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"
#include "steps.hpp"

namespace pixelcache::cli {

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Load an image, apply steps, save it (format from the extension)");
  cmd->footer("Steps (sizes are WIDTHxHEIGHT; MASK and IMAGE are files):\n" + step_help());
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
    std::vector<Step> steps;
    for (const auto& s : a->steps) steps.push_back(parse_step(s));  // all parsed before any work
    LoadOptions load_opt;
    // A pipeline that starts by shrinking lets the JPEG decoder shrink on load.
    if (!steps.empty() && steps.front().resize_to.height > 0) load_opt.shrink_hint = steps.front().resize_to;
    Image img = load(a->input, load_opt);
    for (const auto& s : steps) img = s.apply(img);
    EncodeOptions opt;
    opt.quality = a->quality;
    opt.lossless = a->lossless;
    save(img, a->output, opt);
    return 0;
  };
}

}  // namespace pixelcache::cli
