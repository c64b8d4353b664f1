// GIF (first frame) through giflib. The frame is drawn on the logical screen,
// filled with the background colour where the frame does not cover it.
#include <gif_lib.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "../stream/row_sink.hpp"
#include "codec.hpp"

namespace pixelcache::detail {

namespace {

// giflib reads through this, from the bytes a prober or decoder was given.
struct Reader {
  ByteSource& bytes;
  std::uint64_t pos = 0;
};

int read_fn(GifFileType* gif, GifByteType* buf, int n) {
  auto* r = static_cast<Reader*>(gif->UserData);
  const auto got = r->bytes.at(r->pos, static_cast<std::uint64_t>(std::max(n, 0)));
  if (!got.empty()) std::memcpy(buf, got.data(), got.size());
  r->pos += got.size();
  return static_cast<int>(got.size());
}

struct GifCloser {
  void operator()(GifFileType* g) const noexcept {
    int err = 0;
    DGifCloseFile(g, &err);
  }
};
using GifPtr = std::unique_ptr<GifFileType, GifCloser>;

// Opens the GIF (the screen descriptor and global colour map) and checks
// the screen's size.
GifPtr open(const DecodeInput& in, Reader& reader) {
  int err = 0;
  GifPtr gif(DGifOpen(&reader, read_fn, &err));
  if (!gif) decode_fail(in, "GIF", GifErrorString(err) ? GifErrorString(err) : "cannot open");
  check_dimensions(in, "GIF", static_cast<std::uint64_t>(std::max(gif->SWidth, 0)),
                   static_cast<std::uint64_t>(std::max(gif->SHeight, 0)));
  return gif;
}

[[noreturn]] void fail(const DecodeInput& in, const GifFileType* gif) {
  const char* m = GifErrorString(gif->Error);
  decode_fail(in, "GIF", m ? m : "corrupt file");
}

// Reads the records up to the first image descriptor (extensions skipped)
// and checks it; returns the colour map of the first frame (its own, else
// the global one). giflib then stands at the frame's image data.
const ColorMapObject* first_frame(const DecodeInput& in, GifFileType* gif) {
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) fail(in, gif);
    if (type == TERMINATE_RECORD_TYPE) decode_fail(in, "GIF", "file has no image");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) fail(in, gif);
      while (ext)
        if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) fail(in, gif);
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif) == GIF_ERROR) fail(in, gif);
    const GifImageDesc& desc = gif->Image;
    const ColorMapObject* cmap = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
    if (!cmap) decode_fail(in, "GIF", "no colour map");
    if (desc.Width <= 0 || desc.Height <= 0 || desc.Width > 65535 || desc.Height > 65535)
      decode_fail(in, "GIF", "invalid frame size");
    // The frame is decoded whole, so it counts against the limit too.
    check_dimensions(in, "GIF", static_cast<std::uint64_t>(desc.Width), static_cast<std::uint64_t>(desc.Height), 1);
    return cmap;
  }
}

// A colour map as RGB triples.
std::vector<std::uint8_t> palette_of(const ColorMapObject* cmap) {
  std::vector<std::uint8_t> pal(static_cast<std::size_t>(cmap->ColorCount) * 3);
  for (int i = 0; i < cmap->ColorCount; ++i) {
    pal[3 * i] = cmap->Colors[i].Red;
    pal[3 * i + 1] = cmap->Colors[i].Green;
    pal[3 * i + 2] = cmap->Colors[i].Blue;
  }
  return pal;
}

// The streamed decode of a non-interlaced first frame (its descriptor just
// read): the screen's rows top to bottom, the background colour where the
// frame does not cover them; read errors and palette errors as
// decode_gif() reports them.
void stream_frame(const DecodeInput& in, GifFileType* gif, ImageSize sz, std::uint8_t bg) {
  const GifImageDesc& desc = gif->Image;
  const ColorMapObject* cmap = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
  const std::vector<std::uint8_t> pal = palette_of(cmap);
  PaletteRows rows(pal);
  const auto sw = static_cast<std::size_t>(sz.width);
  std::vector<std::uint8_t> idx(sw), px(sw * 3);
  std::vector<GifPixelType> line(static_cast<std::size_t>(desc.Width));
  in.sink->begin(sz, rows.mode(), 1);
  for (int cy = 0; cy < sz.height; ++cy) {
    std::fill(idx.begin(), idx.end(), bg);
    const int y = cy - desc.Top;  // the frame's row (rows below the screen are never read)
    if (y >= 0 && y < desc.Height) {
      if (DGifGetLine(gif, line.data(), desc.Width) == GIF_ERROR) fail(in, gif);
      for (int x = 0; x < desc.Width; ++x) {
        const int cx = desc.Left + x;
        if (cx >= 0 && cx < sz.width) idx[static_cast<std::size_t>(cx)] = line[static_cast<std::size_t>(x)];
      }
    }
    if (rows.map(cy, idx, px.data())) in.sink->row(cy, px.data());
  }
  rows.check(in, "GIF");
}

// The image descriptors of a GIF, counted by walking its blocks (no LZW
// data is decoded); the count so far where the data ends or breaks.
int count_frames(ByteSource& bytes) {
  std::span<const std::uint8_t> d = bytes.prefix(kProbeFirstRead);
  // The byte at `pos`, reading on as needed; -1 past the end.
  auto byte = [&](std::uint64_t pos) -> int {
    while (pos >= d.size() && d.size() < bytes.size()) d = bytes.prefix(2 * d.size());
    return pos < d.size() ? d[static_cast<std::size_t>(pos)] : -1;
  };
  // Skips a chain of data sub-blocks starting at `pos`; false past the end.
  auto skip_blocks = [&](std::uint64_t& pos) {
    for (;;) {
      const int n = byte(pos);
      if (n < 0) return false;
      pos += 1 + static_cast<std::uint64_t>(n);
      if (n == 0) return true;
    }
  };
  auto colour_table = [](int flags) { return (flags & 0x80) ? 3 * (std::uint64_t{2} << (flags & 7)) : 0; };
  const int screen_flags = byte(10);
  if (screen_flags < 0) return 0;
  std::uint64_t pos = 13 + colour_table(screen_flags);
  int frames = 0;
  for (;;) {
    const int type = byte(pos);
    if (type == 0x21) {  // extension: label, sub-blocks
      pos += 2;
      if (!skip_blocks(pos)) return frames;
    } else if (type == 0x2C) {  // image: descriptor, local colour table, LZW code size, sub-blocks
      const int flags = byte(pos + 9);
      if (flags < 0) return frames;
      ++frames;
      if (frames == 0x7fffffff) return frames;
      pos += 10 + colour_table(flags) + 1;
      if (!skip_blocks(pos)) return frames;
    } else {  // the trailer, the end of the data, or a broken record
      return frames;
    }
  }
}

}  // namespace

Decoded decode_gif(const DecodeInput& in) {
  ByteSource bytes(in.data);
  Reader reader{bytes};
  const GifPtr gif = open(in, reader);
  const int sw = gif->SWidth, sh = gif->SHeight;
  const ImageSize sz{sh, sw};
  const ColorMapObject* cmap = first_frame(in, gif.get());
  const GifImageDesc& desc = gif->Image;
  const std::uint8_t bg =
      static_cast<std::uint8_t>(gif->SBackGroundColor < cmap->ColorCount ? gif->SBackGroundColor : 0);
  if (in.sink) {
    if (desc.Interlace) return decode_gif(whole(in));  // rows in four passes: decoded whole
    stream_frame(in, gif.get(), sz, bg);
    Decoded out;
    out.format = Format::GIF;
    return out;
  }
  std::vector<std::uint8_t> idx(sz.area(), bg);
  std::vector<GifPixelType> line(static_cast<std::size_t>(desc.Width));
  std::vector<int> rows;
  if (desc.Interlace) {  // four passes: rows 0, 4, 2, 1 modulo 8, 8, 4, 2
    constexpr int kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; ++pass)
      for (int y = kStart[pass]; y < desc.Height; y += kStep[pass]) rows.push_back(y);
  } else {
    for (int y = 0; y < desc.Height; ++y) rows.push_back(y);
  }
  // Rows below the screen are never shown: stop after the last visible one.
  while (!rows.empty() && desc.Top + rows.back() >= sh) rows.pop_back();
  for (int y : rows) {
    if (DGifGetLine(gif.get(), line.data(), desc.Width) == GIF_ERROR) fail(in, gif.get());
    const int cy = desc.Top + y;
    if (cy < 0 || cy >= sh) continue;
    for (int x = 0; x < desc.Width; ++x) {
      const int cx = desc.Left + x;
      if (cx >= 0 && cx < sw) idx[static_cast<std::size_t>(cy) * sw + cx] = line[static_cast<std::size_t>(x)];
    }
  }
  Decoded out;
  out.format = Format::GIF;
  out.image = image_from_palette(in, "GIF", sz, idx, palette_of(cmap));
  return out;
}

ImageInfo probe_gif(const ProbeInput& in) {
  const DecodeInput din = in.decode_input();
  Reader reader{in.bytes};
  const GifPtr gif = open(din, reader);
  const ColorMapObject* cmap = first_frame(din, gif.get());
  ImageInfo info;
  info.stored_size = info.size = {gif->SHeight, gif->SWidth};
  info.mode = palette_mode(palette_of(cmap));
  info.frames = std::max(1, count_frames(in.bytes));
  return info;
}

}  // namespace pixelcache::detail
