// `pixelcache hash FILE|URL...`: one "<digest>  <input>" line per input, like
// sha256sum; the digest is the stable content digest of the decoded pixels.
#include <iostream>

#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_hash(CLI::App& app) {
  auto* cmd = app.add_subcommand("hash", "Print the content digest of images (same pixels, same digest)");
  auto inputs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("inputs", *inputs, "Image files or http(s) URLs")->required();
  return [inputs] {
    int status = 0;
    for (const auto& in : *inputs) {
      try {
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
