// cv::Mat interop (interop/opencv.hpp).
#include "pixelcache/interop/opencv.hpp"

#include <opencv2/imgproc.hpp>

#include "pixelcache/error.hpp"

namespace pixelcache {

Image from_mat(const cv::Mat& mat, ChannelOrder order) {
  if (mat.empty()) throw InvalidArgument("from_mat: the cv::Mat is empty");
  if (mat.dims != 2)
    throw InvalidArgument("from_mat: expected a 2-D cv::Mat, got " + std::to_string(mat.dims) + " dims");
  const int c = mat.channels();
  if (c != 1 && c != 3 && c != 4)
    throw InvalidArgument("from_mat: expected 1, 3 or 4 channels, got " + std::to_string(c));
  DType dt;
  switch (mat.depth()) {
    case CV_8U: dt = DType::U8; break;
    case CV_16U: dt = DType::U16; break;
    case CV_32F: dt = DType::F32; break;
    default: throw InvalidArgument("from_mat: unsupported depth (expected CV_8U, CV_16U or CV_32F)");
  }
  cv::Mat src = mat;
  if (c >= 3 && order == ChannelOrder::BGR) cv::cvtColor(mat, src, c == 3 ? cv::COLOR_BGR2RGB : cv::COLOR_BGRA2RGBA);
  RawSpec spec{src.rows, src.cols, c, dt, Layout::HWC, src.step[0]};
  return Image::from_raw(src.data, spec, "cv::Mat");
}

cv::Mat to_mat(const Image& image, ChannelOrder order) {
  cv::Mat out = mat_view(image).clone();
  if (image.is_binary()) out *= 255;
  if (image.channels() == 3 && order == ChannelOrder::BGR) cv::cvtColor(out, out, cv::COLOR_RGB2BGR);
  return out;
}

const cv::Mat mat_view(const Image& image) {
  if (image.empty()) throw InvalidArgument("mat_view: the image is empty");
  const int depth = image.pixel_type() == PixelType::F32 ? CV_32F : CV_8U;
  return cv::Mat(image.height(), image.width(), CV_MAKETYPE(depth, image.channels()), const_cast<void*>(image.data()));
}

}  // namespace pixelcache
