"""pixelcache.Cache: the content-addressed cache (memory, disk, Redis) from Python."""
from __future__ import annotations

import atexit
import multiprocessing.util
import os
import threading
import warnings
import weakref
from typing import Any, Callable, Iterable, Optional, Tuple, TypeVar, Union

from . import _entries, _pixelcache
from ._pixelcache import InvalidArgument, InvalidType

R = TypeVar("R")

#: The arguments a Cache was made with (path, max_bytes, memory_bytes,
#: redis_url, namespace, redis_ttl, connect_timeout, command_timeout,
#: retry_backoff, compression, secret, tiers): its pickled form.
_Args = Tuple[Optional[str], Optional[int], int, Optional[str], str, float, float, float, float, str,
              Union[str, bytes, None], Optional[Tuple[str, ...]]]

#: What a Cache method takes as a key (see Cache).
Key = Any

_KEY_FUNCTION = "pixelcache.Cache.key"
_fronts_lock = threading.Lock()  # guards every Cache's _fronts
#: Largest disk bound (16 TiB, include/pixelcache/cache.hpp kMaxDiskBytes) and memory bound.
_MAX_DISK_BYTES = 1 << 44
_MAX_MEMORY_BYTES = (1 << 63) - 1


class CacheWarning(UserWarning):
    """What a Cache has to tell its user without failing: a damaged disk
    store set aside and replaced, a disk bound other than the one asked for
    (the store's own bound applies), a signing key that cannot be used."""


def _size(value: Any, name: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"Cache: {name} must be an int number of bytes, got {type(value).__name__}")
    if value < 0:
        raise InvalidArgument(f"Cache: {name} must be >= 0 bytes (0 turns the tier off), got {value}")
    if value > limit:
        raise InvalidArgument(f"Cache: {name} must be at most {limit} bytes, got {value}")
    return value


def _path_text(path: Any) -> str:
    text = os.fsdecode(os.fspath(path))
    if "\0" in text:
        raise InvalidArgument(f"Cache: path {text!r} contains a NUL byte")
    return text


def _specs(tiers: Any) -> Tuple[str, ...]:
    if isinstance(tiers, (str, bytes)) or not isinstance(tiers, Iterable):
        raise InvalidType(f"Cache: tiers must be a list of spec strings, got {type(tiers).__name__}")
    specs = tuple(tiers)
    for spec in specs:
        if not isinstance(spec, str):
            raise InvalidType(f"Cache: a tier spec must be a str, got {type(spec).__name__}")
    return specs


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidType(f"Cache: {name} must be a number of seconds, got {type(value).__name__}")
    return float(value)


class Cache:
    """A content-addressed cache of results in up to three tiers, top to
    bottom: memory (an LRU in this process, bounded in bytes), disk (an LMDB
    store in a directory, shared by processes, bounded in bytes, least
    recently used entries evicted) and Redis (shared by machines).

        cache = pixelcache.Cache()                      # defaults from the environment
        cache.put(("thumb", img), img.resize((256, 256)))
        cache.get(("thumb", img))                       # the HashableImage, or None

    - ``path``: the disk tier's directory (created if missing); None: the
      default, ``$PIXELCACHE_CACHE_DIR``, else ``$XDG_CACHE_HOME/pixelcache``,
      else ``~/.cache/pixelcache``.
    - ``max_bytes``: the disk tier's bound. It belongs to the store and is
      recorded in it: None (the default) takes the store's bound, or 1 GiB
      for a new store; a number is the bound of a new store, while an
      existing store keeps its own (a CacheWarning says so; ``trim``
      changes it). 0 turns the disk tier off.
    - ``memory_bytes``: the memory tier's bound (256 MiB); 0 turns it off.
    - ``redis_url``: ``"redis://[[user]:password@]host[:port][/db]"`` or
      ``"unix:///path[?db=N]"``; None: ``$PIXELCACHE_REDIS_URL`` when set,
      else no Redis tier; ``""``: no Redis tier.
    - ``namespace``: separates users of one Redis server (keys
      ``pixelcache:<namespace>:<hex key>``) and is part of every derived key.
    - ``tiers`` (keyword only): the disk and Redis tiers as spec strings,
      the same in C++, the command line and ``$PIXELCACHE_CACHE_TIERS``:
      ``"lmdb:DIR?max=4GiB"``, ``"redis://host:6379/0?prefix=P&ttl=60"``,
      ``"unix:///path?db=N"``, ``"memory:256MiB"`` (replacing
      ``memory_bytes``), or a scheme the program registered. Given, path,
      max_bytes and redis_url must be None. None (the default) with those
      None too: ``$PIXELCACHE_CACHE_TIERS`` when set. ``tiers`` lists the
      specs of the tiers a Cache has.
    - keyword only: ``redis_ttl`` (seconds; 0: entries do not expire),
      ``connect_timeout`` / ``command_timeout`` (seconds, for Redis),
      ``retry_backoff`` (seconds before a failed tier is tried again,
      doubling per failure up to 32x), ``compression`` (``"auto"``: zstd
      for bodies that halve, such as masks — from 1 MiB only for those that
      shrink 8-fold, so a large hit costs about one copy; ``"none"``;
      ``"zstd"``),
      ``secret`` (str or bytes; None: ``$PIXELCACHE_CACHE_KEY``): the key
      that signs pickled results. Loading a pickle runs code, so pickled
      results are stored signed (HMAC-SHA256) and refused unless their
      signature verifies. Without a secret the disk tier signs with a key
      of its own (``pixelcache-v2.key`` beside the store, mode 0600) and
      the Redis tier does not share pickled results; images, arrays,
      containers and plain values need no key.

    Keys: a str of 32 hex digits or 16 bytes is a 128-bit digest, used as
    it is; any other value (a tuple, a HashableImage, an int, ...) is keyed
    by ``Cache.key(value)``, the digest of the namespace and the value's
    stable content digest. Values: see ``put``.

    A tier that fails (Redis down, disk full) is counted in ``stats()`` and
    skipped, then retried after the back-off; a failing tier turns a hit
    into a miss, never into an error. Corrupt stored entries — damaged, or
    found under another key than their own — are dropped, counted and never
    returned; a damaged store file is set aside (``*.broken-*``) and a new
    one made (a CacheWarning says so). The GIL is released during tier I/O.

    A Cache pickles by the arguments it was made with (None stays None and
    is resolved again where it is unpickled), so it crosses
    ``multiprocessing`` (spawn and fork), ``DataLoader`` workers and Dask;
    unpickling in a process that already has a Cache made the same way
    returns that one. After ``os.fork`` the child reopens the LMDB store and
    the Redis connections by itself. Thread-safe.

    Raises pixelcache.InvalidArgument (a ValueError) for a bad size,
    namespace or Redis URL, pixelcache.CacheError (an OSError) for a
    directory that cannot hold the store (a file, not writable). An
    unreachable Redis server is not an error: that tier starts backing off.
    """

    __slots__ = ("_c", "_args", "_path", "_redis_url", "_fronts", "__weakref__")

    _instances: "weakref.WeakValueDictionary[_Args, Cache]" = weakref.WeakValueDictionary()
    _default: Optional["Cache"] = None
    _default_lock = threading.Lock()

    def __init__(self, path: Union[str, "os.PathLike[str]", None] = None, max_bytes: Optional[int] = None,
                 memory_bytes: int = 256 << 20, redis_url: Optional[str] = None, namespace: str = "default", *,
                 redis_ttl: float = 0, connect_timeout: float = 0.5, command_timeout: float = 2.0,
                 retry_backoff: float = 1.0, compression: str = "auto",
                 secret: Union[str, bytes, None] = None, tiers: Optional[Iterable[str]] = None) -> None:
        if path is not None and not isinstance(path, (str, bytes, os.PathLike)):
            raise InvalidType(f"Cache: path must be a str, os.PathLike or None, got {type(path).__name__}")
        if secret is not None and not isinstance(secret, (str, bytes)):
            raise InvalidType(f"Cache: secret must be a str, bytes or None, got {type(secret).__name__}")
        if redis_url is not None and not isinstance(redis_url, str):
            raise InvalidType(f"Cache: redis_url must be a str or None, got {type(redis_url).__name__}")
        if not isinstance(namespace, str):
            raise InvalidType(f"Cache: namespace must be a str, got {type(namespace).__name__}")
        if not isinstance(compression, str):
            raise InvalidType(f"Cache: compression must be a str, got {type(compression).__name__}")
        specs = _specs(tiers) if tiers is not None else None
        if specs is not None and (path, max_bytes, redis_url) != (None, None, None):
            raise InvalidArgument("Cache: give the disk and Redis tiers either as tiers=[spec, ...] or as path, "
                                  "max_bytes and redis_url, not both")
        if max_bytes is not None:
            max_bytes = _size(max_bytes, "max_bytes", _MAX_DISK_BYTES)
        memory_bytes = _size(memory_bytes, "memory_bytes", _MAX_MEMORY_BYTES)
        timing = (_seconds(redis_ttl, "redis_ttl"), _seconds(connect_timeout, "connect_timeout"),
                  _seconds(command_timeout, "command_timeout"), _seconds(retry_backoff, "retry_backoff"))
        given_path = _path_text(path) if path is not None else None
        if given_path == "":
            raise InvalidArgument("Cache: path must name a directory (use max_bytes=0 to turn the disk tier off)")
        self._args: _Args = (given_path, max_bytes, memory_bytes, redis_url, namespace, *timing, compression, secret,
                             specs)
        self._c = _open(self._args)
        self._path: Optional[str] = self._c.disk_path()
        self._redis_url: Optional[str] = self._c.redis_url()
        self._warn()
        _live.add(self)
        # The memoized functions whose in-process fronts hold results of this
        # cache's memory tier: emptied at once by clear / erase / trim (they
        # would drop them on their next call anyway, as the tier's generation
        # moved on), so that their memory is freed with the tier's.
        self._fronts: "weakref.WeakSet[Any]" = weakref.WeakSet()
        Cache._instances.setdefault(self._args, self)

    # -- construction helpers ---------------------------------------------------
    @classmethod
    def default(cls) -> "Cache":
        """The process-wide default Cache (``Cache()``, from the environment),
        made on first use; what ``memoize`` and ``batch`` use when given
        ``cache=None`` / ``cache=True``."""
        c = cls._default
        if c is None:
            with cls._default_lock:
                c = cls._default
                if c is None:
                    c = cls._default = cls()
        return c

    def __reduce__(self) -> Tuple[Callable[..., Cache], _Args]:
        return (_restore, self._args)

    def __copy__(self) -> "Cache":
        return self

    def __deepcopy__(self, memo: Any) -> "Cache":
        return self

    # -- facts --------------------------------------------------------------------
    @property
    def path(self) -> Optional[str]:
        """The disk tier's directory, or None without a disk tier."""
        return self._path

    @property
    def redis_url(self) -> Optional[str]:
        """The Redis tier's URL, or None without a Redis tier."""
        return self._redis_url

    @property
    def tiers(self) -> list[str]:
        """The specs of the tiers, top first (``memory:256MiB``,
        ``lmdb:DIR``, ``redis://host:6379``, ...); passwords included."""
        return [spec for _name, spec in self._c.tiers()]

    @property
    def namespace(self) -> str:
        return self._args[4]

    @property
    def max_bytes(self) -> int:
        """The disk tier's bound in bytes, the store's own (0: no disk tier)."""
        disk = self._c.stats().get("disk")
        return int(disk["max_bytes"]) if disk is not None else 0

    @property
    def memory_bytes(self) -> int:
        """The memory tier's bound in bytes (0: no memory tier)."""
        return int(self._c.memory_bytes())

    def __repr__(self) -> str:
        return (f"Cache(path={self._path!r}, max_bytes={self.max_bytes}, memory_bytes={self.memory_bytes}, "
                f"redis_url={self._redis_url!r}, namespace={self.namespace!r})")

    # -- keys ---------------------------------------------------------------------
    def key(self, *values: Any) -> str:
        """The 32-hex key derived from `values` in this cache's namespace:
        the digest of (namespace, "pixelcache.Cache.key", the values' stable
        content digests). Values are what hashable containers hold: None,
        bool, int, float, str, bytes, HashableImage, PIL images, ndarray,
        torch tensors, BoundingBox, ImageSize, Points, and tuples / lists /
        dicts of them (pixelcache.InvalidType for anything else)."""
        names = [f"key value {i}" for i in range(len(values))]
        return _pixelcache.cache_key(self.namespace, _KEY_FUNCTION, "", list(values), names).hex()

    def _key(self, key: Key) -> Any:
        if type(key) is str or type(key) is bytes:
            return key
        return _pixelcache.cache_key(self.namespace, _KEY_FUNCTION, "", [key], ["the key"])

    # -- entries --------------------------------------------------------------------
    def get(self, key: Key, default: Any = None) -> Any:
        """The value stored under `key` (looked up tier by tier and copied
        into the tiers above the one that had it), or `default` on a miss.
        Values come back as the type that was put (see put())."""
        k = self._key(key)
        hit = self._c.get(k)
        if hit is None:
            return default
        try:
            return _entries.decode(hit[0], hit[1], hit[2])
        except _entries.Refused:  # never loaded: a miss, and the entry goes
            self._c.erase(k)
            return default

    def put(self, key: Key, value: Any) -> None:
        """Stores `value` under `key` in every tier. Images (HashableImage,
        PIL images of mode RGB / L / 1) are stored in their canonical pixel
        form; arrays, tensors, hashable containers and trees of plain values
        (None, bool, int, float, str, bytes, BoundingBox, ImageSize, lists,
        tuples, dicts) as a C++ Value; anything else through pickle. Each
        comes back as the type it was (arrays, tensors and PIL images as
        fresh copies). pixelcache.InvalidType when `value` does not pickle."""
        kind, tag, payload = _entries.encode(value)
        self._c.put(self._key(key), kind, tag, payload)

    def contains(self, key: Key) -> bool:
        """True when some tier holds `key` (no checksum check, no copying)."""
        return self._c.contains(self._key(key))

    def __contains__(self, key: Key) -> bool:
        return self.contains(key)

    def erase(self, key: Key) -> bool:
        """Removes `key` from every tier; True when some tier had it."""
        erased = self._c.erase(self._key(key))
        self._drop_fronts()
        return erased

    def clear(self) -> bool:
        """Removes every entry: the memory tier, the whole disk store and the
        Redis keys of this namespace. True when every tier was cleared."""
        cleared = self._c.clear()
        self._drop_fronts()
        return cleared

    def _add_front(self, front: Any) -> None:
        with _fronts_lock:
            self._fronts.add(front)

    def _drop_fronts(self) -> None:
        with _fronts_lock:
            fronts = list(self._fronts)
            self._fronts.clear()
        for front in fronts:
            front._front_drop()

    def get_or_compute(self, key: Key, compute: Callable[[], R]) -> R:
        """The value under `key`, or ``compute()``'s result, stored under
        `key`. Concurrent calls for one key in this process run `compute`
        once; the others wait for it and share its result (or its
        exception). The caller that computed gets compute()'s own object."""
        def run() -> Tuple[str, str, Any, R]:
            result = compute()
            return (*_entries.encode(result), result)

        k = self._key(key)
        entry, _origin, computed = self._c.get_or_compute(k, run)
        if entry is None:
            result: R = computed
            return result
        try:
            value: R = _entries.decode(*entry)
            return value
        except _entries.Refused:  # never loaded: computed and replaced
            result = compute()
            self._c.put(k, *_entries.encode(result))
            return result

    # -- maintenance ----------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counters per tier: ``{"memory": {...}, "disk": {...}, "redis": {...},
        "computed": n, "joined": n}`` with only the enabled tiers; each tier
        has hits, misses, writes, evictions, corrupt, errors (calls of this
        Cache object), entries and bytes (the store's; None for Redis),
        max_bytes and available (False while backing off after an error);
        the disk tier also has ``path`` (the store's directory) and ``store``:
        the store's lifetime hits, misses, writes, evictions and corrupt
        entries, summed over every process that used it (what ``pixelcache
        cache stats`` shows).
        ``computed`` counts memoized calls that ran the function, ``joined``
        those that waited for another thread's run of the same key. Memory
        hits include the calls memoize's in-process front answered."""
        out = self._c.stats()
        if "disk" in out:
            out["disk"]["path"] = self._path  # where the store is
        return out

    def trim(self, max_bytes: int) -> dict[str, Any]:
        """Makes `max_bytes` the disk store's bound (recorded in the store,
        for every process that uses it) and evicts least recently used
        entries until the store holds at most that. A report dict."""
        report = self._c.trim(_size(max_bytes, "max_bytes", _MAX_DISK_BYTES))
        self._drop_fronts()
        return report

    def verify(self) -> dict[str, dict[str, Any]]:
        """Checks the disk store's structure, then re-reads every disk and
        Redis entry and checks it completely (its place, checksum,
        signature, contents); corrupt ones are dropped, and a store whose
        structure is damaged is set aside and replaced. ``{tier: {checked,
        ok, corrupt, complete, set_aside, problem}}``."""
        report = self._c.verify()
        self._warn()
        return report

    def _warn(self) -> None:
        for message in self._c.take_notices():
            warnings.warn(message, CacheWarning, stacklevel=3)


def _open(args: _Args) -> _pixelcache._Cache:
    """The _pixelcache._Cache of a Cache's arguments; None resolved from the
    environment (the library's cache_environment())."""
    path, max_bytes, memory_bytes, redis_url, namespace, ttl, connect, command, backoff, compression, secret, specs = args
    env = _pixelcache.cache_environment()
    if specs is None and (path, max_bytes, redis_url) == (None, None, None) and env["cache_tiers"]:
        specs = tuple(env["cache_tiers"])
    disk = ""
    if specs is None and max_bytes != 0:
        disk = path if path is not None else _pixelcache._Cache.default_directory()
    url = redis_url if redis_url is not None else ("" if specs is not None else env["redis_url"])
    key = secret if secret is not None else env["cache_key"]
    return _pixelcache._Cache(namespace=namespace, memory_bytes=memory_bytes, disk_path=disk, disk_bytes=max_bytes,
                              redis_url=url, redis_ttl=ttl, connect_timeout=connect, command_timeout=command,
                              retry_backoff=backoff, compression=compression, secret=key, tiers=list(specs or ()))


def _restore(path: Optional[str], max_bytes: Optional[int], memory_bytes: int, redis_url: Optional[str],
             namespace: str, ttl: float, connect: float, command: float, backoff: float, compression: str,
             secret: Union[str, bytes, None], tiers: Optional[Tuple[str, ...]] = None) -> Cache:
    """Unpickles a Cache: the live one made with the same arguments in this
    process, or a new one."""
    args: _Args = (path, max_bytes, memory_bytes, redis_url, namespace, ttl, connect, command, backoff, compression,
                   secret, tiers)
    c = Cache._instances.get(args)
    if c is None:
        c = Cache(path, max_bytes, memory_bytes, redis_url, namespace, redis_ttl=ttl, connect_timeout=connect,
                  command_timeout=command, retry_backoff=backoff, compression=compression, secret=secret,
                  tiers=tiers)
        Cache._instances[args] = c
    return c


# Caches whose disk reads are written when the process ends: recency and hit
# counts are kept in memory between write transactions, and DataLoader / Pool
# workers (multiprocessing children) end through os._exit, which runs neither
# atexit nor destructors — but it does run multiprocessing's finalizers.
_live: "weakref.WeakSet[Cache]" = weakref.WeakSet()


def _flush_all() -> None:
    for cache in list(_live):
        try:
            cache._c.flush()
        except Exception:  # noqa: BLE001 - a process on its way out: nothing to report to
            pass


class _FlushAnchor:
    """Holds the after-fork registration (multiprocessing keeps it weakly)."""


_flush_anchor = _FlushAnchor()


def _finalize_flush(_anchor: object = None) -> None:
    multiprocessing.util.Finalize(None, _flush_all, exitpriority=100)


atexit.register(_flush_all)
_finalize_flush()
# A multiprocessing child (fork, spawn or forkserver) clears the finalizers
# before it runs its target, then runs the after-fork hooks: register again.
multiprocessing.util.register_after_fork(_flush_anchor, _finalize_flush)


def _after_fork_in_child() -> None:
    global _fronts_lock
    Cache._default_lock = threading.Lock()  # in case another thread held it during fork
    _fronts_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
