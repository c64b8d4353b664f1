// `pixelcache run INPUT -o OUTPUT [STEP...]`: load, apply steps, save in the
// format of OUTPUT's extension.
#include "commands.hpp"
#include "pipeline.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Load an image, apply steps, save it (format from the extension)");
  cmd->footer("Steps (sizes are WIDTHxHEIGHT; MASK and IMAGE are files):\n" + step_help());
  struct Args {
    std::string input, output;
    std::vector<std::string> steps;
    EncodeOptions encode;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("input", a->input, "Image file or http(s) URL")->required();
  cmd->add_option("-o,--output", a->output, "Output file (.png .jpg .webp .tif .bmp)")->required();
  cmd->add_option("steps", a->steps, "Operations to apply, in order");
  add_encode_options(*cmd, a->encode);
  return [a] {
    const Pipeline pipeline = Pipeline::parse(a->steps, a->encode);  // all parsed before any work
    process(pipeline, a->input, a->output, format_from_extension(a->output));
    return 0;
  };
}

}  // namespace pixelcache::cli
