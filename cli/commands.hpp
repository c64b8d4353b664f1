// The pixelcache program's subcommands. Each registers itself on the CLI11
// app and returns the process exit status from its run function.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "pixelcache/io.hpp"

namespace pixelcache::cli {

/// A registered subcommand: `run` is called when it was chosen.
using Runner = std::function<int()>;

Runner add_info(CLI::App& app);
Runner add_hash(CLI::App& app);
Runner add_run(CLI::App& app);
Runner add_grid(CLI::App& app);
Runner add_demo(CLI::App& app);
Runner add_batch(CLI::App& app);
Runner add_cache(CLI::App& app);
Runner add_dups(CLI::App& app);

/// Registers -q/--quality and --lossless on `cmd`, writing into `options`.
void add_encode_options(CLI::App& cmd, EncodeOptions& options);
/// --max-stream-pixels N (LoadOptions::max_stream_pixels) on run and batch.
void add_load_options(CLI::App& cmd, LoadOptions& options);

/// Prints "pixelcache: <message>" to stderr (through printable()).
void report(const std::string& message);
/// escape_bytes() (error.hpp) line by line: printable UTF-8 kept, control
/// characters and invalid bytes written as \xNN, newlines kept, so
/// untrusted names never reach a terminal or a JSON report raw.
std::string printable(std::string_view s);
/// JSON string literal with escapes.
std::string json_string(const std::string& s);

}  // namespace pixelcache::cli
