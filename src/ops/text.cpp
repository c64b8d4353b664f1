// FreeType text with Pillow's metrics (text.hpp) and display_string (grid.hpp).
//
// Pillow (ImageFont.getbbox, _imagingft.c bounding_box_and_anchors) measures a
// string as: pen positions from unhinted advances (26.6, HarfBuzz via raqm),
// each glyph's hinted control box grid-fitted to pixels and offset by the
// rounded pen position; the box also spans the pen line from 0 to the final
// pen position. With anchor "la" the box is returned relative to the left of
// the pen line and the ascender: (x_min, asc - y_max, x_max, asc - y_min).
#include "text.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_GLYPH_H
#include FT_ADVANCES_H
#include FT_OUTLINE_H

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "pixelcache/error.hpp"

namespace pixelcache::detail {
namespace {

// Pillow's PIXEL(): 26.6 fixed point to the nearest pixel (saturated to
// +-2^30, far off any canvas, for absurdly long lines).
constexpr int pixel(long v) { return static_cast<int>(std::clamp((v + 32) >> 6, -(1L << 30), 1L << 30)); }

// `s` with bytes outside printable ASCII escaped as \xNN, for messages.
// (Local until the project-wide escape helper lands.)
std::string escaped(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

// Python's floor division by 2 (negative numerators round down).
constexpr int floor_half(int v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }
static_assert(floor_half(-3) == -2 && floor_half(3) == 1);

}  // namespace

// FT_Done_Glyph as a deleter.
struct GlyphDone {
  void operator()(FT_Glyph g) const noexcept { FT_Done_Glyph(g); }
};

// A glyph at the current size: what bbox() needs, and the hinted glyph
// (outline, or bitmap for bitmap-only fonts) that draw() rasterises.
struct GlyphMetrics {
  long advance = 0;                                // 26.6, unhinted
  int x_min = 0, y_min = 0, x_max = 0, y_max = 0;  // hinted control box, pixels
  bool has_box = false;
  std::unique_ptr<FT_GlyphRec, GlyphDone> glyph;
};

// A glyph's unscaled advance and outline box, in font units (any size).
struct UnitMetrics {
  long advance = 0;
  FT_BBox box{0, 0, 0, 0};
  bool ok = false, has_box = false;
};

// Where draw()'s rasteriser spans go: scanline y, columns from x = 0 of the
// outline, land at canvas row `row_of_y0 - y` and column `col_of_x0 + x`.
struct SpanTarget {
  Plane* plane;
  std::int64_t col_of_x0, row_of_y0;
};

void put_spans(int y, int count, const FT_Span* spans, void* user) {
  const auto& t = *static_cast<const SpanTarget*>(user);
  const std::int64_t row = t.row_of_y0 - y - t.plane->y0;
  if (row < 0 || row >= t.plane->height) return;
  std::uint8_t* dst = t.plane->row(static_cast<int>(row));
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < spans[i].len; ++k) {
      const std::int64_t col = t.col_of_x0 + spans[i].x + k;
      if (col >= t.plane->clip_left && col < t.plane->clip_right) dst[col] = std::max(dst[col], spans[i].coverage);
    }
}

struct Font::Impl {
  FT_Library lib = nullptr;
  FT_Face face = nullptr;
  std::unordered_map<FT_UInt, GlyphMetrics> cache;  // at the current size
  std::unordered_map<FT_UInt, UnitMetrics> units;   // size-independent
  ~Impl() {
    cache.clear();  // glyphs before their library
    if (face) FT_Done_Face(face);
    if (lib) FT_Done_FreeType(lib);
  }

  const GlyphMetrics& metrics(FT_UInt gid) {
    auto [it, fresh] = cache.try_emplace(gid);
    if (!fresh) return it->second;
    GlyphMetrics& m = it->second;
    FT_Fixed adv = 0;  // 16.16
    if (FT_Get_Advance(face, gid, FT_LOAD_NO_HINTING, &adv) == 0) m.advance = (adv + 512) >> 10;
    FT_Glyph glyph = nullptr;
    if (FT_Load_Glyph(face, gid, FT_LOAD_DEFAULT) == 0 && FT_Get_Glyph(face->glyph, &glyph) == 0) {
      m.glyph.reset(glyph);
      FT_BBox box;
      FT_Glyph_Get_CBox(glyph, FT_GLYPH_BBOX_PIXELS, &box);
      m.x_min = static_cast<int>(box.xMin);
      m.y_min = static_cast<int>(box.yMin);
      m.x_max = static_cast<int>(box.xMax);
      m.y_max = static_cast<int>(box.yMax);
      m.has_box = true;
    }
    return m;
  }

  // Rasterises glyph `m` with its pen origin at canvas column `origin` and
  // the baseline at canvas row `baseline`, only where it meets the plane.
  void render(const GlyphMetrics& m, std::int64_t origin, std::int64_t baseline, Plane& plane) {
    if (!m.glyph) return;
    if (m.glyph->format == FT_GLYPH_FORMAT_BITMAP) {  // bitmap-only fonts: small, pre-rendered
      const auto* bg = reinterpret_cast<const FT_BitmapGlyphRec*>(m.glyph.get());
      const FT_Bitmap& bm = bg->bitmap;
      const bool mono = bm.pixel_mode == FT_PIXEL_MODE_MONO;
      if (!mono && bm.pixel_mode != FT_PIXEL_MODE_GRAY) return;
      SpanTarget t{&plane, origin + bg->left, baseline - bg->top};
      for (int r = 0; r < static_cast<int>(bm.rows); ++r) {
        const unsigned char* src = bm.buffer + static_cast<std::ptrdiff_t>(r) * bm.pitch;
        for (int c = 0; c < static_cast<int>(bm.width); ++c) {
          const auto v = static_cast<unsigned char>(mono ? ((src[c >> 3] >> (7 - (c & 7))) & 1 ? 255 : 0) : src[c]);
          const FT_Span span{static_cast<short>(c), 1, v};
          if (v) put_spans(-r, 1, &span, &t);
        }
      }
      return;
    }
    if (m.glyph->format != FT_GLYPH_FORMAT_OUTLINE) return;
    // The visible part: the glyph box within the plane, in canvas pixels.
    const std::int64_t x0 = std::max<std::int64_t>(plane.clip_left, origin + m.x_min);
    const std::int64_t x1 = std::min<std::int64_t>(plane.clip_right, origin + m.x_max);
    const std::int64_t r0 = std::max<std::int64_t>(plane.y0, baseline - m.y_max);
    const std::int64_t r1 = std::min<std::int64_t>(plane.y0 + plane.height, baseline - m.y_min);
    if (x0 >= x1 || r0 >= r1) return;
    // The same coverage FT_Render_Glyph gives, written straight into the
    // plane and clipped to it, so huge sizes allocate nothing. FT_Span.x is
    // 16-bit: tiles of at most 16384 columns, the outline shifted to each.
    FT_Outline& outline = reinterpret_cast<FT_OutlineGlyph>(m.glyph.get())->outline;
    for (std::int64_t tx = x0; tx < x1; tx += 16384) {
      const FT_Pos shift = static_cast<FT_Pos>(tx - origin);
      SpanTarget t{&plane, tx, baseline - 1};
      FT_Raster_Params params{};
      params.source = &outline;
      params.flags = FT_RASTER_FLAG_AA | FT_RASTER_FLAG_DIRECT | FT_RASTER_FLAG_CLIP;
      params.gray_spans = put_spans;
      params.user = &t;
      params.clip_box = {0, static_cast<FT_Pos>(baseline - r1),
                         static_cast<FT_Pos>(std::min<std::int64_t>(x1 - tx, 16384)),
                         static_cast<FT_Pos>(baseline - r0)};
      FT_Outline_Translate(&outline, -shift * 64, 0);
      FT_Outline_Render(lib, &outline, &params);
      FT_Outline_Translate(&outline, shift * 64, 0);
    }
  }

  const UnitMetrics& unit_metrics(FT_UInt gid) {
    auto [it, fresh] = units.try_emplace(gid);
    UnitMetrics& u = it->second;
    if (fresh && FT_Load_Glyph(face, gid, FT_LOAD_NO_SCALE | FT_LOAD_NO_HINTING) == 0) {
      u.ok = true;
      u.advance = face->glyph->metrics.horiAdvance;
      if (face->glyph->format == FT_GLYPH_FORMAT_OUTLINE && face->glyph->outline.n_points > 0) {
        FT_Outline_Get_CBox(&face->glyph->outline, &u.box);
        u.has_box = true;
      }
    }
    return u;
  }

  // Kerning from the font's kern table (26.6), 0 without one.
  long kerning(FT_UInt prev, FT_UInt gid) const {
    if (!prev || !gid || !FT_HAS_KERNING(face)) return 0;
    FT_Vector k{0, 0};
    return FT_Get_Kerning(face, prev, gid, FT_KERNING_UNFITTED, &k) == 0 ? k.x : 0;
  }
};

Font::Font(const std::string& path) : impl_(std::make_unique<Impl>()) {
  if (FT_Init_FreeType(&impl_->lib)) throw IoError("FreeType: cannot initialise");
  std::vector<std::string> candidates;
  if (!path.empty()) {
    candidates.push_back(path);
  } else {
    if (const char* env = std::getenv("PIXELCACHE_FONT")) candidates.emplace_back(env);
    candidates.emplace_back("/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf");
    candidates.emplace_back("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
  }
  for (const auto& c : candidates)
    if (FT_New_Face(impl_->lib, c.c_str(), 0, &impl_->face) == 0) {
      path_ = c;
      return;
    }
  if (!path.empty()) throw IoError("cannot load the font file '" + escaped(path) + "'");
  throw IoError("no font found: install fonts-jetbrains-mono or fonts-dejavu-core, or set PIXELCACHE_FONT");
}

Font::~Font() = default;

void Font::set_size(int px) {
  if (px == size_) return;
  if (px < 1 || px > kMaxFontSize || FT_Set_Pixel_Sizes(impl_->face, 0, static_cast<FT_UInt>(px)) != 0)
    throw InvalidArgument("font size " + std::to_string(px) + " is not available in '" + escaped(path_) + "'");
  size_ = px;
  impl_->cache.clear();
}

int Font::ascender() const noexcept { return pixel(impl_->face->size->metrics.ascender); }

void Font::extend(Measure& m, std::u32string_view text) {
  for (const char32_t cp : text) {
    const FT_UInt gid = FT_Get_Char_Index(impl_->face, cp);
    m.pen += impl_->kerning(m.prev, gid);
    m.prev = gid;
    m.glyphs = true;
    const int px = pixel(m.pen);
    const GlyphMetrics& g = impl_->metrics(gid);
    m.pen += g.advance;
    m.x_max = std::max(m.x_max, pixel(m.pen));
    if (!g.has_box) continue;
    m.x_min = std::min(m.x_min, g.x_min + px);
    m.x_max = std::max(m.x_max, g.x_max + px);
    m.y_min = std::min(m.y_min, g.y_min);
    m.y_max = std::max(m.y_max, g.y_max);
  }
}

Font::Box Font::box(const Measure& m) const noexcept {
  if (!m.glyphs) return {};
  const int asc = ascender();
  return {m.x_min, asc - m.y_max, m.x_max, asc - m.y_min};
}

Font::Box Font::bbox(std::u32string_view text) {
  Measure m;
  extend(m, text);
  return box(m);
}

bool Font::surely_fits(std::u32string_view text, int px, ImageSize canvas) {
  const FT_Face f = impl_->face;
  if (!FT_IS_SCALABLE(f) || FT_HAS_KERNING(f) || f->units_per_EM == 0) return false;
  // bbox() from the unscaled outlines: the same pen positions, the glyph
  // boxes scaled linearly and widened by 2 px for hinting (which moves
  // points by less than a pixel), the ascender by 1 px for its rounding.
  const double k = static_cast<double>(px) / f->units_per_EM;
  const FT_Fixed x_scale = FT_DivFix(static_cast<FT_Long>(px) * 64, f->units_per_EM);
  long pen = 0;
  double right = 0, low = 0;
  for (const char32_t cp : text) {
    const UnitMetrics& u = impl_->unit_metrics(FT_Get_Char_Index(f, cp));
    if (!u.ok) return false;
    const int x = pixel(pen);
    pen += (FT_MulDiv(u.advance, x_scale, 64) + 512) >> 10;
    right = std::max(right, pixel(pen) + 1.0);
    if (!u.has_box) continue;
    right = std::max(right, x + std::ceil(u.box.xMax * k) + 2);
    low = std::min(low, std::floor(u.box.yMin * k) - 2);
  }
  const double bottom = std::ceil(f->ascender * k) + 1 - low;
  return right <= canvas.width && bottom <= canvas.height;
}

void Font::draw(std::u32string_view text, int x, int y, Plane& plane) {
  const std::int64_t baseline = std::int64_t{y} + ascender();
  long pen = 0;
  FT_UInt prev = 0;
  for (const char32_t cp : text) {
    const FT_UInt gid = FT_Get_Char_Index(impl_->face, cp);
    pen += impl_->kerning(prev, gid);
    prev = gid;
    const std::int64_t origin = std::int64_t{x} + pixel(pen);
    pen += impl_->metrics(gid).advance;
    if (origin - size_ >= plane.clip_right) break;  // the rest of the line is right of the plane
    impl_->render(impl_->metrics(gid), origin, baseline, plane);
  }
}

std::u32string utf8_decode(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    out.push_back(ok ? cp : U'\uFFFD');
    i += ok ? len : 1;
  }
  return out;
}

std::vector<std::u32string> split_lines(std::string_view text, std::optional<int> words_per_line) {
  std::u32string all = utf8_decode(text);
  if (words_per_line) {  // words at whitespace runs, rejoined with a newline after every N
    std::u32string joined;
    std::size_t count = 0, i = 0;
    const auto space = [](char32_t c) { return c == U' ' || (c >= U'\t' && c <= U'\r'); };
    while (i < all.size()) {
      while (i < all.size() && space(all[i])) ++i;
      if (i == all.size()) break;
      std::size_t j = i;
      while (j < all.size() && !space(all[j])) ++j;
      if (count > 0) joined += count % static_cast<std::size_t>(*words_per_line) == 0 ? U'\n' : U' ';
      joined.append(all, i, j - i);
      ++count;
      i = j;
    }
    all = std::move(joined);
  }
  std::vector<std::u32string> lines(1);
  for (const char32_t c : all) {
    if (c == U'\n')
      lines.emplace_back();
    else
      lines.back().push_back(c);
  }
  return lines;
}

int fit_font_size(Font& font, const std::vector<const std::vector<std::u32string>*>& texts, ImageSize canvas,
                  double scale) {
  // Each text's longest line is its first with the most characters (Python's max).
  std::vector<const std::u32string*> longest;
  for (const auto* lines : texts) {
    const std::u32string* l = &lines->front();
    for (const auto& line : *lines)
      if (line.size() > l->size()) l = &line;
    longest.push_back(l);
  }
  int s = 5;
  const auto overflows = [&](const std::u32string* line) {
    if (font.surely_fits(*line, s, canvas)) return false;  // spares hinting most sizes
    font.set_size(s);
    if (line->empty()) return font.ascender() > canvas.height;
    const Font::Box b = font.bbox(*line);
    return b.right > canvas.width || b.bottom > canvas.height;
  };
  for (; s < kMaxFontSize; ++s)
    if (std::any_of(longest.begin(), longest.end(), overflows)) break;
  const double scaled = std::nearbyint(s * scale);  // ties to even, like Python's round()
  return static_cast<int>(std::clamp(scaled, 1.0, static_cast<double>(kMaxFontSize)));
}

TextLayout layout_text(Font& font, const std::vector<std::u32string>& lines, int font_size, ImageSize canvas,
                       Justification justification) {
  font.set_size(font_size);
  TextLayout out;
  out.font_size = font_size;
  // Greedy word wrap at spaces to the canvas width; the line's box grows
  // word by word (bbox(current + " " + word) without remeasuring current).
  for (const auto& line : lines) {
    std::u32string current;
    Font::Measure measure;
    std::size_t start = 0;
    bool first = true;
    while (start <= line.size()) {
      std::size_t end = line.find(U' ', start);
      if (end == std::u32string::npos) end = line.size();
      const std::u32string_view word(line.data() + start, end - start);
      Font::Measure candidate = measure;
      if (!first) font.extend(candidate, U" ");
      font.extend(candidate, word);
      if (font.box(candidate).right <= canvas.width) {
        if (!first) current += U' ';
        current += word;
        measure = candidate;
      } else {
        out.lines.push_back(std::move(current));
        current = std::u32string(word);
        measure = {};
        font.extend(measure, word);
      }
      first = false;
      start = end + 1;
    }
    out.lines.push_back(std::move(current));
  }
  const std::int64_t line_height = font.bbox(out.lines.front()).bottom;
  std::int64_t y = canvas.height - static_cast<std::int64_t>(out.lines.size()) * line_height;
  y = y >= 0 ? y / 2 : -((-y + 1) / 2);  // Python's // 2
  out.ink_top = canvas.height;
  out.ink_bottom = 0;
  for (const auto& line : out.lines) {
    const Font::Box b = font.bbox(line);
    const int w = b.right;
    const int x = justification == Justification::Center  ? floor_half(canvas.width - w)
                  : justification == Justification::Right ? canvas.width - w
                                                          : 0;
    const int y_at = static_cast<int>(std::clamp<std::int64_t>(y, -(1 << 30), 1 << 30));  // off canvas when clamped
    out.anchors.push_back({x, y_at});
    out.line_rows.push_back({y_at + b.top, y_at + b.bottom});
    if (!line.empty()) {
      out.ink_top = std::min(out.ink_top, y_at + b.top);
      out.ink_bottom = std::max(out.ink_bottom, y_at + b.bottom);
    }
    y += b.bottom;
  }
  out.ink_top = std::max(out.ink_top, 0);
  out.ink_bottom = std::min(out.ink_bottom, canvas.height);
  if (out.ink_bottom < out.ink_top) out.ink_bottom = out.ink_top;
  return out;
}

void draw_layout(Font& font, const TextLayout& layout, Plane& plane, int x_offset) {
  font.set_size(layout.font_size);
  for (std::size_t i = 0; i < layout.lines.size(); ++i) {
    const auto [top, bottom] = layout.line_rows[i];
    if (bottom > plane.y0 && top < plane.y0 + plane.height)
      font.draw(layout.lines[i], x_offset + layout.anchors[i][0], layout.anchors[i][1], plane);
  }
}

}  // namespace pixelcache::detail

namespace pixelcache {

const char* justification_name(Justification j) noexcept {
  switch (j) {
    case Justification::Right: return "right";
    case Justification::Left: return "left";
    case Justification::Center: break;
  }
  return "center";
}

Justification parse_justification(std::string_view name) {
  for (const Justification j : {Justification::Center, Justification::Right, Justification::Left})
    if (name == justification_name(j)) return j;
  throw InvalidArgument("display_string: justification must be \"center\", \"right\" or \"left\", got \"" +
                        std::string(name) + "\"");
}

DisplayString display_string(std::string_view text, ImageSize size, const DisplayStringOptions& options) {
  size.validate("display_string");
  if (options.force_size && (*options.force_size < 1 || *options.force_size > kMaxFontSize))
    throw InvalidArgument("display_string: force_size must be 1.." + std::to_string(kMaxFontSize) + ", got " +
                          std::to_string(*options.force_size));
  if (options.words_per_line && *options.words_per_line < 1)
    throw InvalidArgument("display_string: words_per_line must be >= 1, got " +
                          std::to_string(*options.words_per_line));
  if (!std::isfinite(options.scale_font_size) || options.scale_font_size <= 0)
    throw InvalidArgument("display_string: scale_font_size must be a positive number, got " +
                          std::to_string(options.scale_font_size));
  detail::Font font(options.font_path);
  const auto lines = detail::split_lines(text, options.words_per_line);
  DisplayString out;
  // Allocating first checks the pixel limit before any text is measured.
  out.image = Image::generate(size, Mode::RGB, PixelType::U8, [&](std::span<std::byte> buf) {
    out.font_size =
        options.force_size ? *options.force_size : detail::fit_font_size(font, {&lines}, size, options.scale_font_size);
    const detail::TextLayout layout = detail::layout_text(font, lines, out.font_size, size, options.justification);
    detail::Plane plane(size.width, layout.ink_bottom - layout.ink_top, layout.ink_top);
    detail::draw_layout(font, layout, plane);
    auto* rgb = reinterpret_cast<std::uint8_t*>(buf.data());
    const auto& bg = options.background;
    const auto& fg = options.foreground;
    for (std::size_t i = 0; i < size.area(); ++i) std::memcpy(rgb + 3 * i, bg.data(), 3);
    for (int r = 0; r < plane.height; ++r) {
      const std::uint8_t* cov = plane.row(r);
      std::uint8_t* dst = rgb + static_cast<std::size_t>(plane.y0 + r) * size.width * 3;
      for (int x = 0; x < size.width; ++x)
        if (const int a = cov[x])
          for (int c = 0; c < 3; ++c)
            dst[3 * x + c] = static_cast<std::uint8_t>((fg[c] * a + bg[c] * (255 - a) + 127) / 255);
    }
  });
  return out;
}

}  // namespace pixelcache
