"""pixelcache.tools.text: fonts and text helpers of the original (Pillow's
FreeType renderer), and display_string. The font is JetBrains Mono from
Debian's fonts-jetbrains-mono (the original bundled the same TTFs)."""
from __future__ import annotations

import functools
import os
import pathlib
from typing import TYPE_CHECKING, Any, Literal, Sequence, Union

import numpy as np

from .. import _convert, _pixelcache
from .._grid import Colour, _colour
from .._image import HashableImage
from .._pixelcache import InvalidArgument, InvalidType, IoError
from .. import display_string  # wherever the package defines it

if TYPE_CHECKING:
    from PIL import ImageFont

__all__ = ["get_font_path", "get_font", "textsize", "remove_white_text", "draw_text", "display_string", "create_text"]

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


def remove_white_text(img: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
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


def create_text(img_path: Union[str, "os.PathLike[str]", np.ndarray[Any, Any]], texts: Sequence[str],
                background: Colour = "white",
                orientation: Literal["horizontal", "vertical"] = "horizontal",
                font_path: Union[str, "os.PathLike[str]", None] = None) -> np.ndarray[Any, Any]:
    """The image (a path of an image file, or an (h, w, c) array) with a
    strip of labels added, as make_image_grid(with_text=True) draws it (the
    same C++ code): "vertical" puts one label per column in a strip above
    the image, "horizontal" one label per row in a strip on the left, text
    reading bottom to top. Each label is centred in a cell of (image width
    or height) // len(texts) pixels, all at one font size (the smallest of
    the labels' display_string fitting sizes, so none is cut); the strip is
    trimmed to the ink, 2 rows above and 1 below. When the side is not a
    multiple of len(texts), the remainder of the strip is left plain (on the
    right for vertical, at the top for horizontal); the original fails
    there. Black text on `background` (a colour name, gray int or (r, g, b));
    the font is JetBrains Mono Regular unless `font_path` names another.

    Returns a new (h + strip, w, 3) or (h, strip + w, 3) uint8 RGB array;
    `texts` and the image are not modified (the original reverses `texts` in
    place for horizontal layouts). Labels without ink add no strip.
    Raises pixelcache.InvalidType (a TypeError) for a tensor, a non-str
    label or `texts` given as one str, pixelcache.InvalidArgument
    (ValueError) for an array with ndim != 3, no texts, more texts than
    pixels along the side, or a bad orientation or colour, pixelcache.IoError
    (OSError) for an unreadable file or font.
    """
    if _convert.is_tensor(img_path):
        raise InvalidType("create_text: img_path must be a path or an (h, w, c) ndarray, got a torch tensor")
    if isinstance(img_path, (str, os.PathLike)):
        image = HashableImage(os.fspath(img_path))
    elif isinstance(img_path, np.ndarray):
        if img_path.ndim != 3:
            raise InvalidArgument(f"create_text: img_path must be an (h, w, c) array, got shape {img_path.shape}")
        image = HashableImage(img_path)
    else:
        raise InvalidType(f"create_text: img_path must be a path or an (h, w, c) ndarray, got {type(img_path).__name__}")
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise InvalidType(f"create_text: texts must be a list of str, got {type(texts).__name__}")
    labels = list(texts)
    for t in labels:
        if not isinstance(t, str):
            raise InvalidType(f"create_text: texts must be a list of str, got a {type(t).__name__} {t!r}")
    out = _pixelcache.create_text(image._img, labels, orientation=str(orientation),
                                  background=_colour(background, "background", "create_text"),
                                  font_path="" if font_path is None else os.fspath(font_path))
    return out.numpy()
