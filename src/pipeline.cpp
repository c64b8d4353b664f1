// Steps parsed from the operation catalogue, and transforms of them
// (pipeline.hpp).
#include "pixelcache/pipeline.hpp"

#include <algorithm>
#include <cctype>

#include "pixelcache/catalogue.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/ops.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

namespace {

int int_arg(const catalogue::Arguments& args, std::string_view name) {
  return static_cast<int>(args[name].as<std::int64_t>());  // (the catalogue checked the range)
}

}  // namespace

std::string step_help() {
  std::string out;
  for (const auto& op : catalogue::operations()) {
    if (!op.step) continue;
    std::string u = catalogue::usage(op);
    u.resize(std::max<std::size_t>(u.size(), 34), ' ');
    out += "  " + u + " " + op.doc + "\n";
  }
  return out +
         "Arguments go in order or as name=value (a bare bool name means true); sizes are WIDTHxHEIGHT (resize: "
         "256x or x256 keeps the aspect ratio), boxes X0:Y0:X1:Y1 in pixels, points X:Y, list items joined with "
         "';', kernels K or WxH.\n";
}

Step parse_step(std::string_view text) {
  const std::string t(text);
  const std::string name = t.substr(0, t.find(':'));
  const auto& ops = catalogue::operations();
  const auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& op) { return op.name == name && op.step; });
  if (it == ops.end())
    throw InvalidArgument("unknown step '" + escape_bytes(name) + "'; the steps are:\n" + step_help());
  const catalogue::Arguments args = catalogue::parse_call(t);
  Step step;
  step.key = catalogue::canonical_call(args);
  step.apply = [args](const Image& img) { return catalogue::invoke(args, img).as<Image>(); };
  if (it->name == "resize") {
    const auto& hw = args["size"].as<HashableList>();
    step.shrink_to = {static_cast<int>(hw[0].as<std::int64_t>()), static_cast<int>(hw[1].as<std::int64_t>())};
    step.resize = ResizeSpec::to(step.shrink_to, parse_interpolation(args["mode"].as<std::string>()));
  } else if (it->name == "resize_min_size") {
    // The result's sides are rounded down to a multiple of `modulo`: a
    // decode that keeps min_size - modulo + 1 on the shorter side suffices.
    step.shrink_min_side = std::max(1, int_arg(args, "min_size") - int_arg(args, "modulo") + 1);
    step.resize = ResizeSpec::min_side(int_arg(args, "min_size"), int_arg(args, "modulo"));
  }
  return step;
}

Transform::Transform(std::vector<Step> steps) : steps_(std::move(steps)) {}

Transform Transform::parse(const std::vector<std::string>& steps) {
  std::vector<Step> out;
  for (const auto& s : steps) {
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      std::size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j > i) out.push_back(parse_step(std::string_view(s).substr(i, j - i)));
      i = j;
    }
  }
  return Transform(std::move(out));
}

Transform Transform::parse(std::string_view steps) { return parse(std::vector<std::string>{std::string(steps)}); }

LoadOptions Transform::load_options(LoadOptions base) const {
  if (steps_.empty()) return base;
  const Step& first = steps_.front();
  if (first.shrink_to.height > 0 || first.shrink_to.width > 0) base.shrink_hint = first.shrink_to;
  if (first.shrink_min_side > 0) base.shrink_min_side = first.shrink_min_side;
  return base;
}

Image Transform::apply(Image img) const {
  for (const auto& s : steps_) img = s.apply(img);
  return img;
}

Image Transform::run(std::span<const std::uint8_t> bytes, std::string_view source, const LoadOptions& base) const {
  if (steps_.empty() || !steps_.front().resize) return apply(decode(bytes, load_options(base), source));
  // A first resize: the decode streams into it (thumbnail.hpp).
  Image img = decode_resized(bytes, *steps_.front().resize, load_options(base), source);
  for (std::size_t i = 1; i < steps_.size(); ++i) img = steps_[i].apply(img);
  return img;
}

std::vector<std::string> Transform::keys() const {
  std::vector<std::string> out;
  out.reserve(steps_.size());
  for (const auto& s : steps_) out.push_back(s.key);
  return out;
}

Digest Transform::digest() const {
  std::vector<Value> keys;
  for (const auto& s : steps_) keys.emplace_back(s.key);
  return Value(HashableList(std::move(keys))).digest();
}

}  // namespace pixelcache
