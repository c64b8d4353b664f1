// find_duplicates (dups.hpp): exact groups across formats, byte copies and
// full decodes of shrunk JPEGs; near groups; bad files; the cache serving a
// second run without decoding; stopping.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>

#include "cache_support.hpp"
#include "pixelcache/dups.hpp"
#include "test_support.hpp"

namespace pixelcache {
namespace {

namespace fs = std::filesystem;

struct Folder {
  test::TempDir dir;
  std::vector<std::string> paths;

  void copy(const std::string& name, const std::string& as = {}) {
    const fs::path to = dir / (as.empty() ? name : as);
    fs::copy_file(test::data(name), to);
    paths.push_back(to.string());
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    paths.push_back((dir / name).string());
  }
};

// The group's files by file name, for readable expectations.
std::vector<std::string> names(const DuplicateReport& r, const std::vector<std::size_t>& files) {
  std::vector<std::string> out;
  for (std::size_t f : files) out.push_back(fs::path(r.files[f].path).filename().string());
  return out;
}

const FileReport& file(const DuplicateReport& r, const std::string& name) {
  for (const auto& f : r.files)
    if (fs::path(f.path).filename() == name) return f;
  throw std::runtime_error("no file " + name);
}

// Fills `f` (a TempDir cannot move) with the sample files.
void sample(Folder& f) {
  for (const char* n : {"chelsea.png", "chelsea.bmp", "chelsea.webp", "chelsea_q95.jpg", "exif_orient6.jpg",
                        "rocket.jpg", "coffee.png", "truncated.jpg"})
    f.copy(n);
  f.copy("rocket.jpg", "rocket_copy.jpg");                          // the same bytes
  save(load(test::data("rocket.jpg")), f.dir / "rocket_full.png");  // the same pixels as a PNG
  f.paths.push_back((f.dir / "rocket_full.png").string());
  f.write("notes.jpg", "not an image");
  fs::create_directory(f.dir / "folder.png");
  f.paths.push_back((f.dir / "folder.png").string());
  f.paths.push_back((f.dir / "missing.png").string());
}

TEST(FindDuplicates, ExactAndNearGroups) {
  Folder f;
  sample(f);
  DuplicateOptions o;
  o.workers = 2;
  const DuplicateReport r = find_duplicates(f.paths, o);
  EXPECT_EQ(r.threshold, 10);
  ASSERT_EQ(r.exact.size(), 2u);
  EXPECT_EQ(names(r, r.exact[0].files), (std::vector<std::string>{"chelsea.bmp", "chelsea.png", "chelsea.webp"}));
  EXPECT_EQ(r.exact[0].digest, load(test::data("chelsea.png")).digest());
  // rocket.jpg decodes at 1/2 for its hash; its full decode joins the PNG.
  EXPECT_EQ(names(r, r.exact[1].files), (std::vector<std::string>{"rocket.jpg", "rocket_copy.jpg", "rocket_full.png"}));
  EXPECT_EQ(r.exact[1].digest, load(test::data("rocket.jpg")).digest());
  // rocket.jpg (once for its two copies), chelsea_q95.jpg, exif_orient6.jpg
  // and chelsea.webp decode at 1/2 (libjpeg-turbo's DCT scaling, libwebp's
  // scaler) for their hashes and lie near another file: decoded again at
  // full size for the exact check.
  EXPECT_EQ(r.stats.full_decodes, 4u);
  // The cat's versions are near: the lossless copies, the q95 JPEG and the
  // EXIF-rotated one, every member within the threshold of the centre.
  ASSERT_EQ(r.near.size(), 1u);
  std::vector<std::size_t> near_files;
  for (const auto& m : r.near[0].members) {
    near_files.push_back(m.file);
    EXPECT_LE(m.distance, r.threshold);
    EXPECT_EQ(m.distance, r.files[r.near[0].centre].hash.distance(r.files[m.file].hash));
  }
  EXPECT_EQ(names(r, near_files), (std::vector<std::string>{"chelsea.bmp", "chelsea.png", "chelsea.webp",
                                                            "chelsea_q95.jpg", "exif_orient6.jpg"}));
  // Bad files are reported, named, and left out.
  EXPECT_EQ(r.stats.failed, 4u);
  EXPECT_FALSE(file(r, "truncated.jpg").ok);
  EXPECT_NE(file(r, "truncated.jpg").error.find("truncated"), std::string::npos);
  EXPECT_NE(file(r, "notes.jpg").error.find("notes.jpg"), std::string::npos);
  EXPECT_NE(file(r, "folder.png").error.find("is a directory"), std::string::npos);
  EXPECT_FALSE(file(r, "missing.png").ok);
  EXPECT_TRUE(file(r, "coffee.png").ok);
}

TEST(FindDuplicates, CacheServesTheSecondRunWithoutDecoding) {
  Folder f;
  sample(f);
  test::TempDir store;
  CacheOptions co;
  co.disk_path = store.path();
  co.memory_bytes = 0;
  DuplicateOptions o;
  o.workers = 2;
  DuplicateReport first, second;
  {
    Cache cache(co);
    o.cache = &cache;
    first = find_duplicates(f.paths, o);
  }
  EXPECT_GT(first.stats.decoded(), 0u);
  {
    Cache cache(co);  // a new process's view: the disk store only
    o.cache = &cache;
    second = find_duplicates(f.paths, o);
    const auto disk = cache.stats().tier(TierKind::Disk);
    ASSERT_TRUE(disk);
    EXPECT_GE(disk->hits, first.files.size() - first.stats.failed);
  }
  EXPECT_EQ(second.stats.decoded(), 0u);
  EXPECT_EQ(second.stats.hashes_from_cache, second.files.size() - second.stats.failed);
  EXPECT_EQ(second.stats.digests_from_cache, 4u);  // the full-decode digests of the three JPEGs and the WebP
  ASSERT_EQ(second.exact.size(), first.exact.size());
  for (std::size_t i = 0; i < first.exact.size(); ++i) EXPECT_EQ(second.exact[i].files, first.exact[i].files);
  ASSERT_EQ(second.near.size(), first.near.size());
  for (std::size_t i = 0; i < first.files.size(); ++i) EXPECT_EQ(second.files[i].hash, first.files[i].hash);
}

TEST(FindDuplicates, OptionsAndStopping) {
  Folder f;
  sample(f);
  DuplicateOptions o;
  o.threshold = 65;
  EXPECT_THROW(find_duplicates(f.paths, o), InvalidArgument);
  o.threshold = 0;
  o.hash = {HashKind::Difference, 8, 4};
  const DuplicateReport strict = find_duplicates(f.paths, o);
  for (const auto& g : strict.near)
    for (const auto& m : g.members) EXPECT_EQ(m.distance, 0);
  // Repeated paths count once; stopping before the start fails every file.
  std::vector<std::string> twice = f.paths;
  twice.insert(twice.end(), f.paths.begin(), f.paths.end());
  o.stop = [] { return true; };
  std::atomic<int> phases{0};
  o.on_phase = [&](DuplicatePhase, std::size_t) { ++phases; };
  const DuplicateReport stopped = find_duplicates(twice, o);
  EXPECT_TRUE(stopped.stopped);
  EXPECT_EQ(stopped.files.size(), f.paths.size());
  EXPECT_EQ(stopped.stats.failed, f.paths.size());
  EXPECT_EQ(phases, 1);
  EXPECT_TRUE(stopped.exact.empty());
}

// One file under several names is one input, reported under the first
// name: another spelling, a symbolic link, a hard link (fdupes' and jdupes'
// default). A byte copy is another file, and an exact duplicate.
TEST(FindDuplicates, OneFileNamedTwiceIsOneInput) {
  Folder f;
  f.copy("rocket.jpg");
  f.copy("rocket.jpg", "copy.jpg");
  const fs::path a = f.dir / "rocket.jpg";
  fs::create_directory(f.dir / "sub");
  fs::create_symlink(a, f.dir / "link.jpg");
  fs::create_hard_link(a, f.dir / "hard.jpg");
  const std::vector<std::string> paths = {
      a.string(),
      (f.dir / "." / "rocket.jpg").string(),
      (f.dir / "sub" / ".." / "rocket.jpg").string(),
      (f.dir / "link.jpg").string(),
      (f.dir / "hard.jpg").string(),
      (f.dir / "copy.jpg").string(),
      (f.dir / "missing.jpg").string(),
      (f.dir / "sub" / ".." / "missing.jpg").string(),
  };
  const DuplicateReport r = find_duplicates(paths);
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.stats.files, 3u);
  EXPECT_EQ(r.files[0].path, a.string()) << "the first spelling is kept";
  EXPECT_EQ(r.files[1].path, (f.dir / "copy.jpg").string());
  EXPECT_FALSE(r.files[2].ok) << "the missing file is reported once";
  ASSERT_EQ(r.exact.size(), 1u);
  EXPECT_EQ(names(r, r.exact[0].files), (std::vector<std::string>{"copy.jpg", "rocket.jpg"}));
}

}  // namespace
}  // namespace pixelcache
