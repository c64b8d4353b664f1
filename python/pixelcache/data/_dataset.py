"""pixelcache.data.ImageDataset: images (and targets) for a training loop,
decoded, transformed and cached by the C++ core (pixelcache::data)."""
from __future__ import annotations

import inspect
import multiprocessing
import multiprocessing.context
import numbers
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, Union

from .. import _pixelcache
from .._cache import Cache
from .._image import HashableImage
from .._pixelcache import InvalidArgument, InvalidType

if TYPE_CHECKING:  # typed as with torch installed
    import torch as torch  # re-exported to _loader and _collate
    from torch.utils.data import Dataset as _Base
else:
    try:  # torch is optional: without it, output="numpy" and "image" still work
        import torch  # None without torch
        from torch.utils.data import Dataset as _Base
    except ImportError:  # pragma: no cover - torch is installed where the tests run
        torch = None
        _Base = object

#: What `transform` takes: steps in the CLI's grammar, one string (steps
#: separated by spaces) or a list of them.
Steps = Union[None, str, Sequence[str]]
#: What `augment` takes: augment steps (a string or a list), a callable on a
#: HashableImage, or a list mixing both.
AugmentSpec = Union[None, str, Callable[..., Any], Sequence[Union[str, Callable[..., Any]]]]

_OUTPUTS = ("tensor", "numpy", "image")
_DTYPES = ("float32", "uint8")


def _steps(transform: Steps) -> list[Any]:
    if transform is None:
        return []
    if isinstance(transform, str):
        steps = [transform]
    elif isinstance(transform, (list, tuple)) and all(isinstance(s, str) for s in transform):
        steps = list(transform)
    else:
        raise InvalidType(f"transform must be None, a str of steps or a list of str, got {transform!r}")
    _pixelcache.transform_keys(steps)  # InvalidArgument naming a bad step, now rather than in a worker
    return steps


def _augment(augment: AugmentSpec) -> list[Any]:
    if augment is None:
        return []
    items = list(augment) if isinstance(augment, (list, tuple)) else [augment]
    for a in items:
        if isinstance(a, str):
            _pixelcache.augment_keys([a])  # InvalidArgument for an unknown step or a bad argument
        elif not callable(a):
            raise InvalidType(f"augment items must be str steps or callables, got {type(a).__name__}")
    return items


def _takes_seed(fn: Callable[..., Any]) -> bool:
    """True when `fn` can be called with (image, seed)."""
    try:
        inspect.signature(fn).bind(None, 0)
        return True
    except (TypeError, ValueError):
        return False


def _adapter(fn: Callable[..., Any]) -> Callable[[Any, int], Any]:
    """fn on a HashableImage (and the step's seed when it takes one) as a
    function of (_pixelcache.Image, seed) -> _pixelcache.Image."""
    with_seed = _takes_seed(fn)

    def call(img: Any, seed: int) -> Any:
        image = HashableImage._wrap(img, "torch")
        out = fn(image, seed) if with_seed else fn(image)
        if not isinstance(out, HashableImage):
            out = HashableImage(out)  # PIL, ndarray, tensor
        return out._img

    return call


def _norm(v: Any, name: str) -> Optional[list[Any]]:
    if v is None:
        return None
    if isinstance(v, numbers.Real):
        v = [v]
    try:
        out = [float(x) for x in v]
    except (TypeError, ValueError):
        raise InvalidType(f"{name} must be a number or a sequence of 1 or 3 numbers, got {v!r}") from None
    if len(out) not in (1, 3):
        raise InvalidArgument(f"{name} must have 1 or 3 values (R, G, B), got {len(out)}")
    return out


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


class _Epoch:
    """The current epoch, shared with DataLoader workers: a process-shared
    integer (multiprocessing.RawValue) that travels to worker processes as
    they are started (fork, spawn, forkserver), so set_epoch() in the main
    process is seen by persistent workers too. Pickled outside process
    start-up (pickle.dumps), it is a plain int again."""

    __slots__ = ("_shared", "_value")

    def __init__(self, value: int = 0) -> None:
        try:
            self._shared: Any = multiprocessing.RawValue("Q", value)
        except OSError:  # no shared memory (a locked-down sandbox): this process only
            self._shared = None
        self._value = value

    def get(self) -> int:
        value: int = self._shared.value if self._shared is not None else self._value
        return value

    def set(self, value: int) -> None:
        self._value = value
        if self._shared is not None:
            self._shared.value = value

    def __getstate__(self) -> tuple[Any, ...]:
        spawning = multiprocessing.context.get_spawning_popen() is not None
        return (self._shared if spawning else None, self.get())

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._shared, self._value = state
        if self._shared is None:
            self.__init__(self._value)  # type: ignore[misc]


class ImageDataset(_Base):
    """A map-style dataset of image files (and targets): ``ds[i]`` is sample
    i, decoded, transformed, cached, augmented and normalised by the C++
    core with the GIL released — one code path with pixelcache.data.Loader,
    so both give the same bits for the same (seed, epoch, index).

        ds = ImageDataset([("a.jpg", 0), ("b.jpg", 1)],
                          "resize_min_size:256,modulo=1 center_crop:224x224",
                          augment="random_flip", cache=pixelcache.Cache("/data/cache"),
                          mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
        x, y = ds[0]          # x: (3, 224, 224) float32 tensor, y: 0

    - ``samples``: paths (str / os.PathLike), or ``(path, target)`` pairs;
      items are then ``(x, target)``.
    - ``transform``: the deterministic steps, in the CLI's step grammar
      (``pixelcache run``): one string of steps separated by spaces, or a
      list. With ``cache`` it runs at most once per (file content, steps,
      version) for every process and machine sharing the cache; a JPEG is
      decoded at 1/2, 1/4 or 1/8 scale when the first step shrinks enough.
    - ``augment``: the random part, applied after the cache on every access:
      built-in steps (``random_flip[:p]``, ``random_crop:SIZE[,padding=P]``,
      ``random_resized_crop:SIZE[,scale=A:B,ratio=A:B]`` — torchvision's
      algorithms), drawn from a counter-based generator of (seed, epoch,
      index), so a run is reproducible whatever the workers; or a callable
      on a HashableImage (``fn(img)`` or ``fn(img, seed)`` with a 64-bit
      seed of (seed, epoch, index)) returning an image; or a list mixing
      both. Callables run under the GIL (slower).
    - ``cache``: a pixelcache.Cache (memory, LMDB, Redis) for the
      transformed images and the stat index; True: ``Cache.default()``;
      None: nothing cached.
    - ``output``: ``"tensor"`` (CHW torch tensor), ``"numpy"`` (HWC
      ndarray) or ``"image"`` (HashableImage; dtype and mean / std do not
      apply). Samples are RGB (gray files are expanded, as torchvision's
      loader does).
    - ``dtype``: ``"float32"`` (levels / 255, then ``(x - mean) / std`` per
      channel when given — torchvision's ToTensor + Normalize) or
      ``"uint8"``.
    - ``seed``: the augment seed. ``set_epoch(n)`` changes the epoch the
      augments draw from (seen by DataLoader workers, persistent too; call
      it before iterating).

    Works with torch.utils.data.DataLoader (any num_workers, fork or spawn,
    persistent or not): it pickles by its configuration and rebuilds its C++
    state in each process. Errors name the file: IoError (missing,
    unreadable), DecodeError (corrupt, truncated), LimitError, and
    InvalidArgument for a step that does not apply; bad arguments raise
    InvalidArgument / InvalidType here.
    """

    samples: list[Any]
    targets: Optional[list[Any]]
    transform: list[Any]
    augment: list[Any]
    cache: Optional[Cache]
    output: str
    dtype: str
    mean: Optional[list[Any]]
    std: Optional[list[Any]]
    seed: int
    max_pixels: int
    _paths: list[Any]
    _epoch: _Epoch
    _src: Optional[_pixelcache._DataSource]
    _pid: int
    _lock: Any

    def __init__(self, samples: Sequence[Any], transform: Steps = None, *, augment: AugmentSpec = None,
                 cache: Union[Cache, bool, None] = None, output: str = "tensor", dtype: str = "float32",
                 mean: Any = None, std: Any = None, seed: int = 0,
                 max_pixels: int = _pixelcache.DEFAULT_MAX_PIXELS) -> None:
        items = list(samples)
        pairs = [not _is_path(s) for s in items]
        if any(pairs):
            for s in items:
                if _is_path(s) or not (isinstance(s, (tuple, list)) and len(s) == 2 and _is_path(s[0])):
                    raise InvalidArgument("samples must all be paths, or all (path, target) pairs; got "
                                          f"{s!r} among them")
            self.samples = [(os.fspath(p), t) for p, t in items]
            self.targets = [t for _, t in self.samples]
        else:
            self.samples = [os.fspath(p) for p in items]
            self.targets = None
        self._paths = [s[0] for s in self.samples] if self.targets is not None else list(self.samples)
        if output not in _OUTPUTS:
            raise InvalidArgument(f"output must be one of {', '.join(map(repr, _OUTPUTS))}, got {output!r}")
        if dtype not in _DTYPES:
            raise InvalidArgument(f"dtype must be 'float32' or 'uint8', got {dtype!r}")
        if output == "tensor" and torch is None:
            raise InvalidArgument("output='tensor' needs torch; use output='numpy'")
        mean_, std_ = _norm(mean, "mean"), _norm(std, "std")
        if (mean_ is not None or std_ is not None) and (output == "image" or dtype == "uint8"):
            raise InvalidArgument("mean / std apply to float32 tensor or numpy output only")
        if cache is True:
            cache = Cache.default()
        if cache is not None and cache is not False and not isinstance(cache, Cache):
            raise InvalidType(f"cache must be a pixelcache.Cache, True or None, got {type(cache).__name__}")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 1 << 64:
            raise InvalidArgument(f"seed must be an int in [0, 2**64), got {seed!r}")
        self.transform = _steps(transform)
        self.augment = _augment(augment)
        self.cache = cache if isinstance(cache, Cache) else None
        self.output, self.dtype, self.mean, self.std, self.seed = output, dtype, mean_, std_, int(seed)
        self.max_pixels = max_pixels
        self._epoch = _Epoch(0)
        self._src = None
        self._pid = 0
        self._lock = threading.Lock()
        self._source()  # bad arguments fail here, not in a worker

    # -- the C++ side, one per process -------------------------------------------------
    def _source(self) -> _pixelcache._DataSource:
        src = self._src
        if src is not None and self._pid == os.getpid():
            return src
        with self._lock:
            if self._src is None or self._pid != os.getpid():
                augment = [a if isinstance(a, str) else (getattr(a, "__qualname__", type(a).__name__), _adapter(a))
                           for a in self.augment]
                self._src = _pixelcache._DataSource(
                    self.transform, augment, self.cache._c if self.cache is not None else None,
                    "CHW" if self.output == "tensor" else "HWC", self.dtype, self.mean, self.std, self.seed,
                    self.max_pixels)
                self._pid = os.getpid()
            return self._src

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_src"], state["_pid"], state["_lock"] = None, 0, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- the dataset ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Any:
        n = len(self.samples)
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"sample index {index} out of range for {n} samples")
        x = self._source().item(self._paths[i], self._epoch.get(), i, self.output == "image")
        if self.output == "tensor":
            x = torch.from_numpy(x)
        elif self.output == "image":
            x = HashableImage._wrap(x, "torch")
        return (x, self.targets[i]) if self.targets is not None else x

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch the augments draw from (the random stream is a
        function of (seed, epoch, index)); seen by DataLoader workers started
        from this dataset, persistent ones included. Call it before iterating
        the epoch."""
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or not 0 <= epoch < 1 << 64:
            raise InvalidArgument(f"epoch must be an int in [0, 2**64), got {epoch!r}")
        self._epoch.set(int(epoch))

    @property
    def epoch(self) -> int:
        """The current epoch (set_epoch)."""
        return self._epoch.get()

    def transformed(self, index: int) -> HashableImage:
        """Sample `index` after the transform and before the augment: the
        image the cache holds."""
        return HashableImage._wrap(self._source().transformed(self._paths[index]), "torch")

    def stats(self) -> dict[str, Any]:
        """This process's counters: samples made, digests from the in-process
        stat index (``index_hits``) and from the cache's
        (``index_cache_hits``), files read and hashed, transformed images
        served by the cache (``transform_hits``) and computed
        (``transforms_computed``)."""
        return self._source().stats()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({len(self)} samples, transform={' '.join(self.transform)!r}, "
                f"augment={self.augment!r}, output={self.output!r}, dtype={self.dtype!r}, cache={self.cache!r})")


#: ImageNet's per-channel mean and std (torchvision's reference values).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
