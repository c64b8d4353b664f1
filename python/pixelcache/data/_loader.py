"""pixelcache.data.Loader: batches of an ImageDataset made by C++ threads in
this process, written straight into the batch tensors."""
from __future__ import annotations

import atexit
import numbers
import os
import threading
import warnings
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any, Iterator, Optional

import numpy as np

from .._pixelcache import InvalidArgument, InvalidType
from ._dataset import ImageDataset, torch

if TYPE_CHECKING:
    from .. import _pixelcache


class SkippedSampleWarning(UserWarning):
    """A sample the Loader left out (``on_error="skip"``): its file could not
    be read or decoded. The message names the file and the error."""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Slabs:
    """Batch memory recycled from batch to batch. A batch's samples are
    written into a slab — a tensor allocated with torch (an array with NumPy
    for output="numpy") — and the batch handed out is a NumPy view of it
    (made a tensor with torch.from_numpy: no copy). When that view is
    collected — the batch and every view of it gone, whoever held them — the
    slab goes back to the pool for a later batch of the same shape. Fresh
    tensors of tens of MiB would each cost a page fault per 4 KiB, zeroed by
    the kernel: three to four times the rest of a cached batch (measured)."""

    def __init__(self, keep: int) -> None:
        self._free: dict[Any, Any] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def take(self, shape: tuple[Any, ...], is_float: bool, numpy: bool) -> tuple[Any, ...]:
        """(the batch's NumPy view, its address, its bytes)."""
        key = (shape, is_float, numpy)
        with self._lock:
            free = self._free.get(key)
            slab = free.pop() if free else None
        if slab is None:
            if numpy:
                slab = np.empty(shape, np.float32 if is_float else np.uint8)
            else:
                slab = torch.empty(shape, dtype=torch.float32 if is_float else torch.uint8)
        view = slab.view() if numpy else slab.numpy()
        weakref.finalize(view, self._give, key, slab)
        return view, view.ctypes.data, view.nbytes

    def _give(self, key: tuple[Any, ...], slab: Any) -> None:
        with self._lock:
            free = self._free.setdefault(key, [])
            if len(free) < self._keep:
                free.append(slab)


class Loader:
    """Batches ``(x, y)`` of an ImageDataset — x one contiguous (B, C, H, W)
    tensor (``output="numpy"`` datasets: a (B, H, W, C) ndarray) of the
    dataset's dtype and normalisation, y an int64 tensor of targets (x
    alone when the samples have none) — made by C++ threads in this process
    with the GIL released: each thread reads or decodes, transforms or hits
    the cache, augments, normalises and writes its samples into the batch
    tensor in place. No worker processes, no pickling, no collate.

        loader = Loader(ImageFolder("train", "resize_min_size:256,modulo=1 center_crop:224x224",
                                    cache=pixelcache.Cache()), batch_size=32, shuffle=True)
        for epoch in range(90):
            loader.set_epoch(epoch)
            for x, y in loader:
                ...

    - ``shuffle``: a seeded permutation of the samples per epoch (the same
      for the same ``seed`` and epoch); else the dataset's order.
    - ``drop_last``: leave out a last batch shorter than ``batch_size``.
    - ``workers``: threads (None: the number of cores this process may use).
    - ``prefetch``: batches made ahead of the one being consumed.
    - ``on_error``: ``"raise"`` — a sample that fails raises its error
      (naming the file) from the iteration; ``"skip"`` — it is left out of
      its batch (which is then shorter), counted in ``skipped`` and reported
      by a SkippedSampleWarning. A sample whose size differs from the
      batch's is always an InvalidArgument naming both files.

    Samples are the dataset's (``ds[i]`` bit for bit, for the same epoch):
    ``set_epoch(n)`` sets the dataset's epoch, which the augments and the
    shuffle use. A Python augment callable is called under the GIL from the
    threads, one sample at a time (slower than the built-in steps).
    Iteration stops cleanly when the iterator is dropped, closed or an
    exception is raised: queued work is dropped, running samples finish and
    the threads are joined.
    """

    dataset: ImageDataset
    batch_size: int
    prefetch: int
    workers: int
    shuffle: bool
    drop_last: bool
    seed: int
    on_error: str
    skipped: int
    skipped_samples: list[Any]
    _targets: Optional[list[Any]]
    _core: Optional[_pixelcache._DataLoader]
    _pid: int
    _slabs: _Slabs

    def __init__(self, dataset: ImageDataset, batch_size: int, *, shuffle: bool = False, drop_last: bool = False,
                 workers: Optional[int] = None, seed: int = 0, prefetch: int = 2, on_error: str = "raise") -> None:
        if not isinstance(dataset, ImageDataset):
            raise InvalidType(f"Loader needs a pixelcache.data.ImageDataset, got {type(dataset).__name__}")
        if dataset.output not in ("tensor", "numpy"):
            raise InvalidArgument(f"Loader needs a dataset with output='tensor' or 'numpy', not {dataset.output!r}")

        def count(v: Any, name: str, least: int) -> int:
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise InvalidType(f"Loader: {name} must be an int, got {type(v).__name__}")
            if v < least:
                raise InvalidArgument(f"Loader: {name} must be >= {least}, got {v}")
            return int(v)

        self.batch_size = count(batch_size, "batch_size", 1)
        self.prefetch = count(prefetch, "prefetch", 0)
        self.workers = _cores() if workers is None else count(workers, "workers", 1)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 1 << 64:
            raise InvalidArgument(f"Loader: seed must be an int in [0, 2**64), got {seed!r}")
        if on_error not in ("raise", "skip"):
            raise InvalidArgument(f"Loader: on_error must be 'raise' or 'skip', got {on_error!r}")
        targets = dataset.targets
        if targets is not None and not all(isinstance(t, numbers.Integral) and not isinstance(t, bool)
                                           for t in targets):
            raise InvalidArgument("Loader: targets must be ints (batched as an int64 tensor)")
        self.dataset, self.shuffle, self.drop_last, self.seed, self.on_error = (dataset, bool(shuffle),
                                                                                bool(drop_last), int(seed), on_error)
        self._targets = [int(t) for t in targets] if targets is not None else None
        #: Samples left out so far (on_error="skip"), and (index, path, error) of each.
        self.skipped = 0
        self.skipped_samples: list[Any] = []
        self._core = None
        self._pid = 0
        self._slabs = _Slabs(self.prefetch + 2)
        self._make_core()

    def _make_core(self) -> _pixelcache._DataLoader:
        if self._core is None or self._pid != os.getpid():
            from .. import _pixelcache
            ds = self.dataset
            self._core = _pixelcache._DataLoader(ds._source(), ds._paths, self._targets or [], self.batch_size,
                                                 self.shuffle, self.drop_last, self.seed, self.workers,
                                                 self.on_error)
            self._pid = os.getpid()
        return self._core

    def __len__(self) -> int:
        """Batches per epoch."""
        return self._make_core().batches()

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch of the shuffle and of the dataset's augments
        (dataset.set_epoch); call it before iterating."""
        self.dataset.set_epoch(epoch)

    @property
    def epoch(self) -> int:
        return self.dataset.epoch

    def order(self, epoch: Optional[int] = None) -> list[Any]:
        """The sample indices of an epoch (default: the current one), in the
        order the batches take them."""
        return self._make_core().order(self.epoch if epoch is None else epoch)

    def __iter__(self) -> Iterator[Any]:
        return _EpochIterator(self)

    def __repr__(self) -> str:
        return (f"Loader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, workers={self.workers}, prefetch={self.prefetch})")


class _EpochIterator:
    """One pass over a Loader: submits batches to the C++ epoch run,
    `prefetch` ahead, and yields them in order."""

    def __init__(self, loader: Loader) -> None:
        _reap()
        self._loader = loader
        self._thread = threading.get_ident()
        self._run: Any = None
        self._pending: deque[Any] = deque()  # (b, x, y) submitted and not yet returned
        self._next_submit = 0
        self._next_yield = 0
        core = loader._make_core()
        self._n = core.batches()
        if self._n == 0:
            return
        self._run = core.start(loader.epoch)  # makes the first sample: its shape sizes the batches
        _live.add(self)
        ds = loader.dataset
        self._shape = tuple(self._run.sample_shape)
        self._numpy = ds.output == "numpy"
        self._float = ds.dtype == "float32"
        try:
            for _ in range(min(self._n, loader.prefetch + 1)):
                self._submit()
        except BaseException:
            self.close()
            raise

    def _submit(self) -> None:
        b = self._next_submit
        rows = self._run.batch_rows(b)
        shape = (rows, *self._shape)
        x, x_ptr, x_bytes = self._loader._slabs.take(shape, self._float, self._numpy)
        y: Any = None
        y_ptr = 0
        if self._loader._targets is not None:
            y = torch.empty(rows, dtype=torch.int64) if not self._numpy else np.empty(rows, np.int64)
            y_ptr = y.data_ptr() if not self._numpy else y.ctypes.data
        self._pending.append((b, x, y))  # alive until waited for or the run is cancelled
        self._run.submit(b, x_ptr, x_bytes, y_ptr)
        self._next_submit += 1

    def __iter__(self) -> "_EpochIterator":
        return self

    def __next__(self) -> Any:
        while True:
            if self._run is None or self._next_yield >= self._n:
                self.close()
                raise StopIteration
            b, x, y = self._pending[0]
            try:
                count, skipped = self._run.wait(b)
                self._pending.popleft()
                self._next_yield += 1
                if self._next_submit < self._n:
                    self._submit()
            except BaseException:
                self.close()
                raise
            if skipped:
                loader = self._loader
                loader.skipped += len(skipped)
                loader.skipped_samples.extend(skipped)
                for index, path, error in skipped:
                    warnings.warn(f"pixelcache.data.Loader: skipped sample {index}: {error}", SkippedSampleWarning,
                                  stacklevel=2)
            if count == 0:
                continue  # every sample of the batch was skipped
            if not self._numpy:
                x = torch.from_numpy(x)  # the batch tensor over the slab: its last reference hands the slab back
            if count < x.shape[0]:
                x = x[:count]
                y = y[:count] if y is not None else None
            return (x, y) if y is not None else x

    def close(self) -> None:
        """Stops the epoch: queued work dropped, threads joined, buffers released."""
        run, self._run = self._run, None
        if run is not None:
            run.cancel()
            _live.discard(self)
        self._pending.clear()

    def __del__(self) -> None:
        try:
            if threading.get_ident() != self._thread and self._run is not None:
                # Collected on another thread — perhaps one of this run's own,
                # running a Python augment — which must not join the run's
                # threads: stopped later from a thread that may, its buffers
                # kept alive until then.
                with _orphans_lock:
                    _orphans.append((self._run, list(self._pending)))
                self._run = None
                return
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


# Epochs still running at exit are stopped before the interpreter goes (their
# threads may be waiting for the GIL to call a Python augment).
_live: "weakref.WeakSet[_EpochIterator]" = weakref.WeakSet()
_orphans: list[Any] = []
_orphans_lock = threading.Lock()


def _reap() -> None:
    """Stops the runs of iterators collected on other threads."""
    with _orphans_lock:
        orphans = _orphans[:]
        _orphans.clear()
    for run, _buffers in orphans:
        run.cancel()


@atexit.register
def _stop_all() -> None:
    for e in list(_live):
        e.close()
    _reap()
