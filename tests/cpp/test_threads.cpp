// Images, containers and loaders shared between threads (the thread-safety
// statements of image.hpp, value.hpp, io.hpp, ops.hpp). Each test starts
// its threads together on a latch so that first uses (lazily computed
// digests, one-time initialisations) really race, and compares every
// thread's result with a result computed alone. Built as its own program,
// pixelcache_thread_tests, with the ctest label `threaded`: the tsan preset
// runs it under ThreadSanitizer. Also the worker pool of batch and
// find_duplicates (src/work_pool.hpp).
#include <sched.h>

#include <atomic>
#include <exception>
#include <latch>
#include <random>
#include <thread>

#include "http_server.hpp"
#include "ops/ops_internal.hpp"
#include "test_support.hpp"
#include "work_pool.hpp"

namespace pixelcache::test {
namespace {

constexpr int kThreads = 8;

// Runs fn(i) on kThreads threads released together.
template <class Fn>
void together(Fn&& fn) {
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      fn(i);
    });
  for (auto& t : threads) t.join();
}

// Every operation of ops.hpp / mask.hpp / compose.hpp / grid.hpp on one
// input, as digests (the same list alone and on many threads).
std::vector<Digest> every_operation(const Image& img) {
  const Image gray = to_gray(img);
  const Image mask = to_binary(gray, 0.5);
  std::vector<Image> out = {
      resize(img, {37, 53}, Interpolation::Nearest),
      resize(img, {37, 53}, Interpolation::Bilinear),
      resize(img, {37, 53}, Interpolation::Bicubic),
      resize(img, {37, 53}, Interpolation::Lanczos),
      resize(img, {37, 53}, Interpolation::Area),
      downsample(img, 3),
      resize_min_size(img, 40),
      rotate(img, 33),
      rotate(img, -90, false),
      flip_horizontal(img),
      flip_vertical(img),
      center_pad(img, {img.height() + 10, img.width() + 6}, 7),
      crop(img, BoundingBox(3, 4, 50, 60, std::nullopt, false)),
      to_rgb(gray),
      gray,
      mask,
      invert_binary(mask),
      invert_rgb(img),
      rgb2bgr(img),
      set_minmax(gray, 0.1, 0.8),
      apply_palette(gray, "viridis"),
      equalize_hist(img),
      crop_from_mask(img, mask),
      mask2squaremask(mask),
      morphology(mask, Morphology::Close, 5),
      masked_fill(img, mask, 9),
      blend(img, mask, 0.3, true),
      blend_images(img, flip_vertical(img), 0.25),
      img + 10.0,
      img * img,
      img.as_f32(),
      display_string("pixelcache", {24, 120}).image,
      make_image_grid({{"a", {img, gray}}, {"b", {mask, img}}}, {GridOrientation::Vertical, true}),
  };
  std::vector<Digest> d;
  for (const auto& o : out) d.push_back(o.digest());
  for (const auto& b : mask2bbox(mask)) d.push_back(Value(b).digest());
  const Stats s = img.stats();
  d.push_back(digest_bytes(s.mean.data(), s.mean.size() * sizeof(double)));
  const auto u = gray.unique();
  d.push_back(digest_bytes(u.data(), u.size() * sizeof(double)));
  for (Format f : {Format::PNG, Format::JPEG, Format::WebP, Format::TIFF, Format::BMP}) {
    const auto bytes = encode(img, f);
    d.push_back(digest_bytes(bytes.data(), bytes.size()));
  }
  return d;
}

TEST(Threads, FirstDigestOfOneImageFromManyThreads) {
  const Digest expected = load(data("coffee.png")).digest();
  for (int round = 0; round < 5; ++round) {
    const Image img = load(data("coffee.png"));  // digest not computed yet
    std::vector<Digest> seen(kThreads);
    together([&](int i) { seen[i] = img.digest(); });
    for (const auto& d : seen) EXPECT_EQ(d, expected);
  }
}

TEST(Threads, CopiesAndEqualityOfOneImage) {
  const Image img = load(data("chelsea.png"));
  const Image twin = load(data("chelsea.png"));  // same pixels, other storage
  std::vector<int> ok(kThreads, 0);
  together([&](int i) {
    const Image copy = img;  // shared_ptr copies from many threads
    ok[i] = copy == twin && std::hash<Image>{}(copy) == std::hash<Image>{}(twin) && copy.same_storage(img);
  });
  for (int v : ok) EXPECT_EQ(v, 1);
}

TEST(Threads, ContainerDigestsAreComputedOnceFromManyThreads) {
  const Image img = load(data("camera.png"));
  const Digest img_digest = load(data("camera.png")).digest();
  auto build = [&] {
    const HashableList inner{1, 2.5, "three", img};
    return HashableDict({{"list", inner},
                         {"nested", HashableDict({{"x", inner}, {"y", HashableList{inner, inner}}})},
                         {Value(7), BoundingBox(1, 2, 3, 4, ImageSize{10, 10}, false)}});
  };
  const Digest expected = build().digest();
  for (int round = 0; round < 5; ++round) {
    const HashableDict shared = build();  // no digest computed yet, image included
    const Value as_value(shared);
    std::vector<Digest> seen(kThreads), seen_value(kThreads);
    std::vector<int> found(kThreads, 0);
    together([&](int i) {
      seen[i] = shared.digest();
      seen_value[i] = as_value.digest();
      found[i] =
          shared.contains("nested") && shared.at("list").as<HashableList>().at(3).as<Image>().digest() == img_digest;
    });
    for (int i = 0; i < kThreads; ++i) {
      EXPECT_EQ(seen[i], expected);
      EXPECT_EQ(seen_value[i], seen_value[0]);
      EXPECT_EQ(found[i], 1);
    }
  }
}

TEST(Threads, ConcurrentDecodesOfSharedBytes) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(data_dir()))
    if (e.path().extension() != ".md" && e.path().filename() != "truncated.jpg") names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  std::vector<std::vector<std::uint8_t>> bytes;
  std::vector<Digest> expected;
  for (const auto& n : names) {
    bytes.push_back(read_file(n));
    expected.push_back(decode(bytes.back()).digest());
  }
  std::vector<std::vector<Digest>> seen(kThreads);
  together([&](int i) {
    // Each thread starts at another file, so different codecs overlap.
    for (std::size_t k = 0; k < bytes.size(); ++k) {
      const std::size_t j = (k + static_cast<std::size_t>(i)) % bytes.size();
      seen[i].resize(bytes.size());
      seen[i][j] = decode(bytes[j]).digest();
    }
  });
  for (const auto& s : seen) EXPECT_EQ(s, expected);
}

TEST(Threads, OperationsOnOneSharedImage) {
  const std::vector<Digest> expected = every_operation(load(data("chelsea.png")));
  const Image shared = load(data("chelsea.png"));
  std::vector<std::vector<Digest>> seen(kThreads);
  together([&](int i) { seen[i] = every_operation(shared); });
  for (const auto& s : seen) EXPECT_EQ(s, expected);
}

TEST(Threads, FloatImageSharedBetweenThreads) {
  const Image f = resize(load(data("chelsea.png")).as_f32(), {64, 80}, Interpolation::Bicubic);
  const std::vector<Digest> expected = every_operation(f);
  std::vector<std::vector<Digest>> seen(kThreads);
  together([&](int i) { seen[i] = every_operation(f); });
  for (const auto& s : seen) EXPECT_EQ(s, expected);
}

TEST(Threads, LoadsFromFilesAndUrlsConcurrently) {
  const auto png = read_file(data("chelsea.png"));
  HttpServer server([&](const std::string&) { return reply(200, std::string(png.begin(), png.end())); });
  const Digest expected = decode(png).digest();
  std::vector<int> ok(kThreads, 0);
  together([&](int i) {
    const Image a = load(i % 2 ? server.url("/chelsea.png") : data("chelsea.png"));
    ok[i] = a.digest() == expected;
  });
  for (int v : ok) EXPECT_EQ(v, 1);
}

TEST(Threads, ImageByteLimitChangesWhileOtherThreadsAllocate) {
  const Image gray = load(data("camera.png"));
  std::vector<int> small_ok(kThreads, 0), large_ok(kThreads, 0), large_refused(kThreads, 0);
  together([&](int i) {
    if (i == 0) {
      for (int k = 0; k < 50; ++k) set_max_image_bytes(k % 2 ? 1000 : kDefaultMaxImageBytes);
      set_max_image_bytes(kDefaultMaxImageBytes);
      return;
    }
    for (int k = 0; k < 20; ++k) {
      small_ok[i] += resize(gray, {30, 30}).byte_size() == 900;  // fits both limits
      try {
        large_ok[i] += resize(gray, {100, 100}).byte_size() == 10000;  // fits only the default
      } catch (const LimitError&) {
        ++large_refused[i];
      }
    }
  });
  EXPECT_EQ(max_image_bytes(), kDefaultMaxImageBytes);
  for (int i = 1; i < kThreads; ++i) {
    EXPECT_EQ(small_ok[i], 20);
    EXPECT_EQ(large_ok[i] + large_refused[i], 20);
  }
}

// Every item runs exactly once, on a worker index below the worker count,
// and the heartbeat runs on the calling thread while it waits.
TEST(WorkPool, RunsEveryItemOnce) {
  constexpr std::size_t kItems = 1000;
  std::vector<std::atomic<int>> runs(kItems);
  std::atomic<unsigned> max_worker{0};
  const auto caller = std::this_thread::get_id();
  bool heartbeat_on_caller = true;
  const std::size_t started = detail::run_pool(
      kItems, 4,
      [&](unsigned w, std::size_t i) {
        runs[i].fetch_add(1);
        unsigned m = max_worker.load();
        while (w > m && !max_worker.compare_exchange_weak(m, w)) {
        }
        if (i % 100 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      },
      nullptr, [&] { heartbeat_on_caller = heartbeat_on_caller && std::this_thread::get_id() == caller; }, 1);
  EXPECT_EQ(started, kItems);
  for (std::size_t i = 0; i < kItems; ++i) EXPECT_EQ(runs[i].load(), 1) << i;
  EXPECT_LT(max_worker.load(), 4u);
  EXPECT_TRUE(heartbeat_on_caller);
  EXPECT_EQ(detail::run_pool(
                0, 4, [](unsigned, std::size_t) { FAIL(); }, nullptr, nullptr),
            0u);
}

// Once stop() is true no item starts; those started finish, and the count
// says how many (the first that many indices).
TEST(WorkPool, StopStartsNoNewItem) {
  std::atomic<std::size_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::atomic<int>> runs(500);
  const std::size_t started = detail::run_pool(
      runs.size(), 3,
      [&](unsigned, std::size_t i) {
        runs[i].fetch_add(1);
        if (done.fetch_add(1) + 1 == 50) stop = true;
      },
      [&] { return stop.load(); }, nullptr);
  EXPECT_GE(started, 50u);
  EXPECT_LT(started, 50u + 3);  // at most one more per worker after the 50th
  for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), i < started ? 1 : 0) << i;
}

// Runs fn() on a thread pinned to one CPU: usable_cores() is 1 there, so
// decoders take their one-thread path.
template <class Fn>
auto on_one_cpu(Fn&& fn) {
  decltype(fn()) out{};
  std::exception_ptr error;
  std::thread t([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_setaffinity(0, sizeof one, &one);
    try {
      out = fn();
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  if (error) std::rethrow_exception(error);
  return out;
}

std::string decode_error(const std::vector<std::uint8_t>& bytes, bool streamed) {
  try {
    if (streamed)
      decode_resized(bytes, ResizeSpec::to({40, 30}));
    else
      decode(bytes);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "no error";
}

// A deflate TIFF of many strips decodes on the usable cores (whole: every
// strip inflated and converted in parallel; streamed: a few strips ahead of
// the resizer). The pixels, and the error a damaged strip gives (the first
// in reading order), equal the one-thread decode's.
TEST(Threads, TiffStripsInflateInParallelAsOnOneThread) {
  if (detail::usable_cores() < 2) GTEST_SKIP() << "one usable core";
  std::mt19937 rng(7);
  const Image noise = Image::generate({300, 200}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    for (auto& v : b) v = static_cast<std::byte>(rng() & 0xff);
  });
  const auto tiff = encode(noise, Format::TIFF);  // deflate, strips of ~8 KiB: 23 strips
  EXPECT_EQ(decode(tiff).digest(), noise.digest());
  EXPECT_EQ(on_one_cpu([&] { return decode(tiff).digest(); }), noise.digest());
  const Digest streamed = decode_resized(tiff, ResizeSpec::to({40, 30})).digest();
  EXPECT_EQ(on_one_cpu([&] { return decode_resized(tiff, ResizeSpec::to({40, 30})).digest(); }), streamed);
  // Damaged strips: one in the middle, then a second one earlier.
  auto damaged = tiff;
  for (std::size_t at : {damaged.size() / 2, damaged.size() / 4}) {
    for (std::size_t i = 0; i < 64; ++i) damaged[at + i] ^= 0x5a;
    for (bool streamed_decode : {false, true}) {
      const std::string alone = on_one_cpu([&] { return decode_error(damaged, streamed_decode); });
      EXPECT_NE(alone, "no error");
      EXPECT_EQ(decode_error(damaged, streamed_decode), alone) << (streamed_decode ? "streamed" : "whole");
    }
  }
}

// mask2bbox's regions (src/ops/regions.cpp): row stripes labelled on
// OpenCV's threads and joined at their seams give the regions of one
// stripe, in the same order. (Under the tsan preset OpenCV runs the
// stripes in the calling thread: tests/tsan/serial_opencv.cpp.)
TEST(Threads, RegionsOfStripesInParallelAsOfOneStripe) {
  std::mt19937 rng(9);
  cv::Mat m(700, 600, CV_8U);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) m.at<std::uint8_t>(y, x) = rng() % 100 < 45 ? 1 : 0;
  const auto one = detail::find_regions(m, 1);
  for (const int stripes : {2, 4, 7}) {
    const auto many = detail::find_regions(m, stripes);
    ASSERT_EQ(many.size(), one.size()) << stripes << " stripes";
    for (std::size_t i = 0; i < one.size(); ++i) {
      ASSERT_EQ(many[i].box, one[i].box) << stripes << " stripes, region " << i;
      ASSERT_EQ(many[i].area, one[i].area) << stripes << " stripes, region " << i;
    }
  }
}

}  // namespace
}  // namespace pixelcache::test
