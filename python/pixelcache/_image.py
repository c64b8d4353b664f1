"""HashableImage: the immutable, hashable image of the Python API."""
from __future__ import annotations

import base64
import math
import os
import pathlib
import pickle

import numpy as np

from . import _convert, _pixelcache
from . import _opargs
from ._opargs import _core
from ._ops import Operations
from ._pixelcache import ImageSize


def _size(x) -> ImageSize:
    """An ImageSize from an ImageSize or a (height, width) pair."""
    height, width = _opargs._size(x)
    return ImageSize(height=height, width=width)


def _overall_mean(stats: dict) -> float:
    """The mean over every sample from per-channel stats (channels are equal in size)."""
    return float(sum(stats["mean"]) / len(stats["mean"]))


class HashableImage(Operations):
    """An immutable image whose hash and equality come from its pixels.

    HashableImage(x) copies x into its own storage. x may be a str /
    pathlib.Path (a file, or an http(s) URL), bytes (an encoded image), a
    PIL.Image.Image (any mode: RGBA, P, CMYK, YCbCr, LAB, I;16, ... normalise
    to RGB or L), an np.ndarray ((h, w, 3) / (h, w) uint8, (h, w) bool,
    uint16, or float in [0, 1]), a torch.Tensor (float (1, c, h, w) in
    [0, 1], bool (1, 1, h, w); any device) or another HashableImage.

    Files, URLs and bytes are decoded only when their header declares at
    most `max_pixels` pixels (default 2**28; pixelcache.LimitError beyond).
    Pixels are 8-bit ("RGB", "L") or binary ("1"); float inputs that are not
    exact k/255 values keep float32 storage. Every operation returns a new
    HashableImage; `mode` is the kind the image came in as ("pil", "numpy",
    "torch") and decides what raw() returns. Thread-safe to share.
    Raises TypeError for unsupported types or dtypes, ValueError
    (pixelcache.InvalidArgument) for bad shapes or values, OSError
    (pixelcache.IoError) for unreadable files, pixelcache.DecodeError for
    corrupt data.
    """

    __slots__ = ("_img", "_kind", "_hash", "_filename", "__weakref__")

    def __init__(self, image, *, max_pixels: int = _pixelcache.DEFAULT_MAX_PIXELS) -> None:
        self._hash = None
        self._filename = None
        if isinstance(image, HashableImage):
            self._img, self._kind, self._filename = image._img, image._kind, image._filename
        elif isinstance(image, (str, pathlib.PurePath)):
            self._img, self._kind = _pixelcache.Image.from_path(os.fspath(image), max_pixels=max_pixels), "pil"
            self._filename = os.fspath(image)
        elif isinstance(image, (bytes, bytearray, memoryview)):
            self._img, self._kind = _pixelcache.Image.from_bytes(bytes(image), max_pixels=max_pixels), "pil"
        elif isinstance(image, np.ndarray):
            self._img, self._kind = _convert.from_numpy(image), "numpy"
        elif _convert.is_tensor(image):
            self._img, self._kind = _convert.from_tensor(image), "torch"
        elif _convert.is_pil(image):
            self._img, self._kind = _convert.from_pil(image), "pil"
        elif isinstance(image, _pixelcache.Image):
            self._img, self._kind = image, "numpy"
        else:
            raise TypeError("HashableImage expects a path, URL, bytes, np.ndarray, torch.Tensor or PIL.Image, "
                            f"got {type(image).__name__}")

    @classmethod
    def _wrap(cls, img: _pixelcache.Image, kind: str) -> HashableImage:
        out = cls.__new__(cls)
        out._img, out._kind, out._hash, out._filename = img, kind, None, None
        return out

    def _new(self, img: _pixelcache.Image) -> HashableImage:
        return HashableImage._wrap(img, self._kind)

    # -- accessors: copies --------------------------------------------------
    def numpy(self) -> np.ndarray:
        """An independent copy: (h, w, 3) / (h, w) uint8, (h, w) bool for binary."""
        return self._img.numpy()

    def pil(self):
        """An independent PIL image in mode "RGB", "L" or "1"."""
        return _convert.to_pil(self._img)

    def tensor(self):
        """An independent (1, c, h, w) float32 tensor in [0, 1]; (1, 1, h, w) bool for binary."""
        return _convert.to_tensor(self._img)

    def raw(self):
        """An independent copy in the kind the image came in as (see `mode`)."""
        return {"pil": self.pil, "numpy": self.numpy, "torch": self.tensor}[self._kind]()

    def __array__(self, dtype=None):
        a = self._img.numpy()
        return a if dtype is None else a.astype(dtype)

    # -- accessors: views ---------------------------------------------------
    def numpy_view(self) -> np.ndarray:
        """A zero-copy, read-only (writeable=False) array onto the image's
        storage; ValueError for float32 storage (use numpy())."""
        return self._img.numpy_view()

    def tensor_view(self):
        """A tensor sharing the image's memory for float32 and binary
        storage; a copy for 8-bit RGB / L (there is no float32 storage to
        share). Never write into it."""
        return _convert.to_tensor_view(self._img)

    def pil_view(self):
        """A read-only PIL image over the storage for 8-bit L images; a copy
        for RGB and binary (PIL's own layouts differ from ours)."""
        return _convert.to_pil_view(self._img)

    def raw_view(self):
        """The view accessor of the kind the image came in as."""
        return {"pil": self.pil_view, "numpy": self.numpy_view, "torch": self.tensor_view}[self._kind]()

    # -- identity -----------------------------------------------------------
    def digest(self) -> str:
        """The stable 32-hex content digest (the value `pixelcache hash` prints)."""
        return self._img.digest()

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(self._img)
        return h

    def __eq__(self, other) -> bool:
        if not isinstance(other, HashableImage):
            return NotImplemented
        return self._img == other._img

    def __pixelcache_value__(self):
        return self._img

    # -- pickling and copies ------------------------------------------------
    def __reduce_ex__(self, protocol):
        img = self._img
        view = img.float_view() if img.is_float else img.numpy_view()
        data = pickle.PickleBuffer(view) if protocol >= 5 else img.pixels()
        return (_rebuild, (img.mode, img.height, img.width, img.is_float, data, self._kind, self._filename))

    def __copy__(self) -> HashableImage:
        return self

    def __deepcopy__(self, memo) -> HashableImage:
        return self

    def copy(self) -> HashableImage:
        """The image itself: images are immutable, so a copy is the same value."""
        return self

    # -- facts --------------------------------------------------------------
    @property
    def mode(self) -> str:
        """The kind the image came in as: "pil", "numpy" or "torch"."""
        return self._kind

    def dtype(self) -> str:
        """The pixel mode: "RGB", "L" or "1"."""
        return self._img.mode

    def size(self) -> ImageSize:
        """ImageSize(height, width)."""
        return ImageSize(self._img.height, self._img.width)

    @property
    def shape(self) -> tuple:
        """(h, w, 3) for RGB, (h, w) for L and binary: the numpy() shape."""
        i = self._img
        return (i.height, i.width, 3) if i.channels == 3 else (i.height, i.width)

    def is_binary(self) -> bool:
        return self._img.mode == "1"

    def is_rgb(self) -> bool:
        return self._img.mode == "RGB"

    def is_gray(self) -> bool:
        return self._img.mode == "L"

    def is_float(self) -> bool:
        """True when the pixels are stored as float32 (non-k/255 float input)."""
        return self._img.is_float

    def get_filename(self) -> str:
        """The path or URL the image was loaded from; for other images a
        stable name from the digest, "<digest>.png"."""
        return self._filename if self._filename is not None else f"{self.digest()}.png"

    def __repr__(self) -> str:
        i = self._img
        storage = "float32" if i.is_float else ("bool" if i.mode == "1" else "uint8")
        return (f"HashableImage(mode={self._kind!r}, dtype={i.mode!r}, size=ImageSize(height={i.height}, "
                f"width={i.width}), storage={storage})")

    def summary(self) -> str:
        """One line: pixel mode, size, source kind, storage, value range, mean and digest."""
        s = self._img.stats()
        return (f"{self!r} min={min(s['min']):g} max={max(s['max']):g} "
                f"mean={_overall_mean(s):.3f} digest={self.digest()}")

    def __setitem__(self, key, value):
        raise TypeError("HashableImage is immutable; use masked_fill(mask, value) for a new image")

    # -- statistics (levels 0..255; 0 / 1 for binary) -------------------------
    def min(self) -> float:
        return float(min(self._img.stats()["min"]))

    def max(self) -> float:
        return float(max(self._img.stats()["max"]))

    def sum(self) -> float:
        return float(sum(self._img.stats()["sum"]))

    def mean(self) -> float:
        return _overall_mean(self._img.stats())

    def std(self) -> float:
        """Standard deviation over every sample of every channel."""
        s = self._img.stats()
        mean = _overall_mean(s)
        second = sum(sd * sd + m * m for sd, m in zip(s["std"], s["mean"])) / len(s["mean"])
        return float(math.sqrt(max(second - mean * mean, 0.0)))

    def unique(self) -> np.ndarray:
        """The distinct sample values, sorted (levels; 0 / 1 for binary)."""
        return np.asarray(self._img.unique())

    # -- encoding -----------------------------------------------------------
    def save(self, path, quality: int = 90, *, lossless: bool = False) -> None:
        """Writes PNG, JPEG, WebP, TIFF or BMP by the extension; creates the
        folder. `quality` (1..100) applies to JPEG and lossy WebP; `lossless`
        writes lossless WebP (as EncodeOptions::lossless in C++)."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._img.save(os.fspath(path), quality=quality, lossless=lossless)

    def encode(self, format: str = "PNG", quality: int = 90, *, lossless: bool = False) -> bytes:
        """Encoded bytes in PNG, JPEG, WEBP, TIFF or BMP; `quality` and
        `lossless` as for save()."""
        return self._img.encode(format, quality=quality, lossless=lossless)

    def to_base64(self, format: str = "PNG") -> str:
        """The encoded image (PNG by default) as a base64 string."""
        return base64.b64encode(self._img.encode(format)).decode("ascii")

    @staticmethod
    def from_base64(data: str) -> HashableImage:
        """Decodes a base64 string, with or without a "data:image/...;base64," prefix."""
        if isinstance(data, str) and data.startswith("data:"):
            data = data.split(",", 1)[1]
        return HashableImage(base64.b64decode(data, validate=True))

    # -- loading with a size ------------------------------------------------
    @staticmethod
    def load_resized(source, size, interpolation: str = "bilinear") -> HashableImage:
        """Loads a path, URL or encoded bytes and resizes to `size` in one
        step: a JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain
        when `size` is that small (as Pillow's draft() and vipsthumbnail do),
        never below `size`. The result can differ from
        HashableImage(source).resize(size) by rounding (mean under one
        level). Other inputs are loaded, then resized."""
        draft = _opargs._size(size)
        if isinstance(source, (str, pathlib.PurePath)):
            img = HashableImage._wrap(_pixelcache.Image.from_path(os.fspath(source), draft=draft), "pil")
        elif isinstance(source, (bytes, bytearray, memoryview)):
            img = HashableImage._wrap(_pixelcache.Image.from_bytes(bytes(source), draft=draft), "pil")
        else:
            img = HashableImage(source)
        return img.resize(draft, interpolation)

    # The image operations (resize, rotate, to_binary, mask2bbox, blend, ...)
    # are the generated methods of Operations (_ops.py, from the C++
    # catalogue); arithmetic and grids follow.

    def _arith(self, op, other, reflected=False):
        if isinstance(other, HashableImage):
            a, b = (other._img, self._img) if reflected else (self._img, other._img)
            return self._new(op(a, b))
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            if reflected:
                return NotImplemented
            return self._new(op(self._img, float(other)))
        return NotImplemented

    def __add__(self, other):
        """Saturating sum; a number adds levels."""
        return self._arith(_pixelcache.add, other)

    def __sub__(self, other):
        return self._arith(_pixelcache.sub, other)

    def __mul__(self, other):
        """Image * image: a * b / 255; image * number scales."""
        return self._arith(_pixelcache.mul, other)

    def __truediv__(self, other):
        return self._arith(_pixelcache.div, other)

    # -- grids --------------------------------------------------------------
    @staticmethod
    def make_image_grid(images, orientation: str = "vertical", with_text: bool = True,
                        font_size: int = 0) -> HashableImage:
        """A labelled grid from {label: [images]} (a dict or HashableDict of
        lists or HashableLists), one column ("vertical") or row
        ("horizontal") per label, in insertion order; smaller images are
        centre-padded, labels drawn in JetBrains Mono."""
        if not hasattr(images, "items"):
            raise TypeError(f"make_image_grid expects a dict of {{label: [images]}}, got {type(images).__name__}")
        columns = []
        for label, items in images.items():
            if isinstance(items, (HashableImage, np.ndarray)) or _convert.is_pil(items):
                items = [items]
            columns.append((str(label), [_core(i) for i in items]))
        return HashableImage._wrap(_pixelcache.make_image_grid(columns, orientation, with_text, font_size), "pil")


def _rebuild(mode, height, width, is_float, data, kind, filename=None) -> HashableImage:
    out = HashableImage._wrap(_pixelcache.Image.from_pixels(mode, height, width, is_float, data), kind)
    out._filename = filename
    return out
