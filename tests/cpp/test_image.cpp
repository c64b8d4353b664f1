// The Image value (image.hpp): construction and normalisation, views versus
// copies, float storage, statistics, equality.
#include <thread>

#include "test_support.hpp"

namespace pixelcache::test {
namespace {

// Views into the storage exist only for images that outlive them: the
// rvalue overloads are deleted, so `to_gray(x).u8_view()` does not compile.
template <class T>
concept HasU8View = requires(T&& t) {
  std::forward<T>(t).u8_view();
};
template <class T>
concept HasF32View = requires(T&& t) {
  std::forward<T>(t).f32_view();
};
template <class T>
concept HasData = requires(T&& t) {
  std::forward<T>(t).data();
};
static_assert(HasU8View<const Image&> && HasF32View<const Image&> && HasData<const Image&>);
static_assert(HasU8View<Image&> && HasF32View<Image&> && HasData<Image&>);
static_assert(!HasU8View<Image> && !HasF32View<Image> && !HasData<Image>);
static_assert(!HasU8View<Image&&> && !HasF32View<Image&&> && !HasData<Image&&>);

TEST(Image, DefaultIsEmptyAndAccessorsThrow) {
  const Image img;
  EXPECT_TRUE(img.empty());
  EXPECT_EQ(img.channels(), 0);
  EXPECT_THROW(img.u8_view(), InvalidArgument);
  EXPECT_THROW(img.digest(), InvalidArgument);
  EXPECT_EQ(img, Image());
  EXPECT_EQ(img.to_string(), "Image(empty)");
}

TEST(Image, FromRawU8HwcKeepsPixelsAndShape) {
  const std::vector<std::uint8_t> px = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const Image img = Image::from_raw(px.data(), {2, 2, 3});
  EXPECT_EQ(img.mode(), Mode::RGB);
  EXPECT_EQ(img.shape(), (std::array<int, 3>{2, 2, 3}));
  EXPECT_EQ(img.size(), (ImageSize{2, 2}));
  const auto v = img.u8_view();
  EXPECT_TRUE(std::equal(v.begin(), v.end(), px.begin()));
  EXPECT_NE(static_cast<const void*>(v.data()), static_cast<const void*>(px.data()));  // copied in
}

TEST(Image, FromRawChwInterleaves) {
  // 2 channels? no: 3 planes of a 1x2 image.
  const std::vector<std::uint8_t> planes = {10, 11, 20, 21, 30, 31};
  const Image img = Image::from_raw(planes.data(), {1, 2, 3, DType::U8, Layout::CHW});
  const auto v = img.u8_view();
  EXPECT_EQ(std::vector<std::uint8_t>(v.begin(), v.end()), (std::vector<std::uint8_t>{10, 20, 30, 11, 21, 31}));
}

TEST(Image, RgbaAndLaDropAlpha) {
  const std::vector<std::uint8_t> rgba = {1, 2, 3, 0, 4, 5, 6, 255};
  const Image a = Image::from_raw(rgba.data(), {1, 2, 4});
  EXPECT_EQ(a.mode(), Mode::RGB);
  EXPECT_EQ(a, Image::from_u8({1, 2}, Mode::RGB, {1, 2, 3, 4, 5, 6}));
  const std::vector<std::uint8_t> la = {7, 0, 9, 128};
  const Image l = Image::from_raw(la.data(), {1, 2, 2});
  EXPECT_EQ(l.mode(), Mode::L);
  EXPECT_EQ(l, Image::from_u8({1, 2}, Mode::L, {7, 9}));
}

TEST(Image, SixteenBitRoundsToEightBit) {
  const std::vector<std::uint16_t> px = {0, 257, 65535, 128, 129, 32896};
  const Image img = Image::from_raw(px.data(), {1, 6, 1, DType::U16});
  const auto v = img.u8_view();
  EXPECT_EQ(std::vector<std::uint8_t>(v.begin(), v.end()), (std::vector<std::uint8_t>{0, 1, 255, 0, 1, 128}));
}

TEST(Image, BoolBecomesBinary) {
  const std::vector<std::uint8_t> px = {0, 1, 7, 0};
  const Image img = Image::from_raw(px.data(), {2, 2, 1, DType::Bool});
  EXPECT_EQ(img.mode(), Mode::Binary);
  const auto v = img.u8_view();
  EXPECT_EQ(std::vector<std::uint8_t>(v.begin(), v.end()), (std::vector<std::uint8_t>{0, 1, 1, 0}));
  EXPECT_THROW(Image::from_u8({1, 2}, Mode::Binary, {0, 2}), InvalidArgument);
}

TEST(Image, ExactFloatsAreStoredAsU8WithTheSameDigest) {
  const Image u8 = load(data("chelsea.png"));
  const auto px = u8.u8_view();
  std::vector<float> f(px.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(px[i]) / 255.0f;
  const Image img = Image::from_raw(f.data(), {u8.height(), u8.width(), 3, DType::F32});
  EXPECT_EQ(img.pixel_type(), PixelType::U8);
  EXPECT_EQ(img.digest(), u8.digest());
  // The same floats in CHW planes (a torch tensor's layout).
  std::vector<float> chw(f.size());
  const std::size_t n = u8.size().area();
  for (std::size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) chw[c * n + i] = f[3 * i + c];
  EXPECT_EQ(Image::from_raw(chw.data(), {u8.height(), u8.width(), 3, DType::F32, Layout::CHW}).digest(), u8.digest());
}

TEST(Image, InexactFloatsStayFloatAndDiffer) {
  const Image a = Image::from_f32({1, 2}, Mode::L, {0.5f, 0.25f});
  EXPECT_EQ(a.pixel_type(), PixelType::F32);
  EXPECT_THROW(a.u8_view(), InvalidArgument);
  EXPECT_EQ(a.f32_view()[0], 0.5f);
  EXPECT_NE(a.digest(), a.as_u8().digest());
  EXPECT_EQ(a.as_u8().to_u8_vector()[0], 128);
  // -0.0 and +0.0 are one value.
  EXPECT_EQ(Image::from_f32({1, 2}, Mode::L, {-0.0f, 0.3f}).digest(),
            Image::from_f32({1, 2}, Mode::L, {0.0f, 0.3f}).digest());
}

TEST(Image, FloatRangeAndNanAreErrors) {
  EXPECT_THROW(Image::from_f32({1, 1}, Mode::L, {std::nanf("")}), InvalidArgument);
  EXPECT_THROW(Image::from_f32({1, 1}, Mode::L, {1.5f}), InvalidArgument);
  EXPECT_THROW(Image::from_f32({1, 1}, Mode::L, {-0.1f}), InvalidArgument);
  EXPECT_THROW(Image::from_f32({1, 1}, Mode::L, {INFINITY}), InvalidArgument);
  EXPECT_THROW(Image::from_f32({1, 1}, Mode::Binary, {1.0f}), InvalidArgument);
}

TEST(Image, BadRawSpecsAreErrors) {
  const std::vector<std::uint8_t> px(64);
  EXPECT_THROW(Image::from_raw(nullptr, {2, 2, 3}), InvalidArgument);
  EXPECT_THROW(Image::from_raw(px.data(), {0, 2, 3}), InvalidArgument);
  EXPECT_THROW(Image::from_raw(px.data(), {2, -1, 3}), InvalidArgument);
  EXPECT_THROW(Image::from_raw(px.data(), {2, 2, 5}), InvalidArgument);
  EXPECT_THROW(Image::from_raw(px.data(), {2, 2, 3, DType::Bool}), InvalidArgument);
  EXPECT_THROW(Image::from_raw(px.data(), {2, 2, 3, DType::U8, Layout::HWC, 3}), InvalidArgument);  // stride < row
  EXPECT_THROW(Image::from_raw(px.data(), {1 << 30, 1 << 30, 3}), LimitError);
  EXPECT_THROW(Image::from_u8({2, 2}, Mode::RGB, std::vector<std::uint8_t>(11)), InvalidArgument);
  try {
    Image::from_raw(px.data(), {2, 2, 7}, "my-array");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("my-array"), std::string::npos);
  }
}

TEST(Image, RowStrideSelectsAnRoi) {
  // A 2x2 window of a 4-wide gray buffer.
  const std::vector<std::uint8_t> px = {1, 2, 3, 4, 5, 6, 7, 8};
  const Image img = Image::from_raw(px.data() + 1, {2, 2, 1, DType::U8, Layout::HWC, 4});
  EXPECT_EQ(img, Image::from_u8({2, 2}, Mode::L, {2, 3, 6, 7}));
}

TEST(Image, CopiesAreIndependentViewsShareStorage) {
  const Image a = pattern(8, 9);
  const Image b = a;  // O(1) handle copy
  EXPECT_TRUE(a.same_storage(b));
  EXPECT_EQ(a.data(), b.data());
  auto copy = a.to_u8_vector();
  copy[0] ^= 0xFF;
  EXPECT_NE(copy[0], a.u8_view()[0]);
  EXPECT_EQ(a.u8_view().data(), static_cast<const std::uint8_t*>(a.data()));
  const auto f = a.to_f32_vector();
  EXPECT_FLOAT_EQ(f[5], a.u8_view()[5] / 255.0f);
}

TEST(Image, AsF32KeepsDigestAndEquality) {
  const Image a = pattern(5, 7);
  const Image f = a.as_f32();
  EXPECT_EQ(f.pixel_type(), PixelType::F32);
  EXPECT_EQ(f.digest(), a.digest());
  EXPECT_EQ(f, a);
  EXPECT_EQ(f.as_u8(), a);
  EXPECT_THROW(pattern(3, 3, Mode::Binary).as_f32(), InvalidArgument);
}

TEST(Image, StatsInLevels) {
  const Image img = Image::from_u8({1, 4}, Mode::L, {0, 10, 20, 30});
  const Stats s = img.stats();
  ASSERT_EQ(s.mean.size(), 1u);
  EXPECT_DOUBLE_EQ(s.mean[0], 15.0);
  EXPECT_DOUBLE_EQ(s.min[0], 0.0);
  EXPECT_DOUBLE_EQ(s.max[0], 30.0);
  EXPECT_NEAR(s.stddev[0], std::sqrt(125.0), 1e-9);
  // Float storage is reported on the same 0..255 scale.
  const Stats f = Image::from_f32({1, 2}, Mode::L, {0.5f, 0.25f}).stats();
  EXPECT_NEAR(f.mean[0], 0.375 * 255, 1e-4);
  // Binary: fraction of true pixels.
  EXPECT_DOUBLE_EQ(Image::from_u8({1, 4}, Mode::Binary, {1, 0, 0, 1}).stats().mean[0], 0.5);
  // RGB: per channel.
  EXPECT_EQ(load(data("chelsea.png")).stats().mean.size(), 3u);
}

TEST(Image, EqualityAndStdHash) {
  const Image a = pattern(6, 6);
  const Image b = Image::from_u8({6, 6}, Mode::RGB, a.to_u8_vector());
  EXPECT_FALSE(a.same_storage(b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::hash<Image>{}(a), std::hash<Image>{}(b));
  auto px = a.to_u8_vector();
  px[17] ^= 1;
  EXPECT_NE(a, Image::from_u8({6, 6}, Mode::RGB, px));
  std::unordered_map<Image, int> m;
  m[a] = 1;
  EXPECT_EQ(m.at(b), 1);
}

TEST(Image, DigestIsComputedOnceAndThreadSafe) {
  const Image img = load(data("coffee.png"));
  std::vector<Digest> seen(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { seen[i] = img.digest(); });
  for (auto& t : threads) t.join();
  for (const auto& d : seen) EXPECT_EQ(d, seen[0]);
}

TEST(Image, GiantSizesAreRefusedBeforeAnyAllocation) {
  // Default limit: 4 GiB a buffer. Each of these would need 10-30 GB.
  const Image small = pattern(4, 4);
  const ImageSize giant{100000, 100000};
  EXPECT_THROW(resize(small, giant), LimitError);
  EXPECT_THROW(resize(to_binary(small, 0.5), giant), LimitError);
  EXPECT_THROW(center_pad(small, giant), LimitError);
  EXPECT_THROW(resize_min_size(small, 1 << 20, 1), LimitError);
  EXPECT_THROW(points_to_mask(Points({{1, 1}}), giant), LimitError);
  EXPECT_THROW(display_string("x", giant), LimitError);
  EXPECT_THROW(resize(small.as_f32(), {40000, 40000}), LimitError);  // 19 GB of floats

  // The limit is adjustable, process-wide, and applies to every allocation.
  ASSERT_EQ(max_image_bytes(), kDefaultMaxImageBytes);
  set_max_image_bytes(1000);
  EXPECT_THROW(Image::from_u8({20, 20}, Mode::RGB, std::vector<std::uint8_t>(1200)), LimitError);
  EXPECT_THROW(resize(small, {20, 20}), LimitError);
  EXPECT_NO_THROW(resize(small, {10, 10}));  // 300 bytes
  set_max_image_bytes(kDefaultMaxImageBytes);
  EXPECT_NO_THROW(Image::from_u8({20, 20}, Mode::RGB, std::vector<std::uint8_t>(1200)));
  EXPECT_THROW(set_max_image_bytes(0), InvalidArgument);
}

TEST(Image, AdoptWrapsMemoryWithoutCopyAndReleasesTheOwner) {
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6});
  const std::weak_ptr<std::vector<std::uint8_t>> watch = buffer;
  const auto* data = buffer->data();
  {
    Image img = Image::adopt({1, 2}, Mode::RGB, PixelType::U8, data, 6, std::move(buffer));
    EXPECT_EQ(img.data(), data);  // no copy
    EXPECT_EQ(img, Image::from_raw(data, {1, 2, 3}));
    const Image copy = img;  // handles share the adopted storage
    img = Image();
    EXPECT_FALSE(watch.expired());
    EXPECT_EQ(copy.u8_view()[5], 6);
  }
  EXPECT_TRUE(watch.expired());  // the last handle released the owner
}

TEST(Image, AdoptValidatesAndCopiesFloats) {
  const std::vector<std::uint8_t> bad = {0, 1, 2};
  EXPECT_THROW(Image::adopt({1, 3}, Mode::Binary, PixelType::U8, bad.data(), 3, nullptr), InvalidArgument);
  EXPECT_THROW(Image::adopt({2, 3}, Mode::L, PixelType::U8, bad.data(), 3, nullptr), InvalidArgument);  // size
  const std::vector<float> f = {0.1f, 0.2f};
  const Image img = Image::adopt({1, 2}, Mode::L, PixelType::F32, f.data(), 8, nullptr);
  EXPECT_NE(img.data(), static_cast<const void*>(f.data()));  // floats are copied (normalisation may rewrite)
  EXPECT_EQ(img.f32_view()[1], 0.2f);
}

TEST(Image, GenerateAndToString) {
  const Image img = Image::generate({2, 3}, Mode::L, PixelType::U8, [](std::span<std::byte> b) {
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>(i);
  });
  EXPECT_EQ(img.u8_view()[5], 5);
  EXPECT_EQ(img.to_string(), "Image(L, 3x2 (WxH), u8)");  // 2 rows, 3 columns
  // The header's promises: F32 samples are checked and exact k/255 become uint8.
  EXPECT_THROW(Image::generate({1, 1}, Mode::L, PixelType::F32,
                               [](std::span<std::byte> b) {
                                 const float v = 2.0f;
                                 std::memcpy(b.data(), &v, 4);
                               }),
               InvalidArgument);
  const Image exact = Image::generate({1, 1}, Mode::L, PixelType::F32, [](std::span<std::byte> b) {
    const float v = 51.0f / 255.0f;
    std::memcpy(b.data(), &v, 4);
  });
  EXPECT_EQ(exact.pixel_type(), PixelType::U8);
  EXPECT_THROW(Image::from_u8({1, 2}, Mode::Binary, {0, 2}), InvalidArgument);
  EXPECT_EQ(parse_mode("1"), Mode::Binary);
  EXPECT_THROW(parse_mode("RGBA"), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test
