"""pixelcache.memoize: a function's results kept in a pixelcache.Cache, keyed
by the stable content digests of its arguments."""
from __future__ import annotations

import functools
import inspect
import os
import pathlib
import sys
import types
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, ParamSpec, TypeVar, Union, overload

from . import _entries, _pixelcache
from ._cache import Cache
from ._image import HashableImage
from ._pixelcache import InvalidType

P = ParamSpec("P")
R = TypeVar("R")

_IMMUTABLE = (type(None), bool, int, float, str, bytes, _pixelcache.BoundingBox, _pixelcache.ImageSize)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_pixelcache._front_image_type(HashableImage)  # the front keys these by their digest


def _code_parts(code: types.CodeType) -> list[Any]:
    """What identifies a code object's behaviour, stable across processes
    (one Python version): bytecode, names and constants, nested code too."""
    consts = [_code_parts(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return [code.co_code, list(code.co_names), list(code.co_varnames), consts]


def _immutable(x: Any) -> bool:
    """True for values that cannot change after they are made: numbers,
    strings, bytes, None, images, boxes, sizes, hashable containers and
    tuples of these."""
    if type(x) is tuple:
        return all(_immutable(v) for v in x)
    return type(x) in _IMMUTABLE or hasattr(type(x), "__pixelcache_value__")


def function_identity(fn: Callable[..., Any]) -> tuple[str, list[Any], list[str]]:
    """(name, extra key values, their names) of a function for keys.

    A module-level function or method is named ``module.qualname``. A
    lambda or a function defined inside another one (whose qualname does
    not tell two of them apart) also gets the digest of its code, and its
    closure variables become arguments of every key: immutable values
    (numbers, strings, images, tuples of them ...) by value, functions by
    their identity, anything else (a list of calls, a lock, a logger) by
    its type only. A functools.partial is the identity of its
    function plus its bound arguments."""
    if isinstance(fn, functools.partial):
        name, extra, names = function_identity(fn.func)
        return (f"functools.partial({name})", [*extra, list(fn.args), dict(fn.keywords)],
                [*names, f"the bound arguments of partial({name})", f"the bound keywords of partial({name})"])
    if inspect.ismethod(fn):  # a bound method: its function, and the object it is bound to as an argument
        name, extra, names = function_identity(fn.__func__)
        owner = fn.__self__
        bound = function_identity(owner)[0] if isinstance(owner, type) else owner
        return name, [*extra, bound], [*names, f"the object {name} is bound to"]
    module = getattr(fn, "__module__", None) or ""
    if module == "__mp_main__":  # a script's functions in spawn / forkserver children: one name everywhere
        module = "__main__"
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__qualname__
    name = f"{module}.{qualname}"
    target = fn
    code = getattr(target, "__code__", None)
    if code is None or ("<lambda>" not in qualname and "<locals>" not in qualname):
        return name, [], []
    name += "#" + _pixelcache.value_digest(_code_parts(code))[0]
    extra, names = [], []
    for var, cell in zip(code.co_freevars, getattr(target, "__closure__", None) or ()):
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            value = None
        if callable(value) and not hasattr(value, "__pixelcache_value__"):
            value = function_identity(value)[0]
        elif not _immutable(value):  # bookkeeping (a list of calls, a lock, a logger): by type only
            value = "<" + type(value).__module__ + "." + type(value).__qualname__ + ">"
        extra.append(value)
        names.append(f"the closure variable '{var}' of {name.split('#')[0]}")
    return name, extra, names


def _has_path(x: Any) -> bool:
    t = type(x)
    if t is tuple or t is list:
        return any(_has_path(v) for v in x)
    if t is dict:
        return any(_has_path(k) or _has_path(v) for k, v in x.items())
    return isinstance(x, pathlib.PurePath)


def _by_content(x: Any) -> Any:
    """`x` with every pathlib path in it replaced by the digest of its file's
    bytes (IoError naming a path that cannot be read)."""
    t = type(x)
    if t is tuple or t is list:
        return t(_by_content(v) for v in x)
    if t is dict:
        return {_by_content(k): _by_content(v) for k, v in x.items()}
    if isinstance(x, pathlib.PurePath):
        return ("pathlib.Path content", _pixelcache.file_digest(os.fspath(x)))
    return x


def _file_contents(values: Any) -> Any:
    """The key values of a call: a pathlib path argument is keyed by its
    file's content (a changed file is computed again, a moved one is a hit);
    a str stays a string, as in the original."""
    if any(_has_path(v) for v in values):
        return [_by_content(v) for v in values]
    return values


class Memoized(_pixelcache._MemoFront, Generic[P, R]):
    """A function wrapped by pixelcache.memoize (see there). Calling it
    returns the cached result or computes and stores it. Attributes:
    ``__wrapped__`` (the function), ``cache`` (the Cache in use),
    ``name`` and ``version`` (parts of every key), ``key(*args, **kwargs)``
    (the 32-hex key of a call).

    The call itself is the C base class _MemoFront (python/src/memo_front.cpp):
    a front of the memory tier that answers repeated calls with plain
    arguments (str, bytes, int, float, bool, None, HashableImage, tuples of
    them, by position) from a dict of the shared results it has handed out,
    and calls ``_call`` (the path through the tiers) for everything else.
    """

    __wrapped__: Callable[P, R]

    def __init__(self, fn: Callable[P, R], cache: Optional[Cache], version: str, name: Optional[str]) -> None:
        if not callable(fn):
            raise InvalidType(f"memoize: expected a function, got {type(fn).__name__}")
        if cache is not None and not isinstance(cache, Cache):
            raise InvalidType(f"memoize: cache must be a pixelcache.Cache or None, got {type(cache).__name__}")
        if not isinstance(version, str):
            raise InvalidType(f"memoize: version must be a str, got {type(version).__name__}")
        if name is not None and not isinstance(name, str):
            raise InvalidType(f"memoize: name must be a str or None, got {type(name).__name__}")
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._cache = cache
        self._version = version
        self._given_name = name
        if name is None:
            self._name, extra, extra_names = function_identity(fn)
        else:
            self._name, extra, extra_names = name, [], []
        self._extra = tuple(extra)
        try:
            self._sig: Optional[inspect.Signature] = inspect.signature(fn)
        except (TypeError, ValueError):  # builtins without a signature: arguments as given
            self._sig = None
        params = list(self._sig.parameters.values()) if self._sig is not None else []
        short = self.name.split("#")[0]
        self._param_names = [f"argument '{p.name}' of {short}" for p in params]
        self._all_names = [*extra_names, *self._param_names]
        # The fast path: only positional-or-keyword parameters, called positionally.
        self._simple = self._sig is not None and all(p.kind in _POSITIONAL for p in params)
        self._n = len(params)
        self._defaults = [p.default for p in params]
        self._bind_direct()

    # name and version are parts of every key: changing one rebinds the C paths (their results were keyed
    # under the old one).
    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if not isinstance(value, str):
            raise InvalidType(f"memoize: name must be a str, got {type(value).__name__}")
        self._name = self._given_name = value
        self._rebind()

    @property
    def version(self) -> str:
        return self._version

    @version.setter
    def version(self, value: str) -> None:
        if not isinstance(value, str):
            raise InvalidType(f"memoize: version must be a str, got {type(value).__name__}")
        self._version = value
        self._rebind()

    def _rebind(self) -> None:
        self._front_drop()
        self._bind_direct()

    def _bind_direct(self) -> None:
        """Without a memory tier there is nothing for the front to hold: calls with every parameter given by
        position then run the tier path in C (memo_front.cpp), which calls _compute on a miss."""
        cache = self._cache
        if cache is not None and self._simple and not cache._c.has_tier("memory"):
            self._front_direct(cache._c, self._name, self._version, self._extra, list(self._all_names), self._n,
                               _entries.decode, self._compute)

    def _compute(self, *args: Any) -> tuple[str, str, Any, R]:
        """(kind, tag, payload, result) of a call computed on a miss of the C tier path."""
        result = self._fn(*args)
        return (*_entries.encode(result), result)

    def _replace(self, cache: Cache, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Computes a call whose stored entry does not decode (another type under the key: a changed
        function without a new version) and replaces the entry."""
        result = self._fn(*args, **kwargs)
        cache._c.put(self._key(cache, args, kwargs), *_entries.encode(result))
        return result

    def _replace_positional(self, *args: Any) -> Any:
        """_replace of a call of the C tier path."""
        return self._replace(self.cache, args, {})

    # -- keys -----------------------------------------------------------------------
    def _arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        """The argument values in parameter order, defaults applied: the
        same list whether an argument was passed by position or by name."""
        n = len(args)
        if self._simple and not kwargs and n <= self._n:
            if n == self._n:
                return [*self._extra, *args]
            rest = self._defaults[n:]
            if all(d is not inspect.Parameter.empty for d in rest):
                return [*self._extra, *args, *rest]
        if self._sig is None:
            return [*self._extra, list(args), dict(kwargs)]
        bound = self._sig.bind(*args, **kwargs)  # TypeError for a call the function would refuse
        bound.apply_defaults()
        values = list(self._extra)
        for p in self._sig.parameters.values():
            v = bound.arguments[p.name]
            values.append(list(v) if p.kind is inspect.Parameter.VAR_POSITIONAL else
                          dict(v) if p.kind is inspect.Parameter.VAR_KEYWORD else v)
        return values

    def _key(self, cache: Cache, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
        values = _file_contents(self._arguments(args, kwargs))
        return _pixelcache.cache_key(cache.namespace, self.name, self.version, values, self._names(len(values)))

    def _names(self, count: int) -> list[str]:
        names = self._all_names
        if len(names) == count:
            return names
        return [*names, *(f"argument {i} of {self.name}" for i in range(len(names), count))][:count]

    def key(self, *args: P.args, **kwargs: P.kwargs) -> str:
        """The 32-hex key a call with these arguments uses."""
        return self._key(self.cache, args, kwargs).hex()

    @property
    def cache(self) -> Cache:
        """The Cache this function uses (the default one when memoize got none)."""
        return self._cache if self._cache is not None else Cache.default()

    # -- calls ----------------------------------------------------------------------
    if TYPE_CHECKING:  # at run time the C base's call, which runs _call on a miss
        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        """A call through the tiers (the front's miss path)."""
        cache = self._cache if self._cache is not None else Cache.default()
        fn = self._fn
        if self._simple and not kwargs and len(args) == self._n and not self._extra:
            values: Any = args  # the common case: every parameter given by position
            names = self._all_names
        else:
            values = self._arguments(args, kwargs)
            names = self._names(len(values))
        values = _file_contents(values)

        def compute() -> tuple[str, str, Any, R]:
            result = fn(*args, **kwargs)
            return (*_entries.encode(result), result)

        entry, _origin, computed, front = cache._c.memo_call(self.name, self.version, values, names, compute)
        if entry is None:
            result = computed
        else:
            try:
                result = _entries.decode(*entry)
            except Exception:  # an entry of another type under the key (a changed function without a new version)
                return self._replace(cache, args, kwargs)
        # Shared results of entries the memory tier holds go into the front (mutable ones stay fresh copies).
        if front is not None and not kwargs and _entries.is_shared(result):
            if self._front_store(cache._c, args, result, *front):
                cache._add_front(self)
        return result

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """As a method: bound to the instance, which is then the first
        argument of the key (so it must be keyable, e.g. a HashableImage)."""
        return self if instance is None else types.MethodType(self, instance)

    def __repr__(self) -> str:
        return f"<memoized {self.name} version={self.version!r}>"

    def __reduce__(self) -> Any:
        # By reference when the module attribute is this object and the
        # module is importable where it goes; otherwise by value (the function
        # itself pickled, e.g. by cloudpickle for Dask).
        module = sys.modules.get(getattr(self, "__module__", ""), None)
        by_value = sys.modules.get("cloudpickle")
        registry = by_value.list_registry_pickle_by_value() if by_value is not None else set()
        if module is not None and getattr(self, "__module__", "") not in registry:
            obj: Any = module
            qualname: str = getattr(self, "__qualname__", "")
            for part in qualname.split("."):
                obj = getattr(obj, part, None)
            if obj is self:
                return qualname
        return (Memoized, (self._fn, self._cache, self.version, self._given_name))


@overload
def memoize(fn: Callable[P, R], /, *, cache: Optional[Cache] = None, version: str = "",
            name: Optional[str] = None) -> Memoized[P, R]: ...


@overload
def memoize(fn: Optional[Cache] = None, /, *, cache: Optional[Cache] = None, version: str = "",
            name: Optional[str] = None) -> Callable[[Callable[P, R]], Memoized[P, R]]: ...


def memoize(fn: Union[Callable[P, R], Cache, None] = None, /, *, cache: Optional[Cache] = None, version: str = "",
            name: Optional[str] = None) -> Any:
    """Keeps a function's results in a pixelcache.Cache, keyed by the stable
    content digests of its arguments:

        @pixelcache.memoize                       # the default Cache (from the environment)
        def thumbnail(path: str) -> HashableImage:
            return HashableImage.load_resized(path, (256, 256))

        @pixelcache.memoize(cache=pixelcache.Cache("/data/cache"), version="2")
        def mask(img: HashableImage, threshold: float = 0.5) -> HashableImage: ...

    The key is the digest of (the cache's namespace, ``name``, ``version``,
    each argument's stable digest). ``name`` defaults to
    ``module.qualname`` (for lambdas and functions defined inside other
    functions also the digest of their bytecode, and their immutable closure
    variables — numbers, strings, images, tuples — count as arguments;
    mutable ones count by their type only, so pass data that changes the
    result as an argument); change ``version`` when the function's output
    changes, to stop reading old results. Arguments are bound to the
    signature with the defaults applied, so ``f(x)``, ``f(x, k=1)`` and
    ``f(x, 1)`` are one key when ``k`` defaults to 1; ``*args`` count as a
    list and ``**kwargs`` as a dict (keyword order does not matter).

    Arguments are keyed by content: HashableImage (its digest, computed once
    per image and then free), PIL images (their pixels), ndarray and torch
    tensors (dtype, shape and bytes), HashableList / HashableDict,
    BoundingBox, ImageSize, Points, ImageCrop, str, bytes, int, float, bool,
    None, and tuples / lists / dicts of these. ``1``, ``1.0`` and ``True``
    are different keys. Any other argument raises pixelcache.InvalidType (a
    TypeError) naming it. A ``pathlib.Path`` argument is keyed by its
    file's content (a changed file is computed again); a path string is
    keyed as a string, as in the original.

    Results come back as the type they were: HashableImage, PIL images,
    ndarray and tensors (fresh copies), hashable containers, BoundingBox,
    ImageSize and trees of plain values are stored without pickle (see
    ``Cache.put``); other results through pickle. The call that computes
    gets the function's own result object.

    Repeated calls are answered in C from an in-process front of the
    memory tier (about as fast as a ``functools.lru_cache`` hit) when every
    argument is given by position and is exactly a str, bytes, int, float,
    bool, None, HashableImage (by its digest) or a tuple of these, and the
    result is one handed out shared (images, hashable containers, plain
    values): such a hit returns the same object each time and counts as a
    memory-tier hit in ``Cache.stats()``. The front holds only results the
    memory tier holds: it is emptied whenever an entry leaves the memory
    tier or is replaced there (``erase``, ``put``, ``clear``, ``trim``,
    eviction), holds at most 65536 results and the memory tier's bound in
    bytes, and a Cache with ``memory_bytes=0`` has none. Its hits do not
    refresh the memory tier's least-recently-used order.

    Concurrent calls with one key in a process compute once (the others
    wait and share the result, or the exception, which is not cached). The
    GIL is released while the cache does I/O. ``cache=None`` uses
    ``pixelcache.Cache.default()``, made on first use. The wrapper pickles
    (by reference, or by value with its Cache's configuration).
    """
    if isinstance(fn, Cache):
        if cache is not None:
            raise InvalidType("memoize: give the cache once (positionally or as cache=)")
        cache, fn = fn, None
    if fn is None:
        return lambda f: Memoized(f, cache, version, name)
    return Memoized(fn, cache, version, name)
