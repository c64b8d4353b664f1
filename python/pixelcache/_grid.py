"""make_image_grid and display_string as the original's.

The work runs in the C++ core (src/ops/grid.cpp, src/ops/text.cpp) with the
GIL released; this module maps the original's Python arguments onto it.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, Optional, Sequence, Tuple, Union

from . import _convert, _pixelcache
from ._image import _size
from ._image import make_image_grid as make_image_grid  # the implementation, below HashableImage's method
from ._pixelcache import ImageSize

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image as PILImage

Colour = Union[Tuple[int, int, int], Sequence[int], str, int]


def _colour(value: Colour, name: str, function: str = "display_string") -> Tuple[int, int, int]:
    """An (r, g, b) triple from a triple, a gray int or a PIL colour name;
    pixelcache.InvalidArgument naming `function` and `name` otherwise."""
    if isinstance(value, str):
        from PIL import ImageColor

        try:
            return tuple(ImageColor.getrgb(value)[:3])  # type: ignore[return-value]
        except ValueError as e:
            raise _pixelcache.InvalidArgument(f"{function}: {name} {value!r} is not a colour") from e
    if isinstance(value, int):
        return (value, value, value)
    rgb = tuple(value)
    if len(rgb) not in (3, 4) or not all(isinstance(v, int) for v in rgb):
        raise _pixelcache.InvalidArgument(f"{function}: {name} must be an (r, g, b) triple of ints, got {value!r}")
    return rgb[:3]  # type: ignore[return-value]


def display_string(
    *,
    text: str,
    size: Union[ImageSize, Tuple[int, int]],
    font_path: Union[str, "os.PathLike[str]", None] = None,
    justification: Literal["center", "right", "left"] = "center",
    force_size: Optional[int] = None,
    background: Colour = (255, 255, 255),
    foreground: Colour = (0, 0, 0),
    words_per_line: Optional[int] = None,
    scale_font_size: float = 0.5,
) -> Tuple[PILImage, int]:
    """`text` drawn on an RGB canvas of `size` (ImageSize or (height,
    width)), as the original's tools/text.py display_string; returns
    (PIL.Image in mode "RGB", font size used).

    The font is JetBrains Mono Regular unless font_path names another.
    Unless force_size is given, sizes 5, 6, ... are tried until the line
    with the most characters overflows the canvas; that size times
    scale_font_size, rounded half to even, is used. Lines ('\\n', or a break
    after every words_per_line words) are word-wrapped to the width, centred
    vertically, placed by justification ("center", "right", "left").
    Empty text gives the plain background (the original never returns).
    Raises pixelcache.InvalidType (a TypeError) for non-str text, pixelcache.InvalidArgument
    (ValueError) for bad sizes or options, pixelcache.IoError (OSError) for a
    font file that cannot be loaded.
    """
    if not isinstance(text, str):
        raise _pixelcache.InvalidType(f"display_string: text must be str, got {type(text).__name__}")
    img, font_size = _pixelcache.display_string(
        text=text, size=_size(size), font_path="" if font_path is None else os.fspath(font_path),
        justification=str(justification), force_size=force_size, background=_colour(background, "background"),
        foreground=_colour(foreground, "foreground"), words_per_line=words_per_line,
        scale_font_size=float(scale_font_size))
    return _convert.to_pil(img), font_size
