// The command line's format lists, from the registry (formats.hpp).
#include "formats.hpp"

#include <algorithm>
#include <cctype>

#include "pixelcache/io.hpp"

namespace pixelcache::cli {

namespace {

// `items` joined by `separator`.
std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

// The usual extension of each writer, without the dot when `dot` is false.
std::vector<std::string> writer_firsts(bool dot) {
  std::vector<std::string> out;
  for (const FormatInfo& f : formats())
    if (f.can_write && !f.extensions.empty()) out.push_back(f.extensions.front().substr(dot ? 0 : 1));
  return out;
}

}  // namespace

ImageExtensions::ImageExtensions() {
  for (const FormatInfo& f : formats()) {
    all_.insert(all_.end(), f.extensions.begin(), f.extensions.end());
    all_.insert(all_.end(), f.input_extensions.begin(), f.input_extensions.end());
  }
}

bool ImageExtensions::contains(std::string_view extension) const {
  std::string ext(extension);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::ranges::find(all_, ext) != all_.end();
}

bool is_image_extension(std::string_view extension) { return ImageExtensions().contains(extension); }

std::string image_extensions() {
  std::vector<std::string> all;
  for (const FormatInfo& f : formats()) {
    for (const std::string& e : f.extensions) all.push_back(e);
    for (const std::string& e : f.input_extensions) all.push_back(e);
  }
  return join(all, " ");
}

std::vector<std::string> writer_choices() {
  std::vector<std::string> out;
  for (const FormatInfo& f : formats())
    if (f.can_write)
      for (const std::string& e : f.extensions) out.push_back(e.substr(1));
  return out;
}

std::string writer_names() { return join(writer_firsts(false), ", "); }

std::string writer_extensions() { return join(writer_firsts(true), " "); }

std::string writers_using(std::string_view option) {
  std::vector<std::string> labels;
  for (const FormatInfo& f : formats())
    if (f.can_write && std::ranges::find(f.options, option) != f.options.end()) labels.push_back(f.label);
  return join(labels, " / ");
}

std::string streaming_formats() {
  std::vector<std::string> names;
  for (const FormatInfo& f : formats())
    if (f.streams) names.push_back(f.name);
  return join(names, ", ");
}

}  // namespace pixelcache::cli
