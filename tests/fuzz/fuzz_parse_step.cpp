// Fuzz target: the step parser (parse_step, src/pipeline.cpp, which
// parses with the operation catalogue) on any text, then the parsed step
// applied to three small probes (RGB, L, binary). Parsing must give a step
// or throw a pixelcache::Error; applying it must give an image or throw one
// (LimitError for giant sizes: the harness lowers max_image_bytes so they
// are refused quickly). The step's canonical key must parse back to the
// same key and give the same results.
//
// Steps such as crop_from_mask:FILE read files while they are parsed. So
// that fuzz data never reaches arbitrary paths or URLs, inputs containing
// '/' or '\' are skipped, and each input is parsed with the working
// directory set to a private temporary directory that holds only the
// fixture files the seeds name (mask.png, image.png); the previous working
// directory is restored after each input.
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "fuzz_support.hpp"
#include "pixelcache/pipeline.hpp"

namespace {

namespace fs = std::filesystem;
namespace pc = pixelcache;
namespace pf = pixelcache::fuzz;

// The fixture directory, created on first use and removed at exit.
const fs::path& fixture_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "pixelcache-fuzz-steps-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) pf::fail("cannot create the fixture directory");
    const fs::path d = tmpl;
    const pc::Image rgb = pc::Image::generate({5, 7}, pc::Mode::RGB, pc::PixelType::U8, [](std::span<std::byte> b) {
      for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::byte(i * 37 % 256);
    });
    pc::save(rgb, d / "image.png");
    pc::save(pc::Image::from_u8({5, 7}, pc::Mode::Binary, {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1,
                                                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
             d / "mask.png");
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fixture_dir(), ec);
    });
    return d;
  }();
  return dir;
}

// Sets the working directory for one scope.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ~WorkingDirectory() {
    std::error_code ec;
    fs::current_path(previous_, ec);
  }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;

 private:
  fs::path previous_;
};

// The digests of `step` applied to each probe (an empty digest where the
// step refuses that probe with a pixelcache::Error).
std::vector<pc::Digest> apply_to_probes(const pc::Step& step, const std::vector<pc::Image>& probes) {
  std::vector<pc::Digest> out;
  for (const auto& probe : probes) {
    try {
      const pc::Image img = step.apply(probe);
      pf::require(!img.empty(), "a step returned an empty image");
      out.push_back(img.digest());
    } catch (const pc::Error&) {
      out.emplace_back();
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<pc::Image> probes = [] {
    // A giant resize is a quick LimitError; 1 MiB keeps every input well under
    // libFuzzer's 10 s time-out under ASan + coverage (16 MiB let
    // resize:600x5651,bicubic of the gray probe take 14 s).
    pc::set_max_image_bytes(std::uint64_t{1} << 20);
    const pc::Image rgb = pc::load((fixture_dir() / "image.png").string());
    return std::vector<pc::Image>{rgb, pc::to_gray(rgb), pc::load((fixture_dir() / "mask.png").string())};
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find_first_of("/\\") != std::string::npos) return 0;
  const WorkingDirectory cwd(fixture_dir());
  pc::Step step;
  try {
    step = pc::parse_step(text);
  } catch (const pc::Error&) {  // InvalidArgument; IoError / DecodeError for a file argument
    return 0;
  }
  pf::require(static_cast<bool>(step.apply), "parse_step returned a step without a function");
  pf::require(!step.key.empty(), "parse_step returned an empty key");
  const std::vector<pc::Digest> results = apply_to_probes(step, probes);

  // The key is canonical: it parses back to itself and to the same results
  // (catalogue.hpp), unless it holds an image argument's digest.
  pc::Step again;
  try {
    again = pc::parse_step(step.key);
  } catch (const pc::Error&) {
    pf::require(text.find(".png") != std::string::npos, "the key of a step without files does not parse back");
    return 0;
  }
  pf::require(again.key == step.key, "the key of a parsed key differs from the key");
  pf::require(apply_to_probes(again, probes) == results, "equal keys gave different results");
  return 0;
}
