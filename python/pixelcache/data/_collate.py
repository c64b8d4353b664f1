"""pixelcache.data.collate: torch.utils.data.default_collate that also takes
HashableImage."""
from __future__ import annotations

from typing import Any, Sequence

from .. import _pixelcache
from .._image import HashableImage
from .._pixelcache import InvalidArgument
from ._dataset import torch


def _empty(shape: tuple[Any, ...], dtype: Any) -> Any:
    """A tensor for a batch; in a DataLoader worker in shared memory (as
    default_collate does), so it reaches the main process without a copy."""
    if torch.utils.data.get_worker_info() is not None:
        base = torch.empty(0, dtype=dtype)
        numel = 1
        for s in shape:
            numel *= s
        return base.new(base.storage()._new_shared(numel)).resize_(shape)
    return torch.empty(shape, dtype=dtype)


def collate_images(batch: Sequence[HashableImage], *, collate_fn_map: Any = None) -> Any:
    """HashableImages of one mode and size as one (B, C, H, W) tensor: float32
    in [0, 1] (exactly k / 255), bool for binary masks — torch.cat of their
    ``tensor()``s, written in one pass in C++ with the GIL released.
    InvalidArgument naming the image of another mode or size."""
    images = []
    for i, im in enumerate(batch):
        if not isinstance(im, HashableImage):
            raise InvalidArgument(f"collate: item {i} is a {type(im).__name__} among HashableImages")
        images.append(im._img)
    first = images[0]
    shape = (len(images), first.channels, first.height, first.width)
    out = _empty(shape, torch.bool if first.mode == "1" else torch.float32)
    _pixelcache.fill_image_batch(images, out.data_ptr(), out.numel() * out.element_size())
    return out


try:
    from torch.utils.data._utils.collate import collate as _collate
    from torch.utils.data._utils.collate import default_collate_fn_map

    _MAP = {HashableImage: collate_images, **default_collate_fn_map}
except ImportError:  # torch < 1.13: no collate_fn_map
    _collate = None
    _MAP = {}


def collate(batch: Sequence[Any]) -> Any:
    """torch.utils.data.default_collate that also stacks HashableImages
    (collate_images): for DataLoader batches of HashableImage, tensors,
    NumPy arrays, numbers, strings and ``(x, target)`` tuples, lists and
    dicts of them, nested as default_collate nests them.

        DataLoader(ImageDataset(paths, "resize:224x224", output="image"), batch_size=32,
                   collate_fn=pixelcache.data.collate)
    """
    if _collate is not None:
        return _collate(batch, collate_fn_map=_MAP)
    elem = batch[0]  # pragma: no cover - older torch
    if isinstance(elem, HashableImage):
        return collate_images(batch)
    if isinstance(elem, tuple):
        return type(elem)(*(collate(list(s)) for s in zip(*batch))) if hasattr(elem, "_fields") else \
            [collate(list(s)) for s in zip(*batch)]
    if isinstance(elem, dict):
        return {k: collate([d[k] for d in batch]) for k in elem}
    return torch.utils.data.default_collate(batch)
