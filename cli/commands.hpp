// The pixelcache program's subcommands. Each registers itself on the CLI11
// app and returns the process exit status from its run function.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace pixelcache::cli {

/// A registered subcommand: `run` is called when it was chosen.
using Runner = std::function<int()>;

Runner add_info(CLI::App& app);
Runner add_hash(CLI::App& app);
Runner add_run(CLI::App& app);
Runner add_grid(CLI::App& app);
Runner add_demo(CLI::App& app);

/// Prints "pixelcache: <input>: <message>" to stderr.
void report(const std::string& message);
/// JSON string literal with escapes.
std::string json_string(const std::string& s);

}  // namespace pixelcache::cli
