"""pixelcache.tools.mask: the original's mask helpers on plain arrays
(bool (h, w) masks, uint8 images), computed by the C++ core. Boxes are
(xmin, ymin, xmax, ymax) tuples of floats with exclusive ends (DESIGN 8:
the original's inclusive ends lost the last row and column of crops), in a
stable top-to-bottom order."""
from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from .. import _pixelcache
from .._image import HashableImage
from .._pixelcache import BoundingBox, ImageSize, InvalidArgument

__all__ = ["mask2bbox", "mask2squaremask", "bbox2mask", "resize_squaremask", "crop_from_mask", "morphologyEx",
           "remove_disconnected_regions", "mask_blend"]

Box = tuple[float, float, float, float]
Kernel = Union[int, tuple[int, int]]


def _mask(binary_mask: Any) -> HashableImage:
    img = binary_mask if isinstance(binary_mask, HashableImage) else HashableImage(binary_mask)
    return img.to_binary()  # itself when already binary


def mask2bbox(binary_mask: Any, /, margin: float, *, normalized: bool = False, merge: bool = False,
              verbose: bool = True, closing: Kernel = (0, 0), opening: Kernel = (0, 0), area_threshold: float = 0.0,
              number_of_objects: int = -1) -> list[Box]:
    """The boxes of the mask's 8-connected regions, each grown by `margin`
    (a fraction of its size): regions under `area_threshold` (fraction of
    the image) dropped, `opening` / `closing` (square kernels) applied
    first, only the largest `number_of_objects` kept (-1: all), reduced to
    one union box with `merge`; normalised by the mask's size with
    `normalized`. An empty mask gives []. `verbose` is accepted for the
    original's signature."""
    boxes = _mask(binary_mask).mask2bbox(margin, normalized=normalized, merge=merge, closing=closing,
                                         opening=opening, area_threshold=area_threshold,
                                         number_of_objects=number_of_objects)
    return [(b.xmin, b.ymin, b.xmax, b.ymax) for b in boxes]


def mask2squaremask(mask: Any, margin: float, *, merge: bool = False, verbose: bool = True, closing: Kernel = (0, 0),
                    opening: Kernel = (0, 0), area_threshold: float = 0.0, number_of_objects: int = -1) -> np.ndarray:
    """A bool mask, True inside every region's box (see mask2bbox)."""
    return _mask(mask).mask2squaremask(margin, merge=merge, closing=closing, opening=opening,
                                       area_threshold=area_threshold, number_of_objects=number_of_objects).numpy()


def bbox2mask(bbox: Sequence[Box], image_size: ImageSize) -> np.ndarray:
    """A bool (h, w) mask of `image_size`, True inside every box. Boxes whose
    values are all in [0, 1] are fractions of the size (scaled and rounded
    half to even); other boxes are pixels."""
    size = image_size if isinstance(image_size, ImageSize) else ImageSize(*image_size)
    mask = np.zeros((size.height, size.width), dtype=bool)
    for box in bbox:
        b = BoundingBox(*box, image_size=size).to_pixels()
        x0, y0, x1, y1 = (round(v) for v in (b.xmin, b.ymin, b.xmax, b.ymax))
        mask[y0:y1, x0:x1] = True
    return mask


def resize_squaremask(mask: Any, size: ImageSize, **kwargs: Any) -> np.ndarray:
    """The mask resized (nearest) to `size`, then mask2squaremask(margin=0, **kwargs)."""
    resized = HashableImage(mask).resize(size if isinstance(size, ImageSize) else ImageSize(*size), "nearest")
    return mask2squaremask(resized, 0.0, **kwargs)


def crop_from_mask(image: Any, mask: Any, margin: float = 0.0, *, normalized: bool = False, merge: bool = False,
                   verbose: bool = True, closing: Kernel = (0, 0), opening: Kernel = (0, 0),
                   area_threshold: float = 0.0, number_of_objects: int = -1) -> np.ndarray:
    """The pixels of `image` inside the union of the mask's region boxes
    (see mask2bbox), as an array of the image's layout. InvalidArgument for
    an empty mask. `normalized` changes nothing (boxes are resolved in
    pixels either way)."""
    img = image if isinstance(image, HashableImage) else HashableImage(image)
    return img.crop_from_mask(_mask(mask), margin, merge=merge, closing=closing, opening=opening,
                              area_threshold=area_threshold, number_of_objects=number_of_objects).numpy()


# cv2.MORPH_* values, as the original passes them.
_MORPH = {0: "erode", 1: "dilate", 2: "open", 3: "close"}


def morphologyEx(mask: Any, mode: int, kernel: Any, /, *, struct: str | None = None) -> np.ndarray:  # noqa: N802
    """cv2.morphologyEx on a mask, as a bool array: `mode` is cv2's
    MORPH_ERODE (0), MORPH_DILATE (1), MORPH_OPEN (2) or MORPH_CLOSE (3);
    `kernel` a square array of ones (its side is used) or a side length.
    `struct` other than None is not supported (InvalidArgument)."""
    if mode not in _MORPH:
        raise InvalidArgument(f"morphologyEx: mode must be cv2.MORPH_ERODE, DILATE, OPEN or CLOSE (0..3), got {mode}")
    if struct is not None:
        raise InvalidArgument(f"morphologyEx: struct={struct!r} is not supported; pass a square kernel of ones")
    if isinstance(kernel, np.ndarray):
        if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or not np.all(kernel == 1):
            raise InvalidArgument(f"morphologyEx: only square kernels of ones are supported, got shape {kernel.shape}")
        side = int(kernel.shape[0])
    elif isinstance(kernel, int) and not isinstance(kernel, bool):
        side = kernel
    else:
        raise InvalidArgument(f"morphologyEx: kernel must be a square array of ones or a side length, got {kernel!r}")
    return _mask(mask).morphology(_MORPH[mode], side).numpy()


def remove_disconnected_regions(masks: Any, area_thresh: float = 0.0, /) -> Any:
    """Each mask with holes, then islands, smaller than `area_thresh` (a
    fraction of the image area, in [0, 1)) removed, 8-connected; a list of
    masks gives a list. A threshold of 0 returns the masks unchanged."""
    if not 0.0 <= area_thresh < 1.0:
        raise InvalidArgument(f"remove_disconnected_regions: area_thresh must be in [0, 1), got {area_thresh}")
    single = not isinstance(masks, (list, tuple))
    items = [masks] if single else list(masks)
    out = [np.asarray(m, dtype=bool) if area_thresh == 0.0
           else _mask(m).to_binary(0.0, area_thresh).numpy() for m in items]
    return out[0] if single else out


def mask_blend(image: Any, mask: Any, alpha: float, *, with_bbox: bool = True, merge_bbox: bool = True) -> np.ndarray:
    """HashableImage.blend on arrays: with a bool mask, pixels outside it
    scaled by `alpha` and (with `with_bbox`) red boxes around its regions;
    with a 3-channel image, alpha * mask + (1 - alpha) * image. Returns an
    (h, w, 3) uint8 array."""
    img = HashableImage(image).to_rgb()
    return img.blend(HashableImage(mask), alpha, with_bbox=with_bbox, merge_bbox=merge_bbox).numpy()
