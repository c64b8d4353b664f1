"""pixelcache.batch: map a function over many inputs on threads, results in order."""
from __future__ import annotations

import concurrent.futures
import itertools
import os
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, TypeVar

from ._pixelcache import InvalidArgument, InvalidType

T = TypeVar("T")
R = TypeVar("R")


class _Progress(Protocol):
    """What the progress displays do (tqdm's bars, _Counter, _NoProgress)."""

    def update(self, k: int = 1) -> Any: ...

    def close(self) -> None: ...


class _Counter:
    """The progress display when tqdm is missing: "batch: 37/100" (`desc`:
    the label) on a terminal (stderr), redrawn at most ten times a second; a
    final line only when stderr is not a terminal."""

    def __init__(self, total: Optional[int], desc: str = "batch") -> None:
        self.total, self.n, self.last, self.desc = total, 0, 0.0, desc
        self.tty = sys.stderr.isatty()
        self.lock = threading.Lock()  # updated from the worker threads

    def update(self, k: int = 1) -> None:
        with self.lock:
            self.n += k
            now = time.monotonic()
            if self.tty and now - self.last >= 0.1:
                self.last = now
                sys.stderr.write(f"\r{self.desc}: {self.n}/{self.total if self.total is not None else '?'}")
                sys.stderr.flush()

    def close(self) -> None:
        total = f"/{self.total}" if self.total is not None else ""
        sys.stderr.write(("\r" if self.tty else "") + f"{self.desc}: {self.n}{total} done\n")
        sys.stderr.flush()


class _NoProgress:
    def update(self, k: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(progress: object, total: Optional[int], desc: str = "batch") -> _Progress:
    if not progress:
        return _NoProgress()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Counter(total, desc)
    bar: _Progress = tqdm(total=total, unit="input", desc=desc)
    return bar


def batch(inputs: Iterable[T], fn: Callable[[T], R], workers: Optional[int] = None, progress: bool = True,
          cache: Any = None, *, return_exceptions: bool = False) -> Iterator[R]:
    """Apply ``fn`` to every input on a pool of threads; yield the results in
    input order.

        for thumb in pixelcache.batch(paths, lambda p: HashableImage(p).resize((256, 256))):
            ...

    Threads scale because pixelcache releases the GIL in all pixel work
    (decoding, operations, encoding, digests); ``fn`` may be any callable.

    - ``workers``: threads (default: the CPUs this process may run on).
      At most ``2 * workers`` inputs are in flight, so ``inputs`` may be a
      lazy or endless iterable and memory stays bounded; a slow result holds
      back the yielding of later ones (input order), not their computing.
    - ``progress``: a tqdm bar on stderr when tqdm is installed (Debian
      ``python3-tqdm``), else a plain ``batch: N/TOTAL`` counter; ``False``
      shows nothing. TOTAL is ``len(inputs)`` when ``inputs`` has a length.
    - errors: as ``concurrent.futures.Executor.map``, an exception raised by
      ``fn`` is re-raised by the iterator at that input's position (earlier
      results are yielded first); the inputs not yet started are cancelled.
      With ``return_exceptions=True`` the exception object is yielded in its
      place instead and the batch goes on (as ``asyncio.gather``).
    - ``cache``: a ``pixelcache.Cache`` (or ``True`` for ``Cache.default()``)
      keeps each input's result: the key is the digest of (the cache's
      namespace, ``fn``'s identity as for ``pixelcache.memoize``, the input),
      where an input that is a local file path counts by the file's content
      (a changed file is computed again) and any other input (a URL, an
      image, an array, ...) by its value. A second run over the same inputs
      is served from the cache without calling ``fn``; results come back as
      ``memoize`` returns them; errors are not cached. ``None``: no cache.

    Closing the iterator early (``break``, garbage collection) cancels the
    inputs not started and waits for the running ones.
    """
    if not callable(fn):
        raise InvalidType(f"batch: fn must be callable, got {type(fn).__name__}")
    if cache is not None and cache is not False:
        fn = _cached(fn, cache)
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgument(f"batch: workers must be a positive int, got {workers!r}")
    try:
        total: Optional[int] = len(inputs)  # type: ignore[arg-type]
    except TypeError:
        total = None
    return _run(iter(inputs), fn, workers, progress, total, return_exceptions)


def _cached(fn: Callable[[T], R], cache: Any) -> Callable[[T], R]:
    """fn with each input's result kept in `cache` (see batch)."""
    from . import _pixelcache
    from ._cache import Cache
    from ._memoize import function_identity

    if cache is True:
        cache = Cache.default()
    if not isinstance(cache, Cache):
        raise InvalidType(f"batch: cache must be a pixelcache.Cache, True or None, got {type(cache).__name__}")
    store: Cache = cache
    name, extra, names = function_identity(fn)
    function = "pixelcache.batch:" + name
    names = [*names, "the batch input"]

    def call(x: T) -> R:
        value: Any = x
        if isinstance(x, (str, os.PathLike)) and not str(x).startswith(("http://", "https://")) \
                and os.path.isfile(x):
            value = ["file content", _pixelcache.file_digest(os.fspath(x))]
        key = _pixelcache.cache_key(store.namespace, function, "", [*extra, value], names)
        return store.get_or_compute(key, lambda: fn(x))

    return call


def _run(inputs: Iterator[T], fn: Callable[[T], R], workers: int, progress: object, total: Optional[int],
         return_exceptions: bool) -> Iterator[Any]:
    # Yields R, or with return_exceptions the exception of a failed call in its place (batch's contract).
    # A generator: nothing starts (no threads, no progress bar) before the first next().
    bar = _progress(progress, total)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pixelcache-batch")

    def call(x: T) -> R:
        try:
            return fn(x)
        finally:
            bar.update(1)

    try:
        pending: deque[Future[R]] = deque(pool.submit(call, x) for x in itertools.islice(inputs, 2 * workers))
        while pending:
            future = pending.popleft()
            for x in itertools.islice(inputs, 1):  # keep the window full
                pending.append(pool.submit(call, x))
            if return_exceptions:
                error = future.exception()
                yield error if error is not None else future.result()
            else:
                yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
