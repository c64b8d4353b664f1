"""Conversions between the C++ image and NumPy, PIL and torch.

Inputs are copied into the image's own storage; outputs are independent
copies unless a function says "view".
"""
from __future__ import annotations

import os
import pathlib
import warnings
from typing import TYPE_CHECKING, Any, Optional, TypeGuard

from . import _pixelcache
from ._lazy import is_ndarray
from ._pixelcache import InvalidArgument, InvalidType

if TYPE_CHECKING:
    import numpy as np
    import PIL.Image
    import torch
else:
    from ._lazy import numpy as np


def is_pil(x: object) -> TypeGuard[PIL.Image.Image]:
    """True for a PIL.Image.Image (without importing PIL when it is absent)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, Image.Image)


def is_tensor(x: object) -> TypeGuard[torch.Tensor]:
    """True for a torch.Tensor (without importing torch for other inputs)."""
    t = type(x)
    return t.__module__.startswith("torch") and t.__name__ in ("Tensor", "Parameter")


# PIL modes with 16-bit gray samples, taken as round(v / 257).
_GRAY16_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
# Other gray modes that Pillow's convert("L") turns to L (alpha dropped,
# floats clipped); every mode not handled by name becomes RGB.
_CONVERT_TO_L_MODES = ("LA", "La", "F")


def from_pil(im: PIL.Image.Image) -> _pixelcache.Image:
    """Copies a PIL image: "1" stays binary; L, LA, I, F and I;16 become L
    (I with values above 255 and I;16 as 16-bit samples, round(v / 257));
    RGBA, P, CMYK, YCbCr, LAB, HSV and the rest become RGB (alpha dropped,
    EXIF orientation applied)."""
    from PIL import ImageOps

    # exif_transpose() copies the whole image even when there is nothing to
    # turn; only call it when the EXIF orientation asks for a turn.
    if im.getexif().get(0x0112, 1) not in (1, None):
        im = ImageOps.exif_transpose(im)
    if im.mode in ("RGB", "L"):  # no convert(): it would copy once more
        return _pixelcache.Image.from_array(np.asarray(im), source="PIL image")
    if im.mode == "1":
        return _pixelcache.Image.from_array(np.asarray(im, dtype=bool), source="PIL image")
    if im.mode in _GRAY16_MODES:
        return _pixelcache.Image.from_array(np.asarray(im, dtype=np.uint16), source="PIL image")  # rounds v / 257
    if im.mode == "I":
        # 32-bit integer gray, which is how Pillow opens 16-bit gray PNGs:
        # values above 255 are taken as 16-bit samples (round(v / 257), the
        # same as loading the file directly); 0..255 data stays as it is.
        a = np.asarray(im)
        if a.size and (a.min() < 0 or a.max() > 255):
            return _pixelcache.Image.from_array(np.clip(a, 0, 65535).astype(np.uint16), source="PIL image")
        return _pixelcache.Image.from_array(a.astype(np.uint8), source="PIL image")
    if im.mode in _CONVERT_TO_L_MODES:
        return _pixelcache.Image.from_array(np.asarray(im.convert("L")), source="PIL image")
    return _pixelcache.Image.from_array(np.asarray(im.convert("RGB")), source="PIL image")


def to_core(image: object, max_pixels: int = _pixelcache.DEFAULT_MAX_PIXELS) -> tuple[_pixelcache.Image, str]:
    """(the C++ image, its mode) of anything HashableImage accepts but a
    HashableImage: a path or URL ("torch"), encoded bytes ("pil"), an
    ndarray ("numpy"), a tensor ("torch"), a PIL image ("pil") or a C++
    image ("numpy"). InvalidType for anything else."""
    if isinstance(image, (str, pathlib.PurePath)):
        return _pixelcache.Image.from_path(os.fspath(image), max_pixels=max_pixels), "torch"
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _pixelcache.Image.from_bytes(bytes(image), max_pixels=max_pixels), "pil"
    if is_ndarray(image):
        return from_numpy(image), "numpy"
    if is_tensor(image):
        return from_tensor(image), "torch"
    if is_pil(image):
        return from_pil(image), "pil"
    if isinstance(image, _pixelcache.Image):
        return image, "numpy"
    raise InvalidType("HashableImage expects a path, URL, bytes, np.ndarray, torch.Tensor or PIL.Image, "
                      f"got {type(image).__name__}")


def from_numpy(a: np.ndarray[Any, Any]) -> _pixelcache.Image:
    """Copies (h, w, 3) / (h, w) uint8, (h, w) bool, uint16 or float
    (16 / 32 / 64-bit) arrays in [0, 1]; pixelcache.InvalidType (a
    TypeError) / InvalidArgument (a ValueError) name what was expected."""
    if a.dtype == bool and a.ndim != 2:
        raise InvalidArgument(f"bool arrays must be masks of shape (h, w), got shape {a.shape}")
    if a.dtype in (np.float64, np.float16):
        a = a.astype(np.float32)  # k / 255 in float64 rounds to the float32 k / 255
    return _pixelcache.Image.from_array(a)


_NORMALISED_HINT = ("; a normalised tensor ((x - mean) / std)? HashableImage.from_normalized(t, mean, std) "
                    "undoes the normalisation")


def from_tensor(t: torch.Tensor) -> _pixelcache.Image:
    """Copies a torch tensor: float in [0, 1], bool masks, uint8 levels; any
    device. Layouts: channels first — (1, c, h, w), (c, h, w) — when the
    channel dimension is 1 or 3; otherwise channels last — (1, h, w, c),
    (h, w, c), as NumPy and PIL lay images out — when the last dimension is
    1 or 3; (h, w) is one channel."""
    import torch

    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    shape = tuple(t.shape)
    if t.ndim == 4:
        if shape[0] != 1:
            raise InvalidArgument(f"expected a tensor of shape (1, c, h, w), got a batch of {shape[0]}: {shape}")
        t = t[0]
    elif t.ndim == 2:
        t = t[None]
    elif t.ndim != 3:
        raise InvalidArgument(f"expected a tensor of shape (1, c, h, w), (c, h, w) or (h, w), got {shape}")
    if t.shape[0] not in (1, 3):
        if t.shape[-1] not in (1, 3):
            raise InvalidArgument(f"expected 1 or 3 channels, first ((1, c, h, w) or (c, h, w)) or last ((1, h, w, "
                                  f"c) or (h, w, c)), got shape {shape}")
        t = t.permute(2, 0, 1)  # channels last (h, w, c) -> (c, h, w)
    if t.dtype == torch.bool:
        if t.shape[0] != 1:
            raise InvalidArgument(f"bool tensors must be masks of shape (1, 1, h, w), got {shape}")
        return _pixelcache.Image.from_array(t[0].numpy(), source="tensor")
    if t.is_floating_point() and t.dtype != torch.float32:
        t = t.float()
    if t.dtype in (torch.float32, torch.uint8):
        try:
            return _pixelcache.Image.from_array(t.contiguous().numpy(), layout="CHW", source="tensor")
        except InvalidArgument as e:
            if "within [0, 1]" in str(e):
                raise InvalidArgument(str(e) + _NORMALISED_HINT) from None
            raise
    raise InvalidType(f"expected a float tensor in [0, 1], a bool mask or uint8 levels, got dtype {t.dtype}")


def to_pil(img: _pixelcache.Image) -> PIL.Image.Image:
    """An independent PIL image in mode "RGB", "L" or "1"."""
    from PIL import Image

    return Image.fromarray(img.numpy())


def to_pil_view(img: _pixelcache.Image) -> PIL.Image.Image:
    """A read-only PIL image over the storage for uint8 L images; PIL keeps
    RGB as 4 bytes a pixel and "1" as 0 / 255, so those are copies."""
    from PIL import Image

    if img.mode == "L" and not img.is_float:
        return Image.frombuffer("L", (img.width, img.height), img.numpy_view(), "raw", "L", 0, 1)
    return to_pil(img)


def to_tensor(img: _pixelcache.Image) -> torch.Tensor:
    """An independent (1, c, h, w) float32 tensor in [0, 1] (bool for binary)."""
    import torch

    return torch.from_numpy(img.tensor_data())


def to_tensor_view(img: _pixelcache.Image) -> torch.Tensor:
    """A (1, c, h, w) tensor sharing the image's memory where the storage is
    already what torch wants: float32 images and binary masks. 8-bit RGB /
    L images have no float32 storage to share, so they get a copy. Do not
    write into a view: torch has no read-only tensors."""
    import torch

    view: Optional[np.ndarray[Any, Any]]
    if img.mode == "1":
        view = img.numpy_view()
    elif img.is_float:
        view = img.float_view()
    else:
        return to_tensor(img)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "the given NumPy array is not writable"
        t = torch.from_numpy(view)
    return t.permute(2, 0, 1)[None] if t.ndim == 3 else t[None, None]
