// The format registry: one entry per image format (name, extensions, magic
// sniffer, whole and streamed decode, probe, encode, encoder options), from
// which io.cpp (format_name, sniff_format, format_from_extension, decode and
// encode dispatch), the probers' dispatch (source.cpp), the streaming choice
// (may_stream) and the public formats() view are derived. The built-in
// formats are the rows of one table in registry.cpp; a format made elsewhere
// (a test's toy codec) is added with register_format().
//
// Thread safety: lookups are lock-free and may run concurrently with each
// other and with register_format() / unregister_format(), which serialise
// among themselves. The registry publishes immutable snapshots and never
// frees one, so an entry (and its name) found once stays valid for the
// whole process, even after its format is unregistered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec.hpp"

namespace pixelcache::detail {

/// How many leading bytes a sniffer is given at most: every sniffer decides
/// from these (or from the whole input when it is shorter).
inline constexpr std::size_t kSniffBytes = 32;

/// One image format: what the dispatchers and the fronts need to know of it.
/// Strings have static storage (literals); function pointers have no state.
struct FormatEntry {
  /// The format's id; a format outside the built-ins takes an unused value
  /// of the Format enum's range (e.g. static_cast<Format>(100)).
  Format id = Format::Unknown;
  /// format_name(): PIL's name ("PNG", "WEBP").
  const char* name = nullptr;
  /// The name in lists of readers ("WebP"; "HEIF/AVIF" for two formats with
  /// one decoder: entries with one label are listed once).
  const char* label = nullptr;
  /// The file extensions of the format, lower case, space-separated, the
  /// usual one first (".jpg .jpeg"): format_from_extension() maps them to
  /// this format when it has an encoder, and batch folder walks pick them up.
  const char* extensions = "";
  /// More extensions that only mark inputs (".jpe"), never chosen for output.
  const char* input_extensions = "";
  /// True when the first bytes (at most kSniffBytes) are this format's.
  bool (*sniff)(std::span<const std::uint8_t> head) noexcept = nullptr;
  /// The magic is not a fixed prefix (ISO BMFF's ftyp box at offset 4), so a
  /// file that also starts with another format's magic is that format: these
  /// sniffers run after all the others.
  bool sniff_late = false;
  /// Decodes the image as stored (orientation unapplied, Decoded::format
  /// set); with DecodeInput::sink it may stream rows there (see `streams`).
  Decoded (*decode)(const DecodeInput& in) = nullptr;
  /// What decode would give, from the header only (codec.hpp, "Probers").
  ImageInfo (*probe)(const ProbeInput& in) = nullptr;
  /// Encodes an image; nullptr for a read-only format.
  std::vector<std::uint8_t> (*encode)(const Image& image, const EncodeOptions& options) = nullptr;
  /// decode honours DecodeInput::sink (decode_resized() streams rows into
  /// the resampler), at least for some files of the format.
  bool streams = false;
  /// The EncodeOptions fields the encoder uses, space-separated ("quality
  /// lossless"); the CLI's encoder option help names the formats from them.
  const char* options = "";
};

/// The built-in formats, the table's rows (builtin_formats.cpp).
std::span<const FormatEntry> builtin_formats() noexcept;
/// Every format, the built-ins first in the table's order (PNG, JPEG, WebP,
/// HEIF, AVIF, TIFF, BMP, GIF: lists of writers follow it), then the
/// registered ones in registration order. The span stays valid for the
/// process.
std::span<const FormatEntry> format_entries() noexcept;
/// The entry of `id`; nullptr for Format::Unknown and unregistered ids.
const FormatEntry* find_format(Format id) noexcept;
/// The entry whose sniffer accepts `data` (its first kSniffBytes): the
/// formats in order, those with sniff_late after the others; nullptr when
/// none does.
const FormatEntry* sniff_entry(std::span<const std::uint8_t> data) noexcept;
/// The writer whose `extensions` hold `extension` (lower case, with the
/// dot); nullptr when none does.
const FormatEntry* find_writer(std::string_view extension) noexcept;

/// The items of a space-separated list (extensions, options).
std::vector<std::string_view> split_words(const char* words);
/// "a, b or c": `items` joined for messages ("a" alone, "a or b").
std::string join_or(const std::vector<std::string>& items);

/// Adds a format after the built-ins (sniffed after them, so it never
/// shadows one). Throws InvalidArgument when the id is Unknown or taken, the
/// name is missing or taken, or sniff, decode or probe is missing.
void register_format(const FormatEntry& entry);
/// Removes a format added by register_format(). Throws InvalidArgument for
/// a built-in format or an id not registered.
void unregister_format(Format id);

}  // namespace pixelcache::detail
