"""The geometry value types of the original's Python API that the extension
does not define whole: Points (a Python subclass of the C++ points, holding
the original's array and normalisation flag) and ImageCrop (a crop
rectangle, which can also carry the crop it made and paste it back).
ImageSize and BoundingBox, with every member of the original, are the
extension's classes (python/src/geometry.cpp)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Sequence

from . import _pixelcache
from ._image import HashableImage
from ._lazy import np_types
from ._opargs import _bboxes
from ._pixelcache import BoundingBox, ImageSize, InvalidArgument, InvalidType

if TYPE_CHECKING:
    import numpy as np
    import PIL.Image
else:
    from ._lazy import numpy as np


def _number(v: Any, what: str) -> float:
    """A float from a real number; InvalidType for anything else (str, None, ...)."""
    if isinstance(v, (bool, np_types("bool_"))) or not isinstance(v, (int, float, np_types("integer", "floating"))):
        raise InvalidType(f"{what} must be a number, got {type(v).__name__}")
    return float(v)


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
