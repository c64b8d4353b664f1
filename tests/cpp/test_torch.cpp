// pixelcache/interop/torch.hpp: at::Tensor in and out, views, bad tensors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "pixelcache/error.hpp"
#include "pixelcache/interop/torch.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/ops.hpp"

namespace pixelcache::test {
namespace {

const std::string kData = PIXELCACHE_TEST_DATA_DIR;

TEST(Torch, RgbRoundTripIsExactAndKeepsTheDigest) {
  const Image cat = load(kData + "/chelsea.png");
  const at::Tensor t = to_tensor(cat);
  ASSERT_EQ(t.sizes(), (at::IntArrayRef{1, 3, 300, 451}));
  EXPECT_EQ(t.scalar_type(), at::kFloat);
  EXPECT_TRUE(t.is_contiguous());
  // Channel planes hold k / 255 of the interleaved samples.
  const auto px = cat.u8_view();
  EXPECT_EQ(t[0][1][10][20].item<float>(), static_cast<float>(px[(10 * 451 + 20) * 3 + 1]) / 255.0f);
  const Image back = from_tensor(t);
  EXPECT_EQ(back.pixel_type(), PixelType::U8);  // exact k/255 floats come back as 8-bit
  EXPECT_EQ(back.hex_digest(), cat.hex_digest());
  EXPECT_EQ(from_tensor(t.to(at::kDouble)), cat);  // float64 too
  EXPECT_EQ(from_tensor(t[0]), cat);               // (c, h, w)
}

TEST(Torch, GrayMaskAndUint8) {
  const Image gray = to_gray(load(kData + "/chelsea.png"));
  EXPECT_EQ(to_tensor(gray).sizes(), (at::IntArrayRef{1, 1, 300, 451}));
  EXPECT_EQ(from_tensor(to_tensor(gray)), gray);
  const Image mask = to_binary(gray, 0.5);
  const at::Tensor m = to_tensor(mask);
  EXPECT_EQ(m.scalar_type(), at::kBool);
  EXPECT_EQ(m.sum().item<int64_t>(), static_cast<int64_t>(mask.stats().sum[0]));
  EXPECT_EQ(from_tensor(m), mask);
  EXPECT_EQ(from_tensor(m[0][0]), mask);  // (h, w)
  const at::Tensor levels = (to_tensor(gray) * 255).round().to(at::kByte);
  EXPECT_EQ(from_tensor(levels), gray);
}

TEST(Torch, NonExactFloatsKeepFloatStorageAndViewsShareIt) {
  const at::Tensor t = at::linspace(0, 1, 2 * 3 * 5).reshape({1, 3, 2, 5});
  const Image img = from_tensor(t);
  EXPECT_EQ(img.pixel_type(), PixelType::F32);
  EXPECT_TRUE(at::equal(to_tensor(img), t));
  at::Tensor view = tensor_view(img);
  EXPECT_TRUE(at::equal(view, t));
  EXPECT_EQ(view.data_ptr(), img.data());  // zero-copy
  {
    const Image temp = from_tensor(t * 0.5);
    view = tensor_view(temp);
  }  // the view keeps the storage alive
  EXPECT_TRUE(at::allclose(view, t * 0.5));
  const Image mask = from_tensor(at::ones({1, 1, 3, 3}, at::kBool));
  EXPECT_EQ(tensor_view(mask).data_ptr(), mask.data());
  const Image u8 = load(kData + "/camera.png");
  EXPECT_NE(tensor_view(u8).data_ptr(), u8.data());  // 8-bit: a copy, documented
}

TEST(Torch, NonContiguousInputs) {
  const at::Tensor t = at::rand({1, 3, 8, 6});
  const at::Tensor transposed = t.transpose(2, 3);  // (1, 3, 6, 8), strided
  EXPECT_TRUE(at::equal(to_tensor(from_tensor(transposed)), transposed.contiguous()));
}

TEST(Torch, BadTensorsNameWhatWasExpected) {
  auto expect_error = [](const at::Tensor& t, const char* needle) {
    try {
      (void)from_tensor(t);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(at::zeros({2, 3, 4, 4}), "batch");
  expect_error(at::zeros({1, 2, 4, 4}), "channels");
  expect_error(at::zeros({1, 3, 4, 4}, at::kBool), "masks");
  expect_error(at::zeros({1, 1, 4, 4}, at::kLong), "dtype");
  expect_error(at::full({1, 1, 2, 2}, 1.5), "[0, 1]");
  expect_error(at::full({1, 1, 2, 2}, NAN), "[0, 1]");
  expect_error(at::zeros({1, 1, 1, 2, 2}), "shape");
  expect_error(at::zeros({1, 3, 0, 4}), "positive");
  expect_error(at::Tensor(), "undefined");
  EXPECT_THROW((void)to_tensor(Image()), InvalidArgument);
}

}  // namespace
}  // namespace pixelcache::test
