// pixelcache/compose.hpp — blending, saturating arithmetic, constant images.
//
// Arithmetic saturates instead of wrapping (uint8 200 + 100 is 255, not 44).
// Scalars are in levels (0..255) for every storage, so img + 10 brightens a
// float image by 10/255 too. Both operands must have one size and mode.
//
// Thread safety: all functions are reentrant.
#pragma once

#include "pixelcache/image.hpp"

namespace pixelcache {

/// The original's blend. With a mask (binary, or L / RGB binarised with
/// any channel > 0): pixels outside the mask are scaled by `alpha`, pixels
/// inside are kept. With an image of the same mode (RGB or L, not binary):
/// img * (1 - alpha) + other * alpha, as PIL's Image.blend. With
/// `with_bbox`, red 3-pixel frames are drawn (the result becomes RGB)
/// around the regions of the mask, or of the image's nonzero pixels
/// (merged when `merge_bbox`). Use blend_mask() / blend_images() to choose
/// explicitly; by default a binary `other` is a mask and anything else an
/// image. Throws InvalidArgument for alpha outside [0, 1], NaN, size or
/// mode mismatches.
Image blend(const Image& img, const Image& other, double alpha = 0.5, bool with_bbox = false, bool merge_bbox = true);
/// blend() with the mask / image choice made explicit.
Image blend_mask(const Image& img, const Image& mask, double alpha = 0.5, bool with_bbox = false,
                 bool merge_bbox = true);
Image blend_images(const Image& img, const Image& other, double alpha = 0.5);

/// Saturating element-wise arithmetic. Image * image is the normalised
/// product a * b / 255; image / image is a * 255 / b (x / 0 gives 0), both
/// as OpenCV computes them. Binary images are refused.
Image operator+(const Image& a, const Image& b);
Image operator-(const Image& a, const Image& b);
Image operator*(const Image& a, const Image& b);
Image operator/(const Image& a, const Image& b);
/// With a scalar in levels (+, -) or a factor (*, /; finite, >= 0).
Image operator+(const Image& a, double levels);
Image operator-(const Image& a, double levels);
Image operator*(const Image& a, double factor);
Image operator/(const Image& a, double factor);

/// A black image of the same size, mode and storage.
Image zeros_like(const Image& img);
/// A white image (255, or 1 for binary; unlike the original, not 1 = black for uint8).
Image ones_like(const Image& img);

}  // namespace pixelcache
