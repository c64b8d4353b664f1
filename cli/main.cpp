// The pixelcache command line: inspect, hash and convert images.
// Errors go to stderr with exit status 1 (2 for usage errors); a write above
// the file size limit is such an error (SIGXFSZ is ignored).
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "formats.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/version.hpp"

namespace pixelcache::cli {

void report(const std::string& message) { std::cerr << "pixelcache: " << printable(message) << '\n'; }

std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t start = 0;;) {
    const std::size_t nl = s.find('\n', start);
    out += escape_bytes(s.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) return out;
    out += '\n';
    start = nl + 1;
  }
}

void add_encode_options(CLI::App& cmd, EncodeOptions& options) {
  cmd.add_option("-q,--quality", options.quality, writers_using("quality") + " quality 1..100")
      ->check(CLI::Range(1, 100));
  cmd.add_flag("--lossless", options.lossless, "Lossless " + writers_using("lossless"));
}

void add_load_options(CLI::App& cmd, LoadOptions& options) {
  cmd.add_option("--max-stream-pixels", options.max_stream_pixels,
                 "Pixel limit of a decode that streams into a first resize / resize_min_size step (" +
                     streaming_formats() +
                     "; memory does not grow with the image): max(this, the 178,956,970-pixel "
                     "limit of whole decodes), which other inputs keep")
      ->check(CLI::NonNegativeNumber);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace pixelcache::cli

int main(int argc, char** argv) {
  using namespace pixelcache::cli;
  // Above the file size limit (ulimit -f) a write then fails with EFBIG: an
  // IoError naming the output, its temporary removed, instead of SIGXFSZ
  // killing the program (as Python does).
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"pixelcache: inspect, hash and transform images"};
  app.set_version_flag("--version", std::string("pixelcache ") + pixelcache::version());
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Runner>> commands;
  for (auto add : {add_info, add_hash, add_run, add_batch, add_dups, add_cache, add_grid, add_demo}) {
    const std::size_t before = app.get_subcommands({}).size();
    Runner r = add(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(r));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help / --version, or a usage error
  }
  try {
    for (auto& [sub, run] : commands)
      if (sub->parsed()) return run();
  } catch (const std::exception& e) {
    report(e.what());
    return 1;
  }
  return 0;
}
