"""HashableImage: the immutable, hashable image of the Python API."""
from __future__ import annotations

import atexit
import base64
import builtins
import io
import logging
import math
import os
import pathlib
import pickle
import tempfile
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Mapping, Sequence, Union, cast

from . import _convert, _opargs, _pixelcache
from ._lazy import np_types
from ._opargs import _core
from ._ops import Operations
from ._pixelcache import ImageSize, InvalidArgument, InvalidType

if TYPE_CHECKING:  # the real modules, for the annotations
    import numpy as np
    import PIL.Image
    import torch
else:
    from ._lazy import numpy as np

#: The resampling filters of resize() and load_resized().
Interpolation = Literal["bilinear", "lanczos", "nearest", "bicubic", "area"]

#: What HashableImage(...) accepts (see its docstring).
ImageInput = Union[str, "os.PathLike[str]", builtins.bytes, bytearray, memoryview, "np.ndarray[Any, Any]",
                   "PIL.Image.Image", "torch.Tensor", "HashableImage"]


def _size(x: ImageSize | tuple[int, int]) -> ImageSize:
    """An ImageSize from an ImageSize or a (height, width) pair."""
    if isinstance(x, ImageSize):
        return x
    height, width = _opargs._size(x)
    return ImageSize(height=height, width=width)


def _overall_mean(stats: dict[str, list[float]]) -> float:
    """The mean over every sample from per-channel stats (channels are equal in size)."""
    return float(sum(stats["mean"]) / len(stats["mean"]))


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def _fingerprint(path: str | None) -> tuple[int, int] | None:
    """(st_mtime_ns, st_size) of a local file, None for URLs and missing files."""
    if path is None or _is_url(path):
        return None
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL byte, which loading then refuses
        return None
    return (st.st_mtime_ns, st.st_size)


# Temp PNGs written by get_filename(), with the id of the process that wrote
# each, removed when that process's interpreter exits (the original leaves
# them behind). A forked child that exits normally leaves its parent's alone.
_TEMP_FILES: list[tuple[int, str]] = []


@atexit.register
def _remove_temp_files() -> None:
    pid = os.getpid()
    for owner, path in _TEMP_FILES:
        if owner != pid:
            continue
        try:
            os.unlink(path)
        except OSError:
            pass


class HashableImage(Operations):
    """An immutable image whose hash and equality come from its pixels.

    HashableImage(image) copies `image` into its own storage. It may be a
    str / pathlib.Path (a file, or an http(s) URL), bytes (an encoded image),
    a PIL.Image.Image (any mode: RGBA, P, CMYK, YCbCr, LAB, I;16, ...
    normalise to RGB or L), an np.ndarray ((h, w, 3) / (h, w) uint8, (h, w)
    bool, uint16, or float in [0, 1]), a torch.Tensor (float (1, c, h, w) in
    [0, 1], bool (1, 1, h, w); any device) or another HashableImage.

    Files, URLs and bytes are decoded only when their header declares at
    most `max_pixels` pixels (default 178,956,970, the threshold of Pillow's
    DecompressionBombError; pixelcache.LimitError beyond).
    Pixels are 8-bit ("RGB", "L") or binary ("1"); float inputs that are not
    exact k/255 values keep float32 storage. Every operation returns a new
    HashableImage. `mode` is the kind the image came in as, as in the
    original: "torch" for paths, URLs and tensors, "pil" for bytes and PIL
    images, "numpy" for arrays; it decides what raw() returns and the scale
    of the statistics. Thread-safe to share.
    Raises pixelcache.InvalidType (a TypeError) for unsupported types or
    dtypes, pixelcache.InvalidArgument (a ValueError) for bad shapes or
    values, pixelcache.IoError (an OSError) for unreadable files,
    pixelcache.DecodeError (a ValueError) for corrupt data.
    """

    __slots__ = ("_img", "_kind", "_hash", "_filename", "_fingerprint", "__weakref__")
    # NumPy defers to HashableImage in mixed expressions (img + array,
    # img == array) instead of taking over element-wise: those raise
    # TypeError or compare as unequal objects.
    __array_ufunc__ = None
    _img: _pixelcache.Image
    _kind: str

    def __init__(self, image: ImageInput, *, max_pixels: int = _pixelcache.DEFAULT_MAX_PIXELS) -> None:
        self._hash: int | None = None
        self._filename: str | None = None
        self._fingerprint: tuple[int, int] | None = None
        if isinstance(image, HashableImage):
            self._img, self._kind = image._img, image._kind
            self._filename, self._fingerprint = image._filename, image._fingerprint
        elif isinstance(image, (str, pathlib.PurePath)):
            name = os.fspath(image)
            fingerprint = _fingerprint(name)  # taken before reading: a change while loading counts as a change
            self._img, self._kind = _pixelcache.Image.from_path(name, max_pixels=max_pixels), "torch"
            self._filename, self._fingerprint = name, fingerprint
        else:  # bytes, arrays, tensors, PIL images (InvalidType for anything else)
            self._img, self._kind = _convert.to_core(image, max_pixels)

    @classmethod
    def _wrap(cls, img: _pixelcache.Image, kind: str) -> HashableImage:
        out = cls.__new__(cls)
        out._img, out._kind, out._hash, out._filename, out._fingerprint = img, kind, None, None, None
        return out

    def _new(self, img: _pixelcache.Image) -> HashableImage:
        return HashableImage._wrap(img, self._kind)

    # -- constructors -------------------------------------------------------
    @staticmethod
    def from_base64(s: str) -> HashableImage:
        """Decodes a base64 string (with or without a "data:image/...;base64,"
        prefix) as encoded image bytes; mode "pil", as bytes inputs."""
        if isinstance(s, str) and s.startswith("data:"):
            s = s.split(",", 1)[1]
        try:
            data = base64.b64decode(s, validate=True)
        except (ValueError, TypeError) as e:
            raise InvalidArgument(f"from_base64: not valid base64: {e}") from None
        return HashableImage(data)

    @staticmethod
    def decode_bytes(data: builtins.bytes, *, unchanged: bool = False) -> np.ndarray[Any, Any]:
        """Decodes encoded image bytes to a plain array (not a HashableImage):
        (h, w, 3) uint8 RGB, or with `unchanged` the file's own layout:
        (h, w) uint8 for gray files, (h, w, 3) RGB for colour ones (alpha
        dropped, 16-bit samples as round(v / 257), EXIF orientation
        applied). Raises pixelcache.DecodeError (a ValueError) for data that
        is not an image."""
        img = _pixelcache.Image.from_bytes(builtins.bytes(data))
        if not unchanged:
            img = _pixelcache.invoke("to_rgb", img)
        elif img.mode == "1":
            img = _pixelcache.invoke("to_gray", img)  # a 1-bit file holds gray levels 0 / 255
        return img.numpy()

    @staticmethod
    def from_normalized(t: Any, mean: float | Sequence[float], std: float | Sequence[float]) -> HashableImage:
        """The image behind a normalised tensor (or array): ``x * std +
        mean`` per channel, clipped to [0, 1] — the inverse of torchvision's
        ``Normalize(mean, std)`` after ``ToTensor`` (and of
        ``pixelcache.data``'s float32 output). `t`: (1, c, h, w), (c, h, w)
        or (h, w) float, channels first (torch), or (h, w, c) channels last
        (NumPy); `mean` / `std`: one number or one per channel. Mode
        "torch". Raises InvalidArgument for a std of 0 or the wrong number of
        values, InvalidType for a non-float input."""
        import torch

        x = t if isinstance(t, torch.Tensor) else torch.from_numpy(np.asarray(t))
        if not x.is_floating_point():
            raise InvalidType(f"from_normalized: expected a float tensor or array, got {x.dtype}")
        x = x.detach().to("cpu", torch.float32)
        channels_last = x.ndim == 3 and x.shape[0] not in (1, 3) and x.shape[-1] in (1, 3)
        if channels_last:
            x = x.permute(2, 0, 1)
        c = x.shape[-3] if x.ndim >= 3 else 1
        m = torch.as_tensor(mean, dtype=torch.float32).reshape(-1)
        sd = torch.as_tensor(std, dtype=torch.float32).reshape(-1)
        for name, v in (("mean", m), ("std", sd)):
            if v.numel() not in (1, c):
                raise InvalidArgument(f"from_normalized: {name} needs 1 or {c} values, got {v.numel()}")
        if bool((sd == 0).any()) or not bool(torch.isfinite(sd).all()) or not bool(torch.isfinite(m).all()):
            raise InvalidArgument("from_normalized: std must be finite and non-zero and mean finite")
        shape = (c, 1, 1) if x.ndim >= 3 else (1, 1)
        m = m.expand(c).reshape(shape) if m.numel() == c else m.reshape(())
        sd = sd.expand(c).reshape(shape) if sd.numel() == c else sd.reshape(())
        return HashableImage((x * sd + m).clamp_(0.0, 1.0))

    @staticmethod
    def zeros_from_size(size: ImageSize) -> HashableImage:
        """A black RGB image of `size` (an ImageSize or (height, width)), mode "torch"."""
        s = _size(size)
        zeros = builtins.bytes(s.height * s.width * 3)  # adopted without a copy
        return HashableImage._wrap(_pixelcache.Image.from_pixels("RGB", s.height, s.width, False, zeros), "torch")

    # -- accessors: copies --------------------------------------------------
    def numpy(self) -> np.ndarray[Any, Any]:
        """An independent copy: (h, w, 3) / (h, w) uint8, (h, w) bool for binary."""
        return self._img.numpy()

    def pil(self) -> PIL.Image.Image:
        """An independent PIL image in mode "RGB", "L" or "1"."""
        return _convert.to_pil(self._img)

    def tensor(self) -> torch.Tensor:
        """An independent (1, c, h, w) float32 tensor in [0, 1]; (1, 1, h, w) bool for binary."""
        return _convert.to_tensor(self._img)

    def raw(self) -> Any:
        """An independent copy in the kind the image came in as (see `mode`):
        pil(), numpy() or tensor()."""
        return {"pil": self.pil, "numpy": self.numpy, "torch": self.tensor}[self._kind]()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray[Any, Any]:
        a = self._img.numpy()
        return a if dtype is None else a.astype(dtype)

    # -- accessors: views ---------------------------------------------------
    def numpy_view(self) -> np.ndarray[Any, Any]:
        """A read-only (writeable=False) array, as numpy(): zero-copy onto
        the image's storage for 8-bit and binary images; for float32 storage
        the uint8 conversion (as the original's tensor storage gives)."""
        return self._img.numpy_view()

    def tensor_view(self) -> torch.Tensor:
        """A tensor sharing the image's memory for float32 and binary
        storage; a copy for 8-bit RGB / L (there is no float32 storage to
        share). Never write into it."""
        return _convert.to_tensor_view(self._img)

    def pil_view(self) -> PIL.Image.Image:
        """A read-only PIL image over the storage for 8-bit L images; a copy
        for RGB and binary (PIL's own layouts differ from ours)."""
        return _convert.to_pil_view(self._img)

    def raw_view(self) -> Any:
        """The view accessor of the kind the image came in as."""
        return {"pil": self.pil_view, "numpy": self.numpy_view, "torch": self.tensor_view}[self._kind]()

    # -- identity -----------------------------------------------------------
    def digest(self) -> str:
        """The stable 32-hex content digest (the value `pixelcache hash` prints)."""
        return self._img.digest()

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(self._img)
        return h

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashableImage):
            return NotImplemented
        return self._img == other._img

    def __pixelcache_value__(self) -> _pixelcache.Image:
        return self._img

    # -- perceptual hashes: imagehash's definitions (include/pixelcache/phash.hpp) --
    def average_hash(self, hash_size: int = 8) -> _pixelcache.ImageHash:
        """imagehash.average_hash of these pixels: gray (Pillow's formula),
        LANCZOS to hash_size x hash_size, bit = pixel > mean. Bits row-major;
        str() is imagehash's hex, `a - b` the Hamming distance."""
        return _pixelcache.image_hash(self._img, "ahash", hash_size, 4)

    def dhash(self, hash_size: int = 8) -> _pixelcache.ImageHash:
        """imagehash.dhash of these pixels: gray, LANCZOS to (hash_size + 1) x
        hash_size (width x height), bit = right neighbour > left."""
        return _pixelcache.image_hash(self._img, "dhash", hash_size, 4)

    def phash(self, hash_size: int = 8, highfreq_factor: int = 4) -> _pixelcache.ImageHash:
        """imagehash.phash of these pixels: gray, LANCZOS to N x N (N =
        hash_size * highfreq_factor), 2-D DCT-II (scipy.fftpack's, axis 0 then
        1), the top-left hash_size x hash_size coefficients, bit = > their
        median."""
        return _pixelcache.image_hash(self._img, "phash", hash_size, highfreq_factor)

    # -- pickling and copies ------------------------------------------------
    def __reduce_ex__(self, protocol: Any) -> tuple[Callable[..., HashableImage], tuple[Any, ...]]:
        img = self._img
        view = img.float_view() if img.is_float else img.numpy_view()
        # Protocol 5 hands the storage over as a read-only buffer: out of band
        # (buffer_callback) it is never copied; in band pickle writes its
        # bytes once and loading adopts the bytes object it reads them into.
        # (typeshed's buffer types of mypy 1.0 do not list ndarray, which has the buffer protocol)
        data = (pickle.PickleBuffer(view) if protocol >= 5 and view is not None  # type: ignore[arg-type]
                else img.pixels())
        return (_rebuild, (img.mode, img.height, img.width, img.is_float, data, self._kind, self._filename,
                           self._fingerprint))

    def __copy__(self) -> HashableImage:
        return self

    def __deepcopy__(self, memo: Any) -> HashableImage:
        return self

    def copy(self) -> HashableImage:
        """A new HashableImage with the same pixels, mode and filename. The
        pixels are shared (images are immutable), so this is O(1) and, unlike
        the original, writes no temp file."""
        return HashableImage(self)

    # -- facts --------------------------------------------------------------
    @property
    def mode(self) -> str:
        """The kind the image came in as: "pil", "numpy" or "torch"."""
        return self._kind

    def dtype(self) -> Literal["RGB", "L", "1"]:
        """The pixel mode: "RGB", "L" or "1" (binary)."""
        return self._img.mode

    def size(self) -> ImageSize:
        """ImageSize(height, width)."""
        return ImageSize(self._img.height, self._img.width)

    @property
    def shape(self) -> tuple[int, ...]:
        """(h, w, 3) for RGB, (h, w) for L and binary: the numpy() shape."""
        i = self._img
        return (i.height, i.width, 3) if i.channels == 3 else (i.height, i.width)

    def is_binary(self) -> bool:
        """True for binary masks (pixel mode "1")."""
        return self._img.mode == "1"

    def is_rgb(self) -> bool:
        """True for 3-channel images (pixel mode "RGB")."""
        return self._img.mode == "RGB"

    def is_gray(self) -> bool:
        """True for 1-channel gray images (pixel mode "L"; binary is not gray)."""
        return self._img.mode == "L"

    def is_float(self) -> bool:
        """True when the pixels are stored as float32 (non-k/255 float input)."""
        return self._img.is_float

    # -- filenames ----------------------------------------------------------
    def get_filename(self) -> str:
        """A local file holding this image. The path it was loaded from (or
        was given by set_filename()) while that file is unchanged since
        (same st_mtime_ns and st_size); otherwise, and for URLs and
        in-memory images, a temp PNG ("pixelcache_*.png", written once,
        removed at interpreter exit)."""
        name = self._filename
        if name is not None and self._fingerprint is not None and _fingerprint(name) == self._fingerprint:
            return name
        with tempfile.NamedTemporaryFile(prefix="pixelcache_", suffix=".png", delete=False) as f:
            path: str = f.name
        _TEMP_FILES.append((os.getpid(), path))
        self._img.save(path)
        self._filename, self._fingerprint = path, _fingerprint(path)
        return path

    def get_local_filename(self) -> str:
        """get_filename(): always a local file."""
        return self.get_filename()

    def set_filename(self, filename: str | os.PathLike[str]) -> None:
        """Makes get_filename() return `filename` (while that file stays
        unchanged); the file's content is not checked against the pixels."""
        name = os.fspath(filename)
        self._filename, self._fingerprint = name, _fingerprint(name)

    # -- saving and encoding --------------------------------------------------
    def save(self, path: str | builtins.bytes | os.PathLike[str] | os.PathLike[builtins.bytes],
             transparency: Literal["white", "black"] | None = None, *, quality: int = 90,
             lossless: bool = False) -> None:
        """Writes PNG, JPEG, WebP, TIFF or BMP by the extension, creating the
        folder. `quality` (1..100) for JPEG and WebP, `lossless` for WebP.
        transparency="white" (or "black") writes RGBA with pure white (or
        black) pixels transparent (needs Pillow and a format with alpha:
        PNG, WebP, TIFF).
        The file is replaced atomically (a unique temporary file in its
        folder, renamed into place: readers see the old file or the whole
        new one); a symlink at `path` is replaced, the file it points to
        untouched. A NUL byte in `path` raises pixelcache.InvalidArgument (a
        ValueError)."""
        raw = os.fsencode(path)  # str, bytes or os.PathLike of either: the bytes the system sees
        if b"\0" not in raw:  # else the writer raises InvalidArgument naming the path
            parent = os.path.dirname(raw)
            if parent:
                os.makedirs(parent, exist_ok=True)
        if transparency is None:
            self._img.save(raw, quality=quality, lossless=lossless)
            return
        if transparency not in ("white", "black"):
            raise InvalidArgument(f'save: transparency must be "white", "black" or None, got {transparency!r}')
        from PIL import Image

        rgb = _pixelcache.invoke("to_rgb", self._img).numpy_view()
        key = 255 if transparency == "white" else 0
        alpha = np.where((rgb == key).all(axis=2), 0, 255).astype(np.uint8)
        rgba = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
        name = os.fsdecode(raw)
        encoded = io.BytesIO()
        try:
            fmt = Image.registered_extensions().get(os.path.splitext(name)[1].lower())
            if fmt is None:
                raise ValueError(f"unknown file extension: {os.path.splitext(name)[1]!r}")
            rgba.save(encoded, format=fmt, quality=quality, lossless=lossless)
        except (OSError, KeyError, ValueError) as e:
            raise InvalidArgument(f"save: cannot write {name!r} with transparency: {e}") from None
        _pixelcache.write_file(raw, encoded.getvalue())

    def show(self) -> None:
        """Opens the image in the system viewer (PIL's Image.show())."""
        self.pil().show()

    def bytes(self) -> builtins.bytes:
        """The image encoded as PNG."""
        return self._img.encode("PNG")

    def b64(self, *, open_rb: bool = False) -> str:
        """The PNG encoding as a base64 str; with `open_rb`, the bytes of the
        file get_filename() names instead (for a path source, the original
        file, e.g. a JPEG)."""
        if open_rb:
            with open(self.get_filename(), "rb") as f:
                return base64.b64encode(f.read()).decode("utf-8")
        return base64.b64encode(self.bytes()).decode("utf-8")

    def encode(self, format: str = "PNG", quality: int = 90, *, lossless: bool = False) -> builtins.bytes:
        """Encoded bytes in PNG, JPEG, WEBP, TIFF or BMP; `quality` and
        `lossless` as for save()."""
        return self._img.encode(format, quality=quality, lossless=lossless)

    def to_base64(self, format: str = "PNG") -> str:
        """The encoded image (PNG by default) as a base64 string."""
        return base64.b64encode(self._img.encode(format)).decode("ascii")

    # -- text ---------------------------------------------------------------
    def __repr__(self) -> str:
        i = self._img
        src = "mem" if self._filename is None else (os.path.basename(self._filename.rstrip("/")) or self._filename)
        return (f"HashableImage(mode={self._kind}, dtype={i.mode}, size=ImageSize(height={i.height}, "
                f"width={i.width}), src={src})")

    def summary(self) -> str:
        """Like repr, with mean, std, min and max (in the scale of the
        statistics methods), the file name (get_filename(), which writes a
        temp PNG for in-memory images) and the digest."""
        i = self._img
        return (f"HashableImage(mode={self._kind}, dtype={i.mode}, size=ImageSize(height={i.height}, "
                f"width={i.width}), mean={self.mean()}, std={self.std()}, min={self.min()}, max={self.max()}, "
                f"filename={self.get_filename()}, digest={self.digest()})")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise InvalidType("HashableImage is immutable; use masked_fill(mask, value) for a new image")

    # -- statistics ---------------------------------------------------------
    # As in the original, in the scale of raw(): [0, 1] for "torch" images,
    # levels 0..255 for "numpy" and "pil" ones; binary masks 0 / 1. Rounded
    # to 5 decimals. std divides by N for every mode.
    def _scale(self) -> float:
        return 1.0 / 255.0 if self._kind == "torch" and self._img.mode != "1" else 1.0

    def _stat(self, value: float) -> float:
        return round(float(value) * self._scale(), 5)

    def min(self) -> float:
        """The smallest sample, over all channels (see the scale note above)."""
        return self._stat(min(self._img.stats()["min"]))

    def max(self) -> float:
        """The largest sample, over all channels."""
        return self._stat(max(self._img.stats()["max"]))

    def sum(self) -> float:
        """The sum of every sample of every channel."""
        return self._stat(sum(self._img.stats()["sum"]))

    def mean(self) -> float:
        """The mean over every sample of every channel."""
        return self._stat(_overall_mean(self._img.stats()))

    def std(self) -> float:
        """The standard deviation over every sample of every channel (divided by N)."""
        s = self._img.stats()
        mean = _overall_mean(s)
        second = sum(sd * sd + m * m for sd, m in zip(s["std"], s["mean"])) / len(s["mean"])
        return self._stat(math.sqrt(max(second - mean * mean, 0.0)))

    def unique(self) -> np.ndarray[Any, Any]:
        """The distinct sample values, sorted (levels; 0 / 1 for binary)."""
        return np.asarray(self._img.unique())

    def unique_values(self) -> tuple[list[float], Any, list[int]]:
        """(values, inverse, counts) of tensor(): the sorted distinct samples
        in the [0, 1] scale (False / True for binary), the index of each
        sample's value in that list (shaped as tensor(), int64) and how
        often each occurs. A torch tensor for `inverse` when torch is
        installed, else an ndarray."""
        try:
            import torch
        except ImportError:  # pragma: no cover - torch is optional
            values, inverse, counts = np.unique(self._img.tensor_data(), return_inverse=True, return_counts=True)
            return values.tolist(), inverse.reshape((1, -1, self._img.height, self._img.width)), counts.tolist()
        u, inverse, counts = self.tensor().unique(sorted=True, return_inverse=True, return_counts=True)
        return u.tolist(), inverse, counts.tolist()

    # -- loading with a size ------------------------------------------------
    @staticmethod
    def load_resized(source: ImageInput, size: ImageSize | tuple[int, int],
                     interpolation: Interpolation = "bilinear", *,
                     max_pixels: int = _pixelcache.DEFAULT_MAX_PIXELS,
                     max_stream_pixels: int | None = None) -> HashableImage:
        """Loads a path, URL or encoded bytes and resizes to `size` in one
        step: a JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain
        when `size` is that small (as Pillow's draft() and vipsthumbnail do),
        never below `size`. A side of 0 keeps the aspect ratio ((0, 256):
        256 wide; (256, 0): 256 high), computed from the full-scale image, so
        the result has the size of HashableImage(source).resize(size) and
        samples the same places. Its pixels differ from that full decode +
        resize by less than one level on average on noisy 1-3 MP photos, less
        than Pillow's draft() + resize does (bench/shrink_quality.py measures
        it; doc/benchmarks.md has the figures). PNG, TIFF, BMP and GIF images
        and HEIF / AVIF grids stream from the decoder through the resampler, never decoded whole
        (the same pixels as decode then resize, in memory that does not grow
        with the image), so they may have up to max(max_pixels,
        max_stream_pixels) pixels (None: max_pixels); other inputs are held
        to max_pixels. A file is mapped, not read. Other inputs (arrays,
        Pillow images) are loaded, then resized."""
        draft = _opargs._size(size)
        stream = max_stream_pixels or 0
        if isinstance(source, (str, pathlib.PurePath)):
            img = _pixelcache.Image.load_resized(os.fspath(source), draft, interpolation, max_pixels=max_pixels,
                                                 max_stream_pixels=stream)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            img = _pixelcache.Image.decode_resized(bytes(source), draft, interpolation, max_pixels=max_pixels,
                                                   max_stream_pixels=stream)
        else:
            return HashableImage(source).resize(draft, interpolation)
        return HashableImage._wrap(img, "pil")

    # The image operations (resize, rotate, to_binary, mask2bbox, blend, ...)
    # are the generated methods of Operations (_ops.py, from the C++
    # catalogue); arithmetic and grids follow.

    def _arith(self, op: Callable[[_pixelcache.Image, Any], _pixelcache.Image], other: object,
               reflected: bool = False) -> HashableImage:
        if isinstance(other, HashableImage):
            a, b = (other._img, self._img) if reflected else (self._img, other._img)
            return self._new(op(a, b))
        if isinstance(other, (int, float, np_types("integer", "floating"))) and not isinstance(other, bool):
            if reflected:
                return NotImplemented
            return self._new(op(self._img, float(cast(float, other))))
        return NotImplemented

    def __add__(self, other: HashableImage | float) -> HashableImage:
        """Saturating sum; a number adds levels."""
        return self._arith(_pixelcache.add, other)

    def __sub__(self, other: HashableImage | float) -> HashableImage:
        return self._arith(_pixelcache.sub, other)

    def __mul__(self, other: HashableImage | float) -> HashableImage:
        """Image * image: a * b / 255; image * number scales."""
        return self._arith(_pixelcache.mul, other)

    def __truediv__(self, other: HashableImage | float) -> HashableImage:
        return self._arith(_pixelcache.div, other)

    # -- grids --------------------------------------------------------------
    @staticmethod
    def make_image_grid(images: Mapping[str, Sequence[HashableImage]], *,
                        orientation: Literal["horizontal", "vertical"] = "horizontal", with_text: bool = False,
                        verbose: bool = False, output: str | os.PathLike[str] | None = None) -> HashableImage:
        """A grid of {label: [images]}: one row per label ("horizontal") or one
        column ("vertical"), optionally labelled; see pixelcache._grid.make_image_grid."""
        return make_image_grid(images, orientation=orientation, with_text=with_text, verbose=verbose, output=output)


_opargs.register_image_type(HashableImage._wrap)


# make_image_grid of the original's pixelcache.tools (pixelcache._grid, with
# display_string), here beside HashableImage, which it makes and takes.
_log = logging.getLogger("pixelcache")


def make_image_grid(
    images: Mapping[str, Sequence[HashableImage]],
    *,
    orientation: Literal["horizontal", "vertical"] = "horizontal",
    with_text: bool = False,
    verbose: bool = False,
    output: Union[str, "os.PathLike[str]", None] = None,
) -> HashableImage:
    """A grid of images from {label: [images]} (a dict or HashableDict of
    lists or HashableLists of HashableImage, or anything HashableImage
    accepts), as the original's HashableImage.make_image_grid.

    orientation="horizontal": one row per label, its images left to right;
    "vertical": one column per label, top to bottom; keys in insertion order.
    Shorter lists are padded with black cells, images smaller than the
    largest (height, width) are centre-padded with black, cells touch on a
    black canvas. with_text=True adds the labels, black on a white strip
    (above the columns, or left of the rows reading bottom to top), all at
    one font size: the smallest of the labels' display_string fitting sizes,
    so none is cut. output= saves the grid there;
    verbose logs through logging.getLogger("pixelcache"). Returns an RGB
    HashableImage (mode "pil"); the input is not modified.
    Raises pixelcache.InvalidType (a TypeError) for a non-mapping, non-str
    keys or non-list values, pixelcache.InvalidArgument (ValueError) for an empty dict, an empty list
    or an unknown orientation.
    """
    if not isinstance(images, Mapping) and not hasattr(images, "items"):
        raise _pixelcache.InvalidType(f"make_image_grid expects a dict of {{label: [images]}}, got {type(images).__name__}")
    columns = []
    for label, items in images.items():
        if not isinstance(label, str):
            raise _pixelcache.InvalidType(f"make_image_grid: labels must be str, got {type(label).__name__} {label!r}")
        columns.append((label, [_core(i) for i in _cells(label, items)]))
    grid = HashableImage._wrap(
        _pixelcache.make_image_grid(columns, orientation=str(orientation), with_text=bool(with_text)), "pil")
    if output is not None:
        grid.save(output)
    if verbose:
        _log.info("image_grid=%r grid saved to %s", grid, output)
    return grid


def _cells(label: str, items: object) -> list[object]:
    """The images of one key: a list, tuple or HashableList; a single image
    (HashableImage, array, PIL image, tensor) stands for a list of one."""
    if isinstance(items, HashableImage) or _convert.is_pil(items) or _convert.is_tensor(items) or hasattr(
            items, "__array_interface__"):
        return [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise _pixelcache.InvalidType(f"make_image_grid: '{label}' must hold a list of images, got {type(items).__name__}")
    return list(items)

def _rebuild(mode: str, height: int, width: int, is_float: bool, data: Any, kind: str, filename: str | None = None,
             fingerprint: tuple[int, int] | None = None) -> HashableImage:
    out = HashableImage._wrap(_pixelcache.Image.from_pixels(mode, height, width, is_float, data), kind)
    out._filename = filename
    out._fingerprint = (fingerprint[0], fingerprint[1]) if fingerprint is not None else None
    return out
