"""pixelcache.tools.keypoints: kpts2bbox, the box around keypoints."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._pixelcache import ImageSize, InvalidArgument

__all__ = ["kpts2bbox"]


def kpts2bbox(kpts: Any, *, normalized: bool, image_size: ImageSize | None = None) -> list[tuple[Any, ...]]:
    """The (xmin, ymin, xmax, ymax) box of each set of keypoints: `kpts` is
    (n, 2|3) or (b, n, 2|3) pixel (x, y[, visibility]) points (tensor or
    array). Pixel boxes are truncated ints; with `normalized`, floats
    divided by image_size's width and height. The caller's tensor is not
    changed. InvalidArgument for already-normalised keypoints (max <= 1)."""
    k = np.array(kpts.detach().cpu().numpy() if hasattr(kpts, "detach") else kpts, dtype=np.float64)
    if k.ndim == 2:
        k = k[None]
    if k.ndim != 3 or k.shape[2] not in (2, 3):
        raise InvalidArgument(f"kpts2bbox: expected (n, 2|3) or (b, n, 2|3) keypoints, got shape {k.shape}")
    xy = k[..., :2]
    if xy.size and xy.max() <= 1 and xy.sum() > 0:
        raise InvalidArgument("kpts2bbox: kpts must be in image coordinates (pixels), not normalised")
    if normalized:
        if image_size is None:
            raise InvalidArgument("kpts2bbox: normalized=True needs image_size")
        xy = xy / np.array([image_size.width, image_size.height], dtype=np.float64)
    out = []
    for pts in xy:
        box = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
        out.append(tuple(float(v) for v in box) if normalized else tuple(int(v) for v in box))
    return out
