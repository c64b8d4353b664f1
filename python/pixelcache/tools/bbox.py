"""pixelcache.tools.bbox: the original's box helpers on plain arrays and
(xmin, ymin, xmax, ymax) tuples (exclusive ends). Crops run in the C++ core;
the rest is arithmetic on box coordinates."""
from __future__ import annotations

from typing import Any, Sequence, cast

import numpy as np

from .. import _pixelcache
from .._image import HashableImage
from .._pixelcache import BoundingBox, ImageSize, InvalidArgument

__all__ = ["crop_from_bbox", "uncrop_from_bbox", "increase_bbox", "bbox_iou", "bbox_intersection",
           "align_bounding_boxes", "points2bbox"]

Box = tuple[float, float, float, float]


def _boxes(bboxes: Sequence[Box], size: ImageSize, is_normalized: bool) -> list[BoundingBox]:
    if len(bboxes) == 0:
        raise InvalidArgument("no boxes: the union of an empty list is undefined")
    return [BoundingBox(*b, image_size=size, normalized=is_normalized) for b in bboxes]


def crop_from_bbox(image_np: np.ndarray[Any, Any], /, bboxes: Sequence[Box], *,
                   is_normalized: bool) -> np.ndarray[Any, Any]:
    """The pixels inside the union of `bboxes` (pixels, or fractions of the
    image with `is_normalized`), as an array of the image's layout.
    InvalidArgument for an empty list or a box outside the image."""
    img = HashableImage(image_np)
    return img.crop_from_bbox(_boxes(bboxes, img.size(), is_normalized)).numpy()


def uncrop_from_bbox(base_image: np.ndarray[Any, Any], image: np.ndarray[Any, Any], bboxes: Sequence[Box], *,
                     is_normalized: bool,
                     resize: bool = False, blend_width: int = 0) -> np.ndarray[Any, Any]:
    """`image` pasted into `base_image` over the union of `bboxes`, edges
    feathered over `blend_width` pixels; `resize` fits it to the box first."""
    base = HashableImage(base_image)
    out = HashableImage(image).uncrop_from_bbox(base, _boxes(bboxes, base.size(), is_normalized), resize=resize,
                                                blend_width=blend_width)
    return out.numpy()


def increase_bbox(bboxes: Sequence[Box], image_size: ImageSize, /, *, is_normalized: bool,
                  margin: float) -> list[Box]:
    """Each box grown by round(margin * H / box height) pixels on the top and
    bottom and round(margin * W / box width) on the sides (small boxes grow
    more), clamped to the image; normalised output is capped at 0.9999."""
    h, w = image_size.height, image_size.width
    out = []
    for box in bboxes:
        x0, y0, x1, y1 = (box[0] * w, box[1] * h, box[2] * w, box[3] * h) if is_normalized else box
        dy, dx = round(margin * h / max(y1 - y0, 1e-9)), round(margin * w / max(x1 - x0, 1e-9))
        x0, y0, x1, y1 = max(0, x0 - dx), max(0, y0 - dy), min(w, x1 + dx), min(h, y1 + dy)
        if is_normalized:
            out.append((min(x0 / w, 0.9999), min(y0 / h, 0.9999), min(x1 / w, 0.9999), min(y1 / h, 0.9999)))
        else:
            out.append((x0, y0, x1, y1))
    return out


def bbox_iou(boxes1: Any, boxes2: Any, /, *, just_intersection: bool = False) -> Any:
    """The (n, m) intersection-over-union of every pair of boxes (n, 4) x
    (m, 4); with `just_intersection`, the intersection areas. 0 where the
    union is empty. A tensor for tensor input, else an ndarray."""
    from .._convert import is_tensor

    tensor = is_tensor(boxes1)
    a = np.asarray(boxes1.cpu().numpy() if tensor else boxes1, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes2.cpu().numpy() if is_tensor(boxes2) else boxes2, dtype=np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    if just_intersection:
        out = inter
    else:
        area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
        area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        union = area_a[:, None] + area_b[None, :] - inter
        out = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    if tensor:
        import torch

        return torch.from_numpy(out)
    return out


def bbox_intersection(box1: Box, box2: Box) -> float:
    """1.0 when one box contains the other, else the intersection area over
    the larger box's area."""
    x0, y0 = max(box1[0], box2[0]), max(box1[1], box2[1])
    x1, y1 = min(box1[2], box2[2]), min(box1[3], box2[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    a1 = (box1[2] - box1[0]) * (box1[3] - box1[1])
    a2 = (box2[2] - box2[0]) * (box2[3] - box2[1])
    if inter > 0 and inter in (a1, a2):
        return 1.0
    larger = max(a1, a2)
    return float(inter / larger) if larger > 0 else 0.0


def align_bounding_boxes(base: Sequence[Box], anchors: Sequence[Box]) -> list[Box]:
    """`anchors` reordered so that anchor i is the one overlapping base box i most (argmax IoU)."""
    if len(base) == 0 or len(anchors) == 0:
        return list(anchors)
    best = np.asarray(bbox_iou(np.asarray(base), np.asarray(anchors))).argmax(axis=1)
    return [cast(Box, tuple(anchors[int(j)])) for j in best]


def points2bbox(list_points: Sequence[Any]) -> list[Box]:
    """For each list of (x, y) points, (min x, min y, max x, max y)."""
    out = []
    for points in list_points:
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        out.append((float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max())))
    return out
