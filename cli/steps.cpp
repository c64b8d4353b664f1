// Step parsing for `pixelcache run`: every catalogue operation that takes an
// image and returns one is a step; arguments, defaults, checks and messages
// are the catalogue's and the library's.
#include "steps.hpp"

#include <algorithm>

#include "pixelcache/catalogue.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache::cli {

std::string step_help() {
  std::string out;
  for (const auto& op : catalogue::operations()) {
    if (!op.step) continue;
    std::string u = catalogue::usage(op);
    u.resize(std::max<std::size_t>(u.size(), 34), ' ');
    out += "  " + u + " " + op.doc + "\n";
  }
  return out +
         "Arguments go in order or as name=value (a bare bool name means true); boxes are X0:Y0:X1:Y1 in pixels, "
         "points X:Y, list items joined with ';', kernels K or WxH.\n";
}

Step parse_step(const std::string& text) {
  const std::string name = text.substr(0, text.find(':'));
  const auto& ops = catalogue::operations();
  const auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& op) { return op.name == name && op.step; });
  if (it == ops.end()) throw InvalidArgument("unknown step '" + name + "'; the steps are:\n" + step_help());
  const catalogue::Arguments args = catalogue::parse_call(text);
  Step step;
  step.key = catalogue::canonical_call(args);
  step.apply = [args](const Image& img) { return catalogue::invoke(args, img).as<Image>(); };
  if (it->name == "resize") {
    const auto& hw = args["size"].as<HashableList>();
    step.resize_to = {static_cast<int>(hw[0].as<std::int64_t>()), static_cast<int>(hw[1].as<std::int64_t>())};
  }
  return step;
}

}  // namespace pixelcache::cli
