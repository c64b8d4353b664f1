// pixelcache/interop/opencv.hpp — cv::Mat in and out.
//
// OpenCV code keeps colour images in BGR order; pixelcache stores RGB. The
// copying functions convert (BGR by default, as imread() / imwrite() use);
// mat_view() cannot reorder and shows the stored RGB order.
//
// Thread safety: as Image — the functions only read the image.
#pragma once

#include <opencv2/core.hpp>

#include "pixelcache/image.hpp"

namespace pixelcache {

/// Channel order of 3-channel mats.
enum class ChannelOrder { BGR, RGB };

/// Copies a cv::Mat: CV_8U, CV_16U, CV_32F (values in [0, 1]) with 1, 3 or 4
/// channels (4 = BGRA / RGBA, alpha dropped). One channel gives L: a 0/255
/// mask is not guessed to be binary (use Image::from_raw with DType::Bool).
/// Non-contiguous mats (ROIs) are fine. Throws InvalidArgument for an empty
/// mat, other depths or channel counts, NaN or out-of-range floats.
Image from_mat(const cv::Mat& mat, ChannelOrder order = ChannelOrder::BGR);

/// An independent copy as CV_8UC3 (in `order`) / CV_8UC1, or CV_32FC3 /
/// CV_32FC1 for float storage. Binary images give CV_8UC1 with 0 / 255.
cv::Mat to_mat(const Image& image, ChannelOrder order = ChannelOrder::BGR);

/// A zero-copy header over the image's storage, in stored (RGB) order;
/// binary images show 0 / 1. Valid while `image` (or a copy of the handle)
/// lives. Must not be written to: the storage is shared and immutable.
const cv::Mat mat_view(const Image& image);
/// A view of a temporary would dangle at the end of the statement.
const cv::Mat mat_view(Image&&) = delete;

}  // namespace pixelcache
