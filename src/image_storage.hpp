// Internal: the storage behind an Image handle, and helpers for code in src/
// that builds images (codecs, operations).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "lazy_digest.hpp"
#include "pixelcache/image.hpp"

namespace pixelcache {

namespace detail {
/// Frees pixel buffers from allocate_pixels(). For memory adopted by
/// Image::adopt() (`adopted`) it frees nothing; `owner` is released when the
/// deleter, and so the storage, is destroyed. A large buffer (`pooled`: its
/// capacity in bytes) goes back to the pool of pixel_memory.cpp.
struct FreeDeleter {
  std::shared_ptr<const void> owner;
  bool adopted = false;
  std::size_t pooled = 0;
  void operator()(std::byte* p) const noexcept;
};
/// Uninitialised pixel memory. Buffers of 32 MiB and more are 2 MiB aligned,
/// asked to be backed by transparent huge pages (512x fewer page faults when
/// a fresh 36 MB image is first written), and up to 128 MiB of freed ones are
/// kept for reuse by the next allocation of the same rounded size (no page
/// faults or kernel zeroing at all); smaller ones come from malloc, which
/// reuses freed heap memory itself. Throws LimitError when out of memory.
std::unique_ptr<std::byte, FreeDeleter> allocate_pixels(std::size_t bytes);
/// Bytes of freed large buffers the pool holds now (0 in sanitizer builds,
/// which do not pool).
std::size_t pooled_pixel_bytes();
}  // namespace detail

struct Image::Storage {
  ImageSize size;
  Mode mode = Mode::RGB;
  PixelType type = PixelType::U8;
  std::size_t nbytes = 0;  ///< pixel bytes (the buffer may be larger)
  std::unique_ptr<std::byte, detail::FreeDeleter> bytes;
  // For as_f32() of a uint8 image: the uint8 storage whose digest and
  // content this float copy shares.
  std::shared_ptr<const Storage> digest_source;
  detail::LazyDigest digest;  ///< set by builders that know it, else on first use
};

namespace detail {

/// Samples in an image of `size` with `channels`; throws InvalidArgument for
/// non-positive sizes and LimitError when the buffer would be absurdly large.
std::size_t checked_sample_count(ImageSize size, int channels, std::size_t elem_size, std::string_view what);
/// Uninitialised storage, with `extra` bytes of slack after the pixels (for
/// decoders that work in place on a slightly larger buffer).
std::shared_ptr<Image::Storage> allocate(ImageSize size, Mode mode, PixelType type, std::size_t extra = 0);
/// Validates and canonicalises storage (binary 0/1; floats finite, in range,
/// +0.0, exact k/255 stored as uint8).
std::shared_ptr<const Image::Storage> finalize(std::shared_ptr<Image::Storage> s, std::string_view source);

/// Writes the 16-byte canonical header of digest.hpp ("PXC1", mode, sample
/// type, channels, 0, width, height) for an image of `size`, `mode`, `type`.
void canonical_header(ImageSize size, Mode mode, PixelType type, unsigned char out[16]) noexcept;

/// Turns finalised storage into an Image handle.
struct ImageAccess {
  static Image wrap(std::shared_ptr<const Image::Storage> s) { return Image(std::move(s)); }
};

}  // namespace detail
}  // namespace pixelcache
