// The inputs of `pixelcache batch` and where their outputs go.
//
// Arguments are expanded in order:
//   * a folder: every regular file below it (recursively, directory symlinks
//     not followed), sorted by path; by default files with the extension of
//     a format the library reads (formats.hpp: .png .jpg .jpeg .jpe .webp
//     .heic .heif .avif .tif .tiff .bmp .gif, any case), with --glob those
//     matching the pattern instead (on
//     the file name, or on the path below the folder when the pattern holds
//     a '/'). The output folder is never walked.
//   * `@FILE`: one input per line of FILE (files, folders or URLs; blank
//     lines skipped; a trailing '\r' dropped; paths relative to the current
//     directory, as with xargs); `-` reads that list from standard input.
//   * an http(s) URL; anything else is a file (a missing one fails alone).
// Output paths mirror the input tree under the output folder: a folder's
// files keep their path below that folder; a file given by a relative path
// that stays inside the current directory keeps that path; other files and
// URLs keep only their last name (a URL's last path segment, with anything
// but [A-Za-z0-9._-] replaced by '_').
//
// Thread safety: plain functions over values; the expansion reads the file
// system and standard input, so run it from one thread.
#pragma once

#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "pixelcache/io.hpp"

namespace pixelcache::cli {

/// One input of a batch. A planning problem (a folder that cannot be read,
/// no output format, two inputs writing one output) is kept in `error`, so
/// the input is reported as failed without stopping the others.
struct BatchInput {
  /// The path or URL to read.
  std::string source;
  /// The output path below the output folder, before --format changes its
  /// extension.
  std::filesystem::path relative;
  /// Filled by plan_outputs(): the output path, and the same below the
  /// output folder (`relative` with the extension --format gives).
  std::filesystem::path output;
  std::filesystem::path output_relative;
  Format format = Format::Unknown;
  /// Why this input cannot be processed; empty when it can.
  std::string error;
};

/// Expands the arguments as described above. `glob` empty: image
/// extensions. `output_dir` is skipped when met in a folder walk. Throws
/// IoError when a list file cannot be read.
std::vector<BatchInput> collect_inputs(const std::vector<std::string>& args, const std::string& glob,
                                       const std::filesystem::path& output_dir, std::istream& standard_input);

/// Sets `output` and `format` of every input: output_dir / relative, with
/// the extension replaced by `format_extension` (e.g. ".png") when it is not
/// empty, else the format of the input's own extension. An input whose
/// output has no writable format, would overwrite the input, or repeats an
/// earlier input's output gets an `error` instead.
void plan_outputs(std::vector<BatchInput>& inputs, const std::filesystem::path& output_dir,
                  const std::string& format_extension);

}  // namespace pixelcache::cli
