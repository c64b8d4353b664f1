// `pixelcache info [--json] FILE|URL...`: size, mode, format, digest and
// EXIF orientation of each input (sizes after the orientation is applied).
#include <iostream>

#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print size, mode, format, digest and orientation of images");
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("inputs", *inputs, "Image files or http(s) URLs")->required();
  cmd->add_flag("--json", *json,
                "One JSON object per input and line (keys: file, width, height, mode, format, "
                "digest, orientation)");
  return [inputs, json] {
    int status = 0;
    for (const auto& in : *inputs) {
      try {
        const Decoded d = load_ex(in);
        const Image& img = d.image;
        if (*json) {
          std::cout << "{\"file\": " << json_string(in) << ", \"width\": " << img.width()
                    << ", \"height\": " << img.height() << ", \"mode\": \"" << mode_name(img.mode())
                    << "\", \"format\": \"" << format_name(d.format) << "\", \"digest\": \"" << img.hex_digest()
                    << "\", \"orientation\": " << d.orientation << "}\n";
        } else {
          std::cout << in << ": " << format_name(d.format) << " " << img.size().to_string() << " "
                    << mode_name(img.mode()) << " orientation=" << d.orientation << " digest=" << img.hex_digest()
                    << '\n';
        }
      } catch (const std::exception& e) {
        report(e.what());
        status = 1;
      }
    }
    return status;
  };
}

}  // namespace pixelcache::cli
