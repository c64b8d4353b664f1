// GIF (first frame) through giflib. The frame is drawn on the logical screen,
// filled with the background colour where the frame does not cover it.
#include <gif_lib.h>

#include <algorithm>
#include <cstring>

#include "../stream/row_sink.hpp"
#include "codec.hpp"

namespace pixelcache::detail {

namespace {

struct Reader {
  std::span<const std::uint8_t> data;
  std::size_t pos = 0;
};

int read_fn(GifFileType* gif, GifByteType* buf, int n) {
  auto* r = static_cast<Reader*>(gif->UserData);
  const std::size_t k = std::min(static_cast<std::size_t>(std::max(n, 0)), r->data.size() - r->pos);
  std::memcpy(buf, r->data.data() + r->pos, k);
  r->pos += k;
  return static_cast<int>(k);
}

struct GifCloser {
  void operator()(GifFileType* g) const noexcept {
    int err = 0;
    DGifCloseFile(g, &err);
  }
};

// The palette of a colour map, RGB triples.
std::vector<std::uint8_t> palette_of(const ColorMapObject* cmap) {
  std::vector<std::uint8_t> pal(static_cast<std::size_t>(cmap->ColorCount) * 3);
  for (int i = 0; i < cmap->ColorCount; ++i) {
    pal[3 * i] = cmap->Colors[i].Red;
    pal[3 * i + 1] = cmap->Colors[i].Green;
    pal[3 * i + 2] = cmap->Colors[i].Blue;
  }
  return pal;
}

[[noreturn]] void fail_gif(const DecodeInput& in, const GifFileType* gif) {
  const char* m = GifErrorString(gif->Error);
  decode_fail(in, "GIF", m ? m : "corrupt file");
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
      if (DGifGetLine(gif, line.data(), desc.Width) == GIF_ERROR) fail_gif(in, gif);
      for (int x = 0; x < desc.Width; ++x) {
        const int cx = desc.Left + x;
        if (cx >= 0 && cx < sz.width) idx[static_cast<std::size_t>(cx)] = line[static_cast<std::size_t>(x)];
      }
    }
    if (rows.map(cy, idx, px.data())) in.sink->row(cy, px.data());
  }
  rows.check(in, "GIF");
}

}  // namespace

Decoded decode_gif(const DecodeInput& in) {
  Reader reader{in.data};
  int err = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(DGifOpen(&reader, read_fn, &err));
  if (!gif) decode_fail(in, "GIF", GifErrorString(err) ? GifErrorString(err) : "cannot open");
  auto fail = [&] {
    const char* m = GifErrorString(gif->Error);
    decode_fail(in, "GIF", m ? m : "corrupt file");
  };
  const int sw = gif->SWidth, sh = gif->SHeight;
  check_dimensions(in, "GIF", static_cast<std::uint64_t>(std::max(sw, 0)), static_cast<std::uint64_t>(std::max(sh, 0)));
  const ImageSize sz{sh, sw};
  std::vector<std::uint8_t> idx;
  const ColorMapObject* cmap = nullptr;
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) fail();
    if (type == TERMINATE_RECORD_TYPE) decode_fail(in, "GIF", "file has no image");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif.get(), &code, &ext) == GIF_ERROR) fail();
      while (ext)
        if (DGifGetExtensionNext(gif.get(), &ext) == GIF_ERROR) fail();
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) fail();
    const GifImageDesc& desc = gif->Image;
    cmap = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
    if (!cmap) decode_fail(in, "GIF", "no colour map");
    if (desc.Width <= 0 || desc.Height <= 0 || desc.Width > 65535 || desc.Height > 65535)
      decode_fail(in, "GIF", "invalid frame size");
    // The frame is decoded whole, so it counts against the limit too.
    check_dimensions(in, "GIF", static_cast<std::uint64_t>(desc.Width), static_cast<std::uint64_t>(desc.Height), 1);
    const std::uint8_t bg =
        static_cast<std::uint8_t>(gif->SBackGroundColor < cmap->ColorCount ? gif->SBackGroundColor : 0);
    if (in.sink) {
      if (desc.Interlace) return decode_gif(whole(in));  // rows in four passes: decoded whole
      stream_frame(in, gif.get(), sz, bg);
      Decoded out;
      out.format = Format::GIF;
      return out;
    }
    idx.assign(sz.area(), bg);
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
      if (DGifGetLine(gif.get(), line.data(), desc.Width) == GIF_ERROR) fail();
      const int cy = desc.Top + y;
      if (cy < 0 || cy >= sh) continue;
      for (int x = 0; x < desc.Width; ++x) {
        const int cx = desc.Left + x;
        if (cx >= 0 && cx < sw) idx[static_cast<std::size_t>(cy) * sw + cx] = line[static_cast<std::size_t>(x)];
      }
    }
    break;
  }
  std::vector<std::uint8_t> pal(static_cast<std::size_t>(cmap->ColorCount) * 3);
  for (int i = 0; i < cmap->ColorCount; ++i) {
    pal[3 * i] = cmap->Colors[i].Red;
    pal[3 * i + 1] = cmap->Colors[i].Green;
    pal[3 * i + 2] = cmap->Colors[i].Blue;
  }
  Decoded out;
  out.format = Format::GIF;
  out.image = image_from_palette(in, "GIF", sz, idx, pal);
  return out;
}

}  // namespace pixelcache::detail
