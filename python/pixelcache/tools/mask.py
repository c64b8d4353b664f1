"""pixelcache.tools.mask: the original's mask helpers on plain arrays
(bool (h, w) masks, uint8 images), computed by the C++ core; the component,
region, polygon and comparison helpers (reduce_masks and below) use OpenCV's
cv2 as the original does (Debian python3-opencv, imported on first use).
Boxes are (xmin, ymin, xmax, ymax) tuples of floats with exclusive ends
(a deliberate difference: the original's inclusive ends lost the last row and column of
crops), in a stable top-to-bottom order. No function modifies its inputs."""
from __future__ import annotations

import logging
import numbers
from typing import Any, Literal, Sequence, Union

import numpy as np

from .. import _convert, _pixelcache
from .._image import HashableImage
from .._pixelcache import BoundingBox, ImageSize, InvalidArgument, InvalidType

__all__ = ["mask2bbox", "mask2squaremask", "bbox2mask", "resize_squaremask", "crop_from_mask", "morphologyEx",
           "remove_disconnected_regions", "mask_blend", "reduce_masks", "keep_n_largest_components",
           "remove_small_regions", "mask_to_polygon", "polygon_to_mask", "refine_masks", "contour_from_mask",
           "mask_iou", "mask_intersection", "align_masks"]

_log = logging.getLogger("pixelcache")

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
                    opening: Kernel = (0, 0), area_threshold: float = 0.0,
                    number_of_objects: int = -1) -> np.ndarray[Any, Any]:
    """A bool mask, True inside every region's box (see mask2bbox)."""
    return _mask(mask).mask2squaremask(margin, merge=merge, closing=closing, opening=opening,
                                       area_threshold=area_threshold, number_of_objects=number_of_objects).numpy()


def bbox2mask(bbox: Sequence[Box], image_size: ImageSize) -> np.ndarray[Any, Any]:
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


def resize_squaremask(mask: Any, size: ImageSize, **kwargs: Any) -> np.ndarray[Any, Any]:
    """The mask resized (nearest) to `size`, then mask2squaremask(margin=0, **kwargs)."""
    resized = HashableImage(mask).resize(size if isinstance(size, ImageSize) else ImageSize(*size), "nearest")
    return mask2squaremask(resized, 0.0, **kwargs)


def crop_from_mask(image: Any, mask: Any, margin: float = 0.0, *, normalized: bool = False, merge: bool = False,
                   verbose: bool = True, closing: Kernel = (0, 0), opening: Kernel = (0, 0),
                   area_threshold: float = 0.0, number_of_objects: int = -1) -> np.ndarray[Any, Any]:
    """The pixels of `image` inside the union of the mask's region boxes
    (see mask2bbox), as an array of the image's layout. InvalidArgument for
    an empty mask. `normalized` changes nothing (boxes are resolved in
    pixels either way)."""
    img = image if isinstance(image, HashableImage) else HashableImage(image)
    return img.crop_from_mask(_mask(mask), margin, merge=merge, closing=closing, opening=opening,
                              area_threshold=area_threshold, number_of_objects=number_of_objects).numpy()


# cv2.MORPH_* values, as the original passes them.
_MORPH: dict[int, Literal["erode", "dilate", "open", "close"]] = {0: "erode", 1: "dilate", 2: "open", 3: "close"}


def morphologyEx(mask: Any, mode: int, kernel: Any, /, *,  # noqa: N802
                 struct: str | None = None) -> np.ndarray[Any, Any]:
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


def mask_blend(image: Any, mask: Any, alpha: float, *, with_bbox: bool = True,
               merge_bbox: bool = True) -> np.ndarray[Any, Any]:
    """HashableImage.blend on arrays: with a bool mask, pixels outside it
    scaled by `alpha` and (with `with_bbox`) red boxes around its regions;
    with a 3-channel image, alpha * mask + (1 - alpha) * image. Returns an
    (h, w, 3) uint8 array."""
    img = HashableImage(image).to_rgb()
    return img.blend(HashableImage(mask), alpha, with_bbox=with_bbox, merge_bbox=merge_bbox).numpy()


# -- components, regions, polygons and comparisons (OpenCV, as the original) ---------------------------------------
def _bool_mask(mask: Any, where: str) -> np.ndarray[Any, Any]:
    """`mask` (anything HashableImage accepts; nonzero = True) as a new bool
    (h, w) array; errors are re-raised naming `where`."""
    try:
        return _mask(mask).numpy()
    except _pixelcache.Error as e:
        raise type(e)(f"{where}: {e}") from None


def _int_arg(value: Any, where: str, minimum: int) -> int:
    """`value` as an int >= minimum: InvalidType for a non-int (bool
    included), InvalidArgument below the minimum."""
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{where} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise InvalidArgument(f"{where} must be >= {minimum}, got {value}")
    return int(value)


def _components(mask: np.ndarray[Any, Any],
                connectivity: int = 8) -> tuple[int, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(label count including the background label 0, int32 labels, area per
    label) of cv2.connectedComponentsWithStats on a bool mask."""
    n, labels, stats, _ = _cv2().connectedComponentsWithStats(mask.astype(np.uint8), connectivity=connectivity)
    return int(n), labels, stats[:, 4]  # cv2.CC_STAT_AREA


def _cv2() -> Any:
    """The cv2 module, imported on first use (Debian python3-opencv)."""
    import cv2 as module

    return module


def keep_n_largest_components(mask: Any, n: int) -> np.ndarray[Any, Any]:
    """A new bool mask holding only the `n` 8-connected components of `mask`
    with the largest areas (ties: the first in raster order of their first
    pixel); the whole mask when it has n or fewer, or when n is -1.
    InvalidType for a non-int n, InvalidArgument for n < -1."""
    m = _bool_mask(mask, "keep_n_largest_components: argument 'mask'")
    n = _int_arg(n, "keep_n_largest_components: argument 'n'", -1)
    count, labels, areas = _components(m)
    if n == -1 or count - 1 <= n:
        return m
    keep = np.argsort(-areas[1:], kind="stable")[:n] + 1
    return np.isin(labels, keep)


def _kernel_side(value: Any, where: str) -> tuple[int, int]:
    """(height, width) of a ones kernel from an int k (k x k) or a pair."""
    pair = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    if len(pair) != 2:
        raise InvalidArgument(f"{where} must be an int or a (height, width) pair, got {value!r}")
    return _int_arg(pair[0], where, 0), _int_arg(pair[1], where, 0)


def reduce_masks(mask: Any, *, number_of_objects: int = -1, closing: Kernel = (0, 0), opening: Kernel = (0, 0),
                 area_threshold: float = 0.0, merge: bool = False, verbose: bool = True) -> list[np.ndarray[Any, Any]]:
    """`mask` split into one bool (h, w) mask per 8-connected component, in
    raster order of their first pixels, after (in this order) removing
    holes and islands smaller than `area_threshold` (a fraction of the image
    area, in [0, 1): remove_disconnected_regions), a morphological opening
    with a ones kernel of `opening` (height, width) and a closing with
    `closing` ((0, 0), or any side 0: off; an int k is k x k). With
    `number_of_objects` other than -1 only that many of the largest
    components are kept (keep_n_largest_components; logged at debug level);
    fewer than asked is logged at error level when `verbose`. With `merge`,
    a list of one mask, the union of the components. An empty mask gives [].
    The caller's mask is not modified."""
    where = "reduce_masks: argument"
    m = _bool_mask(mask, f"{where} 'mask'")
    wanted = _int_arg(number_of_objects, f"{where} 'number_of_objects'", -1)
    if area_threshold:
        m = remove_disconnected_regions(m, float(area_threshold))
    steps: tuple[tuple[Literal["open", "close"], Kernel, str], ...] = (("open", opening, "opening"),
                                                                      ("close", closing, "closing"))
    for op, kernel, name in steps:
        kh, kw = _kernel_side(kernel, f"{where} '{name}'")
        if kh > 0 and kw > 0:
            m = HashableImage(m).morphologyEx(op, np.ones((kh, kw), np.uint8)).numpy()
    found = _components(m)[0] - 1
    if wanted != -1 and found > wanted:
        _log.debug("reduce_masks: keeping the %d largest of %d components", wanted, found)
        m = keep_n_largest_components(m, wanted)
    elif wanted != -1 and found < wanted and verbose:
        _log.error("reduce_masks: asked for %d objects, the mask has %d components", wanted, found)
    count, labels, _ = _components(m)
    if merge:
        return [m] if count > 1 else []
    return [labels == k for k in range(1, count)]


def remove_small_regions(mask: Any, area_thresh: float, mode: Literal["holes", "islands"],
                         connectivity: int = 8) -> tuple[np.ndarray[Any, Any], bool]:
    """(new bool mask, whether it differs from `mask`): with mode "holes",
    background components (`connectivity` 4 or 8) smaller than
    area_thresh * h * w pixels are filled, including background touching
    the image border; with "islands", foreground components that small are
    removed, but when every island is that small the largest stays.
    `area_thresh` is a fraction of the image area in [0, 1]
    (InvalidArgument otherwise, as the original's ValueError above 1).
    The flag is True only when a pixel changed (the original also says True
    when its only island is small and kept)."""
    where = "remove_small_regions: argument"
    m = _bool_mask(mask, f"{where} 'mask'")
    if not isinstance(area_thresh, numbers.Real) or not 0.0 <= float(area_thresh) <= 1.0:
        raise InvalidArgument(f"{where} 'area_thresh' must be a fraction of the image area in [0, 1], "
                              f"got {area_thresh!r}")
    if mode not in ("holes", "islands"):
        raise InvalidArgument(f"{where} 'mode' must be \"holes\" or \"islands\", got {mode!r}")
    if connectivity not in (4, 8) or isinstance(connectivity, bool):
        raise InvalidArgument(f"{where} 'connectivity' must be 4 or 8, got {connectivity!r}")
    holes = mode == "holes"
    count, labels, areas = _components(m ^ holes, connectivity)
    threshold = float(area_thresh) * m.size
    small = [k for k in range(1, count) if areas[k] < threshold]
    if not small:
        return m, False
    if holes:
        out = np.isin(labels, [0, *small])  # label 0 of the inverted mask: the foreground
    else:
        keep = [k for k in range(1, count) if k not in small] or [int(np.argmax(areas[1:])) + 1]
        out = np.isin(labels, keep)
    return out, bool(np.any(out != m))


def contour_from_mask(mask: Any) -> list[np.ndarray[Any, Any]]:
    """The outer contours of the mask's regions (cv2.findContours with
    RETR_EXTERNAL and CHAIN_APPROX_NONE: every boundary pixel), each an
    int32 (k, 1, 2) array of (x, y) as OpenCV returns them; [] for an empty
    mask."""
    m = _bool_mask(mask, "contour_from_mask: argument 'mask'")
    contours, _ = _cv2().findContours(m.astype(np.uint8), _cv2().RETR_EXTERNAL, _cv2().CHAIN_APPROX_NONE)
    return list(contours)


def mask_to_polygon(mask: Any, *, min_area: float = 100.0) -> list[list[int]]:
    """The vertices [[x, y], ...] of the largest outer contour of the mask
    (cv2.findContours, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE; largest by
    cv2.contourArea), or [] when that area is below `min_area` pixels or
    the mask is empty (the original raises ValueError there)."""
    m = _bool_mask(mask, "mask_to_polygon: argument 'mask'")
    contours, _ = _cv2().findContours(m.astype(np.uint8), _cv2().RETR_EXTERNAL, _cv2().CHAIN_APPROX_SIMPLE)
    if not contours:
        return []
    largest = max(contours, key=_cv2().contourArea)
    if _cv2().contourArea(largest) < min_area:
        return []
    return [[int(x), int(y)] for x, y in largest.reshape(-1, 2)]


def _polygon_list(polygons: Any) -> list[np.ndarray[Any, Any]]:
    """int32 (k, 2) arrays from one polygon [(x, y), ...] or a list of them."""
    if len(polygons) == 0:
        return []
    try:
        arr = np.asarray(polygons, dtype=np.float64)
    except ValueError:  # ragged: several polygons of different lengths
        arr = None
    if arr is not None and arr.ndim == 2 and arr.shape[1] == 2:
        return [np.round(arr).astype(np.int32)]
    if arr is not None and arr.ndim == 3 and arr.shape[2] == 2:
        return [np.round(p).astype(np.int32) for p in arr]
    out = []
    for p in polygons:
        a = np.asarray(p, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != 2:
            raise InvalidArgument(f"polygon_to_mask: argument 'polygons' must hold (x, y) points, got shape {a.shape}")
        out.append(np.round(a).astype(np.int32))
    return out


def polygon_to_mask(polygons: Any, image_shape: Union[ImageSize, tuple[int, int]]) -> np.ndarray[Any, Any]:
    """A bool mask of `image_shape` ((height, width) or ImageSize), True
    inside and on the edges of the polygon(s) (cv2.fillPoly): one polygon
    [(x, y), ...] as mask_to_polygon returns, or a list of them (coordinates
    rounded to pixels). An empty polygon list gives an all-False mask."""
    size = image_shape if isinstance(image_shape, ImageSize) else ImageSize(*image_shape)
    canvas = np.zeros((size.height, size.width), np.uint8)
    shapes = [p for p in _polygon_list(polygons) if len(p) > 0]
    if shapes:
        _cv2().fillPoly(canvas, shapes, 1)
    return canvas.astype(bool)


def refine_masks(masks: Any, min_area: float = 100.0) -> Any:
    """Each mask of a (b, 1, h, w) batch (bool or numeric, nonzero = True;
    ndarray or tensor) replaced by the fill of its largest outer polygon
    (mask_to_polygon, then polygon_to_mask): holes filled, smaller regions
    dropped, all-False when the largest is below `min_area` pixels. Returns
    a new bool batch of the same shape and kind; the input is not modified."""
    tensor = _convert.is_tensor(masks)
    arr = np.asarray(masks.detach().cpu().numpy() if tensor else masks)
    if arr.ndim != 4 or arr.shape[1] != 1:
        raise InvalidArgument(f"refine_masks: argument 'masks' must be a (b, 1, h, w) batch, got shape {arr.shape}")
    out = np.zeros(arr.shape, dtype=bool)
    for i in range(arr.shape[0]):
        out[i, 0] = polygon_to_mask(mask_to_polygon(arr[i, 0] != 0, min_area=min_area), (arr.shape[2], arr.shape[3]))
    if tensor:
        import torch

        return torch.from_numpy(out)
    return out


def _mask_stack(masks: Any, where: str) -> np.ndarray[Any, Any]:
    """A bool (n, h, w) stack from a mask (h, w), a stack (n, h, w), a batch
    (n, 1, h, w) or a list of masks; tensors and HashableImages accepted."""
    if isinstance(masks, (list, tuple)):
        items = [_bool_mask(m, where) for m in masks]
        if any(m.shape != items[0].shape for m in items):
            raise InvalidArgument(f"{where}: the masks differ in size: {sorted({m.shape for m in items})} (h, w)")
        return np.stack(items) if items else np.zeros((0, 0, 0), bool)
    if isinstance(masks, HashableImage):
        return _bool_mask(masks, where)[None]
    arr = np.asarray(masks.detach().cpu().numpy() if _convert.is_tensor(masks) else masks)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise InvalidArgument(f"{where} must be a mask (h, w) or masks (n, h, w) / (n, 1, h, w), got shape {arr.shape}")
    stack: np.ndarray[Any, Any] = arr != 0
    return stack


def mask_iou(m1: Any, m2: Any, /, *, just_intersection: bool = False) -> Any:
    """The (m, n) intersection-over-union of every pair of masks (m, h, w)
    x (n, h, w) (a single (h, w) mask counts as m = 1; (m, 1, h, w) batches
    and lists of masks are accepted; nonzero = True), in pixels; with
    `just_intersection`, the intersection pixel counts. 0 where the union is
    empty. A float tensor when m1 is a tensor, else a float64 ndarray
    (the original's ndarray path fails calling .float()). InvalidArgument
    when the masks' (h, w) differ."""
    a = _mask_stack(m1, "mask_iou: argument 'm1'")
    b = _mask_stack(m2, "mask_iou: argument 'm2'")
    if len(a) and len(b) and a.shape[1:] != b.shape[1:]:
        raise InvalidArgument(f"mask_iou: the masks differ in size: {a.shape[1:]} and {b.shape[1:]} (h, w)")
    if len(a) == 0 or len(b) == 0:
        inter = np.zeros((len(a), len(b)))
        fa = fb = np.zeros((0, 0))
    else:
        fa = a.reshape(len(a), -1).astype(np.float64)
        fb = b.reshape(len(b), -1).astype(np.float64)
        inter = fa @ fb.T
    if just_intersection or inter.size == 0:
        out = inter
    else:
        union = fa.sum(axis=1)[:, None] + fb.sum(axis=1)[None, :] - inter
        out = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    if _convert.is_tensor(m1):
        import torch

        return torch.from_numpy(out).float()
    return out


def mask_intersection(m1: Any, m2: Any, target: Any = None) -> float:
    """The pixels True in both masks divided by the smaller mask's pixel
    count, or by target's pixel count when `target` (a mask) is given; 0.0
    when that count is 0. InvalidArgument when the sizes differ."""
    a = _bool_mask(m1, "mask_intersection: argument 'm1'")
    b = _bool_mask(m2, "mask_intersection: argument 'm2'")
    if a.shape != b.shape:
        raise InvalidArgument(f"mask_intersection: the masks differ in size: {a.shape} and {b.shape} (h, w)")
    inter = int(np.count_nonzero(a & b))
    if target is not None:
        denominator = int(np.count_nonzero(_bool_mask(target, "mask_intersection: argument 'target'")))
    else:
        denominator = min(int(np.count_nonzero(a)), int(np.count_nonzero(b)))
    return inter / denominator if denominator > 0 else 0.0


def align_masks(base: Any, anchors: Any) -> Any:
    """`anchors` reordered so that anchor i is the one overlapping base mask
    i most (argmax of mask_iou; the first on ties), as
    tools.bbox.align_bounding_boxes does for boxes: one anchor per base mask
    (an anchor can repeat, some can be left out). A list of anchors gives a
    list of the given objects; an (m, h, w) array or tensor gives a new one
    of (n, h, w). No base or no anchors: the anchors, unchanged. The
    original does not document this function; this is its most natural
    reading."""
    a = _mask_stack(base, "align_masks: argument 'base'")
    b = _mask_stack(anchors, "align_masks: argument 'anchors'")
    if len(a) == 0 or len(b) == 0:
        return list(anchors) if isinstance(anchors, (list, tuple)) else anchors
    best = np.asarray(mask_iou(a, b)).argmax(axis=1)
    if isinstance(anchors, (list, tuple)):
        return [anchors[int(j)] for j in best]
    return anchors[best.tolist()]
