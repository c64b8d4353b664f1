// Internal helpers shared by the operation files.
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "pixelcache/error.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/interop/opencv.hpp"

namespace pixelcache::detail {

/// A read-only cv::Mat header over an image's storage (interop/opencv.hpp's
/// mat_view; the Mat must not be written to).
inline cv::Mat as_mat(const Image& img) { return mat_view(img); }

/// Builds an image of `size` like `like` (mode, sample type) by letting `fill`
/// write into a cv::Mat header over the new storage.
template <class F>
Image make_like(const Image& like, ImageSize size, F&& fill) {
  return Image::generate(size, like.mode(), like.pixel_type(), [&](std::span<std::byte> b) {
    cv::Mat dst(size.height, size.width, as_mat(like).type(), b.data());
    fill(dst);
  });
}

/// Throws InvalidArgument "<op>: the image is empty" for an empty image.
inline void require_image(const Image& img, const char* op) {
  if (img.empty()) throw InvalidArgument(std::string(op) + ": the image is empty");
}

/// Throws InvalidArgument naming the operation and the accepted mode.
inline void require_mode(const Image& img, Mode mode, const char* op) {
  require_image(img, op);
  if (img.mode() != mode)
    throw InvalidArgument(std::string(op) + ": needs a " + mode_name(mode) + " image, got " + mode_name(img.mode()));
}

/// A mask as binary: any mode, any channel > 0 (mask.hpp's convention).
/// Defined in color.cpp beside to_binary().
Image binarise(const Image& mask, const char* op);

/// Throws InvalidArgument "<op>: mask is AxB but the image is CxD".
inline void check_same_size(const Image& img, const Image& mask, const char* op) {
  if (img.size() != mask.size())
    throw InvalidArgument(std::string(op) + ": mask is " + mask.size().to_string() + " but the image is " +
                          img.size().to_string());
}

}  // namespace pixelcache::detail
