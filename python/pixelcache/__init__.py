"""pixelcache: immutable, hashable images with a stable content digest.

    from pixelcache import HashableImage
    img = HashableImage("photo.jpg")          # or bytes, ndarray, PIL, tensor, URL
    small = img.resize((256, 256))            # every operation returns a new image
    cache = {img: "result"}                   # hash and == come from the pixels
    img.digest()                              # 32 hex digits, stable everywhere

The work runs in the C++ core (_pixelcache) with the GIL released.
"""
from __future__ import annotations

from ._pixelcache import (DecodeError, EncodeError, Error, InvalidArgument, IoError, LimitError, NetworkError,
                          BoundingBox, ImageSize, Points, __version__)
from ._pixelcache import max_image_bytes, palette_names, set_max_image_bytes
from ._image import HashableImage
from ._containers import HashableDict, HashableList
from ._geometry import ImageCrop
from ._utils import display_string, pseudo_hash, seed_everything
from ._batch import batch

__all__ = [
    "HashableImage", "HashableDict", "HashableList", "BoundingBox", "ImageSize", "Points", "ImageCrop",
    "pseudo_hash", "display_string", "seed_everything", "palette_names", "max_image_bytes", "set_max_image_bytes",
    "Error", "InvalidArgument", "IoError", "NetworkError", "DecodeError", "EncodeError", "LimitError",
    "batch", "__version__",
]
