// `pixelcache hash [--glob PATTERN] INPUT...`: one "<digest>  <input>" line
// per input, like sha256sum; the digest is the stable content digest of the
// decoded pixels. Inputs as for batch: files, folders (walked, sorted),
// @LIST, -, URLs.
#include <iostream>

#include "batch_inputs.hpp"
#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_hash(CLI::App& app) {
  auto* cmd = app.add_subcommand("hash", "Print the content digest of images (same pixels, same digest)");
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto glob = std::make_shared<std::string>();
  cmd->add_option("inputs", *inputs,
                  "Image files, folders (walked recursively, sorted, image extensions), @LIST, - or http(s) URLs")
      ->required();
  cmd->add_option("--glob", *glob, "In folders, the files matching this pattern instead of the image extensions");
  return [inputs, glob] {
    int status = 0;
    for (const auto& input : collect_inputs(*inputs, *glob, {}, std::cin)) {
      const std::string& in = input.source;
      try {
        if (!input.error.empty()) throw IoError(input.error);
        std::cout << load(in).hex_digest() << "  " << in << '\n';
      } catch (const std::exception& e) {
        report(e.what());
        status = 1;
      }
    }
    return status;
  };
}

}  // namespace pixelcache::cli
