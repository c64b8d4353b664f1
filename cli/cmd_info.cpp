// `pixelcache info [--json] [--header] [--glob PATTERN] INPUT...`: size,
// mode, format, digest and EXIF orientation of each input (sizes after the
// orientation is applied). Inputs as for batch: files, folders (walked,
// sorted), @LIST, -, URLs. The digest needs the pixels, so by default every
// input is decoded (which also proves its body is sound); --header reads only
// the header (probe_file(): a file as far as its format needs) and prints the
// frame count instead of the digest.
#include <iostream>

#include "batch_inputs.hpp"
#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print size, mode, format, digest and orientation of images");
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  auto header = std::make_shared<bool>(false);
  auto glob = std::make_shared<std::string>();
  cmd->add_option("inputs", *inputs,
                  "Image files, folders (walked recursively, sorted, image extensions), @LIST, - or http(s) URLs")
      ->required();
  cmd->add_option("--glob", *glob, "In folders, the files matching this pattern instead of the image extensions");
  cmd->add_flag("--json", *json,
                "One JSON object per input and line (keys: file, width, height, mode, format, "
                "digest, orientation; with --header frames instead of digest)");
  cmd->add_flag("--header", *header,
                "Read only the headers, decode no pixels: no digest, the frame count instead (GIF, TIFF, HEIF, "
                "APNG); a file is read only as far as its format needs, so large files answer at once, and a body "
                "broken after a good header goes unnoticed");
  return [inputs, json, header, glob] {
    int status = 0;
    for (const auto& input : collect_inputs(*inputs, *glob, {}, std::cin)) {
      const std::string& in = input.source;
      try {
        if (!input.error.empty()) throw IoError(input.error);
        if (*header) {
          const ImageInfo i = probe_file(in);
          if (*json) {
            std::cout << "{\"file\": " << json_string(in) << ", \"width\": " << i.size.width
                      << ", \"height\": " << i.size.height << ", \"mode\": \"" << mode_name(i.mode)
                      << "\", \"format\": \"" << format_name(i.format) << "\", \"orientation\": " << i.orientation
                      << ", \"frames\": " << i.frames << "}\n";
          } else {
            std::cout << in << ": " << format_name(i.format) << " " << i.size.to_string() << " " << mode_name(i.mode)
                      << " orientation=" << i.orientation << " frames=" << i.frames << '\n';
          }
          continue;
        }
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
