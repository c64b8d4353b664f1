// Decoding straight to a smaller size (thumbnail.hpp): the decoders that can
// stream a file push its rows into a StreamResizer; the others decode whole
// and the image is resized as resize() does.
#include <algorithm>

#include "../codec/codec.hpp"
#include "../mapped_file.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"
#include "pixelcache/thumbnail.hpp"
#include "stream_resizer.hpp"

namespace pixelcache {

ResizeSpec ResizeSpec::to(ImageSize size, Interpolation interpolation) {
  ResizeSpec s;
  s.rule = Rule::Size;
  s.size = size;
  s.interpolation = interpolation;
  return s;
}

ResizeSpec ResizeSpec::min_side(int min_size, int modulo, Interpolation interpolation) {
  ResizeSpec s;
  s.rule = Rule::MinSide;
  s.min_size = min_size;
  s.modulo = modulo;
  s.interpolation = interpolation;
  return s;
}

ImageSize ResizeSpec::output_size(ImageSize from) const {
  if (rule == Rule::MinSide) return min_size_resized(from, min_size, modulo);
  const ImageSize to = resized_size(from, size);
  to.validate("resize: target size");  // as resize()
  return to;
}

Image ResizeSpec::apply(const Image& img) const {
  return rule == Rule::MinSide ? resize_min_size(img, min_size, modulo, interpolation)
                               : resize(img, size, interpolation);
}

LoadOptions ResizeSpec::shrink_on_load(LoadOptions base) const {
  if (base.shrink_hint.height > 0 || base.shrink_hint.width > 0 || base.shrink_min_side > 0) return base;
  if (rule == Rule::MinSide) {
    // As Transform: the result's sides are then rounded down to `modulo`.
    base.shrink_min_side = std::max(1, min_size - modulo + 1);
  } else if (size.height >= 0 && size.width >= 0) {
    base.shrink_hint = size;
  }
  return base;
}

Image decode_resized(std::span<const std::uint8_t> data, const ResizeSpec& spec, const LoadOptions& options,
                     std::string_view source) {
  if (data.empty()) throw DecodeError(escape_bytes(source) + ": empty input (0 bytes)");
  detail::StreamResizer sink(spec, options.apply_orientation, [data] { detail::release_mapped(data); });
  detail::DecodeInput in{data, options, source};
  if (detail::may_stream(sniff_format(data))) in.sink = &sink;
  Decoded d = detail::decode_stored(in);
  if (sink.begun()) {
    detail::release_mapped(data);
    return sink.finish();
  }
  // Decoded whole (perhaps shrunk on load, as a JPEG): resized to the size
  // the full-scale image gets, as Transform::run() does.
  detail::finish_decoded(d, options);
  if (d.image.size() == d.full_size) return spec.apply(d.image);
  return resize_region(d.image, spec.output_size(d.full_size), d.content, spec.interpolation);
}

Image load_resized(const std::string& path_or_url, const ResizeSpec& spec, const LoadOptions& options) {
  const detail::InputBytes input(path_or_url, options.fetch);
  return decode_resized(input.bytes(), spec, options, path_or_url);
}

}  // namespace pixelcache
