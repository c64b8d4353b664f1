// pixelcache/image.hpp — the immutable image value.
//
// An Image is a handle to shared, read-only pixel storage: copying a handle is
// O(1) and never copies pixels, and every operation returns a new Image.
// Three modes, with the PIL names users know: RGB (3 channels), L (1 channel
// gray) and binary "1" (1 channel, samples 0 or 1). Samples are uint8, or
// float32 in [0, 1] for RGB / L inputs that are not exactly 8-bit values.
// Storage is row-major, channels interleaved (HWC), rows packed.
//
// Inputs in other layouts are normalised on entry (see from_raw()):
//   RGBA -> RGB and LA -> L drop the alpha channel (as PIL's convert("RGB"));
//   16-bit samples become round(v / 257); bool becomes binary.
// Codecs normalise P, CMYK, YCbCr and 16-bit files the same way (io.hpp).
//
// Thread safety: an Image may be shared and read from any number of threads;
// the lazily computed digest is computed once under std::call_once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/digest.hpp"
#include "pixelcache/geometry.hpp"

namespace pixelcache {

class Image;
namespace detail {
struct ImageAccess;
}

/// Pixel mode.
enum class Mode : std::uint8_t {
  RGB,     ///< 3 channels, red green blue
  L,       ///< 1 channel, gray
  Binary,  ///< 1 channel, 0 or 1 (PIL mode "1")
};

/// Sample type of the storage.
enum class PixelType : std::uint8_t {
  U8,   ///< uint8, 0..255 (binary: 0..1)
  F32,  ///< float32, 0..1
};

/// "RGB", "L" or "1".
const char* mode_name(Mode mode) noexcept;
/// Parses "RGB", "L" or "1"; throws InvalidArgument for anything else.
Mode parse_mode(std::string_view name);
/// 3 for RGB, 1 for L and binary.
int mode_channels(Mode mode) noexcept;

/// Sample type of a raw input buffer.
enum class DType : std::uint8_t { U8, U16, F32, Bool };
/// Memory layout of a raw input buffer.
enum class Layout : std::uint8_t {
  HWC,  ///< rows, columns, channels interleaved (NumPy, OpenCV, PIL)
  CHW,  ///< channel planes (PyTorch)
};

/// Describes a raw pixel buffer handed to Image::from_raw().
struct RawSpec {
  int height = 0;
  int width = 0;
  int channels = 1;  ///< 1 (L / binary), 2 (LA), 3 (RGB) or 4 (RGBA)
  DType dtype = DType::U8;
  Layout layout = Layout::HWC;
  /// Bytes between the starts of two rows (HWC) or of two rows of a plane
  /// (CHW); 0 means packed.
  std::size_t row_stride = 0;
};

/// Default of max_image_bytes(): 4 GiB.
inline constexpr std::uint64_t kDefaultMaxImageBytes = std::uint64_t{1} << 32;

/// The largest pixel buffer any image may have, in bytes. Every allocation —
/// constructors, decoders and operations alike — is checked against it
/// before memory is touched, so a mistaken giant size (a resize to
/// 100000 x 100000) is a LimitError instead of swapping or the OOM killer.
/// Process-wide; reading and setting are thread-safe.
std::uint64_t max_image_bytes() noexcept;
/// Sets max_image_bytes(). Throws InvalidArgument for 0.
void set_max_image_bytes(std::uint64_t bytes);
// Memory: pixel buffers under 32 MiB come from malloc. Larger ones are 2 MiB
// aligned and backed by transparent huge pages, and when freed up to 128 MiB
// of them (four at most) are kept for the next image of the same rounded
// size, which then costs no page faults or kernel zeroing (a 12 MP cache
// hit: 5.4 -> 2.3 ms). Sanitizer builds free every buffer.

/// Per-channel statistics. RGB and L images are measured in levels 0..255
/// (float storage is scaled by 255), binary images in 0..1 (so the mean is
/// the fraction of true pixels).
struct Stats {
  std::vector<double> mean, stddev, min, max, sum;
};

/// The immutable image value.
class Image {
 public:
  /// The empty image (no pixels). empty() is true; most accessors throw.
  Image() noexcept = default;

  /// Copies pixels from a raw buffer and normalises them (see file comment).
  /// Float samples must be finite and within [0, 1]; float buffers whose
  /// samples are all exactly k/255 are stored as uint8. `source` names the
  /// input in error messages. Throws InvalidArgument for a null buffer, zero
  /// or negative sizes, an unsupported channel
  /// count, bool with more than one channel, NaN or out-of-range floats.
  static Image from_raw(const void* data, const RawSpec& spec, std::string_view source = "<buffer>");

  /// Copies packed uint8 HWC samples into new storage (the vector is taken
  /// by value for the caller's convenience; the image does not keep it).
  /// Throws InvalidArgument when the sample count does not match `size` and
  /// `mode`, or for binary samples other than 0 and 1; LimitError above
  /// max_image_bytes().
  static Image from_u8(ImageSize size, Mode mode, std::vector<std::uint8_t> pixels);
  /// Copies packed float32 HWC samples in [0, 1] (RGB or L); stored as
  /// uint8 when every sample is exactly k/255. Throws InvalidArgument for a
  /// count mismatch, NaN or out-of-range samples, binary mode.
  static Image from_f32(ImageSize size, Mode mode, std::vector<float> pixels);

  /// Wraps `nbytes` bytes at `data` — packed HWC samples of `type`, the
  /// layout byte_size() / data() describe — without copying: `owner` keeps
  /// the memory alive and is released when the last handle to the storage
  /// goes (from whichever thread drops it). The caller guarantees the memory
  /// is never written while `owner` lives. Binary samples are validated
  /// (0 / 1). F32 samples are copied through from_raw() instead, because
  /// their normalisation may rewrite them (exact k/255 to uint8, -0.0 to
  /// +0.0). Throws InvalidArgument when `nbytes` does not match size, mode
  /// and type, or for invalid samples.
  static Image adopt(ImageSize size, Mode mode, PixelType type, const void* data, std::size_t nbytes,
                     std::shared_ptr<const void> owner);

  /// Allocates storage (checked against max_image_bytes(): LimitError),
  /// lets `fill` write every sample (a packed HWC buffer of
  /// height * width * channels samples of `type`), then checks and freezes
  /// it as from_raw() does: binary samples must be 0 or 1, F32 samples
  /// finite and within [0, 1] (InvalidArgument otherwise, naming
  /// "Image::generate"), and F32 storage whose samples are all exactly k/255
  /// becomes uint8 storage. The fast path for codecs and operations: one
  /// allocation, no copy.
  static Image generate(ImageSize size, Mode mode, PixelType type,
                        const std::function<void(std::span<std::byte>)>& fill);

  /// True for the default-constructed image.
  bool empty() const noexcept { return !storage_; }
  ImageSize size() const noexcept;
  int height() const noexcept { return size().height; }
  int width() const noexcept { return size().width; }
  Mode mode() const noexcept;
  PixelType pixel_type() const noexcept;
  /// 3 for RGB, 1 otherwise.
  int channels() const noexcept;
  /// {height, width, channels}.
  std::array<int, 3> shape() const noexcept;
  /// Bytes of pixel storage.
  std::size_t byte_size() const noexcept;
  bool is_rgb() const noexcept { return !empty() && mode() == Mode::RGB; }
  bool is_gray() const noexcept { return !empty() && mode() == Mode::L; }
  bool is_binary() const noexcept { return !empty() && mode() == Mode::Binary; }

  // The three views below point into the storage and stay valid while any
  // handle to it lives. They exist only for lvalues: on a temporary
  // (`to_gray(x).u8_view()`) they would dangle, so the rvalue overloads are
  // deleted; name the image first (`const Image g = to_gray(x);`).

  /// Zero-copy read-only view of uint8 storage. Throws InvalidArgument for
  /// float storage (use as_u8()) or an empty image.
  std::span<const std::uint8_t> u8_view() const&;
  std::span<const std::uint8_t> u8_view() const&& = delete;
  /// Zero-copy read-only view of float storage. Throws InvalidArgument for
  /// uint8 storage (use as_f32()) or an empty image.
  std::span<const float> f32_view() const&;
  std::span<const float> f32_view() const&& = delete;
  /// Raw pointer to the storage; nullptr for the empty image.
  const void* data() const& noexcept;
  const void* data() const&& = delete;

  /// Independent copy of the samples as uint8 (floats: round(v * 255)).
  std::vector<std::uint8_t> to_u8_vector() const;
  /// Independent copy of the samples as float32 (uint8: v / 255; binary: 0/1).
  std::vector<float> to_f32_vector() const;
  /// Writes the samples as float32 channel planes (CHW, the PyTorch layout)
  /// into `out`, which must hold height * width * channels floats: uint8
  /// level k becomes exactly float(k) / 255 (so from_raw() recognises it as
  /// 8-bit again), binary 0 / 1. Throws InvalidArgument for a wrong size.
  void write_planar_f32(std::span<float> out) const;
  /// This image with uint8 storage (itself when already uint8).
  Image as_u8() const;
  /// This image with float storage (RGB / L only; itself when already float).
  Image as_f32() const;

  /// The content digest (digest.hpp), computed on first use and cached.
  Digest digest() const;
  /// digest().hex().
  std::string hex_digest() const { return digest().hex(); }
  /// Per-channel statistics (see Stats).
  Stats stats() const;
  /// The distinct sample values, sorted, on the Stats scale (levels 0..255;
  /// 0 / 1 for binary). Counts samples, so for RGB all channels together.
  std::vector<double> unique() const;

  /// True when both handles share one storage.
  bool same_storage(const Image& other) const noexcept { return storage_ == other.storage_; }
  /// Identity, then digest, then samples (a digest collision is not equality).
  bool operator==(const Image& other) const;

  /// "Image(RGB, 451x300 (WxH), u8)" — no pixel access.
  std::string to_string() const;

  struct Storage;  ///< implementation detail

 private:
  friend struct detail::ImageAccess;
  explicit Image(std::shared_ptr<const Storage> s) noexcept : storage_(std::move(s)) {}
  const Storage& checked() const;
  std::shared_ptr<const Storage> storage_;
};

}  // namespace pixelcache

/// Hashes an Image by its digest.
template <>
struct std::hash<pixelcache::Image> {
  std::size_t operator()(const pixelcache::Image& img) const { return img.digest().fold(); }
};
