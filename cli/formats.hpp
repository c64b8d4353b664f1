// What the command line says about image formats, made from the library's
// format registry (formats() in io.hpp): the extensions a folder walk takes,
// the --format choices and the lists in help texts and messages. A format
// added to the registry appears in all of them.
//
// Thread safety: plain functions; each reads the registry afresh.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pixelcache::cli {

/// The extensions of the formats the library reads, as the registry holds
/// them when made: what a folder walk takes without --glob.
class ImageExtensions {
 public:
  ImageExtensions();
  /// Whether `extension` (with the dot, any case) is one of them.
  bool contains(std::string_view extension) const;

 private:
  std::vector<std::string> all_;  // lower case, with the dot
};
/// ImageExtensions().contains(extension).
bool is_image_extension(std::string_view extension);
/// The extensions of every format read, space-separated: ".png .jpg .jpeg
/// .jpe .webp ...".
std::string image_extensions();
/// The writers' extensions without the dot ("png", "jpg", "jpeg", "webp",
/// ...): the --format choices.
std::vector<std::string> writer_choices();
/// Each writer's usual extension without the dot, joined by ", ": "png, jpg,
/// webp, tif, bmp".
std::string writer_names();
/// Each writer's usual extension, joined by " ": ".png .jpg .webp .tif .bmp".
std::string writer_extensions();
/// The labels of the writers that use the EncodeOptions field `option`,
/// joined by " / ": "JPEG / WebP" for "quality".
std::string writers_using(std::string_view option);
/// The names of the formats whose decodes stream, joined by ", ": "PNG, TIFF,
/// BMP, GIF".
std::string streaming_formats();

}  // namespace pixelcache::cli
