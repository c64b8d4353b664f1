// `pixelcache grid -o OUT --label NAME IMG... [--label NAME IMG...]
// [--vertical] [--text]`: a labelled comparison grid.
#include "commands.hpp"
#include "pixelcache/pixelcache.hpp"

namespace pixelcache::cli {

Runner add_grid(CLI::App& app) {
  auto* cmd = app.add_subcommand("grid", "Make a labelled grid of images");
  struct Args {
    std::string output;
    std::vector<std::vector<std::string>> groups;
    bool vertical = false, text = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("-o,--output", a->output, "Output file (.png .jpg .webp .tif .bmp)")->required();
  cmd->add_option("--label", a->groups, "NAME then its images (repeat for each row / column)")
      ->expected(2, 1 << 20)
      ->required();
  cmd->add_flag("--vertical", a->vertical, "One column per label (default: one row per label)");
  cmd->add_flag("--text", a->text, "Draw the labels");
  return [a] {
    std::vector<std::pair<std::string, std::vector<Image>>> columns;
    for (const auto& g : a->groups) {
      if (g.size() < 2)
        throw InvalidArgument("--label " + (g.empty() ? std::string() : g.front()) +
                              ": give the label's name, then at least one image");
      std::vector<Image> images;
      for (std::size_t i = 1; i < g.size(); ++i) images.push_back(load(g[i]));
      columns.emplace_back(g.front(), std::move(images));
    }
    GridOptions opt;
    opt.orientation = a->vertical ? GridOrientation::Vertical : GridOrientation::Horizontal;
    opt.with_text = a->text;
    save(make_image_grid(columns, opt), a->output);
    return 0;
  };
}

}  // namespace pixelcache::cli
