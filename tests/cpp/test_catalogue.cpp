// The operation catalogue (catalogue.hpp): every operation run by name
// agrees with its typed C++ function, the table's ranges are what the
// functions enforce, binding and the text form, canonical keys.
#include <fstream>
#include <regex>
#include <set>

#include "catalogue_cases.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

namespace cg = pixelcache::catalogue;

const std::vector<CatalogueCase>& cases() {
  static const auto c = catalogue_cases(data_dir().string(), PIXELCACHE_ASSETS_DIR);
  return c;
}

cg::Arguments bind_case(const CatalogueCase& c) {
  if (c.step != "make_image_grid") return cg::parse_call(c.step);
  const std::vector<Value> pos = {Value(grid_case_dict(data_dir().string()))};
  const std::vector<std::pair<std::string, Value>> kw = {{"orientation", Value("vertical")},
                                                         {"with_text", Value(false)}};
  return cg::bind_args(cg::operation("make_image_grid"), pos, kw);
}

TEST(Catalogue, EveryOperationHasACase) {
  std::set<std::string> named, covered;
  for (const auto& op : cg::operations()) {
    EXPECT_TRUE(named.insert(op.name).second) << "duplicate " << op.name;
    EXPECT_FALSE(op.doc.empty()) << op.name;
    for (const auto& a : op.args) EXPECT_FALSE(a.doc.empty()) << op.name << " " << a.name;
  }
  for (const auto& c : cases()) covered.insert(bind_case(c).op->name);
  EXPECT_EQ(covered, named);
}

TEST(Catalogue, InvokeAgreesWithTheTypedFunctions) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.id + ": " + c.step);
    const Image input = c.input.empty() ? Image() : load(c.input);
    const Value direct = c.direct(input);
    const Value by_name = cg::invoke(bind_case(c), input);
    EXPECT_EQ(result_digest(by_name), result_digest(direct));
  }
}

// Every finite bound of an Int / Float argument is enforced by the function
// the operation runs: a value just outside is an InvalidArgument.
TEST(Catalogue, RangesAreWhatTheFunctionsEnforce) {
  int checked = 0;
  for (const auto& c : cases()) {
    const cg::Arguments base = bind_case(c);
    const Image input = c.input.empty() ? Image() : load(c.input);
    for (std::size_t i = 0; i < base.op->args.size(); ++i) {
      const cg::ArgSpec& a = base.op->args[i];
      if (a.type != cg::ArgType::Int && a.type != cg::ArgType::Float) continue;
      const double step = a.type == cg::ArgType::Int ? 1.0 : 1e-3;
      std::vector<double> outside;
      if (std::isfinite(a.min)) outside.push_back(a.min_exclusive ? a.min : a.min - step);
      if (std::isfinite(a.max)) outside.push_back(a.max + step);
      for (double v : outside) {
        cg::Arguments args = base;
        args.values[i] = a.type == cg::ArgType::Int ? Value(static_cast<std::int64_t>(v)) : Value(v);
        SCOPED_TRACE(c.id + " " + a.name + "=" + std::to_string(v));
        EXPECT_THROW(cg::invoke(args, input), InvalidArgument);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(Catalogue, TheOriginalsNamesKindsAndDefaults) {
  const auto& rotate = cg::operation("rotate");
  ASSERT_EQ(rotate.args.size(), 3u);
  EXPECT_EQ(rotate.args[0].name, "rotation");
  EXPECT_EQ(rotate.args[0].cpp_name, "degrees");
  EXPECT_EQ(rotate.args[1].name, "mode");
  EXPECT_EQ(rotate.args[2].kind, cg::ArgKind::KeywordOnly);
  const auto& m2b = cg::operation("mask2bbox");
  EXPECT_FALSE(m2b.args[0].default_value);  // margin is required
  std::vector<std::string> names;
  for (const auto& a : m2b.args) names.push_back(a.name);
  EXPECT_EQ(names, (std::vector<std::string>{"margin", "normalized", "merge", "verbose", "closing", "opening",
                                             "area_threshold", "number_of_objects"}));
  EXPECT_EQ(cg::operation("set_minmax").args[1].kind, cg::ArgKind::PositionalOnly);
  const auto& grid = cg::operation("make_image_grid");
  EXPECT_EQ(grid.args[1].default_value->as<std::string>(), "horizontal");
  EXPECT_FALSE(grid.args[2].default_value->as<bool>());
  EXPECT_THROW(cg::operation("sharpen"), InvalidArgument);
}

TEST(Catalogue, BindingErrorsNameTheOperationAndArgument) {
  const auto& resize = cg::operation("resize");
  const std::vector<Value> none;
  EXPECT_THAT_THROW(cg::bind_args(resize, none), "resize: ", "'size' is required");
  const std::vector<Value> bad_size = {Value("big")};
  EXPECT_THAT_THROW(cg::bind_args(resize, bad_size), "resize: argument 'size'", "pair");
  const std::vector<Value> three = {Value(HashableList{Value(10), Value(10)}), Value("nearest"), Value(1)};
  EXPECT_THAT_THROW(cg::bind_args(resize, three), "resize: ", "at most 2");
  const std::vector<std::pair<std::string, Value>> kw = {{"interpolation", Value("nearest")}};
  const std::vector<Value> size = {Value(HashableList{Value(10), Value(10)})};
  EXPECT_THAT_THROW(cg::bind_args(resize, size, kw), "resize: ", "unknown argument 'interpolation'");
  EXPECT_THAT_THROW(cg::parse_call("resize:10x10,cubic"), "resize: argument 'mode'", "got 'cubic'");
  EXPECT_THAT_THROW(cg::parse_call("downsample:1.5"), "downsample: argument 'factor'", "expects an int");
  EXPECT_THAT_THROW(cg::parse_call("to_binary:abc"), "to_binary: argument 'threshold'", "not a number");
  EXPECT_THAT_THROW(cg::parse_call("to_binary:threshold=0.5,0.1"), "to_binary: ", "after a keyword");
  // The table's ranges are checked when binding, before any image is
  // touched (a CLI step fails before its input is loaded)...
  EXPECT_THAT_THROW(cg::parse_call("to_binary:2"), "to_binary: argument 'threshold'", "must be >= 0 and <= 1, got 2");
  EXPECT_THAT_THROW(cg::parse_call("downsample:0"), "downsample: argument 'factor'", "must be >= 1, got 0");
  EXPECT_THAT_THROW(cg::parse_call("resize:0x0"), "resize: argument 'size'",
                    "one side may be 0 to keep the aspect ratio), got 0x0 (WxH)");
  EXPECT_THAT_THROW(cg::invoke("to_binary", Image(), std::vector<Value>{Value(-0.5)}), "to_binary: ", ">= 0");
  // ... and the function checks them too for direct C++ callers.
  EXPECT_THAT_THROW(to_binary(load(data("chelsea.png")), 2.0), "to_binary: ", "threshold must be within [0, 1]");
}

TEST(Catalogue, TextFormAndCanonicalKeys) {
  // Defaults filled in, numbers in one format, names in table order.
  EXPECT_EQ(cg::canonical_call(cg::parse_call("to_binary:0.50")), "to_binary:threshold=0.5,area_min=0,connectivity=8");
  EXPECT_EQ(cg::canonical_call(cg::parse_call("to_binary:connectivity=8.0,threshold=.5")),
            cg::canonical_call(cg::parse_call("to_binary:0.5")));
  EXPECT_EQ(cg::canonical_call(cg::parse_call("resize:200x100")), "resize:size=200x100,mode=bilinear");
  EXPECT_EQ(cg::canonical_call(cg::parse_call("rotate:45,expand=no")), "rotate:rotation=45,mode=bilinear,expand=false");
  EXPECT_EQ(cg::canonical_call(cg::parse_call("crop:10:20:30.5:40")), "crop:bbox=10:20:30.5:40");
  // Arguments that cannot change the result are left out.
  EXPECT_EQ(cg::canonical_call(cg::parse_call("mask2squaremask:0.1,verbose=false")),
            cg::canonical_call(cg::parse_call("mask2squaremask:0.1")));
  EXPECT_EQ(cg::canonical_call(cg::parse_call("mask2squaremask:0.1,closing=3")),
            "mask2squaremask:margin=0.1,merge=false,closing=3x3,opening=0x0,area_threshold=0,number_of_objects=-1");
  // File arguments are keyed by their pixels: the same mask in two formats, one key.
  const std::string mask = std::string(PIXELCACHE_ASSETS_DIR) + "/chelsea_eyes_mask.png";
  const std::string key = cg::canonical_call(cg::parse_call("masked_fill:" + mask + ",7"));
  EXPECT_EQ(key, "masked_fill:mask=" + load(mask).hex_digest() + ",value=7");
  const std::string bmp = data("chelsea.bmp");
  EXPECT_EQ(cg::canonical_call(cg::parse_call("concat:" + bmp + ",horizontal")),
            cg::canonical_call(cg::parse_call("concat:" + data("chelsea.png") + ",horizontal")));
  // Kernels: a K, a WxH and an array of ones are one key.
  const std::vector<Value> k = {Value("close"), Value(Array{"float64", {2, 3}, std::vector<std::uint8_t>(48, 0)})};
  EXPECT_THROW(cg::invoke("morphologyEx", load(mask), k), InvalidArgument);  // all zero: empty element
  EXPECT_EQ(cg::canonical_call(cg::parse_call("morphologyEx:close,3")), "morphologyEx:operation=close,kernel=3x3");
  // Keys re-parse (apart from image digests) to the same call.
  for (const auto& c : cases()) {
    if (c.step.find('/') != std::string::npos || c.step == "make_image_grid") continue;
    const std::string key1 = cg::canonical_call(cg::parse_call(c.step));
    EXPECT_EQ(cg::canonical_call(cg::parse_call(key1)), key1) << c.step;
  }
  // A bare bool name means true.
  EXPECT_TRUE(cg::parse_call("blend:" + mask + ",0.5,with_bbox")["with_bbox"].as<bool>());
}

TEST(Catalogue, UsageLinesComeFromTheTable) {
  EXPECT_EQ(cg::usage(cg::operation("resize")), "resize:SIZE[,mode=bilinear]");
  EXPECT_EQ(cg::usage(cg::operation("to_gray")), "to_gray");
  EXPECT_EQ(cg::usage(cg::operation("rotate")), "rotate:ROTATION[,mode=bilinear][,expand=true]");
}

// The libFuzzer dictionary of `pixelcache run` steps is written by hand:
// its step entries (s<N>="name:") must be exactly the catalogue's steps.
TEST(Catalogue, FuzzDictionaryHasEveryStepName) {
  const auto path = data_dir().parent_path() / "fuzz" / "dict" / "fuzz_parse_step.dict";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const std::regex entry(R"re(^s[0-9]+="([^"]*):"\s*$)re");
  std::set<std::string> in_dict, steps;
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, entry)) {
      EXPECT_TRUE(in_dict.insert(m[1].str()).second) << "duplicate " << m[1];
    }
  }
  for (const auto& op : cg::operations())
    if (op.step) steps.insert(op.name);
  std::string missing, extra;
  for (const auto& n : steps)
    if (!in_dict.count(n)) missing += " " + n;
  for (const auto& n : in_dict)
    if (!steps.count(n)) extra += " " + n;
  EXPECT_EQ(in_dict, steps) << "update " << path << " to the catalogue's step names; missing:" << missing
                            << "; not steps:" << extra;
}

}  // namespace
}  // namespace pixelcache::test
