"""pixelcache: immutable, hashable images with a stable content digest.

    from pixelcache import HashableImage
    img = HashableImage("photo.jpg")          # or bytes, ndarray, PIL, tensor, URL
    small = img.resize((256, 256))            # every operation returns a new image
    cache = {img: "result"}                   # hash and == come from the pixels
    img.digest()                              # 32 hex digits, stable everywhere
    pixelcache.probe("photo.jpg").size        # from the header alone: no pixels decoded

The work runs in the C++ core (_pixelcache) with the GIL released. The
public names are the Python original's (pixelcache 0.1.x), plus the error
classes and a few extras listed in __all__.
"""
from __future__ import annotations

from ._pixelcache import (CacheError, DecodeError, EncodeError, Error, InvalidArgument, InvalidType, IoError,
                          LimitError, NetworkError, BoundingBox, ImageSize, __version__)
from ._pixelcache import ImageInfo, max_image_bytes, palette_names, probe, set_max_image_bytes
from . import _probe  # noqa: F401  (pickling of ImageInfo)
from ._image import HashableImage
from ._containers import HashableDict, HashableList
from ._geometry import ImageCrop, Points
from ._grid import display_string
from ._logging import DEFAULT_VERBOSITY, LoggingRich, get_logger
from ._utils import pseudo_hash, seed_everything
from ._batch import batch
from ._cache import Cache, CacheWarning
from ._memoize import memoize
from ._dups import (DuplicateGroup, Duplicates, HashGroup, ImageHash, default_threshold, find_duplicates,
                    group_hashes, hex_to_hash, image_hash)

__all__ = [
    # The original's exports.
    "DEFAULT_VERBOSITY", "BoundingBox", "HashableDict", "HashableImage", "HashableList", "ImageCrop", "ImageSize",
    "LoggingRich", "Points", "display_string", "get_logger", "pseudo_hash", "seed_everything", "__version__",
    # Ours: errors and process-wide settings.
    "Error", "InvalidArgument", "InvalidType", "IoError", "NetworkError", "DecodeError", "EncodeError", "LimitError",
    "palette_names", "max_image_bytes", "set_max_image_bytes", "batch",
    # What a file is, from its header.
    "probe", "ImageInfo",
    # The content-addressed cache.
    "Cache", "CacheWarning", "memoize", "CacheError",
    # Perceptual hashes (imagehash's definitions) and duplicates.
    "ImageHash", "hex_to_hash", "image_hash", "default_threshold", "group_hashes", "HashGroup", "find_duplicates",
    "Duplicates", "DuplicateGroup",
]
