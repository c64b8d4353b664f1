// Step parsing for `pixelcache run`.
#include "steps.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

#include "pixelcache/compose.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/mask.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::cli {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

struct Args {
  std::string step;
  std::vector<std::string> v;

  [[noreturn]] void fail(const std::string& why) const { throw InvalidArgument("step '" + step + "': " + why); }
  void count(std::size_t min, std::size_t max) const {
    if (v.size() < min || v.size() > max)
      fail("expected " + (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)) +
           " argument(s), got " + std::to_string(v.size()));
  }
  double number(std::size_t i) const {
    double d = 0;
    const auto& s = v.at(i);
    const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(d)) fail("'" + s + "' is not a number");
    return d;
  }
  int integer(std::size_t i) const {
    const double d = number(i);
    if (d != std::floor(d) || std::abs(d) > 1e9) fail("'" + v.at(i) + "' is not an integer");
    return static_cast<int>(d);
  }
  ImageSize size(std::size_t i) const {  // WIDTHxHEIGHT
    const auto wh = split(v.at(i), 'x');
    if (wh.size() != 2) fail("'" + v.at(i) + "' is not a size WIDTHxHEIGHT");
    const Args sub{step, wh};
    const ImageSize s{sub.integer(1), sub.integer(0)};
    if (s.height <= 0 || s.width <= 0) fail("size '" + v.at(i) + "' must be positive");
    return s;
  }
  Interpolation interp(std::size_t i) const {
    if (i >= v.size()) return Interpolation::Bilinear;
    try {
      return parse_interpolation(v[i]);
    } catch (const InvalidArgument& e) {
      fail(e.what());
    }
  }
};

struct Def {
  const char* name;
  const char* usage;
  const char* help;
  std::function<Step(const Args&)> make;
};

// A step without arguments that applies `fn`.
Def nullary(const char* name, const char* help, Image (*fn)(const Image&)) {
  return {name, name, help, [fn](const Args& a) {
            a.count(0, 0);
            return Step{[fn](const Image& i) { return fn(i); }, {}};
          }};
}

const std::vector<Def>& defs() {
  static const std::vector<Def> d = {
      {"resize", "resize:WxH[,FILTER]", "resample to W x H (bilinear, nearest, bicubic, lanczos, area)",
       [](const Args& a) {
         a.count(1, 2);
         const ImageSize s = a.size(0);
         const Interpolation f = a.interp(1);
         return Step{[s, f](const Image& i) { return resize(i, s, f); }, s};
       }},
      {"downsample", "downsample:FACTOR", "divide both sides by FACTOR",
       [](const Args& a) {
         a.count(1, 1);
         const double f = a.number(0);
         if (f <= 0) a.fail("factor must be positive");
         return Step{[f](const Image& i) { return downsample(i, f); }, {}};
       }},
      {"resize_min_size", "resize_min_size:N[,MODULO]", "shorter side to N, sides multiples of MODULO (16)",
       [](const Args& a) {
         a.count(1, 2);
         const int n = a.integer(0), m = a.v.size() > 1 ? a.integer(1) : 16;
         return Step{[n, m](const Image& i) { return resize_min_size(i, n, m); }, {}};
       }},
      {"rotate", "rotate:DEGREES[,crop]", "counter-clockwise; the canvas grows unless 'crop'",
       [](const Args& a) {
         a.count(1, 2);
         const double deg = a.number(0);
         if (a.v.size() > 1 && a.v[1] != "crop") a.fail("second argument must be 'crop'");
         const bool expand = a.v.size() == 1;
         return Step{[deg, expand](const Image& i) { return rotate(i, deg, expand); }, {}};
       }},
      nullary("flip_horizontal", "mirror left-right", flip_horizontal),
      nullary("flip_vertical", "mirror top-bottom", flip_vertical),
      {"center_pad", "center_pad:WxH[,FILL]", "pad symmetrically to W x H with level FILL (0)",
       [](const Args& a) {
         a.count(1, 2);
         const ImageSize s = a.size(0);
         const int fill = a.v.size() > 1 ? a.integer(1) : 0;
         return Step{[s, fill](const Image& i) { return center_pad(i, s, fill); }, {}};
       }},
      {"crop", "crop:X0,Y0,X1,Y1", "keep [X0, X1) x [Y0, Y1)",
       [](const Args& a) {
         a.count(4, 4);
         const int x0 = a.integer(0), y0 = a.integer(1), x1 = a.integer(2), y1 = a.integer(3);
         return Step{[=](const Image& i) { return crop(i, x0, y0, x1, y1); }, {}};
       }},
      nullary("to_gray", "gray (Pillow's formula)", to_gray),
      nullary("to_rgb", "RGB", to_rgb),
      {"to_binary", "to_binary[:THRESHOLD]", "true where any channel > THRESHOLD * 255 (0)",
       [](const Args& a) {
         a.count(0, 1);
         const double t = a.v.empty() ? 0.0 : a.number(0);
         if (t < 0 || t > 1) a.fail("threshold must be within [0, 1]");
         return Step{[t](const Image& i) { return to_binary(i, t); }, {}};
       }},
      nullary("invert_binary", "swap true and false", invert_binary),
      nullary("invert_rgb", "255 - value", invert_rgb),
      nullary("rgb2bgr", "swap red and blue", rgb2bgr),
      {"apply_palette", "apply_palette[:NAME]", "gray levels through a palette (default, viridis, jet, ...)",
       [](const Args& a) {
         a.count(0, 1);
         const std::string name = a.v.empty() ? "default" : a.v[0];
         const auto names = palette_names();
         if (std::find(names.begin(), names.end(), name) == names.end()) {
           std::string known;
           for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
           a.fail("unknown palette '" + name + "' (known: " + known + ")");
         }
         return Step{[name](const Image& i) { return apply_palette(i, name); }, {}};
       }},
      {"morphology", "morphology:OP[,KERNEL]", "erode, dilate, open or close a mask (kernel 3)",
       [](const Args& a) {
         a.count(1, 2);
         Morphology op;
         try {
           op = parse_morphology(a.v[0]);
         } catch (const InvalidArgument&) {
           a.fail("operator must be erode, dilate, open or close");
         }
         const int k = a.v.size() > 1 ? a.integer(1) : 3;
         if (k < 1) a.fail("kernel must be >= 1");
         return Step{[op, k](const Image& i) { return morphology(i, op, k); }, {}};
       }},
      {"blend", "blend:MASK|IMAGE[,ALPHA[,bbox]]",
       "with a mask file: outside scaled by ALPHA (0.5), 'bbox' draws boxes; "
       "with an image file: alpha mix",
       [](const Args& a) {
         a.count(1, 3);
         const Image other = load(a.v[0]);
         const double alpha = a.v.size() > 1 ? a.number(1) : 0.5;
         if (alpha < 0 || alpha > 1) a.fail("alpha must be within [0, 1]");
         if (a.v.size() > 2 && a.v[2] != "bbox") a.fail("third argument must be 'bbox'");
         const bool boxes = a.v.size() > 2;
         return Step{[other, alpha, boxes](const Image& i) { return blend(i, other, alpha, boxes); }, {}};
       }},
      {"crop_from_mask", "crop_from_mask:MASK[,MARGIN]", "crop to the mask file's regions, grown by MARGIN (0.0)",
       [](const Args& a) {
         a.count(1, 2);
         const Image mask = load(a.v[0]);
         Mask2BboxOptions o;
         o.margin = a.v.size() > 1 ? a.number(1) : 0.0;
         if (o.margin < 0) a.fail("margin must be >= 0");
         return Step{[mask, o](const Image& i) { return crop_from_mask(i, mask, o); }, {}};
       }},
      {"masked_fill", "masked_fill:MASK,VALUE", "set the pixels under the mask file to level VALUE",
       [](const Args& a) {
         a.count(2, 2);
         const Image mask = load(a.v[0]);
         const int value = a.integer(1);
         return Step{[mask, value](const Image& i) { return masked_fill(i, mask, value); }, {}};
       }},
      nullary("equalize_hist", "histogram equalisation (gray result)", equalize_hist),
  };
  return d;
}

}  // namespace

std::string step_help() {
  std::string out;
  for (const auto& d : defs()) {
    std::string u = d.usage;
    u.resize(std::max<std::size_t>(u.size(), 28), ' ');
    out += "  " + u + " " + d.help + "\n";
  }
  return out;
}

Step parse_step(const std::string& text) {
  const std::size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  Args args{text, {}};
  if (colon != std::string::npos) args.v = split(text.substr(colon + 1), ',');
  for (const auto& d : defs()) {
    if (name != d.name) continue;
    return d.make(args);
  }
  throw InvalidArgument("unknown step '" + name + "'; the steps are:\n" + step_help());
}

}  // namespace pixelcache::cli
