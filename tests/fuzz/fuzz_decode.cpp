// Fuzz target: any bytes through decode() — the format sniffer, then the
// sniffed format's decoder and the orientation — must give an image that
// passes check_decoded() or throw a pixelcache::Error: never a crash, a
// hang, another exception type, or an allocation past the pixel limit.
// Bytes of a format that streams (may_stream(): PNG, TIFF, BMP, GIF; not
// HEIF / AVIF, whose grids stream too, as a damaged HEVC tile can decode
// differently from one call to the next, libde265's doing) also go through
// decode_resized() (thumbnail.hpp: the streamed decoders), which must give
// exactly the resize of that image, or throw an error of the same type when
// decode() throws. (Other formats take decode()'s own path there.)
// The per-format targets (fuzz_decode_<format>.cpp) call one decoder each.
#include <algorithm>
#include <typeinfo>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pixelcache;
  const LoadOptions opt = fuzz::decode_options();
  const std::span<const std::uint8_t> bytes(data, size);
  Image img;
  const std::type_info* whole_error = nullptr;
  try {
    img = decode(bytes, opt, "<fuzz>");
    fuzz::check_decoded(img, opt);
  } catch (const Error& e) {
    fuzz::check_message(e);
    whole_error = &typeid(e);
  }
  // The formats whose decodes stream (the registry's), but HEIF / AVIF.
  const Format format = sniff_format(bytes);
  if (!detail::may_stream(format) || format == Format::HEIF || format == Format::AVIF) return 0;
  const ImageSize to =
      img.empty() ? ImageSize{7, 5} : ImageSize{std::max(1, img.height() / 2), std::max(1, img.width() / 3)};
  const ResizeSpec spec = ResizeSpec::to(to, Interpolation::Bilinear);
  try {
    const Image streamed = decode_resized(bytes, spec, opt, "<fuzz>");
    fuzz::require(whole_error == nullptr, "decode_resized() decoded what decode() refused");
    fuzz::require(streamed == spec.apply(img), "decode_resized() differs from decode() + resize");
  } catch (const Error& e) {
    fuzz::check_message(e);
    fuzz::require(whole_error != nullptr && *whole_error == typeid(e),
                  "decode_resized() threw where decode() did not, or another error type");
  }
  return 0;
}
