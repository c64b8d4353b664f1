"""Argument conversion and dispatch for the generated operation methods
(_ops.py): each converter turns what a Python caller passes into what the
C++ catalogue's invoke() binds (catalogue.hpp), raising TypeError /
ValueError that name the problem; _run calls the operation with the GIL
released and wraps the result."""
from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional, Union, cast

from . import _convert, _pixelcache
from ._containers import HashableList
from ._lazy import is_ndarray, np_types
from ._pixelcache import InvalidArgument, InvalidType

if TYPE_CHECKING:
    import numpy as np
    from ._image import HashableImage
    from ._ops import Operations
else:
    from ._lazy import numpy as np

# HashableImage._wrap, registered by _image (which imports this module, not
# the other way round): how _run_static makes its results.
_wrap_image: Optional[Callable[[_pixelcache.Image, str], HashableImage]] = None


def register_image_type(wrap: Callable[[_pixelcache.Image, str], HashableImage]) -> None:
    global _wrap_image
    _wrap_image = wrap


def _core(x: Any, where: str = "") -> _pixelcache.Image:
    """The C++ image of a HashableImage, or of anything HashableImage accepts."""
    img = getattr(x, "_img", None)
    if isinstance(img, _pixelcache.Image):
        return img
    if isinstance(x, _pixelcache.Image):
        return x
    return _convert.to_core(x)[0]  # as HashableImage(x)._img


def _cores(xs: Any, where: str = "") -> list[_pixelcache.Image]:
    """A list of C++ images from one image or an iterable of them."""
    if getattr(xs, "_img", None) is not None or is_ndarray(xs) or isinstance(xs, _pixelcache.Image):
        return [_core(xs)]
    return [_core(x) for x in xs]


def _where(where: str) -> str:
    return f"{where} " if where else ""


def _bool(x: Any, where: str = "") -> bool:
    if isinstance(x, (bool, np_types("bool_"))):
        return bool(x)
    raise InvalidType(f"{_where(where)}expects a bool, got {type(x).__name__}")


def _int(x: Any, where: str = "") -> int:
    if isinstance(x, (bool, np_types("bool_"))):
        raise InvalidType(f"{_where(where)}expects an int, got bool")
    if isinstance(x, float) and x.is_integer():
        return int(x)
    try:
        return operator.index(x)
    except TypeError:
        raise InvalidType(f"{_where(where)}expects an int, got {type(x).__name__} {x!r}") from None


def _float(x: Any, where: str = "") -> float:
    if isinstance(x, (bool, np_types("bool_"))) or not isinstance(x, numbers.Real):
        raise InvalidType(f"{_where(where)}expects a float, got {type(x).__name__}")
    return float(x)


def _choice(x: Any, where: str = "") -> Any:
    """A string option; enums (torchvision's InterpolationMode) give their value."""
    value = getattr(x, "value", x)
    if value is None or isinstance(value, str):
        return value
    raise InvalidType(f"{_where(where)}expects a str, got {type(x).__name__}")


def _size(x: Any, where: str = "") -> tuple[int, int]:
    """(height, width) from an ImageSize (any object with height / width) or a pair."""
    if hasattr(x, "height") and hasattr(x, "width"):
        return (_int(x.height, where), _int(x.width, where))
    if isinstance(x, Sequence) and not isinstance(x, str) and len(x) == 2:
        try:
            return (_int(x[0]), _int(x[1]))
        except TypeError:
            raise InvalidArgument(f"{_where(where)}needs whole numbers of pixels, got {tuple(x)!r}") from None
    raise InvalidType(f"{_where(where)}expects an ImageSize or a (height, width) pair, got {x!r}")


def _kernel_shape(x: Any, where: str = "") -> Any:
    """A kernel (height, width) from an int k (k x k) or a pair."""
    return _size(x, where) if isinstance(x, Sequence) and not isinstance(x, str) else _int(x, where)


def _kernel(x: Any, where: str = "") -> Any:
    """A structuring element: an int k (k x k), a 2-D array or nested lists (nonzero = in), or a mask image."""
    if isinstance(x, numbers.Integral) and not isinstance(x, (bool, np_types("bool_"))):
        return int(x)
    if getattr(x, "_img", None) is not None:
        return cast(Any, x)._img
    arr = np.asarray(x)
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        raise InvalidArgument(f"{_where(where)}expects an int or a 2-D numeric array, got {arr.ndim}-D {arr.dtype}")
    return arr


def _palette(x: Any, where: str = "") -> Any:
    """A palette name, or a 256 x 3 table of levels."""
    if isinstance(x, str):
        return x
    arr = np.asarray(x)
    if arr.shape != (256, 3):
        raise InvalidArgument(f"{_where(where)}expects a palette table of 256 x 3 (RGB levels), got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.uint8) if arr.dtype.kind in "biu" else arr


def _bbox(x: Any, where: str = "") -> _pixelcache.BoundingBox:
    value = getattr(x, "__pixelcache_value__", None)
    box = value() if value is not None else x
    if not isinstance(box, _pixelcache.BoundingBox):
        raise InvalidType(f"{_where(where)}expects a BoundingBox, got {type(x).__name__}")
    return box


def _bboxes(x: Any, where: str = "") -> list[_pixelcache.BoundingBox]:
    """A list of BoundingBox from one box or an iterable of boxes (e.g. a HashableList)."""
    if isinstance(x, _pixelcache.BoundingBox) or not hasattr(x, "__iter__"):
        return [_bbox(x, where)]
    return [_bbox(b, where) for b in x]


def _points(x: Any, where: str = "") -> list[tuple[float, float]]:
    """(x, y) pixel pairs from Points (pixel, or normalised with an image_size) or a sequence of pairs."""
    xy = getattr(x, "xy", None)
    if xy is None:
        xy = getattr(x, "points", x)
    arr = np.asarray(xy, dtype=np.float64).reshape(-1, 2) if len(xy) else np.zeros((0, 2))
    if getattr(x, "is_normalized", False):
        size = _size(x.image_size)
        arr = arr * np.array([size[1], size[0]], dtype=np.float64)
    return [(float(px), float(py)) for px, py in arr]


#: What the catalogue's invoke() returns: an image, or the boxes of mask2bbox.
_Result = Union[_pixelcache.Image, "list[_pixelcache.BoundingBox]"]


def _run(image: Operations, name: str, args: list[Any]) -> HashableImage:
    """Runs catalogue operation `name` on `image`: `image` itself when nothing
    changed (resize to the same size, to_binary of a mask, ...), else a new
    HashableImage of the same kind."""
    out: _Result = _pixelcache.invoke(name, image._img, args)
    assert not isinstance(out, list), name  # an operation whose result is boxes: _run_boxes
    if out.same_storage(image._img):  # the operation changed nothing
        return cast("HashableImage", image)  # Operations is the base of HashableImage only
    return image._new(out)


def _run_boxes(image: Operations, name: str, args: list[Any]) -> HashableList[_pixelcache.BoundingBox]:
    """Runs catalogue operation `name` (mask2bbox) on `image`: a HashableList of boxes."""
    out: _Result = _pixelcache.invoke(name, image._img, args)
    assert isinstance(out, list), name
    return HashableList(out)


def _run_static(name: str, args: list[Any]) -> HashableImage:
    """Runs a catalogue operation that takes no input image."""
    out: _Result = _pixelcache.invoke(name, None, args)
    assert not isinstance(out, list), name
    assert _wrap_image is not None  # registered when _image is imported, before any HashableImage exists
    return _wrap_image(out, "numpy")
