"""pixelcache.tools.image: the original's image helpers (conversions between
NumPy, PIL and torch; reading, saving, grids, padding, thresholds, tiles).
Pixel work goes through HashableImage and the C++ core; tensors in and out
are (1, c, h, w) float32 in [0, 1] or bool, as in the original."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .._image import HashableImage, _size
from .._pixelcache import ImageSize, InvalidArgument, InvalidType

if TYPE_CHECKING:
    import PIL.Image
    import torch

__all__ = ["ImageSize", "read_image", "save_image", "numpy2tensor", "pil2tensor", "tensor2numpy", "tensor2pil",
           "make_image_grid", "center_pad", "to_binary", "to_rgb", "resize_image", "rgb2gray", "tile"]


def read_image(fname: str | os.PathLike[str], /) -> torch.Tensor:
    """The file or http(s) URL `fname` as a float32 (1, c, h, w) tensor in
    [0, 1] (c = 3, or 1 for gray files), decoded once, EXIF orientation
    applied. pixelcache.IoError / NetworkError / DecodeError on failure."""
    return HashableImage(fname).tensor()


def numpy2tensor(image: np.ndarray[Any, Any]) -> torch.Tensor:
    """An (h, w, 3) / (h, w) uint8 or (h, w) bool array as a (1, c, h, w)
    tensor: uint8 as float32 k / 255, bool stays bool."""
    return HashableImage(image).tensor()


def pil2tensor(image: PIL.Image.Image) -> torch.Tensor:
    """A PIL image as a (1, c, h, w) tensor (RGB / L float32 in [0, 1], "1" bool)."""
    return HashableImage(image).tensor()


def _batch_grid(t: torch.Tensor, padding: int) -> torch.Tensor:
    """A batch (b, c, h, w) tiled as torchvision's make_grid does (8 per row,
    `padding` pixels of 0 around every cell), as (1, c, H, W)."""
    import torch

    b, c, h, w = t.shape
    cols = min(8, b)
    rows = (b + cols - 1) // cols
    cell_h, cell_w = h + padding, w + padding
    grid = torch.zeros((c, rows * cell_h + padding, cols * cell_w + padding), dtype=t.dtype)
    for k in range(b):
        y, x = (k // cols) * cell_h + padding, (k % cols) * cell_w + padding
        grid[:, y:y + h, x:x + w] = t[k]
    return grid[None]


def tensor2numpy(tensor: torch.Tensor, *, output_type: Any = np.uint8, min_max: tuple[float, float] = (0, 1),
                 padding: int = 2) -> np.ndarray[Any, Any]:
    """A (b, c, h, w) tensor as an (h, w, 3) / (h, w) array: values mapped
    from `min_max` to [0, 1] and clamped, then times 255 and rounded half to
    even for uint8 (`output_type` np.uint8), or kept in [0, 1] for a float
    `output_type`; bool tensors stay bool. A batch > 1 is tiled 8 to a row
    with `padding`."""
    import torch

    t = tensor.detach().cpu()
    if t.ndim == 3:
        t = t[None]
    if t.ndim != 4:
        raise InvalidArgument(f"tensor2numpy: expected a (b, c, h, w) tensor, got shape {tuple(tensor.shape)}")
    if t.shape[0] > 1:
        t = _batch_grid(t, padding)
    a = t[0]
    if a.dtype == torch.bool:
        out = a.numpy()
    else:
        lo, hi = min_max
        f = ((a.float() - lo) / (hi - lo)).clamp(0, 1).numpy()
        out = np.round(f * 255).astype(np.uint8) if np.dtype(output_type) == np.uint8 else f.astype(output_type)
    out = np.transpose(out, (1, 2, 0))
    image: np.ndarray[Any, Any] = out[..., 0] if out.shape[2] == 1 else out
    return image


def tensor2pil(tensor: torch.Tensor, *, min_max: tuple[float, float] = (0, 1), padding: int = 2) -> PIL.Image.Image:
    """tensor2numpy(tensor) as a PIL image (RGB, L, or "1" for bool)."""
    from PIL import Image

    return Image.fromarray(tensor2numpy(tensor, min_max=min_max, padding=padding))


def save_image(img: Any, /, *, path: str | os.PathLike[str], nrow: int = 8, padding: int = 2, normalize: bool = True,
               scale_each: bool = False, pad_value: float = 0.0) -> None:
    """Writes an image (HashableImage, ndarray, PIL image or tensor) to
    `path`, the format from the extension. A tensor is first min-max
    normalised to [0, 1] when `normalize` (per image with `scale_each`), and
    a batch is tiled (`padding`). `nrow` and `pad_value` are accepted for
    the original's signature; the tiling puts 8 images to a row on black."""
    from .._convert import is_tensor

    if is_tensor(img):
        t = img.detach().cpu().float() if img.dtype.is_floating_point else img.detach().cpu()
        if normalize and t.dtype.is_floating_point:
            dims = tuple(range(1, t.ndim)) if scale_each and t.ndim == 4 else tuple(range(t.ndim))
            lo, hi = t.amin(dim=dims, keepdim=True), t.amax(dim=dims, keepdim=True)
            t = (t - lo) / (hi - lo).clamp(min=1e-5)
        img = tensor2numpy(t, padding=padding)
    HashableImage(img).save(path)


def make_image_grid(images: list[PIL.Image.Image], rows: int, cols: int, resize: int | None = None) -> PIL.Image.Image:
    """`rows` x `cols` cells of the first image's size on a black RGB canvas,
    image i at column i % cols, row i // cols, no gaps (the original's list
    grid); with `resize`, every image is first resized to resize x resize."""
    from PIL import Image

    if not images:
        raise InvalidArgument("make_image_grid: no images")
    if resize is not None:
        images = [HashableImage(i).resize(ImageSize(resize, resize)).pil() for i in images]
    w, h = images[0].size
    grid = Image.new("RGB", (cols * w, rows * h))
    for i, im in enumerate(images):
        grid.paste(im.convert("RGB"), box=((i % cols) * w, (i // cols) * h))
    return grid


def center_pad(image: np.ndarray[Any, Any], size: ImageSize,
               fill: int | tuple[int, ...] = (0, 0)) -> np.ndarray[Any, Any]:
    """`image` centred on an (H, W, 3) uint8 canvas of `size` filled with
    `fill` (one level; a tuple must repeat one level), as
    HashableImage.center_pad."""
    levels = set(fill) if isinstance(fill, tuple) else {fill}
    if len(levels) != 1:
        raise InvalidArgument(f"center_pad: fill must be one level, got {fill!r}")
    return HashableImage(image).center_pad(_size(size), int(levels.pop())).to_rgb().numpy()


def to_binary(rgb: Any, threshold: float = 0.0) -> Any:
    """A mask of the same kind: for arrays and PIL images True where any
    channel > threshold * 255 (a bool array, or a PIL "1" image); for
    tensors where the channel mean > threshold, bool (1, 1, h, w).
    threshold must be in [0, 1] (InvalidArgument)."""
    from .._convert import is_pil, is_tensor

    if not 0.0 <= threshold <= 1.0:
        raise InvalidArgument(f"to_binary: threshold must be in [0, 1], got {threshold}")
    if is_tensor(rgb):
        return rgb.float().mean(dim=-3, keepdim=True) > threshold
    mask = HashableImage(rgb).to_binary(threshold)
    return mask.pil() if is_pil(rgb) else mask.numpy()


def to_rgb(x: Any) -> Any:
    """The gray channel repeated three times, in the kind given: (h, w) ->
    (h, w, 3) arrays, (1, 1, h, w) -> (1, 3, h, w) tensors (float), PIL L ->
    RGB. RGB input comes back as it is."""
    from .._convert import is_pil, is_tensor

    if is_tensor(x):
        return x.float().expand(-1, 3, -1, -1).clone() if x.shape[-3] == 1 else x
    out = HashableImage(x).to_rgb()
    return out.pil() if is_pil(x) else out.numpy()


def resize_image(tensor: torch.Tensor, /, resolution: int | ImageSize | None, mode: str,
                 resize_min_max: Literal["min", "max"] = "min", modulo: int = 16) -> torch.Tensor:
    """A (1, c, h, w) tensor resized: `resolution` None rounds h and w to
    multiples of `modulo`; an int scales the min (or max) side to it, then
    rounds to multiples of `modulo`; an ImageSize is used exactly. `mode`:
    nearest, nearest-exact, bilinear, bicubic, area or lanczos (our one
    antialiased resampler). A bool mask stays a bool (1, 1, h, w) mask."""
    h, w = tensor.shape[-2], tensor.shape[-1]
    if isinstance(resolution, ImageSize):
        size = resolution
    else:
        if resolution is None:
            nh, nw = float(h), float(w)
        else:
            side = min(h, w) if resize_min_max == "min" else max(h, w)
            nh, nw = h * resolution / side, w * resolution / side
        size = ImageSize(max(modulo, round(nh / modulo) * modulo), max(modulo, round(nw / modulo) * modulo))
    # A str checked by resize (InvalidArgument naming the filters it knows).
    interpolation: Any = "nearest" if mode == "nearest-exact" else mode
    return HashableImage(tensor).resize(size, interpolation).tensor()


def rgb2gray(rgb: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """An (h, w, 3) uint8 RGB array as (h, w) uint8 gray, with Pillow's
    convert("L") formula (the original's float64 result failed its own
    type check)."""
    return HashableImage(rgb).to_gray().numpy()


def tile(image: PIL.Image.Image, mode: str = "RxC") -> dict[str, PIL.Image.Image]:
    """`image` cut into R x C equal tiles (mode "RxC", e.g. "2x3"; the
    remainder at the right and bottom is dropped), keyed "{row}x{col}"."""
    try:
        rows, cols = (int(v) for v in mode.lower().split("x"))
    except ValueError:
        raise InvalidArgument(f'tile: mode must be "RxC" with whole numbers, e.g. "2x3", got {mode!r}') from None
    if rows <= 0 or cols <= 0:
        raise InvalidArgument(f"tile: rows and columns must be positive, got {mode!r}")
    if not hasattr(image, "crop"):
        raise InvalidType(f"tile: expected a PIL image, got {type(image).__name__}")
    th, tw = image.height // rows, image.width // cols
    return {f"{y}x{x}": image.crop((x * tw, y * th, (x + 1) * tw, (y + 1) * th))
            for y in range(rows) for x in range(cols)}
