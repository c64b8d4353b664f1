"""Pickling of ImageInfo, probe()'s result: by its fields, for every pickle
protocol (pybind11 cannot rebuild an object through __setstate__ under
protocols 0 and 1, and its functions pickle by reference only from here)."""
from __future__ import annotations

import copyreg
from typing import TYPE_CHECKING, Callable, Tuple

from ._pixelcache import ImageInfo, _image_info

if TYPE_CHECKING:
    from ._pixelcache import _ImageInfoState


def _rebuild(state: _ImageInfoState) -> ImageInfo:
    """An ImageInfo from ImageInfo.__getstate__()."""
    return _image_info(state)


def _reduce(info: ImageInfo) -> Tuple[Callable[[_ImageInfoState], ImageInfo], Tuple[_ImageInfoState]]:
    return _rebuild, (info.__getstate__(),)


copyreg.pickle(ImageInfo, _reduce)
