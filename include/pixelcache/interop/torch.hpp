// pixelcache/interop/torch.hpp — at::Tensor in and out (libtorch).
//
// Part of the optional component pixelcache::torch, built when Debian's
// libtorch-dev is installed: find_package(pixelcache COMPONENTS torch) and
// link pixelcache::torch.
//
// Tensors use PyTorch's image layout: (1, c, h, w) float32 in [0, 1] for RGB
// (c = 3) and L (c = 1), (1, 1, h, w) bool for binary masks. An 8-bit level
// k converts to exactly float(k) / 255, and such a tensor converts back to
// the same 8-bit image with the same digest.
//
// Thread safety: as Image — the functions only read their input.
#pragma once

#include <ATen/core/Tensor.h>

#include "pixelcache/image.hpp"

namespace pixelcache {

/// An independent CPU tensor: (1, c, h, w) float32 in [0, 1], or
/// (1, 1, h, w) bool for a binary image. Throws InvalidArgument for an empty
/// image.
at::Tensor to_tensor(const Image& image);

/// A tensor over the image's own storage where it already has a tensor
/// layout: float32 storage ((1, c, h, w) strided view of the interleaved
/// samples) and binary masks ((1, 1, h, w) bool). 8-bit RGB / L images have
/// no float32 storage to share and get a copy (to_tensor()). The tensor keeps
/// the storage alive. Never write into it: torch has no read-only tensors,
/// and the image is shared.
at::Tensor tensor_view(const Image& image);

/// Copies a tensor on any device: float (any floating dtype, converted to
/// float32) of shape (1, c, h, w), (c, h, w) or (h, w) with c = 1 or 3 and
/// values in [0, 1]; bool masks (1, 1, h, w) / (h, w); uint8 levels.
/// Non-contiguous tensors are fine. Throws InvalidArgument naming the
/// expected shape, dtype or range (batch > 1, 2 or 4+ channels, NaN, values
/// outside [0, 1], integer dtypes other than uint8, empty tensors).
Image from_tensor(const at::Tensor& tensor);

}  // namespace pixelcache
