// at::Tensor conversions (component pixelcache::torch).
#include "pixelcache/interop/torch.hpp"

#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "pixelcache/error.hpp"

namespace pixelcache {
namespace {

std::string shape_string(const at::Tensor& t) {
  std::string s = "(";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + ")";
}

// Binary storage holds 0 / 1 bytes, which are valid bool values.
at::Tensor mask_tensor(const Image& image) {
  at::Tensor t = at::empty({1, 1, image.height(), image.width()}, at::TensorOptions().dtype(at::kBool));
  std::memcpy(t.data_ptr(), image.data(), image.byte_size());
  return t;
}

}  // namespace

at::Tensor to_tensor(const Image& image) {
  if (image.empty()) throw InvalidArgument("to_tensor: empty image");
  if (image.is_binary()) return mask_tensor(image);
  at::Tensor t = at::empty({1, image.channels(), image.height(), image.width()}, at::kFloat);
  image.write_planar_f32({t.data_ptr<float>(), static_cast<std::size_t>(t.numel())});
  return t;
}

at::Tensor tensor_view(const Image& image) {
  if (image.empty()) throw InvalidArgument("tensor_view: empty image");
  const bool binary = image.is_binary();
  if (!binary && image.pixel_type() != PixelType::F32) return to_tensor(image);
  auto* keep = new Image(image);  // released by the tensor's deleter
  void* data = const_cast<void*>(image.data());
  const int64_t h = image.height(), w = image.width(), c = image.channels();
  if (binary)
    return at::from_blob(
        data, {1, 1, h, w}, [keep](void*) { delete keep; }, at::TensorOptions().dtype(at::kBool));
  return at::from_blob(
             data, {h, w, c}, [keep](void*) { delete keep; }, at::TensorOptions().dtype(at::kFloat))
      .permute({2, 0, 1})
      .unsqueeze(0);
}

Image from_tensor(const at::Tensor& tensor) {
  if (!tensor.defined()) throw InvalidArgument("from_tensor: undefined tensor");
  at::Tensor t = tensor.detach().to(at::kCPU);
  const std::string shape = shape_string(tensor);
  if (t.dim() == 4) {
    if (t.size(0) != 1)
      throw InvalidArgument("from_tensor: expected shape (1, c, h, w), got a batch of " + std::to_string(t.size(0)) +
                            ": " + shape);
    t = t[0];
  } else if (t.dim() == 2) {
    t = t.unsqueeze(0);
  } else if (t.dim() != 3) {
    throw InvalidArgument("from_tensor: expected shape (1, c, h, w), (c, h, w) or (h, w), got " + shape);
  }
  if (t.numel() == 0) throw InvalidArgument("from_tensor: empty tensor " + shape + "; image sizes must be positive");
  const int64_t c = t.size(0);
  if (c != 1 && c != 3)
    throw InvalidArgument("from_tensor: expected 1 or 3 channels, got " + std::to_string(c) + " in " + shape);
  if (t.size(1) > INT32_MAX || t.size(2) > INT32_MAX)
    throw InvalidArgument("from_tensor: " + shape + " is too large for an image");
  RawSpec spec;
  spec.height = static_cast<int>(t.size(1));
  spec.width = static_cast<int>(t.size(2));
  spec.channels = static_cast<int>(c);
  spec.layout = Layout::CHW;
  if (t.scalar_type() == at::kBool) {
    if (c != 1) throw InvalidArgument("from_tensor: bool tensors must be masks (1, 1, h, w), got " + shape);
    spec.dtype = DType::Bool;
  } else if (at::isFloatingType(t.scalar_type())) {
    t = t.to(at::kFloat);
    spec.dtype = DType::F32;
  } else if (t.scalar_type() == at::kByte) {
    spec.dtype = DType::U8;
  } else {
    throw InvalidArgument(std::string("from_tensor: expected a float tensor in [0, 1], a bool mask or uint8 levels, "
                                      "got dtype ") +
                          c10::toString(t.scalar_type()));
  }
  t = t.contiguous();
  return Image::from_raw(t.data_ptr(), spec, "tensor " + shape);
}

}  // namespace pixelcache
