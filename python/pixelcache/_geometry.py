"""The geometry value types of the original's Python API: ImageSize and
BoundingBox (the C++ values, with the original's Python methods added here),
Points (a Python subclass of the C++ points, holding the original's array
and normalisation flag) and ImageCrop (a crop rectangle, which can also
carry the crop it made and paste it back)."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from . import _convert, _pixelcache
from ._image import HashableImage
from ._opargs import _bboxes
from ._pixelcache import BoundingBox, ImageSize, InvalidArgument, InvalidType

if TYPE_CHECKING:
    import PIL.Image


def _whole(v: Any, name: str) -> int:
    """An int from an int or an integral float (as the original's pydantic
    lax mode: 5.0 -> 5, 5.5 refused)."""
    if isinstance(v, (bool, np.bool_)):
        raise InvalidType(f"ImageSize: {name} must be an int, got {v!r}")
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    if isinstance(v, (float, np.floating)):
        raise InvalidArgument(f"ImageSize: {name} must be a whole number of pixels, got {v!r}")
    raise InvalidType(f"ImageSize: {name} must be an int, got {type(v).__name__}")


def _number(v: Any, what: str) -> float:
    """A float from a real number; InvalidType for anything else (str, None, ...)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InvalidType(f"{what} must be a number, got {type(v).__name__}")
    return float(v)


# -- ImageSize ----------------------------------------------------------------
_imagesize_init = ImageSize.__init__


def _imagesize__init__(self: ImageSize, height: int, width: int) -> None:
    """ImageSize(height, width), also ImageSize(height=..., width=...):
    positive whole numbers of pixels (InvalidArgument otherwise)."""
    _imagesize_init(self, _whole(height, "height"), _whole(width, "width"))


def _imagesize_area(self: ImageSize) -> int:
    """height * width."""
    return self.height * self.width


def _imagesize_product(self: ImageSize) -> int:
    """height * width (the original's second name for area())."""
    return self.height * self.width


def _imagesize_min(self: ImageSize) -> int:
    """The shorter side."""
    return min(self.height, self.width)


def _imagesize_max(self: ImageSize) -> int:
    """The longer side."""
    return max(self.height, self.width)


def _imagesize_mul(self: ImageSize, k: float) -> ImageSize:
    """Both sides times `k`, rounded half to even (Python's round)."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, float, np.integer, np.floating)):
        return NotImplemented
    return ImageSize(round(self.height * k), round(self.width * k))


def _partial_order(op: Callable[[int, int], bool]) -> Callable[[ImageSize, object], bool]:
    # The original's product order: the relation must hold for both sides.
    def compare(self: ImageSize, other: object) -> bool:
        if not isinstance(other, ImageSize):
            return NotImplemented
        return op(self.height, other.height) and op(self.width, other.width)

    return compare


def _imagesize_from_image(image: Any) -> ImageSize:
    """The size of a path / URL, PIL image, ndarray ((h, w, ...)), tensor
    ((..., h, w)) or HashableImage. InvalidType for anything else. A path or
    URL is probed, not decoded (pixelcache.probe: the header only): the size
    loading it would give, after the EXIF orientation; its errors are
    loading's (IoError, DecodeError, LimitError)."""
    if isinstance(image, HashableImage):
        return image.size()
    if isinstance(image, (str, os.PathLike)):
        return _pixelcache.probe(image).size
    if _convert.is_pil(image):
        return ImageSize(image.height, image.width)
    if isinstance(image, np.ndarray) and image.ndim >= 2:
        return ImageSize(image.shape[0], image.shape[1])
    if _convert.is_tensor(image) and image.ndim >= 2:
        return ImageSize(image.shape[-2], image.shape[-1])
    raise InvalidType(f"ImageSize.from_image: expected a path, PIL image, ndarray, tensor or HashableImage, "
                      f"got {type(image).__name__}")


def _add_members(cls: type, members: Mapping[str, object]) -> None:
    """Adds the original's Python members to a C++ class (its instances made
    in C++, such as ImageInfo.size, have them too, which a Python subclass
    would not give them). They stay Python functions because the original's
    signatures are checked with inspect.signature (test_original_signatures.py),
    which pybind11's methods do not support. _pixelcache.pyi declares them;
    the ctest python_stubtest checks that against these functions."""
    for name, value in members.items():
        setattr(cls, name, value)


_add_members(ImageSize, {
    "__init__": _imagesize__init__,
    "area": _imagesize_area,
    "product": _imagesize_product,
    "min": _imagesize_min,
    "max": _imagesize_max,
    "__mul__": _imagesize_mul,
    "__lt__": _partial_order(lambda a, b: a < b),
    "__le__": _partial_order(lambda a, b: a <= b),
    "__gt__": _partial_order(lambda a, b: a > b),
    "__ge__": _partial_order(lambda a, b: a >= b),
    "is_normalized": property(lambda self: False, doc="Always False: sizes are in pixels (the original's field)."),
    "from_image": staticmethod(_imagesize_from_image),
})

# -- BoundingBox ----------------------------------------------------------------
_bbox_init = BoundingBox.__init__


def _bbox__init__(self: BoundingBox, xmin: float, ymin: float, xmax: float, ymax: float,
                  image_size: ImageSize | None = None, normalized: bool | None = None) -> None:
    """BoundingBox(xmin, ymin, xmax, ymax, image_size=None, normalized=None):
    exclusive ends. `normalized` says whether the coordinates are fractions
    of `image_size`; when omitted it is guessed as the original does (all
    four in [0, 1]). A pixel box needs no size; conversions between pixels
    and fractions do. InvalidArgument for NaN, negative or inverted
    coordinates, normalised values above 1, a pixel box outside image_size."""
    if image_size is not None and not isinstance(image_size, ImageSize):
        if isinstance(image_size, Sequence) and len(image_size) == 2:
            image_size = ImageSize(*image_size)
        else:
            raise InvalidType(f"BoundingBox: image_size must be an ImageSize or None, got {type(image_size).__name__}")
    _bbox_init(self, _number(xmin, "BoundingBox: xmin"), _number(ymin, "BoundingBox: ymin"),
               _number(xmax, "BoundingBox: xmax"), _number(ymax, "BoundingBox: ymax"), image_size, normalized)


def _bbox_is_normalized(self: BoundingBox) -> bool:
    """True when the coordinates are fractions of the image size."""
    return self.normalized


def _bbox_size(self: BoundingBox) -> ImageSize:
    """ImageSize(height=ymax - ymin, width=xmax - xmin) in whole pixels
    (from xyxy); InvalidArgument for a box less than a pixel wide or high."""
    x0, y0, x1, y1 = self.xyxy
    return ImageSize(y1 - y0, x1 - x0)


def _bbox_str(self: BoundingBox) -> str:
    return f"xmin: {self.xmin}, ymin: {self.ymin}, xmax: {self.xmax}, ymax: {self.ymax}"


_add_members(BoundingBox, {
    "__init__": _bbox__init__,
    "is_normalized": _bbox_is_normalized,
    "size": _bbox_size,
    "__str__": _bbox_str,
})


# -- Points ---------------------------------------------------------------------
class Points(_pixelcache.Points):
    """(x, y) points, in pixels or normalised to [0, 1] by `image_size`.

    Points(points, is_normalized=False, image_size=None): `points` is an
    (N, 2) array (or a list of (x, y) pairs) of x (column) and y (row);
    `is_normalized` says whether they are fractions of `image_size`, which
    they then need. Points may lie outside the image (clip_to_image_bounds()
    brings them in); to_mask() refuses those. Immutable and hashable by
    value. InvalidArgument for a wrong shape or non-finite values.
    """

    def __init__(self, points: Any, is_normalized: bool = False, image_size: ImageSize | None = None) -> None:
        try:
            a = np.array(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidType(f"Points: expected an (N, 2) array of numbers, got {type(points).__name__}") from None
        if a.size == 0:
            a = a.reshape(0, 2)
        if a.ndim != 2 or a.shape[1] != 2:
            raise InvalidArgument(f"Points: expected an (N, 2) array of (x, y), got shape {a.shape}")
        if not np.isfinite(a).all():
            raise InvalidArgument("Points: coordinates must be finite")
        if image_size is not None and not isinstance(image_size, ImageSize):
            raise InvalidType(f"Points: image_size must be an ImageSize or None, got {type(image_size).__name__}")
        if is_normalized and image_size is None:
            raise InvalidArgument("Points: normalised points need an image_size")
        a.setflags(write=False)
        self._points, self._is_normalized, self._image_size = a, bool(is_normalized), image_size
        super().__init__([(x, y) for x, y in self.xy.tolist()])

    @property
    def points(self) -> np.ndarray[Any, Any]:
        """The (N, 2) float64 array as given (read-only)."""
        return self._points

    @property
    def is_normalized(self) -> bool:
        """True when `points` are fractions of image_size."""
        return self._is_normalized

    @property
    def image_size(self) -> ImageSize | None:
        """The size the points belong to (None when not given)."""
        return self._image_size

    @property
    def xy(self) -> np.ndarray[Any, Any]:
        """The points in pixels, (N, 2) float64: points * [width, height] when normalised."""
        if not self._is_normalized:
            return self._points
        s = self._image_size
        assert s is not None  # normalised points have one (__init__)
        return self._points * np.array([s.width, s.height], dtype=np.float64)

    @property
    def xyn(self) -> np.ndarray[Any, Any]:
        """The points normalised, (N, 2): points / [width, height] when in
        pixels (InvalidArgument without an image_size)."""
        if self._is_normalized:
            return self._points
        s = self._image_size
        if s is None:
            raise InvalidArgument("Points.xyn: pixel points need an image_size to be normalised")
        return self._points / np.array([s.width, s.height], dtype=np.float64)

    @property
    def num_points(self) -> int:
        """N, the number of points."""
        return len(self._points)

    def __len__(self) -> int:
        return len(self._points)

    def __iter__(self) -> Iterator[tuple[float, float]]:
        return iter([(x, y) for x, y in self.xy.tolist()])

    def to_mask(self) -> HashableImage:
        """An L image of image_size (mode "numpy"): 255 at each point (pixel
        (int(x), int(y))), 0 elsewhere. InvalidArgument for points outside
        the image or without an image_size."""
        if self._image_size is None:
            raise InvalidArgument("Points.to_mask: needs an image_size")
        return HashableImage.points_to_mask(self, self._image_size).to_gray()

    def clip_to_image_bounds(self, image_size: ImageSize) -> Points:
        """Pixel points of `image_size` with x clipped to [0, width - 1] and
        y to [0, height - 1] (points are clipped, not dropped)."""
        hi = np.array([image_size.width - 1, image_size.height - 1], dtype=np.float64)
        return Points(np.clip(self.xy, 0, hi), is_normalized=False, image_size=image_size)

    def shift_points(self, shift: tuple[float, float]) -> Points:
        """Pixel points moved by (dx, dy), with the same image_size."""
        return Points(self.xy + np.asarray(shift, dtype=np.float64), is_normalized=False, image_size=self._image_size)

    def list_tuple_int(self) -> list[tuple[int, int]]:
        """[(int(x), int(y)), ...] in pixels, truncated."""
        return [(int(x), int(y)) for x, y in self.xy.tolist()]

    def list_tuple_float(self, *, normalized: bool) -> list[tuple[float, float]]:
        """[(x, y), ...] as floats, normalised (xyn) or in pixels (xy)."""
        return [(float(x), float(y)) for x, y in (self.xyn if normalized else self.xy).tolist()]

    def min_x(self) -> int:
        """The smallest x in pixels, truncated."""
        return int(self.xy[:, 0].min())

    def min_y(self) -> int:
        """The smallest y in pixels, truncated."""
        return int(self.xy[:, 1].min())

    def max_x(self) -> int:
        """The largest x in pixels, truncated."""
        return int(self.xy[:, 0].max())

    def max_y(self) -> int:
        """The largest y in pixels, truncated."""
        return int(self.xy[:, 1].max())

    def __pixelcache_value__(self) -> list[Any]:
        return ["Points", self._points, self._is_normalized, self._image_size]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Points):
            return NotImplemented
        return (np.array_equal(self._points, other._points) and self._is_normalized == other._is_normalized
                and self._image_size == other._image_size)

    def __hash__(self) -> int:
        return _pixelcache.value_digest(self)[1]

    def __repr__(self) -> str:
        return (f"Points(points={self._points.tolist()!r}, is_normalized={self._is_normalized}, "
                f"image_size={self._image_size!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Points, (self._points, self._is_normalized, self._image_size))


# -- ImageCrop ------------------------------------------------------------------
class ImageCrop:
    """A crop rectangle: ImageCrop(*, left, top, right, bottom), in pixels
    or, when every value is in [0, 1], as fractions of the image it is
    applied to (the original's guess; see is_normalized()). Calling it on an
    image crops that image.

    ImageCrop.from_bbox() / from_mask() also keep the crop they made
    (`image`) and the size of the image it came from (`original_size`), so
    that an edited crop can be pasted back with uncrop(). Immutable and
    hashable by value. InvalidArgument when left >= right, top >= bottom or
    a value is negative or not finite.
    """

    __slots__ = ("left", "top", "right", "bottom", "image", "original_size")
    left: float
    top: float
    right: float
    bottom: float
    image: HashableImage | None
    original_size: ImageSize | None

    def __init__(self, *, left: float, top: float, right: float, bottom: float, image: HashableImage | None = None,
                 original_size: ImageSize | None = None) -> None:
        v = [_number(x, f"ImageCrop: {n}") for n, x in
             (("left", left), ("top", top), ("right", right), ("bottom", bottom))]
        if not all(np.isfinite(v)) or min(v) < 0 or v[0] >= v[2] or v[1] >= v[3]:
            raise InvalidArgument(f"ImageCrop: need 0 <= left < right and 0 <= top < bottom, got left={left}, "
                                  f"top={top}, right={right}, bottom={bottom}")
        for name, value in zip(("left", "top", "right", "bottom"), v):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "original_size", original_size)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ImageCrop is immutable: cannot set {name}")

    def is_normalized(self) -> bool:
        """True when every value is in [0, 1] (fractions of the image); a
        crop made by from_bbox() / from_mask() is in pixels."""
        if self.original_size is not None:
            return False
        return all(0.0 <= v <= 1.0 for v in (self.left, self.top, self.right, self.bottom))

    @property
    def bbox(self) -> BoundingBox:
        """The rectangle as a BoundingBox (with original_size when known)."""
        return BoundingBox(self.left, self.top, self.right, self.bottom, image_size=self.original_size,
                           normalized=self.is_normalized())

    def __call__(self, image: HashableImage, /) -> HashableImage:
        """`image` cropped to this rectangle (fractions scaled by its size and
        rounded half to even), mode "pil"; parts outside the image are black."""
        image = image if isinstance(image, HashableImage) else HashableImage(image)
        h, w = image.size().height, image.size().width
        sx, sy = (w, h) if self.is_normalized() else (1, 1)
        left, top = round(self.left * sx), round(self.top * sy)
        width, height = round((self.right - self.left) * sx), round((self.bottom - self.top) * sy)
        if width <= 0 or height <= 0:
            raise InvalidArgument(f"ImageCrop: the crop of a {image.size()} image is empty: {self!r}")
        if left + width <= w and top + height <= h:
            box = BoundingBox(left, top, left + width, top + height, image_size=image.size(), normalized=False)
            return HashableImage._wrap(image.crop_from_bbox([box])._img, "pil")
        pil: PIL.Image.Image = image.pil().crop((left, top, left + width, top + height))  # black outside
        return HashableImage(pil)

    @staticmethod
    def from_bbox(image: Any, bboxes: BoundingBox | Sequence[BoundingBox]) -> ImageCrop:
        """Crops `image` to the union of `bboxes` (one box or a list)."""
        img = image if isinstance(image, HashableImage) else HashableImage(image)
        crop, box, size = _pixelcache.image_crop_from_bbox(img._img, _bboxes(bboxes))
        return ImageCrop(left=box.xmin, top=box.ymin, right=box.xmax, bottom=box.ymax, image=img._new(crop),
                         original_size=size)

    @staticmethod
    def from_mask(image: Any, mask: Any, margin: float = 0.0, merge: bool = False, closing: int = 0,
                  opening: int = 0, area_threshold: float = 0.0, number_of_objects: int = -1) -> ImageCrop:
        """Crops `image` to the union of `mask`'s region boxes (see mask2bbox)."""
        img = image if isinstance(image, HashableImage) else HashableImage(image)
        m = mask if isinstance(mask, HashableImage) else HashableImage(mask)
        return ImageCrop.from_bbox(img, m.mask2bbox(margin, merge=merge, closing=closing, opening=opening,
                                                    area_threshold=area_threshold,
                                                    number_of_objects=number_of_objects))

    def uncrop(self, base: Any, edited: Any = None, resize: bool = False, blend_width: int = 10) -> HashableImage:
        """Pastes `edited` (this crop, processed; the crop itself when None)
        back into `base` at this rectangle, edges feathered over
        `blend_width` pixels; `resize` fits `edited` to the rectangle.
        `base` must have original_size when that is known."""
        if edited is None:
            if self.image is None:
                raise InvalidArgument("ImageCrop.uncrop: this crop holds no image; pass `edited`")
            crop = self.image
        else:
            crop = edited if isinstance(edited, HashableImage) else HashableImage(edited)
        base = base if isinstance(base, HashableImage) else HashableImage(base)
        if self.original_size is not None and base.size() != self.original_size:
            raise InvalidArgument(f"ImageCrop.uncrop: base is {base.size()}, the crop came from "
                                  f"{self.original_size}")
        box = BoundingBox(self.left, self.top, self.right, self.bottom, image_size=base.size(),
                          normalized=self.is_normalized())
        return crop.uncrop_from_bbox(base, [box], resize=resize, blend_width=blend_width)

    def _key(self) -> tuple[Any, ...]:
        return (self.left, self.top, self.right, self.bottom, self.image, self.original_size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImageCrop):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return _pixelcache.value_digest(self)[1]

    def __pixelcache_value__(self) -> list[Any]:
        v: list[Any] = ["ImageCrop", self.left, self.top, self.right, self.bottom]
        return v if self.image is None else v + [self.image, self.original_size]

    def __repr__(self) -> str:
        s = f"ImageCrop(left={self.left}, top={self.top}, right={self.right}, bottom={self.bottom}"
        if self.image is not None:
            s += f", image={self.image!r}, original_size={self.original_size!r}"
        return s + ")"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_crop, self._key())


def _rebuild_crop(left: float, top: float, right: float, bottom: float, image: HashableImage | None,
                  original_size: ImageSize | None) -> ImageCrop:
    return ImageCrop(left=left, top=top, right=right, bottom=bottom, image=image, original_size=original_size)
