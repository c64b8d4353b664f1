// `pixelcache grid -o OUT --label NAME IMG... [--label NAME IMG...]
// [--orientation horizontal|vertical] [--text|--no-text]`: a labelled
// comparison grid. Defaults are make_image_grid's in the operation catalogue
// (the original's: horizontal, no text).
#include "commands.hpp"
#include "formats.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_grid(CLI::App& app) {
  auto* cmd = app.add_subcommand("grid", "Make a labelled grid of images");
  const catalogue::Operation& grid = catalogue::operation("make_image_grid");
  auto default_of = [&](const char* name) -> const Value& {
    for (const auto& a : grid.args)
      if (a.name == name) return *a.default_value;
    throw std::logic_error(std::string("make_image_grid has no argument ") + name);
  };
  struct Args {
    std::string output;
    std::vector<std::vector<std::string>> groups;
    std::string orientation;
    bool text = false;
  };
  auto a = std::make_shared<Args>();
  a->orientation = default_of("orientation").as<std::string>();
  a->text = default_of("with_text").as<bool>();
  cmd->add_option("-o,--output", a->output, "Output file (" + writer_extensions() + ")")->required();
  cmd->add_option("--label", a->groups, "NAME then its images (repeat for each row / column)")
      ->expected(2, 1 << 20)
      ->required();
  cmd->add_option("--orientation", a->orientation,
                  "horizontal: one row per label; vertical: one column per label (default " + a->orientation + ")");
  cmd->add_flag_callback(
      "--vertical", [a] { a->orientation = "vertical"; }, "Same as --orientation vertical");
  cmd->add_flag("--text,!--no-text", a->text,
                std::string("Draw the labels (default ") + (a->text ? "--text" : "--no-text") + ")");
  return [a] {
    std::vector<std::pair<Value, Value>> items;
    for (const auto& g : a->groups) {
      if (g.size() < 2)
        throw InvalidArgument("--label " + (g.empty() ? std::string() : g.front()) +
                              ": give the label's name, then at least one image");
      std::vector<Value> images;
      for (std::size_t i = 1; i < g.size(); ++i) images.emplace_back(load(g[i]));
      items.emplace_back(Value(g.front()), Value(HashableList(std::move(images))));
    }
    const std::vector<std::pair<std::string, Value>> kw = {{"orientation", Value(a->orientation)},
                                                           {"with_text", Value(a->text)}};
    const std::vector<Value> pos = {Value(HashableDict(std::move(items)))};
    save(catalogue::invoke("make_image_grid", Image(), pos, kw).as<Image>(), a->output);
    return 0;
  };
}

}  // namespace pixelcache::cli
