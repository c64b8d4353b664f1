// FreeType text rendering (text.hpp) and display_string (grid.hpp).
#include "text.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "pixelcache/error.hpp"
#include "pixelcache/grid.hpp"

namespace pixelcache::detail {

struct Font::Impl {
  FT_Library lib = nullptr;
  FT_Face face = nullptr;
  ~Impl() {
    if (face) FT_Done_Face(face);
    if (lib) FT_Done_FreeType(lib);
  }
};

Font::Font() : impl_(std::make_unique<Impl>()) {
  if (FT_Init_FreeType(&impl_->lib)) throw IoError("FreeType: cannot initialise");
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("PIXELCACHE_FONT")) candidates.emplace_back(env);
  candidates.emplace_back("/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf");
  candidates.emplace_back("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
  for (const auto& c : candidates)
    if (FT_New_Face(impl_->lib, c.c_str(), 0, &impl_->face) == 0) {
      path_ = c;
      return;
    }
  throw IoError("no font found: install fonts-jetbrains-mono or fonts-dejavu-core, or set PIXELCACHE_FONT");
}

Font::~Font() = default;

std::vector<char32_t> utf8_decode(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    out.push_back(ok ? cp : U'\uFFFD');
    i += ok ? len : 1;
  }
  return out;
}

int Font::measure(std::string_view text, int px) {
  FT_Set_Pixel_Sizes(impl_->face, 0, static_cast<FT_UInt>(px));
  long width = 0;
  for (char32_t cp : utf8_decode(text))
    if (FT_Load_Char(impl_->face, cp, FT_LOAD_DEFAULT) == 0) width += impl_->face->glyph->advance.x >> 6;
  return static_cast<int>(width);
}

std::pair<int, int> Font::metrics(int px) {
  FT_Set_Pixel_Sizes(impl_->face, 0, static_cast<FT_UInt>(px));
  const auto& m = impl_->face->size->metrics;
  return {static_cast<int>(m.ascender >> 6), static_cast<int>(-(m.descender >> 6))};
}

void Font::draw(std::string_view text, int px, std::uint8_t* plane, int w, int h, int x, int baseline) {
  FT_Set_Pixel_Sizes(impl_->face, 0, static_cast<FT_UInt>(px));
  for (char32_t cp : utf8_decode(text)) {
    if (FT_Load_Char(impl_->face, cp, FT_LOAD_RENDER)) continue;
    const FT_GlyphSlot g = impl_->face->glyph;
    const FT_Bitmap& bm = g->bitmap;
    for (unsigned r = 0; r < bm.rows; ++r) {
      const int y = baseline - g->bitmap_top + static_cast<int>(r);
      if (y < 0 || y >= h) continue;
      for (unsigned c = 0; c < bm.width; ++c) {
        const int xx = x + g->bitmap_left + static_cast<int>(c);
        if (xx < 0 || xx >= w) continue;
        std::uint8_t& p = plane[static_cast<std::size_t>(y) * w + xx];
        p = std::max(p, bm.buffer[r * bm.pitch + c]);
      }
    }
    x += static_cast<int>(g->advance.x >> 6);
  }
}

Image render_label(Font& font, std::string_view text, ImageSize size, int px) {
  return Image::generate(size, Mode::L, PixelType::U8, [&](std::span<std::byte> b) {
    auto* plane = reinterpret_cast<std::uint8_t*>(b.data());
    std::memset(plane, 0, b.size());
    if (text.empty() || px <= 0) return;
    const auto [asc, desc] = font.metrics(px);
    const int tw = font.measure(text, px);
    const int x = std::max(0, (size.width - tw) / 2);
    const int baseline = (size.height - (asc + desc)) / 2 + asc;
    font.draw(text, px, plane, size.width, size.height, x, baseline);
  });
}

}  // namespace pixelcache::detail

namespace pixelcache {

Image display_string(std::string_view text, ImageSize size, int font_size) {
  size.validate("display_string");
  if (font_size < 0) throw InvalidArgument("display_string: font_size must be >= 0");
  detail::Font font;
  int px = font_size;
  if (px == 0) {  // the largest size whose text fits
    px = std::max(1, size.height * 3 / 4);
    while (px > 4 && font.measure(text, px) > size.width * 95 / 100) --px;
  }
  return detail::render_label(font, text, size, px);
}

}  // namespace pixelcache
