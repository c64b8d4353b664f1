"""pixelcache.tools.draw: draw_bbox, the original's box drawing (Pillow's
ImageDraw), with optional captions in JetBrains Mono ExtraBold."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._image import HashableImage
from .._pixelcache import InvalidArgument
from .text import get_font, get_font_path

__all__ = ["draw_bbox"]


def draw_bbox(image: Any, bbox: Sequence[Sequence[float]], *, is_normalized: bool = False, color: Any = "red",
              width: int = 3, text: Sequence[str] | None = None) -> Any:
    """Rectangles (xmin, ymin, xmax, ymax) drawn `width` pixels wide in
    `color` on an RGB copy of `image` (PIL image, uint8 array or tensor),
    returned in the kind given (arrays read-only). Normalised boxes are
    scaled by the image size and rounded. `text`, one caption per box, is
    written at each box's top-left corner."""
    from PIL import ImageDraw

    from .._convert import is_pil, is_tensor

    if text is not None and len(text) != len(bbox):
        raise InvalidArgument(f"draw_bbox: {len(text)} captions for {len(bbox)} boxes")
    pil = HashableImage(image).to_rgb().pil()
    draw = ImageDraw.Draw(pil)
    w, h = pil.size
    font = get_font(get_font_path("JetBrainsMono-ExtraBold"), max(0.04 * max(w, h), 9)) if text else None
    for i, box in enumerate(bbox):
        if is_normalized:
            if max(box) > 1:
                raise InvalidArgument(f"draw_bbox: normalised box {tuple(box)} has values above 1")
            box = (round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h))
        draw.rectangle(tuple(box), outline=color, width=width)
        if text:
            draw.text((box[0], box[1]), text[i], fill=(0, 200, 255), font=font)
    if is_pil(image):
        return pil
    if is_tensor(image):
        return HashableImage(pil).tensor()
    out = np.asarray(pil)
    return out
