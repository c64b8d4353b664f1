// pixelcache/phash.hpp — perceptual hashes with imagehash's definitions:
// average hash, difference hash and perceptual (DCT) hash, and ImageHash,
// the small bit-matrix value they return.
//
// The definitions are imagehash 4.3.2's (JohannesBuchner/imagehash,
// imagehash/__init__.py), the ones everyone's stored hashes use. Every hash
// starts from the image's gray levels and reduces them with Lanczos:
//
//   gray    Pillow's convert("L"): L = (19595 R + 38470 G + 7471 B + 32768)
//           >> 16 (to_gray(), exact); binary images as 0 / 255. Float
//           images are first rounded to 8-bit levels (Image::as_u8()).
//   reduce  Pillow's resize((w, h), LANCZOS) (imagehash's ANTIALIAS):
//           Lanczos-3, antialiased, 22-bit fixed point, the horizontal pass
//           first with a uint8 intermediate — Pillow's ImagingResample step
//           for step, so the reduced pixels equal Pillow's.
//   average_hash  reduce to hash_size x hash_size; bit = pixel > the mean of
//           the pixels (numpy.mean; exact, compared as pixel * n > sum).
//   dhash   reduce to (hash_size + 1) x hash_size (width x height); bit
//           (r, c) = pixel (r, c + 1) > pixel (r, c): right neighbour
//           brighter than left. hash_size x hash_size bits.
//   phash   reduce to N x N, N = hash_size * highfreq_factor; the 2-D
//           DCT-II, unnormalised, along axis 0 then axis 1, as
//           scipy.fftpack.dct(dct(pixels, axis=0), axis=1) (X[k] = 2 *
//           sum_n x[n] cos(pi k (2n + 1) / 2N)), in double; the top-left
//           hash_size x hash_size block (the lowest frequencies, DC
//           included); bit = coefficient > the block's median (numpy.median:
//           the mean of the two middle values for an even count).
//
// Bits are kept as imagehash's array: row-major, hash_size rows x hash_size
// columns, bit (r, c) at index r * cols + c. The hex form (str() in Python)
// is imagehash's: the bits in that order read as one binary number, written
// in ceil(bits / 4) lowercase hex digits, zero-padded on the left — so a
// hash whose bit count is not a multiple of 4 (hash_size 5: 25 bits, 7
// digits) has leading zero bits. Parsing accepts exactly that form.
//
// Differences from imagehash, all measured on the test photos and their
// generated variants (tests/python/test_phash.py): the bits equal
// imagehash's run on the same decoded pixels for every image tried. phash
// compares doubles with a median, so a coefficient within rounding (~1e-12)
// of the median could flip between our DCT and SciPy's FFT-based one: on
// synthetic flat images (several coefficients exactly equal) the two may
// disagree in the tied bits. imagehash hashes whatever PIL image it is
// given (Image.open does not apply the EXIF orientation); pixelcache hashes
// the upright image, so compare with imagehash on
// ImageOps.exif_transpose(Image.open(path)). Hashes of encoded data
// (hash_bytes / hash_file) decode JPEG and WebP files at reduced scale
// (shrink-on-load), a JPEG as its luma: see hash_load_options() for what
// that changes.
//
// Thread safety: ImageHash and HashSpec are immutable values; every
// function is reentrant and may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pixelcache/digest.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/value.hpp"

namespace pixelcache {

/// A perceptual hash: a rows x cols matrix of bits (see the file comment for
/// the order and the hex form). Small (a 64-bit hash is one word), O(1) to
/// compare. The empty hash (0 x 0) is default-constructed.
class ImageHash {
 public:
  ImageHash() = default;
  /// A rows x cols hash from `bits` (row-major, one byte per bit: 0 is
  /// false, anything else true). Throws InvalidArgument when rows or cols is
  /// below 1, rows * cols is above kMaxBits, or bits.size() != rows * cols.
  ImageHash(int rows, int cols, std::span<const std::uint8_t> bits);

  /// Largest number of bits a hash may have (hash_size 64 squared).
  static constexpr int kMaxBits = 4096;

  /// Parses imagehash's hex form of a square hash, as imagehash.hex_to_hash:
  /// side = floor(sqrt(4 * hex.size())), so 16 digits give 8 x 8 and 7
  /// digits 5 x 5. Upper- or lowercase. Throws InvalidArgument for an empty
  /// string, a non-hex character, a length no square hash has, or set bits
  /// in the zero padding.
  static ImageHash from_hex(std::string_view hex);
  /// Parses the hex form of a rows x cols hash: exactly ceil(rows * cols /
  /// 4) digits. Throws InvalidArgument as above, and for another length.
  static ImageHash from_hex(std::string_view hex, int rows, int cols);
  /// The hash a Value holds in the form value() gives; throws
  /// InvalidArgument for anything else.
  static ImageHash from_value(const Value& v);

  int rows() const noexcept { return rows_; }
  int cols() const noexcept { return cols_; }
  /// Number of bits, rows * cols (Python len()).
  std::size_t size() const noexcept { return static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_); }
  bool empty() const noexcept { return size() == 0; }
  /// Bit i in row-major order. Throws InvalidArgument when i >= size().
  bool bit(std::size_t i) const;
  /// Bit (row, col). Throws InvalidArgument when out of range.
  bool bit(int row, int col) const;
  /// Every bit, row-major, as 0 / 1 bytes.
  std::vector<std::uint8_t> bits() const;
  /// The packed bits: bit i is bit (63 - i % 64) of word i / 64 (most
  /// significant first), unused low bits of the last word are 0. So a 64-bit
  /// hash is one word whose value is the hex form's number.
  std::span<const std::uint64_t> words() const noexcept { return words_; }

  /// imagehash's hex form (file comment); "" for the empty hash.
  std::string hex() const;
  /// The Hamming distance: the number of bits that differ (imagehash's
  /// `a - b`). Throws InvalidArgument when the sizes differ (imagehash's
  /// TypeError "ImageHashes must be of the same shape").
  int distance(const ImageHash& other) const;

  /// The hash as a Value: HashableList{"ImageHash", rows, cols, hex()} — a
  /// tagged list (value.hpp), so hashes go into HashableList /
  /// HashableDict, memoize() arguments and cache keys, and round-trip
  /// through the cache as Values (from_value()).
  Value value() const;
  /// value(), implicitly: `HashableDict{{"hash", h}}`, `CacheKey::add(h)`.
  operator Value() const { return value(); }
  /// The stable content digest: value().digest(), i.e. XXH3-128 of the
  /// Value form "PXV1" 'L' over the digests of "ImageHash", rows, cols and
  /// the hex string (value.hpp). Equal hashes, equal digests, everywhere.
  Digest digest() const;

  /// Same shape and the same bits. (imagehash's == compares the flattened
  /// bits only, so its 4 x 16 and 8 x 8 hashes of equal bits are equal;
  /// none of its three hashes makes such shapes.)
  bool operator==(const ImageHash& other) const noexcept = default;

  /// "ImageHash(8x8, d879f8f89b1bbf00)".
  std::string to_string() const;

 private:
  int rows_ = 0, cols_ = 0;
  std::vector<std::uint64_t> words_;
};

/// The three hashes.
enum class HashKind : std::uint8_t {
  Average,     ///< imagehash.average_hash
  Difference,  ///< imagehash.dhash
  Perceptual,  ///< imagehash.phash
};
/// "ahash", "dhash" or "phash".
const char* hash_kind_name(HashKind kind) noexcept;
/// Parses "ahash" (also "average_hash", "average"), "dhash" (also
/// "difference_hash") or "phash" (also "perceptual_hash"). Throws
/// InvalidArgument naming the accepted names for anything else.
HashKind parse_hash_kind(std::string_view name);

/// Which hash, of which size.
struct HashSpec {
  HashKind kind = HashKind::Perceptual;
  /// Bits per side: the hash has hash_size x hash_size bits. 2..64.
  int hash_size = 8;
  /// phash only: the reduced image is hash_size * highfreq_factor pixels a
  /// side. 1..64, and hash_size * highfreq_factor at most 1024.
  int highfreq_factor = 4;

  /// Throws InvalidArgument naming the field that is out of range.
  void validate() const;
  /// The size the gray image is reduced to: hash_size x hash_size (ahash),
  /// (hash_size + 1) x hash_size (dhash, width x height), N x N with N =
  /// hash_size * highfreq_factor (phash).
  ImageSize reduced_size() const;
  /// hash_size * hash_size.
  int bits() const noexcept { return hash_size * hash_size; }
  /// "phash 8x8 (highfreq_factor 4)", "dhash 8x8".
  std::string to_string() const;
  bool operator==(const HashSpec&) const = default;
};

/// imagehash.average_hash(image, hash_size). Throws InvalidArgument for an
/// empty image or hash_size outside 2..64.
ImageHash average_hash(const Image& img, int hash_size = 8);
/// imagehash.dhash(image, hash_size). Errors as average_hash.
ImageHash dhash(const Image& img, int hash_size = 8);
/// imagehash.phash(image, hash_size, highfreq_factor). Throws
/// InvalidArgument for an empty image or a spec HashSpec::validate refuses.
ImageHash phash(const Image& img, int hash_size = 8, int highfreq_factor = 4);
/// The hash `spec` names, of `img`. Errors as above.
ImageHash image_hash(const Image& img, const HashSpec& spec);

/// How hash_bytes() / hash_file() decode: `base` with a shrink-on-load hint
/// of 4 x the reduced size a side (128 x 128 for phash 8, 36 x 32 for dhash
/// 8), so a JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain when
/// it stays at least that large (a 12 MP photo: 1/8, 500 x 375; a 451 x 300
/// one: full size for phash 8, 1/2 for ahash 8), a WebP by libwebp's
/// scaler at the same scales. A gray or YCbCr JPEG is decoded as its luma
/// (libjpeg-turbo's gray output, what Pillow's draft("L", size) asks for),
/// not as convert("L") of its RGB decode, which is within a level or two of
/// it; at 1/8 scale from the DC coefficients alone, the Huffman decoding
/// split over the usable cores (src/codec/jpeg_dc.hpp), the pixels
/// libjpeg-turbo's. The hash then differs slightly from the hash of the
/// full decode: the same hash for most photos, a bit or two apart for the
/// others (measured in tests/python/test_phash.py and
/// doc/near-duplicates.md); other formats always decode fully.
LoadOptions hash_load_options(const HashSpec& spec, LoadOptions base = {});

/// The hash of encoded image bytes, decoded with hash_load_options() (EXIF
/// orientation applied). `source` names the input in errors. Throws what
/// decode() throws, and InvalidArgument for a bad spec.
ImageHash hash_bytes(std::span<const std::uint8_t> data, const HashSpec& spec, const LoadOptions& options = {},
                     std::string_view source = "<bytes>");
/// hash_bytes() of a file or an http(s) URL. Throws what load() throws.
ImageHash hash_file(const std::string& path_or_url, const HashSpec& spec, const LoadOptions& options = {});

/// The default "near duplicate" threshold of `spec`, in bits: distance <=
/// threshold counts as near. 10 of 64 bits for phash and dhash (also
/// imagededup's default), 8 of 64 for ahash (whose unrelated photos come
/// closer); scaled with the bit count for other sizes, rounded. Chosen on
/// generated variants (resized, recompressed, cropped up to 5 %,
/// brightness +-10 %) against unrelated photos: doc/near-duplicates.md.
int default_threshold(const HashSpec& spec);

}  // namespace pixelcache

/// Hashes an ImageHash by its digest.
template <>
struct std::hash<pixelcache::ImageHash> {
  std::size_t operator()(const pixelcache::ImageHash& h) const { return h.digest().fold(); }
};
