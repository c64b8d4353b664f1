// Fuzz target: the CLI step parser (cli::parse_step, cli/steps.cpp) on any
// text, then the parsed step applied to a small image. Parsing must give a
// step or throw InvalidArgument; applying it must give an image or throw a
// pixelcache::Error (LimitError for giant sizes: the harness lowers
// max_image_bytes so they are refused quickly).
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
#include "steps.hpp"

namespace {

namespace fs = std::filesystem;
namespace pc = pixelcache;

// The fixture directory, created on first use and removed at exit.
const fs::path& fixture_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "pixelcache-fuzz-steps-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) pixelcache::fuzz::fail("cannot create the fixture directory");
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const pc::Image probe = [] {
    pc::set_max_image_bytes(std::uint64_t{1} << 24);  // a giant resize is a quick LimitError
    return pc::load((fixture_dir() / "image.png").string());
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find_first_of("/\\") != std::string::npos) return 0;
  const WorkingDirectory cwd(fixture_dir());
  pc::cli::Step step;
  try {
    step = pc::cli::parse_step(text);
  } catch (const pc::InvalidArgument&) {
    return 0;
  } catch (const pc::IoError&) {  // a mask file that is not there
    return 0;
  } catch (const pc::DecodeError&) {  // a fixture name that is not an image ('.')
    return 0;
  }
  pixelcache::fuzz::require(static_cast<bool>(step.apply), "parse_step returned a step without a function");
  try {
    const pc::Image out = step.apply(probe);
    pixelcache::fuzz::require(!out.empty(), "a step returned an empty image");
    (void)out.digest();
  } catch (const pc::Error&) {
  }
  return 0;
}
