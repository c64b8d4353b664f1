// pixelcache/data.hpp: the counter-based random numbers, the augment steps,
// the sample writer, the stat index and cached transform of SampleSource,
// and the Loader's threads (suites DataLoader*, label `threaded`: run under
// ThreadSanitizer by the tsan preset).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>
#include <thread>

#include "cache_support.hpp"
#include "pixelcache/data.hpp"
#include "pixelcache/pixelcache.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

using namespace pixelcache::data;

void write_bytes(const std::filesystem::path& p, std::span<const std::uint8_t> b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A folder of JPEG files of various sizes (odd sides included), each unique.
std::vector<std::string> make_files(const std::filesystem::path& dir, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const Image img = noise_image(61 + 7 * (i % 5), 83 + 5 * (i % 3), static_cast<std::uint32_t>(i + 1));
    const auto p = dir / ("img" + std::to_string(i) + ".jpg");
    write_bytes(p, encode(resize(img, {2 * img.height(), 2 * img.width()}), Format::JPEG));
    out.push_back(p.string());
  }
  return out;
}

std::shared_ptr<Cache> disk_cache(const std::filesystem::path& dir) {
  CacheOptions o;
  o.disk_path = dir;
  o.memory_bytes = 64 << 20;
  return std::make_shared<Cache>(o);
}

// ---------------------------------------------------------------- randomness

TEST(DataRandom, Splitmix64AndTheDocumentedDerivation) {
  // splitmix64's first output from state 0 (Vigna's reference code).
  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(random_u64(1, 2, 3, 4, 5), mix64(mix64(mix64(mix64(mix64(1) ^ 2) ^ 3) ^ 4) ^ 5));
  SampleRandom r(7, 2, 11);
  EXPECT_EQ(r.next(), random_u64(7, kAugmentStream, 2, 11, 0));
  EXPECT_EQ(r.next(), random_u64(7, kAugmentStream, 2, 11, 1));
  EXPECT_EQ(r.draws(), 2u);
  const double u = r.uniform();
  EXPECT_EQ(u, static_cast<double>(random_u64(7, 0, 2, 11, 2) >> 11) * 0x1.0p-53);
  for (int i = 0; i < 1000; ++i) {
    const double v = r.uniform(0.25, 0.5);
    EXPECT_GE(v, 0.25);
    EXPECT_LT(v, 0.5);
    EXPECT_LT(r.below(7), 7u);
  }
  EXPECT_EQ(r.below(1), 0u);
}

TEST(DataRandom, ShuffleIsASeededPermutation) {
  const auto a = shuffled_order(1000, 3, 0);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::size_t> iota(1000);
  std::iota(iota.begin(), iota.end(), std::size_t{0});
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(a, iota);
  EXPECT_EQ(a, shuffled_order(1000, 3, 0));
  EXPECT_NE(a, shuffled_order(1000, 3, 1));
  EXPECT_NE(a, shuffled_order(1000, 4, 0));
  EXPECT_TRUE(shuffled_order(0, 1, 1).empty());
  EXPECT_EQ(shuffled_order(1, 1, 1), std::vector<std::size_t>{0});
}

// ---------------------------------------------------------------- augment

TEST(DataAugment, ParsesAndKeysSteps) {
  const Augment a = Augment::parse("random_resized_crop:224 random_flip random_crop:32x24,padding=4");
  ASSERT_EQ(a.steps().size(), 3u);
  EXPECT_EQ(a.keys(),
            (std::vector<std::string>{"random_resized_crop:size=224x224,scale=0.08:1,ratio=0.75:1.3333333333333333",
                                      "random_flip:p=0.5", "random_crop:size=32x24,padding=4"}));
  EXPECT_EQ(a.steps()[2].size, (ImageSize{24, 32}));
  EXPECT_EQ(Augment::parse("random_flip:0.25").steps()[0].p, 0.25);
  EXPECT_EQ(Augment::parse("random_resized_crop:64,scale=0.5:1,ratio=1:2").steps()[0].ratio,
            (std::array<double, 2>{1, 2}));
  EXPECT_TRUE(Augment::parse("  ").empty());
  for (const char* bad : {"random_rotate", "random_flip:2", "random_crop", "random_crop:0", "random_crop:12,padding=-1",
                          "random_crop:12,pad=1", "random_resized_crop:12,scale=1:0.5", "random_resized_crop:1x",
                          "random_flip:p=0.5,p=0.5"})
    EXPECT_THROW(Augment::parse(bad), InvalidArgument) << bad;
  try {
    Augment::parse("random_rotate:10");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("random_resized_crop"), std::string::npos) << e.what();
  }
}

TEST(DataAugment, ReproducibleForASeedAndDifferentAcrossEpochsAndIndices) {
  const Augment a = Augment::parse("random_resized_crop:48 random_flip");
  const Image img = pattern(120, 160);
  const auto run = [&](std::uint64_t seed, std::uint64_t epoch, std::uint64_t index) {
    SampleRandom r(seed, epoch, index);
    return a.apply(img, r);
  };
  EXPECT_EQ(run(1, 0, 5), run(1, 0, 5));
  EXPECT_EQ(run(1, 0, 5).size(), (ImageSize{48, 48}));
  EXPECT_NE(run(1, 0, 5), run(1, 1, 5));
  EXPECT_NE(run(1, 0, 5), run(1, 0, 6));
  EXPECT_NE(run(1, 0, 5), run(2, 0, 5));
}

TEST(DataAugment, FlipRateAndCropPlacement) {
  const Augment flip = Augment::parse("random_flip");
  const Image img = pattern(8, 10);
  int flipped = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    SampleRandom r(0, 0, static_cast<std::uint64_t>(i));
    if (flip.apply(img, r) != img) ++flipped;
  }
  EXPECT_NEAR(flipped / double(n), 0.5, 0.03);  // 4 sigma ~ 0.032
  // random_crop with padding: every offset of the padded image, black outside.
  const Augment crop = Augment::parse("random_crop:10x8,padding=2");
  std::set<std::pair<int, int>> seen;
  for (int i = 0; i < 2000; ++i) {
    SampleRandom r(1, 0, static_cast<std::uint64_t>(i));
    SampleRandom again(1, 0, static_cast<std::uint64_t>(i));
    const Image out = crop.apply(img, r);
    ASSERT_EQ(out.size(), (ImageSize{8, 10}));
    const int top = static_cast<int>(again.below(8 + 4 - 8 + 1)) - 2;
    const int left = static_cast<int>(again.below(10 + 4 - 10 + 1)) - 2;
    seen.insert({top, left});
    ASSERT_EQ(out, crop_box(img, {top, left, 8, 10}));
  }
  EXPECT_EQ(seen.size(), 25u);  // 5 x 5 offsets
  const Image shifted = crop_box(img, {-2, -1, 8, 10});
  const auto px = shifted.u8_view();
  EXPECT_EQ(px[0], 0);                                // padding is black
  EXPECT_EQ(px[(2 * 10 + 1) * 3], img.u8_view()[0]);  // the image starts at (2, 1)
  SampleRandom r(0, 0, 0);
  EXPECT_THROW(Augment::parse("random_crop:20").apply(img, r), InvalidArgument);  // larger than the image
}

TEST(DataAugment, RandomResizedCropFollowsTorchvisionsBounds) {
  const ImageSize size{300, 400};
  const std::array<double, 2> scale{0.08, 1.0}, ratio{3.0 / 4.0, 4.0 / 3.0};
  int fallback = 0;
  for (int i = 0; i < 3000; ++i) {
    SampleRandom r(5, 0, static_cast<std::uint64_t>(i));
    const CropBox b = random_resized_crop_box(size, scale, ratio, r);
    ASSERT_GT(b.height, 0);
    ASSERT_GT(b.width, 0);
    ASSERT_GE(b.top, 0);
    ASSERT_GE(b.left, 0);
    ASSERT_LE(b.top + b.height, size.height);
    ASSERT_LE(b.left + b.width, size.width);
    if (r.draws() == 20) {  // ten attempts failed: the central crop
      ++fallback;
      continue;
    }
    // Rounding the sides moves area and ratio a little off their draws.
    const double area = double(b.height) * b.width / (300.0 * 400.0);
    const double rt = double(b.width) / b.height;
    EXPECT_GE(area, 0.08 * 0.9);
    EXPECT_LE(area, 1.0);
    EXPECT_GE(rt, 0.75 * 0.9);
    EXPECT_LE(rt, 4.0 / 3.0 * 1.1);
  }
  EXPECT_LT(fallback, 30);
  // A very wide image: no attempt fits the ratio bounds and scale 1: the
  // fallback, the central crop of ratio 4/3.
  SampleRandom r(0, 0, 0);
  const CropBox b = random_resized_crop_box({10, 1000}, {0.99, 1.0}, ratio, r);
  EXPECT_EQ(r.draws(), 20u);
  EXPECT_EQ(b, (CropBox{0, (1000 - 13) / 2, 10, 13}));  // w = round(10 * 4/3) = 13
}

// ---------------------------------------------------------------- output

TEST(DataOutput, FloatValuesAreTorchvisionsToTensorAndNormalize) {
  const Image img = pattern(5, 7);
  const auto px = img.u8_view();
  OutputFormat f;  // CHW float32
  std::vector<float> out(3 * 35);
  write_sample(img, f, std::as_writable_bytes(std::span(out)));
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 35; ++i) ASSERT_EQ(out[c * 35 + i], static_cast<float>(px[i * 3 + c]) / 255.0f);
  f.mean = {0.485f, 0.456f, 0.406f};
  f.std = {0.229f, 0.224f, 0.225f};
  f.validate();
  write_sample(img, f, std::as_writable_bytes(std::span(out)));
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 35; ++i)
      ASSERT_EQ(out[c * 35 + i], (static_cast<float>(px[i * 3 + c]) / 255.0f - f.mean[c]) / f.std[c]);
  f.layout = OutputLayout::HWC;
  write_sample(img, f, std::as_writable_bytes(std::span(out)));
  for (int i = 0; i < 105; ++i) ASSERT_EQ(out[i], (static_cast<float>(px[i]) / 255.0f - f.mean[i % 3]) / f.std[i % 3]);
  EXPECT_EQ(f.shape({5, 7}), (std::array<std::int64_t, 3>{5, 7, 3}));
}

TEST(DataOutput, Uint8LayoutsAndErrors) {
  const Image img = pattern(4, 6);
  OutputFormat f;
  f.type = OutputType::U8;
  std::vector<std::uint8_t> out(72);
  write_sample(img, f, std::as_writable_bytes(std::span(out)));
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 24; ++i) ASSERT_EQ(out[c * 24 + i], img.u8_view()[i * 3 + c]);
  f.layout = OutputLayout::HWC;
  write_sample(img, f, std::as_writable_bytes(std::span(out)));
  EXPECT_TRUE(std::equal(out.begin(), out.end(), img.u8_view().begin()));
  EXPECT_EQ(f.sample_bytes({4, 6}), 72u);
  EXPECT_THROW(write_sample(img, f, std::as_writable_bytes(std::span(out).first(71))), InvalidArgument);
  EXPECT_THROW(write_sample(to_gray(img), f, std::as_writable_bytes(std::span(out).first(24))), InvalidArgument);
  OutputFormat bad;
  bad.mean = {0.5f, 0.5f};
  EXPECT_THROW(bad.validate(), InvalidArgument);
  bad.mean = {};
  bad.std = {0.0f};
  EXPECT_THROW(bad.validate(), InvalidArgument);
  bad.std = {0.5f};
  bad.type = OutputType::U8;
  EXPECT_THROW(bad.validate(), InvalidArgument);
}

// ---------------------------------------------------------------- sources

TEST(DataSource, TransformRunsOncePerContentThenTheStatIndexAndCacheServe) {
  TempDir dir;
  const auto files = make_files(dir.path(), 3);
  const auto cache = disk_cache(dir / "cache");
  SourceOptions o;
  o.transform = Transform::parse("resize_min_size:40,modulo=1 center_crop:32x32");
  o.cache = cache;
  SampleSource src(o);
  const Image first = src.transformed(files[0]);
  EXPECT_EQ(first.size(), (ImageSize{32, 32}));
  EXPECT_EQ(first, o.transform.run(read_file(files[0])));
  EXPECT_EQ(first.size(), o.transform.apply(load(files[0])).size());  // shrink-on-load changes no size
  EXPECT_EQ(src.stats().transforms_computed, 1u);
  EXPECT_EQ(src.stats().files_hashed, 1u);
  EXPECT_EQ(src.transformed(files[0]), first);
  EXPECT_EQ(src.stats().transforms_computed, 1u);
  EXPECT_EQ(src.stats().index_hits, 1u);
  EXPECT_EQ(src.stats().transform_hits, 1u);
  // The documented keys, in the cache.
  const auto bytes = read_file(files[0]);
  const Digest content = digest_bytes(bytes.data(), bytes.size());
  EXPECT_EQ(src.file_digest(files[0]), content);
  const FileStat st = stat_file(files[0]);
  const auto indexed = cache->get_bytes(file_index_key("default", std::filesystem::absolute(files[0]).string(), st));
  ASSERT_TRUE(indexed.has_value());
  ASSERT_EQ(indexed->size(), 16u);
  Digest stored;
  for (int i = 0; i < 8; ++i) {
    stored.high = (stored.high << 8) | indexed->data()[i];
    stored.low = (stored.low << 8) | indexed->data()[8 + i];
  }
  EXPECT_EQ(stored, content);
  EXPECT_EQ(cache->get_image(transform_key("default", content, o.transform.digest())), first);
  // A new source (a new process): the stat index comes from the cache, the
  // image too; nothing is read or decoded.
  SampleSource again(o);
  EXPECT_EQ(again.transformed(files[0]), first);
  EXPECT_EQ(again.stats().index_cache_hits, 1u);
  EXPECT_EQ(again.stats().files_hashed, 0u);
  EXPECT_EQ(again.stats().transforms_computed, 0u);
  // A copy of the file elsewhere: hashed (new path), then a hit of the transform.
  std::filesystem::copy_file(files[0], dir / "copy.jpg");
  EXPECT_EQ(again.transformed((dir / "copy.jpg").string()), first);
  EXPECT_EQ(again.stats().files_hashed, 1u);
  EXPECT_EQ(again.stats().transforms_computed, 0u);
}

TEST(DataSource, ChangedFilesAreHashedAgain) {
  TempDir dir;
  const auto files = make_files(dir.path(), 2);
  SourceOptions o;
  o.transform = Transform::parse("resize:32x32");
  o.cache = disk_cache(dir / "cache");
  SampleSource src(o);
  const Image a = src.transformed(files[0]);
  // Replace the file's content (a new size, a new mtime).
  write_bytes(files[0], read_file(files[1]));
  const Image b = src.transformed(files[0]);
  EXPECT_EQ(b, src.transformed(files[1]));
  EXPECT_NE(a, b);
  EXPECT_EQ(src.stats().files_hashed, 3u);
}

TEST(DataSource, WithoutACacheEveryAccessDecodes) {
  TempDir dir;
  const auto files = make_files(dir.path(), 1);
  SourceOptions o;
  o.transform = Transform::parse("resize:x30");
  SampleSource src(o);
  EXPECT_EQ(src.transformed(files[0]), src.transformed(files[0]));
  EXPECT_EQ(src.stats().transforms_computed, 2u);
  EXPECT_EQ(src.stats().files_hashed, 0u);
  // Samples are RGB: a gray file is expanded.
  o.transform = Transform::parse("to_gray resize:16x16");
  SampleSource gray(o);
  const Image s = gray.sample(files[0], 0, 0);
  EXPECT_TRUE(s.is_rgb());
  EXPECT_EQ(s, to_rgb(gray.transformed(files[0])));
}

TEST(DataSource, ErrorsNameTheFile) {
  TempDir dir;
  SourceOptions o;
  o.transform = Transform::parse("resize:16x16");
  o.cache = disk_cache(dir / "cache");
  SampleSource src(o);
  const std::string missing = (dir / "missing.jpg").string();
  try {
    src.sample(missing, 0, 0);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string truncated = (dir / "truncated.jpg").string();
  auto bytes = encode(pattern(64, 64), Format::JPEG);
  bytes.resize(bytes.size() / 3);
  write_bytes(truncated, bytes);
  EXPECT_THROW(src.sample(truncated, 0, 0), DecodeError);
  // A step that does not apply: InvalidArgument naming the file.
  o.transform = Transform::parse("crop:0:0:500:500");
  SampleSource crop(o);
  const auto files = make_files(dir.path(), 1);
  try {
    crop.sample(files[0], 0, 0);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(files[0]), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------- loaders (threaded)

std::shared_ptr<SampleSource> loader_source(const std::shared_ptr<Cache>& cache, const char* augment = "") {
  SourceOptions o;
  o.transform = Transform::parse("resize_min_size:40,modulo=1 center_crop:32x32");
  o.augment = Augment::parse(augment);
  o.cache = cache;
  o.seed = 9;
  o.output.mean = {0.5f};
  o.output.std = {0.25f};
  return std::make_shared<SampleSource>(o);
}

TEST(DataLoader, BatchesAreTheSourcesSamplesInTheEpochsOrder) {
  TempDir dir;
  const auto files = make_files(dir.path(), 23);
  auto src = loader_source(disk_cache(dir / "cache"), "random_flip random_crop:28,padding=2");
  std::vector<std::int64_t> targets(files.size());
  std::iota(targets.begin(), targets.end(), std::int64_t{100});
  LoaderOptions lo;
  lo.batch_size = 5;
  lo.shuffle = true;
  lo.seed = 4;
  lo.workers = 4;
  const Loader loader(src, files, targets, lo);
  EXPECT_EQ(loader.batches(), 5u);
  EXPECT_EQ(loader.batch_rows(4), 3u);
  for (std::uint64_t epoch : {0u, 1u}) {
    const auto order = loader.order(epoch);
    EXPECT_EQ(order, shuffled_order(files.size(), 4, epoch));
    std::size_t b = 0;
    loader.run_epoch(
        epoch, 2, [&](std::span<const std::byte> x, std::span<const std::int64_t> y, const BatchInfo& info) {
          ASSERT_EQ(info.count, loader.batch_rows(b));
          const std::size_t each = src->options().output.sample_bytes({28, 28});
          ASSERT_EQ(x.size(), info.count * each);
          for (std::size_t s = 0; s < info.count; ++s) {
            const std::size_t index = order[b * 5 + s];
            EXPECT_EQ(y[s], 100 + static_cast<std::int64_t>(index));
            std::vector<std::byte> want(each);
            write_sample(src->sample(files[index], epoch, index), src->options().output, want);
            EXPECT_EQ(std::memcmp(want.data(), x.data() + s * each, each), 0) << "batch " << b << " row " << s;
          }
          ++b;
        });
    EXPECT_EQ(b, 5u);
  }
  lo.drop_last = true;
  EXPECT_EQ(Loader(src, files, {}, lo).batches(), 4u);
  lo.batch_size = 0;
  EXPECT_THROW(Loader(src, files, {}, lo), InvalidArgument);
}

TEST(DataLoader, BadFilesRaiseOrAreSkipped) {
  TempDir dir;
  auto files = make_files(dir.path(), 9);
  auto bytes = read_file(files[4]);
  bytes.resize(bytes.size() / 2);
  write_bytes(files[4], bytes);  // truncated
  auto src = loader_source(nullptr);
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.workers = 3;
  try {
    Loader(src, files, {}, lo).run_epoch(0, 1, [](auto, auto, const BatchInfo&) {});
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find(files[4]), std::string::npos) << e.what();
  }
  lo.on_error = OnError::Skip;
  std::vector<std::size_t> counts;
  std::vector<SkippedSample> skipped;
  Loader(src, files, {}, lo).run_epoch(0, 1, [&](auto x, auto, const BatchInfo& info) {
    counts.push_back(info.count);
    EXPECT_EQ(x.size(), info.count * 3 * 32 * 32 * 4);
    skipped.insert(skipped.end(), info.skipped.begin(), info.skipped.end());
  });
  EXPECT_EQ(counts, (std::vector<std::size_t>{4, 3, 1}));
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].index, 4u);
  EXPECT_EQ(skipped[0].path, files[4]);
  EXPECT_NE(skipped[0].error.find("truncated"), std::string::npos) << skipped[0].error;
}

TEST(DataLoader, SamplesOfAnotherSizeAreAnErrorNamingBothFiles) {
  TempDir dir;
  const auto files = make_files(dir.path(), 6);
  SourceOptions o;
  o.transform = Transform::parse("resize_min_size:40,modulo=1");  // sizes vary with the aspect ratio
  auto src = std::make_shared<SampleSource>(o);
  LoaderOptions lo;
  lo.batch_size = 6;
  lo.workers = 2;
  lo.on_error = OnError::Skip;  // not skipped: the dataset is wrong, not a file
  try {
    Loader(src, files, {}, lo).run_epoch(0, 0, [](auto, auto, const BatchInfo&) {});
    FAIL();
  } catch (const InvalidArgument& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find(files[0]), std::string::npos) << w;
    EXPECT_NE(w.find("one size"), std::string::npos) << w;
  }
}

TEST(DataLoader, CancellingStopsTheThreadsWithWorkInFlight) {
  TempDir dir;
  const auto files = make_files(dir.path(), 40);
  auto src = loader_source(nullptr, "random_resized_crop:32");
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.workers = 3;
  const Loader loader(src, files, {}, lo);
  for (int round = 0; round < 3; ++round) {
    std::vector<std::vector<float>> buffers(6, std::vector<float>(4 * 3 * 32 * 32));
    auto run = loader.start(static_cast<std::uint64_t>(round));
    for (std::size_t b = 0; b < buffers.size(); ++b)
      run->submit(b, std::as_writable_bytes(std::span(buffers[b])), nullptr);
    if (round == 0) {
      EXPECT_EQ(run->wait(0).count, 4u);
    }
    if (round == 1) run->cancel();  // explicit, then the destructor again
    run.reset();                    // round 2: only the destructor
  }
  // wait() of a batch that was never submitted, or of a dropped one.
  auto run = loader.start(0);
  EXPECT_THROW(run->wait(0), InvalidArgument);
  std::vector<float> buf(4 * 3 * 32 * 32);
  EXPECT_THROW(run->submit(0, std::as_writable_bytes(std::span(buf)).first(10), nullptr), InvalidArgument);
  run->cancel();
  EXPECT_THROW(run->submit(0, std::as_writable_bytes(std::span(buf)), nullptr), InvalidArgument);
}

TEST(DataLoader, ThreadsShareOneCacheAndComputeEachTransformOnce) {
  TempDir dir;
  const auto files = make_files(dir.path(), 12);
  auto cache = disk_cache(dir / "cache");
  auto src = loader_source(cache);
  LoaderOptions lo;
  lo.batch_size = 3;
  lo.workers = 4;
  const Loader loader(src, files, {}, lo);
  std::vector<std::vector<std::byte>> first, second;
  const auto keep = [](auto& into) {
    return [&into](std::span<const std::byte> x, auto, const BatchInfo&) { into.emplace_back(x.begin(), x.end()); };
  };
  loader.run_epoch(0, 2, keep(first));
  EXPECT_EQ(src->stats().transforms_computed, files.size());
  loader.run_epoch(0, 2, keep(second));
  EXPECT_EQ(src->stats().transforms_computed, files.size());  // the second epoch: all hits
  EXPECT_EQ(src->stats().transform_hits, files.size());
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace pixelcache::test
