// The pixelcache command line: inspect, hash and convert images.
// Errors go to stderr with exit status 1 (2 for usage errors).
#include <cstdio>
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "pixelcache/version.hpp"

namespace pixelcache::cli {

void report(const std::string& message) { std::cerr << "pixelcache: " << printable(message) << '\n'; }

void add_encode_options(CLI::App& cmd, EncodeOptions& options) {
  cmd.add_option("-q,--quality", options.quality, "JPEG / WebP quality 1..100")->check(CLI::Range(1, 100));
  cmd.add_flag("--lossless", options.lossless, "Lossless WebP");
}

namespace {

// Length of the valid UTF-8 sequence at s[i] (no overlongs, surrogates or
// code points above U+10FFFF), 0 when the bytes there are not one.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else
    return 0;
  if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string printable(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t') {
      out += s[i++];
    } else if (const std::size_t n = c >= 0x80 ? utf8_length(s, i) : 0) {
      out.append(s, i, n);
      i += n;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    }
  }
  return out;
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
  CLI::App app{"pixelcache: inspect, hash and transform images"};
  app.set_version_flag("--version", std::string("pixelcache ") + pixelcache::version());
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Runner>> commands;
  for (auto add : {add_info, add_hash, add_run, add_batch, add_grid, add_demo}) {
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
