// Format sniffing, dispatch to the codecs, files and URLs (io.hpp). Paths in
// messages are escaped (escape_bytes).
#include "pixelcache/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "atomic_file.hpp"
#include "codec/codec.hpp"
#include "codec/registry.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache {

const char* format_name(Format f) noexcept {
  const detail::FormatEntry* e = detail::find_format(f);
  return e ? e->name : "UNKNOWN";
}

Format sniff_format(std::span<const std::uint8_t> d) noexcept {
  const detail::FormatEntry* e = detail::sniff_entry(d);
  return e ? e->id : Format::Unknown;
}

Format format_from_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (const detail::FormatEntry* e = detail::find_writer(ext)) return e->id;
  std::vector<std::string> known;
  for (const detail::FormatEntry& e : detail::format_entries())
    if (e.encode)
      for (const std::string_view x : detail::split_words(e.extensions)) known.emplace_back(x);
  throw EncodeError(escape_bytes(path.string()) + ": cannot choose a format from the extension '" + escape_bytes(ext) +
                    "' (expected " + detail::join_or(known) + ")");
}

namespace detail {
Decoded decode_stored(const DecodeInput& in) {
  const FormatEntry* e = sniff_entry(in.data);
  if (!e) unsupported_format(in.source, in.data.size());
  Decoded d = e->decode(in);
  d.format = e->id;
  return d;
}
}  // namespace detail

namespace {
[[noreturn]] void empty_input(std::string_view source) {
  throw DecodeError(escape_bytes(source) + ": empty input (0 bytes)");
}

// Closes a file descriptor.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};
}  // namespace

void detail::finish_decoded(Decoded& d, const LoadOptions& options) {
  if (d.full_size.height == 0) d.full_size = d.image.size();  // decoders that do not shrink
  // The content of a decode at 1/k scale (stored orientation): n / k of the
  // ceil(n / k) pixels of a side, the padding last.
  // A decoder that scales the whole image (WebP) sets the content itself.
  const ImageSize have = d.image.size(), full = d.full_size;
  double eh = have.height, ew = have.width;
  if (d.content[2] > 0) {
    eh = d.content[2], ew = d.content[3];
  } else {
    for (int k : {2, 4, 8})
      if (full != have && (full.height + k - 1) / k == have.height && (full.width + k - 1) / k == have.width) {
        eh = static_cast<double>(full.height) / k, ew = static_cast<double>(full.width) / k;
        break;
      }
  }
  const double py = have.height - eh, px = have.width - ew;  // padding at the bottom / right
  d.content = {0, 0, eh, ew};
  if (options.apply_orientation) {
    d.image = detail::apply_orientation(d.image, d.orientation);
    if (d.orientation >= 5) d.full_size = {d.full_size.width, d.full_size.height};
    // Where the stored bottom / right padding goes once oriented.
    switch (d.orientation) {
      case 2: d.content = {0, px, eh, ew}; break;   // mirrored: right -> left
      case 3: d.content = {py, px, eh, ew}; break;  // rotated 180
      case 4: d.content = {py, 0, eh, ew}; break;   // flipped: bottom -> top
      case 5: d.content = {0, 0, ew, eh}; break;    // transposed: right -> bottom, bottom -> right
      case 6: d.content = {0, py, ew, eh}; break;   // 90 clockwise: bottom -> left, right -> bottom
      case 7: d.content = {px, py, ew, eh}; break;  // transverse: bottom -> left, right -> top
      case 8: d.content = {px, 0, ew, eh}; break;   // 90 counter-clockwise: bottom -> right, right -> top
      default: break;
    }
  }
}

Decoded decode_ex(std::span<const std::uint8_t> data, const LoadOptions& options, std::string_view source) {
  if (data.empty()) empty_input(source);
  Decoded d = detail::decode_stored({data, options, source});
  detail::finish_decoded(d, options);
  return d;
}

Image decode(std::span<const std::uint8_t> data, const LoadOptions& options, std::string_view source) {
  return decode_ex(data, options, source).image;
}

ImageInfo probe(std::span<const std::uint8_t> data, const LoadOptions& options, std::string_view source) {
  if (data.empty()) empty_input(source);
  detail::ByteSource bytes(data);
  return detail::probe_source(bytes, options, source);
}

ImageInfo probe_file(const std::string& path_or_url, const LoadOptions& options) {
  detail::reject_nul(path_or_url);
  if (is_url(path_or_url)) {
    const auto body = fetch_url(path_or_url, options.fetch);
    return probe(body, options, path_or_url);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path_or_url, ec)) throw IoError(escape_bytes(path_or_url) + ": is a directory");
  const int fd = ::open(path_or_url.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(escape_bytes(path_or_url) + ": cannot open: " + std::strerror(errno));
  const FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    // Not a regular file (a pipe, a device: no size to read in part), or
    // one that says it is empty (/proc files, a file still being
    // written): read whole, as load() does.
    const auto bytes = read_file(path_or_url);
    return probe(bytes, options, path_or_url);
  }
  auto read = [fd, &path_or_url](std::uint64_t offset, std::uint8_t* buffer, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const ssize_t k = ::pread(fd, buffer + done, n - done, static_cast<off_t>(offset + done));
      if (k == 0) break;  // the end of the file
      if (k < 0) {
        if (errno == EINTR) continue;
        throw IoError(escape_bytes(path_or_url) + ": read error: " + std::strerror(errno));
      }
      done += static_cast<std::size_t>(k);
    }
    return done;
  };
  detail::ByteSource bytes(static_cast<std::uint64_t>(st.st_size), read, detail::kProbeFirstRead);
  if (bytes.size() == 0) empty_input(path_or_url);
  return detail::probe_source(bytes, options, path_or_url);
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  detail::reject_nul(path.native());
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw IoError(escape_bytes(path.string()) + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> guard(f, &std::fclose);
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long n = std::ftell(f);
    if (n > 0) out.reserve(static_cast<std::size_t>(n));
    std::rewind(f);
  }
  for (;;) {
    const std::size_t k = std::fread(buf, 1, sizeof buf, f);
    out.insert(out.end(), buf, buf + k);
    if (k < sizeof buf) break;
  }
  if (std::ferror(f)) throw IoError(escape_bytes(path.string()) + ": read error: " + std::strerror(errno));
  return out;
}

void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> data) {
  detail::write_file_atomic(path, data);
}

Decoded load_ex(const std::string& path_or_url, const LoadOptions& options) {
  detail::reject_nul(path_or_url);
  if (is_url(path_or_url)) {
    const auto body = fetch_url(path_or_url, options.fetch);
    return decode_ex(body, options, path_or_url);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path_or_url, ec)) throw IoError(escape_bytes(path_or_url) + ": is a directory");
  const auto bytes = read_file(path_or_url);
  return decode_ex(bytes, options, path_or_url);
}

Image load(const std::string& path_or_url, const LoadOptions& options) { return load_ex(path_or_url, options).image; }

std::vector<std::uint8_t> encode(const Image& image, Format format, const EncodeOptions& options) {
  if (image.empty()) throw InvalidArgument("encode: the image is empty");
  if (options.quality < 1 || options.quality > 100)
    throw InvalidArgument("encode: quality must be 1..100, got " + std::to_string(options.quality));
  if (const detail::FormatEntry* e = detail::find_format(format); e && e->encode) return e->encode(image, options);
  std::string writers;  // "PNG, JPEG, ..."
  for (const detail::FormatEntry& e : detail::format_entries())
    if (e.encode) writers += (writers.empty() ? "" : ", ") + std::string(e.name);
  throw EncodeError(std::string("encode: no writer for ") + format_name(format) + " (writers: " + writers + ")");
}

void save(const Image& image, const std::filesystem::path& path, const EncodeOptions& options, Format format) {
  detail::reject_nul(path.native());
  const Format f = format == Format::Unknown ? format_from_extension(path) : format;
  write_file(path, encode(image, f, options));
}

}  // namespace pixelcache
