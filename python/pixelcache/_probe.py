"""Pickling of ImageInfo, probe()'s result: by its fields, for every pickle
protocol (pybind11 cannot rebuild an object through __setstate__ under
protocols 0 and 1, and its functions pickle by reference only from here)."""
from __future__ import annotations

import copyreg

from ._pixelcache import ImageInfo, _image_info


def _rebuild(state: tuple) -> ImageInfo:
    """An ImageInfo from ImageInfo.__getstate__()."""
    return _image_info(state)


def _reduce(info: ImageInfo) -> tuple:
    return _rebuild, (info.__getstate__(),)


copyreg.pickle(ImageInfo, _reduce)
