// The random augment steps (data.hpp): parsing, torchvision's algorithms for
// their parameters, and applying them.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "pixelcache/data.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::data {

namespace {

std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// One argument of a step: "value" or "name=value".
struct Arg {
  std::string name;  // empty for positional
  std::string value;
};

[[noreturn]] void bad(std::string_view step, const std::string& why) {
  throw InvalidArgument("augment step '" + escape_bytes(step) + "': " + why);
}

double number(std::string_view step, std::string_view what, std::string_view s) {
  double d = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(d))
    bad(step, std::string(what) + " must be a number, got '" + escape_bytes(s) + "'");
  return d;
}

int integer(std::string_view step, std::string_view what, std::string_view s) {
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    bad(step, std::string(what) + " must be an integer, got '" + escape_bytes(s) + "'");
  return v;
}

// N (square) or WIDTHxHEIGHT, as {height, width}.
ImageSize size_arg(std::string_view step, std::string_view s) {
  const auto x = s.find('x');
  ImageSize out;
  if (x == std::string_view::npos) {
    out.height = out.width = integer(step, "SIZE", s);
  } else {
    out.width = integer(step, "SIZE's width", s.substr(0, x));
    out.height = integer(step, "SIZE's height", s.substr(x + 1));
  }
  if (out.height < 1 || out.width < 1)
    bad(step, "SIZE must be N or WIDTHxHEIGHT with positive sides, got '" + escape_bytes(s) + "'");
  return out;
}

// A:B with 0 < A <= B.
std::array<double, 2> range_arg(std::string_view step, std::string_view what, std::string_view s) {
  const auto c = s.find(':');
  if (c == std::string_view::npos) bad(step, std::string(what) + " must be A:B, got '" + escape_bytes(s) + "'");
  const std::array<double, 2> r{number(step, what, s.substr(0, c)), number(step, what, s.substr(c + 1))};
  if (!(r[0] > 0 && r[0] <= r[1]))
    bad(step, std::string(what) + " must be A:B with 0 < A <= B, got '" + escape_bytes(s) + "'");
  return r;
}

std::string size_text(ImageSize s) { return std::to_string(s.width) + "x" + std::to_string(s.height); }

// Binds the arguments of `step` to `names` (in order, or by name); returns
// the value per name ("" when absent).
std::vector<std::string> bind(std::string_view step, const std::vector<Arg>& args,
                              const std::vector<std::string_view>& names) {
  std::vector<std::string> out(names.size());
  std::vector<bool> seen(names.size(), false);
  std::size_t position = 0;
  bool named = false;
  for (const Arg& a : args) {
    std::size_t i = 0;
    if (a.name.empty()) {
      if (named) bad(step, "a positional argument follows a named one");
      i = position++;
      if (i >= names.size()) bad(step, "too many arguments");
    } else {
      named = true;
      i = static_cast<std::size_t>(std::find(names.begin(), names.end(), a.name) - names.begin());
      if (i == names.size()) {
        std::string known;
        for (auto n : names) known += (known.empty() ? "" : ", ") + std::string(n);
        bad(step, "unknown argument '" + escape_bytes(a.name) + "' (the arguments are " + known + ")");
      }
    }
    if (seen[i]) bad(step, "argument '" + std::string(names[i]) + "' given twice");
    seen[i] = true;
    out[i] = a.value;
  }
  return out;
}

AugmentStep parse_one(std::string_view text) {
  const auto colon = text.find(':');
  const std::string name(text.substr(0, colon));
  std::vector<Arg> args;
  if (colon != std::string_view::npos) {
    std::string_view rest = text.substr(colon + 1);
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      if (item.empty()) bad(text, "an empty argument");
      const auto eq = item.find('=');
      if (eq == std::string_view::npos)
        args.push_back({"", std::string(item)});
      else
        args.push_back({std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))});
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  AugmentStep s;
  if (name == "random_flip") {
    s.kind = AugmentStep::Kind::Flip;
    const auto v = bind(text, args, {"p"});
    if (!v[0].empty()) s.p = number(text, "p", v[0]);
    if (!(s.p >= 0 && s.p <= 1)) bad(text, "p must be within [0, 1]");
    s.key = "random_flip:p=" + shortest(s.p);
  } else if (name == "random_crop") {
    s.kind = AugmentStep::Kind::Crop;
    const auto v = bind(text, args, {"size", "padding"});
    if (v[0].empty()) bad(text, "SIZE is required (random_crop:SIZE[,padding=P])");
    s.size = size_arg(text, v[0]);
    if (!v[1].empty()) s.padding = integer(text, "padding", v[1]);
    if (s.padding < 0) bad(text, "padding must be >= 0");
    s.key = "random_crop:size=" + size_text(s.size) + ",padding=" + std::to_string(s.padding);
  } else if (name == "random_resized_crop") {
    s.kind = AugmentStep::Kind::ResizedCrop;
    const auto v = bind(text, args, {"size", "scale", "ratio"});
    if (v[0].empty()) bad(text, "SIZE is required (random_resized_crop:SIZE[,scale=A:B,ratio=A:B])");
    s.size = size_arg(text, v[0]);
    if (!v[1].empty()) s.scale = range_arg(text, "scale", v[1]);
    if (!v[2].empty()) s.ratio = range_arg(text, "ratio", v[2]);
    s.key = "random_resized_crop:size=" + size_text(s.size) + ",scale=" + shortest(s.scale[0]) + ":" +
            shortest(s.scale[1]) + ",ratio=" + shortest(s.ratio[0]) + ":" + shortest(s.ratio[1]);
  } else {
    throw InvalidArgument("unknown augment step '" + escape_bytes(name) + "'; the augment steps are:\n" +
                          augment_help());
  }
  return s;
}

// Python's round(): to nearest, ties to even.
int round_even(double v) { return static_cast<int>(std::nearbyint(v)); }

}  // namespace

std::string augment_help() {
  return "  random_flip[:p]                                  mirror left-right with probability p (0.5)\n"
         "  random_crop:SIZE[,padding=P]                     a random SIZE region after padding every side with P "
         "black pixels (0)\n"
         "  random_resized_crop:SIZE[,scale=A:B,ratio=A:B]   torchvision's RandomResizedCrop (scale 0.08:1, ratio "
         "3/4:4/3), resized to SIZE (bilinear, antialiased)\n"
         "SIZE is N (square) or WIDTHxHEIGHT.\n";
}

CropBox random_resized_crop_box(ImageSize size, std::array<double, 2> scale, std::array<double, 2> ratio,
                                SampleRandom& random) {
  const int height = size.height, width = size.width;
  const double area = static_cast<double>(height) * width;
  const double log_lo = std::log(ratio[0]), log_hi = std::log(ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * random.uniform(scale[0], scale[1]);
    const double aspect = std::exp(random.uniform(log_lo, log_hi));
    const int w = round_even(std::sqrt(target_area * aspect));
    const int h = round_even(std::sqrt(target_area / aspect));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const int top = static_cast<int>(random.below(static_cast<std::uint64_t>(height - h + 1)));
      const int left = static_cast<int>(random.below(static_cast<std::uint64_t>(width - w + 1)));
      return {top, left, h, w};
    }
  }
  // torchvision's fallback: the central crop of the ratio clamped to its bounds.
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < ratio[0]) {
    h = round_even(w / ratio[0]);
  } else if (in_ratio > ratio[1]) {
    w = round_even(h * ratio[1]);
  }
  return {(height - h) / 2, (width - w) / 2, h, w};
}

Image crop_box(const Image& img, const CropBox& box) {
  if (img.empty()) throw InvalidArgument("crop_box: empty image");
  if (box.height < 1 || box.width < 1)
    throw InvalidArgument("crop_box: the box " + std::to_string(box.width) + "x" + std::to_string(box.height) +
                          " (WxH) is empty");
  if (box.top == 0 && box.left == 0 && box.height == img.height() && box.width == img.width()) return img;
  const std::size_t sample = img.pixel_type() == PixelType::F32 ? 4 : 1;
  const std::size_t pixel = sample * static_cast<std::size_t>(img.channels());
  const auto* src = static_cast<const std::byte*>(img.data());
  const std::size_t src_row = pixel * static_cast<std::size_t>(img.width());
  // The part of the box inside the image.
  const int y0 = std::max(box.top, 0), y1 = std::min(box.top + box.height, img.height());
  const int x0 = std::max(box.left, 0), x1 = std::min(box.left + box.width, img.width());
  return Image::generate({box.height, box.width}, img.mode(), img.pixel_type(), [&](std::span<std::byte> out) {
    const std::size_t dst_row = pixel * static_cast<std::size_t>(box.width);
    if (y0 >= y1 || x0 >= x1 || box.top < 0 || box.left < 0 || y1 - y0 < box.height || x1 - x0 < box.width)
      std::memset(out.data(), 0, out.size());
    if (y0 >= y1 || x0 >= x1) return;
    const std::size_t n = pixel * static_cast<std::size_t>(x1 - x0);
    for (int y = y0; y < y1; ++y)
      std::memcpy(out.data() + static_cast<std::size_t>(y - box.top) * dst_row + pixel * (x0 - box.left),
                  src + static_cast<std::size_t>(y) * src_row + pixel * x0, n);
  });
}

Augment::Augment(std::vector<AugmentStep> steps) : steps_(std::move(steps)) {}

Augment Augment::parse(const std::vector<std::string>& texts) {
  std::vector<AugmentStep> out;
  for (const auto& s : texts) {
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      std::size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j > i) out.push_back(parse_one(std::string_view(s).substr(i, j - i)));
      i = j;
    }
  }
  return Augment(std::move(out));
}

Augment Augment::parse(std::string_view text) { return parse(std::vector<std::string>{std::string(text)}); }

AugmentStep Augment::custom(std::string name, std::function<Image(const Image&, std::uint64_t)> fn) {
  if (!fn) throw InvalidArgument("Augment::custom: no function");
  AugmentStep s;
  s.kind = AugmentStep::Kind::Custom;
  s.custom = std::move(fn);
  s.key = std::move(name);
  return s;
}

Image Augment::apply(Image img, SampleRandom& random) const {
  for (const AugmentStep& s : steps_) {
    switch (s.kind) {
      case AugmentStep::Kind::Flip:
        if (random.uniform() < s.p) img = flip_horizontal(img);
        break;
      case AugmentStep::Kind::Crop: {
        const int h = img.height() + 2 * s.padding, w = img.width() + 2 * s.padding;
        if (h < s.size.height || w < s.size.width)
          throw InvalidArgument("random_crop: the crop " + size_text(s.size) + " (WxH) is larger than the " +
                                (s.padding ? "padded " : "") + "image " + size_text({h, w}) + " (WxH)");
        const int top = static_cast<int>(random.below(static_cast<std::uint64_t>(h - s.size.height + 1)));
        const int left = static_cast<int>(random.below(static_cast<std::uint64_t>(w - s.size.width + 1)));
        img = crop_box(img, {top - s.padding, left - s.padding, s.size.height, s.size.width});
        break;
      }
      case AugmentStep::Kind::ResizedCrop: {
        const CropBox b = random_resized_crop_box(img.size(), s.scale, s.ratio, random);
        img = resize(crop_box(img, b), s.size, Interpolation::Bilinear);
        break;
      }
      case AugmentStep::Kind::Custom: {
        const std::uint64_t seed = random.next();
        img = s.custom(img, seed);
        if (img.empty()) throw InvalidArgument("augment step " + s.key + " returned an empty image");
        break;
      }
    }
  }
  return img;
}

std::vector<std::string> Augment::keys() const {
  std::vector<std::string> out;
  for (const auto& s : steps_) out.push_back(s.key);
  return out;
}

}  // namespace pixelcache::data
