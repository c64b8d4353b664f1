// Steps parsed from the operation catalogue, and transforms of them
// (pipeline.hpp).
#include "pixelcache/pipeline.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "codec/codec.hpp"
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

namespace {

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The steps whose names are closest to `name` (at most a third of its
// letters apart, and at most 3), best first.
std::vector<std::string> close_steps(std::string_view name) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  const std::size_t most = std::min<std::size_t>(3, std::max<std::size_t>(1, name.size() / 3));
  for (const auto& op : catalogue::operations())
    if (op.step)
      if (const std::size_t d = edit_distance(name, op.name); d <= most) scored.emplace_back(d, op.name);
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto& [d, n] : scored)
    if (out.size() < 3) out.push_back(n);
  return out;
}

}  // namespace

std::string unknown_step_message(std::string_view name) {
  std::string msg = "unknown step '" + escape_bytes(name) + "'";
  const auto close = close_steps(name);
  for (std::size_t i = 0; i < close.size(); ++i)
    msg += (i == 0 ? " — did you mean '" : i + 1 == close.size() ? "' or '" : "', '") + close[i];
  if (!close.empty()) msg += "'?";
  return msg + " (--help lists the steps)";
}

Step parse_step(std::string_view text) {
  const std::string t(text);
  const std::string name = t.substr(0, t.find(':'));
  const auto& ops = catalogue::operations();
  const auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& op) { return op.name == name && op.step; });
  if (it == ops.end()) throw InvalidArgument(unknown_step_message(name));
  const catalogue::Arguments args = catalogue::parse_call(t);
  Step step;
  step.key = catalogue::canonical_call(args);
  step.apply = [args](const Image& img) { return catalogue::invoke(args, img).as<Image>(); };
  if (it->name == "resize") {
    const auto& hw = args["size"].as<HashableList>();
    const ImageSize to{static_cast<int>(hw[0].as<std::int64_t>()), static_cast<int>(hw[1].as<std::int64_t>())};
    step.shrink_to = to;
    step.output_size = [to](ImageSize from) { return resized_size(from, to); };
    step.interpolation = parse_interpolation(args["mode"].as<std::string>());
    step.resize = ResizeSpec::to(to, step.interpolation);
  } else if (it->name == "resize_min_size") {
    // The result's sides are rounded down to a multiple of `modulo`: a
    // decode that keeps min_size - modulo + 1 on the shorter side suffices.
    const int min_size = int_arg(args, "min_size"), modulo = int_arg(args, "modulo");
    step.shrink_min_side = std::max(1, min_size - modulo + 1);
    step.output_size = [min_size, modulo](ImageSize from) { return min_size_resized(from, min_size, modulo); };
    step.resize = ResizeSpec::min_side(min_size, modulo);
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
  if (!steps_.empty() && steps_.front().resize && detail::may_stream(sniff_format(bytes))) {
    // A first resize of a format that streams: the decode streams into it
    // (thumbnail.hpp).
    Image img = decode_resized(bytes, *steps_.front().resize, load_options(base), source);
    for (std::size_t i = 1; i < steps_.size(); ++i) img = steps_[i].apply(img);
    return img;
  }
  Decoded d = decode_ex(bytes, load_options(base), source);
  if (steps_.empty() || !steps_.front().output_size || d.image.size() == d.full_size) return apply(std::move(d.image));
  // Shrunk on load: the first step's size as the full-scale image gets it.
  Image img = resize_region(d.image, steps_.front().output_size(d.full_size), d.content, steps_.front().interpolation);
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
