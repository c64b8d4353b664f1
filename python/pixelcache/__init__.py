"""pixelcache: immutable, hashable images with a stable content digest.

This is the beginning of the Python package (issue 4): HashableImage over
the C++ core, built from a path, a URL, bytes, a NumPy array or a PIL image.
"""
from __future__ import annotations

import pathlib

import numpy as np

from . import _pixelcache
from ._pixelcache import Error

__all__ = ["HashableImage", "Error"]


class HashableImage:
    """An immutable image; hash and equality come from its pixels.

    HashableImage(x) accepts a str / pathlib.Path (file or http(s) URL),
    bytes (an encoded image), an np.ndarray ((h, w, 3) or (h, w) uint8,
    (h, w) bool, float32 in [0, 1]) or a PIL.Image.Image.
    """

    __slots__ = ("_img", "_kind", "_hash")

    def __init__(self, x):
        if isinstance(x, HashableImage):
            self._img, self._kind = x._img, x._kind
        elif isinstance(x, (str, pathlib.Path)):
            self._img, self._kind = _pixelcache.Image.from_path(str(x)), "pil"
        elif isinstance(x, (bytes, bytearray, memoryview)):
            self._img, self._kind = _pixelcache.Image.from_bytes(bytes(x)), "pil"
        elif isinstance(x, np.ndarray):
            self._img, self._kind = _pixelcache.Image.from_array(x), "numpy"
        elif _is_pil(x):
            self._img, self._kind = _pixelcache.Image.from_array(_pil_to_array(x)), "pil"
        else:
            raise TypeError(
                f"HashableImage expects a path, URL, bytes, np.ndarray or PIL.Image, got {type(x).__name__}")
        self._hash = None

    # -- accessors ---------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """An independent copy: (h, w, 3) / (h, w) uint8, or (h, w) bool for binary."""
        return self._img.numpy()

    def numpy_view(self) -> np.ndarray:
        """A zero-copy, read-only view onto the image's storage."""
        return self._img.numpy_view()

    def pil(self):
        """An independent PIL image ("RGB", "L" or "1")."""
        from PIL import Image

        a = self._img.numpy()
        return Image.fromarray(a) if a.dtype != bool else Image.fromarray(a).convert("1")

    # -- identity ----------------------------------------------------------
    def digest(self) -> str:
        """The stable 32-hex content digest (the same as `pixelcache hash`)."""
        return self._img.digest()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self._img)
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, HashableImage) and self._img == other._img

    # -- facts -------------------------------------------------------------
    @property
    def mode(self) -> str:
        """The kind the image came in as: "pil" or "numpy" (the original's meaning)."""
        return self._kind

    def dtype(self) -> str:
        """The pixel mode: "RGB", "L" or "1"."""
        return self._img.mode

    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return (self._img.height, self._img.width)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self._img.height, self._img.width, 3) if self._img.channels == 3 else (self._img.height, self._img.width)

    def is_binary(self) -> bool:
        return self._img.mode == "1"

    def is_rgb(self) -> bool:
        return self._img.mode == "RGB"

    def __setitem__(self, key, value):
        raise TypeError("HashableImage is immutable; use masked_fill(mask, value) for a new image")

    def __repr__(self) -> str:
        return f"HashableImage({self._img.mode}, {self._img.height}x{self._img.width}, from {self._kind})"


def _is_pil(x) -> bool:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, Image.Image)


def _pil_to_array(im) -> np.ndarray:
    from PIL import ImageOps

    im = ImageOps.exif_transpose(im)
    if im.mode == "1":
        return np.asarray(im, dtype=bool)
    if im.mode in ("I;16", "I;16B"):
        return np.asarray(im, dtype=np.uint16)  # the core rounds v / 257
    if im.mode in ("L", "LA", "I"):
        return np.asarray(im.convert("L"))
    return np.asarray(im.convert("RGB"))
