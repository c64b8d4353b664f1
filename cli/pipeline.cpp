// The shared load -> steps -> save pipeline (pipeline.hpp).
#include "pipeline.hpp"

#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"

namespace pixelcache::cli {

Pipeline Pipeline::parse(const std::vector<std::string>& step_texts, const EncodeOptions& encode) {
  Pipeline p;
  p.encode = encode;
  for (const auto& s : step_texts) p.steps.push_back(parse_step(s));
  return p;
}

LoadOptions Pipeline::load_options() const {
  LoadOptions o;
  // A pipeline that starts by shrinking lets the JPEG decoder shrink on load
  // (the decoder never goes below the hint, so a growing resize decodes fully).
  if (!steps.empty() && steps.front().resize_to.height > 0) o.shrink_hint = steps.front().resize_to;
  return o;
}

std::vector<std::uint8_t> read_input(const std::string& path_or_url, const FetchOptions& fetch) {
  if (is_url(path_or_url)) return fetch_url(path_or_url, fetch);
  std::error_code ec;
  if (std::filesystem::is_directory(path_or_url, ec)) throw IoError(path_or_url + ": is a directory");
  return read_file(path_or_url);
}

Image transform(const Pipeline& pipeline, std::span<const std::uint8_t> bytes, const std::string& source) {
  Image img = decode(bytes, pipeline.load_options(), source);
  for (const auto& s : pipeline.steps) img = s.apply(img);
  return img;
}

Processed process(const Pipeline& pipeline, const std::string& input, const std::filesystem::path& output,
                  Format format) {
  const std::vector<std::uint8_t> bytes = read_input(input);
  Processed r;
  r.input_digest = digest_bytes(bytes.data(), bytes.size());
  // CACHE SEAM (issue 8; issue 11, round 2). The encoded output is a pure
  // function of (input bytes, steps, format, encode options), so its key is
  //   Hasher{"pixelcache batch output v1", input_digest, Step::key() of each
  //          step in order, format_name(format), quality, lossless,
  //          png_compression}.finish()
  // A hit writes the stored bytes with write_file() right here, without
  // decoding (image_digest stored next to them); a miss runs the rest and
  // puts the encoded bytes (and image_digest) under the key.
  const Image result = transform(pipeline, bytes, input);
  const std::vector<std::uint8_t> encoded = encode(result, format, pipeline.encode);
  write_file(output, encoded);
  r.output_digest = digest_bytes(encoded.data(), encoded.size());
  r.image_digest = result.digest();
  return r;
}

}  // namespace pixelcache::cli
