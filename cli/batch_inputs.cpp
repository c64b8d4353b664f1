// Expanding batch arguments into inputs and planning their outputs
// (batch_inputs.hpp).
#include "batch_inputs.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "commands.hpp"
#include "formats.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"

namespace pixelcache::cli {

namespace fs = std::filesystem;

namespace {

bool matches(const std::string& glob, const ImageExtensions& images, const fs::path& relative) {
  if (glob.empty()) return images.contains(relative.extension().string());
  if (glob.find('/') != std::string::npos)
    return fnmatch(glob.c_str(), relative.generic_string().c_str(), FNM_PATHNAME) == 0;
  return fnmatch(glob.c_str(), relative.filename().c_str(), 0) == 0;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

// A URL's last path segment as a safe file name.
fs::path url_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  const std::size_t scheme = path.find("://");
  path = scheme == std::string::npos ? path : path.substr(scheme + 3);
  const std::size_t slash = path.find('/');
  std::string last = slash == std::string::npos ? std::string() : path.substr(path.find_last_of('/') + 1);
  for (char& c : last)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  if (last.empty() || last.find_first_not_of('.') == std::string::npos) last = "url";
  return last;
}

// The output path of a file named on the command line or in a list.
fs::path file_relative(const std::string& arg) {
  const fs::path p = fs::path(arg).lexically_normal();
  if (p.is_absolute() || p.empty() || *p.begin() == ".." || p.filename().empty()) return p.filename();
  return p;
}

// Every file below `root` that matches; a folder that cannot be listed is
// one failed input naming it, and the walk goes on with the others.
void walk(const fs::path& root, const std::string& glob, const fs::path& output_dir, std::vector<BatchInput>& out) {
  std::vector<BatchInput> found;
  std::vector<fs::path> folders{root};
  const ImageExtensions images;
  while (!folders.empty()) {
    const fs::path dir = std::move(folders.back());
    folders.pop_back();
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      const fs::file_status st = it->symlink_status(type_ec);
      if (fs::is_directory(st)) {
        if (!same_file(it->path(), output_dir)) folders.push_back(it->path());
        continue;
      }
      if (!it->is_regular_file(type_ec)) continue;  // follows a file symlink; skips sockets, fifos, broken links
      const fs::path rel = it->path().lexically_relative(root);
      if (matches(glob, images, rel)) found.push_back({it->path().string(), rel, {}, {}, Format::Unknown, {}});
    }
    if (ec) {
      const fs::path rel = dir.lexically_relative(root);
      found.push_back({dir.string(),
                       rel,
                       {},
                       {},
                       Format::Unknown,
                       printable(dir.string()) + ": cannot list the folder: " + ec.message()});
    }
  }
  std::sort(found.begin(), found.end(), [](const BatchInput& a, const BatchInput& b) { return a.source < b.source; });
  out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
}

void expand(const std::string& arg, const std::string& glob, const fs::path& output_dir, std::vector<BatchInput>& out) {
  std::error_code ec;
  if (is_url(arg))
    out.push_back({arg, url_name(arg), {}, {}, Format::Unknown, {}});
  else if (fs::is_directory(arg, ec))
    walk(arg, glob, output_dir, out);
  else
    out.push_back({arg, file_relative(arg), {}, {}, Format::Unknown, {}});
}

void expand_list(std::istream& in, const std::string& glob, const fs::path& output_dir, std::vector<BatchInput>& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) expand(line, glob, output_dir, out);
  }
}

}  // namespace

std::vector<BatchInput> collect_inputs(const std::vector<std::string>& args, const std::string& glob,
                                       const fs::path& output_dir, std::istream& standard_input) {
  std::vector<BatchInput> out;
  for (const auto& arg : args) {
    if (arg == "-") {
      expand_list(standard_input, glob, output_dir, out);
    } else if (arg.size() > 1 && arg[0] == '@') {
      std::ifstream list(arg.substr(1));
      if (!list) throw IoError(printable(arg.substr(1)) + ": cannot read the list file");
      expand_list(list, glob, output_dir, out);
    } else {
      expand(arg, glob, output_dir, out);
    }
  }
  return out;
}

void plan_outputs(std::vector<BatchInput>& inputs, const fs::path& output_dir, const std::string& format_extension) {
  std::map<fs::path, const std::string*> taken;  // output -> the input writing it
  for (auto& in : inputs) {
    if (!in.error.empty()) continue;
    fs::path rel = in.relative;
    if (!format_extension.empty()) rel.replace_extension(format_extension);
    in.output = output_dir / rel;
    in.output_relative = rel;
    try {
      in.format = format_from_extension(rel);
    } catch (const EncodeError&) {
      in.error = printable(in.source) + ": no writer for the extension '" + printable(rel.extension().string()) +
                 "'; give --format (" + writer_names() + ")";
      continue;
    }
    if (const auto [it, fresh] = taken.emplace(in.output.lexically_normal(), &in.source); !fresh)
      in.error = printable(in.source) + ": another input (" + printable(*it->second) + ") already writes " +
                 printable(in.output.string());
    else if (!is_url(in.source) && same_file(in.source, in.output))
      in.error = printable(in.source) + ": the output would overwrite the input";
  }
}

}  // namespace pixelcache::cli
