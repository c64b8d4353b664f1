"""pixelcache.tools.text: fonts and text helpers of the original (Pillow's
FreeType renderer), and display_string. The font is JetBrains Mono from
Debian's fonts-jetbrains-mono (the original bundled the same TTFs)."""
from __future__ import annotations

import functools
import os
import pathlib
from typing import TYPE_CHECKING, Any

import numpy as np

from .._pixelcache import InvalidArgument, IoError
from .. import display_string  # wherever the package defines it

if TYPE_CHECKING:
    from PIL import ImageFont

__all__ = ["get_font_path", "get_font", "textsize", "remove_white_text", "draw_text", "display_string"]

#: Where get_font_path() looks (PIXELCACHE_FONT_DIR first, when set).
FONT_DIRS = [d for d in (os.environ.get("PIXELCACHE_FONT_DIR"), "/usr/share/fonts/truetype/jetbrains-mono") if d]


def get_font_path(font: str = "JetBrainsMono-Regular", /) -> str:
    """The path of `font`.ttf (e.g. "JetBrainsMono-ExtraBold"); pixelcache.IoError
    (an OSError) naming the folders searched when it is missing."""
    for d in FONT_DIRS:
        path = pathlib.Path(d) / f"{font}.ttf"
        if path.is_file():
            return str(path)
    raise IoError(f"font {font!r} not found in {', '.join(FONT_DIRS)} (install fonts-jetbrains-mono)")


@functools.lru_cache(maxsize=64)
def _truetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError as e:
        raise IoError(f"cannot open font {path!r}: {e}") from None


def get_font(font_path: str | None, text_size: float) -> ImageFont.FreeTypeFont:
    """A Pillow FreeType font of `font_path` (JetBrains Mono Regular when
    None) at round(text_size) pixels, cached (64 fonts)."""
    return _truetype(font_path or get_font_path(), int(round(text_size)))


def textsize(text: str, font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """(right, bottom) of the text's bounding box in `font`, rounded."""
    _, _, right, bottom = font.getbbox(text)
    return int(round(right)), int(round(bottom))


def remove_white_text(img: np.ndarray) -> np.ndarray:
    """`img` with the all-white (255) rows at the top and bottom trimmed,
    keeping 2 rows above and 1 below the first and last inked rows (never
    starting before row 0). An all-white image comes back unchanged."""
    a = np.asarray(img)
    ink = np.nonzero((a != 255).reshape(a.shape[0], -1).any(axis=1))[0]
    if ink.size == 0:
        return a
    return a[max(int(ink[0]) - 2, 0):min(int(ink[-1]) + 2, a.shape[0] - 1)]


def draw_text(image: Any, text: str, position: tuple[int, int], font_path: str | None = None,
              font_size: float = 20.0, color: tuple[int, int, int] = (255, 255, 255)) -> Any:
    """`text` drawn at `position` (x, y) on a copy of `image` (ndarray or PIL
    image), returned in the kind given."""
    from PIL import Image, ImageDraw

    is_array = isinstance(image, np.ndarray)
    pil = Image.fromarray(image) if is_array else image.copy()
    if not hasattr(pil, "mode"):
        raise InvalidArgument(f"draw_text: expected an ndarray or PIL image, got {type(image).__name__}")
    ImageDraw.Draw(pil).text(position, text, fill=color, font=get_font(font_path, font_size))
    return np.asarray(pil) if is_array else pil
