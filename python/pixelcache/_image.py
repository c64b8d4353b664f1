"""HashableImage: the immutable, hashable image of the Python API."""
from __future__ import annotations

import base64
import math
import os
import pathlib
import pickle
from typing import Iterable, Sequence

import numpy as np

from . import _convert, _pixelcache
from ._pixelcache import BoundingBox, ImageSize, Points


def _size(x) -> ImageSize:
    """An ImageSize from an ImageSize or a (height, width) pair."""
    if isinstance(x, ImageSize):
        return x
    if isinstance(x, Sequence) and not isinstance(x, str) and len(x) == 2:
        if not all(isinstance(v, (int, np.integer)) or (isinstance(v, float) and v.is_integer()) for v in x):
            raise ValueError(f"an image size needs whole numbers of pixels, got {tuple(x)!r}")
        return ImageSize(int(x[0]), int(x[1]))
    raise TypeError(f"expected an ImageSize or a (height, width) pair, got {x!r}")


def _bboxes(x) -> list:
    """A list of BoundingBox from one box or an iterable of boxes."""
    if isinstance(x, BoundingBox):
        return [x]
    boxes = list(x)
    for b in boxes:
        if not isinstance(b, BoundingBox):
            raise TypeError(f"expected BoundingBox items, got {type(b).__name__}")
    return boxes


def _kernel(x, name: str) -> int:
    """A square kernel size from an int or a (k, k) pair."""
    if isinstance(x, Sequence):
        if len(x) != 2 or x[0] != x[1]:
            raise ValueError(f"{name}: square kernels only, got {x!r}")
        x = x[0]
    return int(x)


def _mask_options(margin, normalized, merge, closing, opening, area_threshold, number_of_objects) -> tuple:
    """The mask2bbox options in the order every _pixelcache mask function takes them."""
    return (margin, normalized, merge, _kernel(closing, "closing"), _kernel(opening, "opening"), area_threshold,
            number_of_objects)


def _overall_mean(stats: dict) -> float:
    """The mean over every sample from per-channel stats (channels are equal in size)."""
    return float(sum(stats["mean"]) / len(stats["mean"]))


def _core(x) -> _pixelcache.Image:
    """The C++ image of a HashableImage or of anything HashableImage accepts."""
    return x._img if isinstance(x, HashableImage) else HashableImage(x)._img


class HashableImage:
    """An immutable image whose hash and equality come from its pixels.

    HashableImage(x) copies x into its own storage. x may be a str /
    pathlib.Path (a file, or an http(s) URL), bytes (an encoded image), a
    PIL.Image.Image (any mode: RGBA, P, CMYK, YCbCr, LAB, I;16, ... normalise
    to RGB or L), an np.ndarray ((h, w, 3) / (h, w) uint8, (h, w) bool,
    uint16, or float in [0, 1]), a torch.Tensor (float (1, c, h, w) in
    [0, 1], bool (1, 1, h, w); any device) or another HashableImage.

    Files, URLs and bytes are decoded only when their header declares at
    most `max_pixels` pixels (default 178,956,970, the threshold of Pillow's
    DecompressionBombError; pixelcache.LimitError beyond).
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
    def save(self, path, quality: int = 90) -> None:
        """Writes PNG, JPEG, WebP, TIFF or BMP by the extension; creates the folder."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._img.save(os.fspath(path), quality=quality)

    def encode(self, format: str = "PNG", quality: int = 90) -> bytes:
        """Encoded bytes in PNG, JPEG, WEBP, TIFF or BMP."""
        return self._img.encode(format, quality=quality)

    def to_base64(self, format: str = "PNG") -> str:
        """The encoded image (PNG by default) as a base64 string."""
        return base64.b64encode(self._img.encode(format)).decode("ascii")

    @staticmethod
    def from_base64(data: str) -> HashableImage:
        """Decodes a base64 string, with or without a "data:image/...;base64," prefix."""
        if isinstance(data, str) and data.startswith("data:"):
            data = data.split(",", 1)[1]
        return HashableImage(base64.b64decode(data, validate=True))

    # -- geometry -----------------------------------------------------------
    def resize(self, size, interpolation: str = "bilinear") -> HashableImage:
        """Resized to `size` (ImageSize or (height, width)); antialiased when
        shrinking, as Pillow. interpolation: nearest, bilinear, bicubic,
        lanczos or area. The pixel mode is kept."""
        return self._new(_pixelcache.resize(self._img, _size(size), interpolation))

    @staticmethod
    def load_resized(source, size, interpolation: str = "bilinear") -> HashableImage:
        """Loads a path, URL or encoded bytes and resizes to `size` in one
        step: a JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain
        when `size` is that small (as Pillow's draft() and vipsthumbnail do),
        never below `size`. The result can differ from
        HashableImage(source).resize(size) by rounding (mean under one
        level). Other inputs are loaded, then resized."""
        size = _size(size)
        draft = (size.height, size.width)
        if isinstance(source, (str, pathlib.PurePath)):
            img = HashableImage._wrap(_pixelcache.Image.from_path(os.fspath(source), draft=draft), "pil")
        elif isinstance(source, (bytes, bytearray, memoryview)):
            img = HashableImage._wrap(_pixelcache.Image.from_bytes(bytes(source), draft=draft), "pil")
        else:
            img = HashableImage(source)
        return img.resize(size, interpolation)

    def downsample(self, factor: float, interpolation: str = "bilinear") -> HashableImage:
        """Both sides divided by `factor` (rounded)."""
        return self._new(_pixelcache.downsample(self._img, factor, interpolation))

    def resize_min_size(self, min_size: int, modulo: int = 16, interpolation: str = "bilinear") -> HashableImage:
        """Shorter side to `min_size`, both sides multiples of `modulo`."""
        return self._new(_pixelcache.resize_min_size(self._img, min_size, modulo, interpolation))

    def rotate(self, angle: float, expand: bool = True) -> HashableImage:
        """Counter-clockwise by `angle` degrees; `expand` grows the canvas to fit."""
        return self._new(_pixelcache.rotate(self._img, angle, expand))

    def flip_horizontal(self) -> HashableImage:
        return self._new(_pixelcache.flip_horizontal(self._img))

    def flip_vertical(self) -> HashableImage:
        return self._new(_pixelcache.flip_vertical(self._img))

    def center_pad(self, size, fill: int = 0) -> HashableImage:
        """Centred on a canvas of `size` filled with `fill` (0..255)."""
        return self._new(_pixelcache.center_pad(self._img, _size(size), fill))

    def crop(self, bbox: BoundingBox) -> HashableImage:
        """The pixels inside one box."""
        return self.crop_from_bbox([bbox])

    @staticmethod
    def concat(images: Sequence[HashableImage], horizontal: bool = True) -> HashableImage:
        """Images side by side (horizontal) or stacked; sizes must agree."""
        imgs = list(images)
        out = _pixelcache.concat([_core(i) for i in imgs], horizontal)
        return HashableImage._wrap(out, imgs[0]._kind if imgs and isinstance(imgs[0], HashableImage) else "numpy")

    # -- colour -------------------------------------------------------------
    def to_gray(self) -> HashableImage:
        """Gray (L) with Pillow's convert("L") formula."""
        return self._new(_pixelcache.to_gray(self._img))

    def to_rgb(self) -> HashableImage:
        return self._new(_pixelcache.to_rgb(self._img))

    def to_binary(self, threshold: float = 0.0, area_min: float = 0.0) -> HashableImage:
        """Binary mask: true where any channel > threshold * 255 (threshold
        in [0, 1]); islands and holes smaller than area_min (fraction of the
        image area) removed."""
        return self._new(_pixelcache.to_binary(self._img, threshold, area_min))

    def invert_binary(self) -> HashableImage:
        return self._new(_pixelcache.invert_binary(self._img))

    def invert_rgb(self) -> HashableImage:
        return self._new(_pixelcache.invert_rgb(self._img))

    def rgb2bgr(self) -> HashableImage:
        return self._new(_pixelcache.rgb2bgr(self._img))

    def bgr2rgb(self) -> HashableImage:
        return self._new(_pixelcache.bgr2rgb(self._img))

    def set_minmax(self, min: float = 0.0, max: float = 255.0) -> HashableImage:  # noqa: A002
        """Values stretched linearly to [min, max] levels."""
        return self._new(_pixelcache.set_minmax(self._img, min, max))

    def equalize_hist(self) -> HashableImage:
        """Histogram equalisation (OpenCV's; per channel for RGB)."""
        return self._new(_pixelcache.equalize_hist(self._img))

    def apply_palette(self, palette="default") -> HashableImage:
        """Gray levels through a colour table: "default" (the original's label
        palette), a matplotlib colormap name (viridis, magma, jet, ...), or a
        table of 768 RGB bytes."""
        if isinstance(palette, str):
            return self._new(_pixelcache.apply_palette(self._img, palette))
        return self._new(_pixelcache.apply_palette_table(self._img, list(np.asarray(palette, np.uint8).ravel())))

    # -- masks --------------------------------------------------------------
    def mask2bbox(self, margin: float = 0.0, normalized: bool = False, merge: bool = False, closing=0, opening=0,
                  area_threshold: float = 0.0, number_of_objects: int = -1):
        """The bounding boxes of this mask's connected regions, as a
        HashableList (exclusive ends, top-to-bottom order), grown by
        `margin` (fraction), optionally merged; `closing` / `opening`
        kernels in pixels; regions under `area_threshold` (fraction of the
        image) dropped; the largest `number_of_objects` kept (-1: all)."""
        from ._containers import HashableList

        return HashableList(_pixelcache.mask2bbox(self._img, *_mask_options(
            margin, normalized, merge, closing, opening, area_threshold, number_of_objects)))

    def mask2squaremask(self, margin: float = 0.0, merge: bool = False, closing=0, opening=0,
                        area_threshold: float = 0.0, number_of_objects: int = -1) -> HashableImage:
        """The mask with every region's box filled."""
        return self._new(_pixelcache.mask2squaremask(self._img, *_mask_options(
            margin, False, merge, closing, opening, area_threshold, number_of_objects)))

    def crop_from_mask(self, mask, margin: float = 0.0, merge: bool = False, closing=0, opening=0,
                       area_threshold: float = 0.0, number_of_objects: int = -1) -> HashableImage:
        """The pixels inside the union of `mask`'s region boxes."""
        return self._new(_pixelcache.crop_from_mask(self._img, _core(mask), *_mask_options(
            margin, False, merge, closing, opening, area_threshold, number_of_objects)))

    def crop_from_bbox(self, bboxes) -> HashableImage:
        """The pixels inside the union of `bboxes` (one box or a list)."""
        return self._new(_pixelcache.crop_from_bbox(self._img, _bboxes(bboxes)))

    def crop_from_points(self, points: Points, margin: float = 0.0) -> HashableImage:
        return self._new(_pixelcache.crop_from_points(self._img, points, margin))

    def uncrop_from_bbox(self, base, bboxes, resize: bool = False, blend_width: int = 10) -> HashableImage:
        """This crop pasted back into `base` at the union of `bboxes`, edges
        feathered over `blend_width` pixels; `resize` fits the crop to the box."""
        out = _pixelcache.uncrop_from_bbox(self._img, _core(base), _bboxes(bboxes), resize, blend_width)
        return HashableImage._wrap(out, base._kind if isinstance(base, HashableImage) else self._kind)

    def morphology(self, op: str, kernel: int = 3) -> HashableImage:
        """erode, dilate, open or close this mask with a square kernel."""
        return self._new(_pixelcache.morphology(self._img, op, kernel))

    def dilate(self, kernel: int = 3) -> HashableImage:
        return self.morphology("dilate", kernel)

    def erode(self, kernel: int = 3) -> HashableImage:
        return self.morphology("erode", kernel)

    def masked_fill(self, mask, value: int) -> HashableImage:
        """A new image with the pixels under `mask` set to `value` (levels; 0/1 for binary)."""
        return self._new(_pixelcache.masked_fill(self._img, _core(mask), value))

    @staticmethod
    def logical_or_reduce(masks: Iterable) -> HashableImage:
        """The union of masks of one size."""
        masks = list(masks)
        kind = masks[0]._kind if masks and isinstance(masks[0], HashableImage) else "numpy"
        return HashableImage._wrap(_pixelcache.logical_or_reduce([_core(m) for m in masks]), kind)

    @staticmethod
    def points_to_mask(points: Points, size) -> HashableImage:
        """A binary mask of `size` with the points set."""
        return HashableImage._wrap(_pixelcache.points_to_mask(points, _size(size)), "numpy")

    # -- composition --------------------------------------------------------
    def blend(self, other, alpha: float = 0.5, with_bbox: bool = False, merge_bbox: bool = True) -> HashableImage:
        """With a binary mask: pixels outside it scaled by `alpha`, red boxes
        around its regions when `with_bbox`. With an image: PIL's
        Image.blend, self * (1 - alpha) + other * alpha."""
        return self._new(_pixelcache.blend(self._img, _core(other), alpha, with_bbox, merge_bbox))

    def zeros_like(self) -> HashableImage:
        return self._new(_pixelcache.zeros_like(self._img))

    def ones_like(self) -> HashableImage:
        """White (255; 1 for binary)."""
        return self._new(_pixelcache.ones_like(self._img))

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

    def __radd__(self, other):
        return self._arith(_pixelcache.add, other)

    def __sub__(self, other):
        return self._arith(_pixelcache.sub, other)

    def __mul__(self, other):
        """Image * image: a * b / 255; image * number scales."""
        return self._arith(_pixelcache.mul, other)

    def __rmul__(self, other):
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
