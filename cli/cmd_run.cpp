// `pixelcache run INPUT -o OUTPUT [STEP...] [--cache[=DIR]]`: load, apply
// steps, save in the format of OUTPUT's extension. With --cache the output is
// looked up by (input bytes, steps, format, options) first, and one line on
// stderr says whether it was a hit:
//   pixelcache run: cache hit (disk): OUTPUT      (nothing decoded)
//   pixelcache run: cache miss: OUTPUT            (computed and stored)
// OUTPUT is written atomically (write_file() in io.hpp) and may not be the
// input file itself.
#include <sys/stat.h>

#include <iostream>

#include "cache_options.hpp"
#include "commands.hpp"
#include "formats.hpp"
#include "pipeline.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

namespace {

// Throws InvalidArgument when `output` is the file `input` (the same file,
// also through a link or another name): the output would replace its input.
void refuse_overwriting_input(const std::string& input, const std::string& output) {
  struct stat in {
  }, out{};
  if (is_url(input) || input.find('\0') != std::string::npos || output.find('\0') != std::string::npos) return;
  if (::stat(input.c_str(), &in) == 0 && ::stat(output.c_str(), &out) == 0 && in.st_dev == out.st_dev &&
      in.st_ino == out.st_ino)
    throw InvalidArgument(printable(output) + ": is the input " + printable(input) +
                          " (the same file); the output would overwrite the input");
}

}  // namespace

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Load an image, apply steps, save it (format from the extension)");
  cmd->footer("Steps (sizes are WIDTHxHEIGHT; MASK and IMAGE are files):\n" + step_help() +
              "With --cache, one line on stderr says 'pixelcache run: cache hit (TIER): OUTPUT' (the stored file was "
              "written, nothing decoded) or 'pixelcache run: cache miss: OUTPUT' (computed and stored).\n");
  struct Args {
    std::string input, output;
    std::vector<std::string> steps;
    EncodeOptions encode;
    LoadOptions load;
    CacheSwitch cache;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("input", a->input, "Image file or http(s) URL")->required();
  cmd->add_option("-o,--output", a->output, "Output file (" + writer_extensions() + ")")->required();
  cmd->add_option("steps", a->steps, "Operations to apply, in order");
  add_encode_options(*cmd, a->encode);
  add_load_options(*cmd, a->load);
  add_cache_options(*cmd, a->cache);
  return [a] {
    refuse_overwriting_input(a->input, a->output);
    Pipeline pipeline = Pipeline::parse(a->steps, a->encode);  // all parsed before any work
    pipeline.load = a->load;
    const auto cache = a->cache.open();  // and the cache opened
    const Processed r = process(pipeline, a->input, a->output, format_from_extension(a->output), cache.get());
    if (cache) print_notices(*cache);  // e.g. a Redis tier that is down, and why
    if (r.cache == CacheUse::Hit)
      std::cerr << "pixelcache run: cache hit (" << origin_name(r.origin) << "): " << printable(a->output) << '\n';
    else if (r.cache == CacheUse::Miss)
      std::cerr << "pixelcache run: cache miss: " << printable(a->output) << '\n';
    return 0;
  };
}

}  // namespace pixelcache::cli
