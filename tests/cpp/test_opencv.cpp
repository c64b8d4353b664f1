// cv::Mat interop (interop/opencv.hpp).
#include <opencv2/core.hpp>

#include "pixelcache/interop/opencv.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

TEST(OpenCV, BgrMatRoundTrip) {
  const Image img = load(data("chelsea.png"));
  const cv::Mat bgr = to_mat(img);
  ASSERT_EQ(bgr.type(), CV_8UC3);
  // First pixel: BGR order in the mat, RGB in the image.
  EXPECT_EQ(bgr.at<cv::Vec3b>(0, 0)[0], img.u8_view()[2]);
  EXPECT_EQ(bgr.at<cv::Vec3b>(0, 0)[2], img.u8_view()[0]);
  EXPECT_EQ(from_mat(bgr).digest(), img.digest());
  EXPECT_EQ(from_mat(to_mat(img, ChannelOrder::RGB), ChannelOrder::RGB).digest(), img.digest());
}

TEST(OpenCV, MatViewIsZeroCopyAndCopiesAreIndependent) {
  const Image img = pattern(10, 12);
  const cv::Mat view = mat_view(img);
  EXPECT_EQ(static_cast<const void*>(view.data), img.data());
  cv::Mat copy = to_mat(img, ChannelOrder::RGB);
  copy.at<cv::Vec3b>(0, 0)[0] ^= 0xFF;
  EXPECT_NE(copy.at<cv::Vec3b>(0, 0)[0], img.u8_view()[0]);
}

TEST(OpenCV, RoiGrayFloatSixteenBitAndBgra) {
  cv::Mat big(20, 30, CV_8UC1);
  cv::randu(big, 0, 256);
  const cv::Mat roi = big(cv::Rect(5, 4, 10, 8));
  const Image g = from_mat(roi);
  EXPECT_EQ(g.mode(), Mode::L);
  EXPECT_EQ(g.size(), (ImageSize{8, 10}));
  EXPECT_EQ(g.u8_view()[0], roi.at<std::uint8_t>(0, 0));
  cv::Mat f(2, 2, CV_32FC1, cv::Scalar(0.5));
  EXPECT_EQ(from_mat(f).pixel_type(), PixelType::F32);
  cv::Mat w(2, 2, CV_16UC3, cv::Scalar(257, 514, 65535));
  const Image wi = from_mat(w);
  EXPECT_EQ(wi.u8_view()[0], 255);  // BGR: blue 257 -> last channel
  EXPECT_EQ(wi.u8_view()[2], 1);
  cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(1, 2, 3, 4));
  EXPECT_EQ(from_mat(bgra), Image::from_u8({2, 2}, Mode::RGB, {3, 2, 1, 3, 2, 1, 3, 2, 1, 3, 2, 1}));
}

TEST(OpenCV, BadMats) {
  EXPECT_THROW(from_mat(cv::Mat()), InvalidArgument);
  EXPECT_THROW(from_mat(cv::Mat(2, 2, CV_64FC1, cv::Scalar(0.5))), InvalidArgument);
  EXPECT_THROW(from_mat(cv::Mat(2, 2, CV_8UC2)), InvalidArgument);
  EXPECT_THROW(from_mat(cv::Mat(2, 2, CV_32FC1, cv::Scalar(2.0))), InvalidArgument);
  const Image empty;
  EXPECT_THROW(mat_view(empty), InvalidArgument);
}

TEST(OpenCV, BinaryToMatIsZeroOr255) {
  const Image b = pattern(3, 5, Mode::Binary);
  const cv::Mat m = to_mat(b);
  EXPECT_EQ(m.type(), CV_8UC1);
  EXPECT_EQ(m.at<std::uint8_t>(0, 0), b.u8_view()[0] * 255);
}

}  // namespace
}  // namespace pixelcache::test
