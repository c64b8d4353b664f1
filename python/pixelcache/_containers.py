"""HashableList and HashableDict: immutable containers with a stable
structural digest (the C++ pixelcache::Value digest, value.hpp)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence, TypeVar, overload

from . import _convert, _pixelcache
from ._lazy import is_ndarray, np_types
from ._pixelcache import InvalidType

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import numpy as np

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

# The members a hashable container holds as they are: immutable values the
# digest (python/src/value.cpp) takes directly. Types with a
# __pixelcache_value__ method (HashableImage, Points, ImageCrop) are held as
# they are too; mutable members (arrays, tensors, PIL images, lists, tuples,
# dicts) are copied by freeze(). Anything else is refused with the digest's
# own message, so the accepted types are the digest's.
_AS_IS = (type(None), bool, int, float, str, bytes, _pixelcache.BoundingBox, _pixelcache.ImageSize)


class _PilLeaf:
    """A PIL image held by a container: a private copy, handed out as a
    fresh copy on every access (as the original), hashed by its pixels."""

    __slots__ = ("pil", "_img")

    def __init__(self, pil: Any) -> None:
        self.pil = pil.copy()
        self._img = _convert.from_pil(self.pil)  # as HashableImage(pil)

    def __pixelcache_value__(self) -> _pixelcache.Image:
        return self._img


def freeze(x: Any) -> Any:
    """A deep, immutable copy of `x` for a hashable container: lists become
    HashableList, dicts HashableDict, tuples tuples of frozen members;
    arrays are copied read-only, tensors cloned (detached), PIL images
    copied; immutable values are kept. pixelcache.InvalidType for anything
    that cannot be hashed by content."""
    if isinstance(x, (_AS_IS, HashableList, HashableDict)) or hasattr(type(x), "__pixelcache_value__"):
        return x
    if is_ndarray(x):
        if x.dtype.kind not in "biufc":
            raise InvalidType(f"hashable containers hold numeric or bool arrays only, got dtype {x.dtype}")
        a = x.copy()
        a.setflags(write=False)
        return a
    if isinstance(x, np_types("integer", "floating", "bool_")):
        return x.item()
    if _convert.is_tensor(x):
        return x.detach().clone()
    if _convert.is_pil(x):
        return _PilLeaf(x)
    if isinstance(x, list):
        return HashableList(x)
    if isinstance(x, tuple):
        return tuple(freeze(v) for v in x)
    if isinstance(x, Mapping):
        return HashableDict(x)
    _pixelcache.value_digest(x)  # raises the digest's InvalidType naming the accepted types
    raise InvalidType(f"cannot hold a {type(x).__name__} in a hashable container")  # pragma: no cover


def _out(x: Any) -> Any:
    """A member as handed out: arrays as read-only views, tensors as clones,
    PIL images as copies (so no caller can change what is hashed)."""
    if is_ndarray(x):
        return x.view()  # read-only: the stored copy is, and a view cannot be made writeable
    if isinstance(x, _PilLeaf):
        return x.pil.copy()
    if _convert.is_tensor(x):
        return x.clone()
    if isinstance(x, tuple):
        return tuple(_out(v) for v in x)
    return x


def _plain(x: Any) -> Any:
    """A member converted back to plain Python containers, recursively."""
    if isinstance(x, HashableList):
        return x.to_list()
    if isinstance(x, HashableDict):
        return x.to_dict()
    return _out(x)


class _Hashed:
    """Digest, hash and equality shared by both containers."""

    __slots__ = ("_digest", "_hash")
    _plain_types: tuple[type, ...] = ()  # plain Python types compared by converting them first
    _digest: str | None
    _hash: int | None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, self._plain_types):
            try:
                other = type(self)(other)  # type: ignore[call-arg]
            except TypeError:
                return False
        if not isinstance(other, type(self)):
            return NotImplemented
        return self is other or (len(self) == len(other) and self.digest() == other.digest())  # type: ignore

    def digest(self) -> str:
        """The stable 32-hex structural digest (the same in C++ for equal content)."""
        if self._digest is None:
            self._digest, self._hash = _pixelcache.container_digest(self)
        return self._digest

    def __hash__(self) -> int:
        if self._hash is None:
            self.digest()
        assert self._hash is not None
        return self._hash

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: Any) -> Any:
        return self


class HashableList(_Hashed, Sequence[T]):
    """An immutable list whose hash and equality come from its content.

    HashableList(data): members are deep-copied on construction (see
    freeze()); order matters. Indexing returns members (arrays read-only,
    tensors and PIL images as copies); a slice is a new HashableList;
    `* n` repeats the list.
    """

    __slots__ = ("_items",)
    _plain_types = (list, tuple)

    def __init__(self, data: Iterable[T] = ()) -> None:
        self._items = tuple(freeze(x) for x in data)
        self._digest = self._hash = None

    @classmethod
    def _of(cls, items: tuple[Any, ...]) -> HashableList[Any]:
        out = cls.__new__(cls)
        out._items, out._digest, out._hash = items, None, None
        return out

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> HashableList[T]: ...

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return HashableList._of(self._items[i])
        return _out(self._items[i])

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return (_out(x) for x in self._items)

    def __add__(self, other: Iterable[T]) -> HashableList[T]:
        return HashableList._of(self._items + tuple(freeze(x) for x in other))

    def __mul__(self, n: int) -> HashableList[T]:
        """The list repeated `n` times (as list * n)."""
        if not isinstance(n, int) or isinstance(n, bool):
            return NotImplemented
        return HashableList._of(self._items * n)

    __rmul__ = __mul__

    def __pixelcache_value__(self) -> tuple[Any, ...]:
        return self._items

    def __reduce__(self) -> tuple[Any, ...]:
        return (HashableList, (self.to_list(),))

    def to_list(self) -> list[Any]:
        """A plain list, nested containers converted too (arrays read-only,
        tensors and PIL images as copies)."""
        return [_plain(x) for x in self._items]

    def copy(self) -> HashableList[T]:
        """A new HashableList with the same members (shared: they are immutable)."""
        return HashableList._of(self._items)

    def __repr__(self) -> str:
        return f"HashableList: {[_out(x) for x in self._items]!r}"


class HashableDict(_Hashed, Mapping[K, V]):
    """An immutable dict whose hash and equality come from its content.

    HashableDict(data): values are deep-copied on construction (see
    freeze()); insertion order is kept for iteration (and grid layout) but
    does not change equality or the digest, as with Python dicts. A missing
    key raises KeyError("Key <k> not found in HashableDict").
    """

    __slots__ = ("_data",)
    _plain_types = (dict,)

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = (), **kwargs: V) -> None:
        d: dict[Any, V] = dict(data, **kwargs)
        self._data: dict[K, Any] = {k: freeze(v) for k, v in d.items()}
        self._digest = self._hash = None

    def __getitem__(self, key: K) -> V:
        try:
            value: V = _out(self._data[key])
            return value
        except KeyError:
            raise KeyError(f"Key {key} not found in HashableDict") from None

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def keys(self) -> Any:
        """The keys, in insertion order (a live view)."""
        return self._data.keys()

    def __or__(self, other: Mapping[K, V]) -> HashableDict[K, V]:
        return HashableDict({**self._data, **dict(other)})

    def __pixelcache_value__(self) -> dict[K, Any]:
        return self._data

    def __reduce__(self) -> tuple[Any, ...]:
        return (HashableDict, (self.to_dict(),))

    def to_dict(self) -> dict[K, Any]:
        """A plain dict, nested containers converted too (arrays read-only,
        tensors and PIL images as copies)."""
        return {k: _plain(v) for k, v in self._data.items()}

    def copy(self) -> HashableDict[K, V]:
        """A new HashableDict with the same members (shared: they are immutable)."""
        out = HashableDict.__new__(HashableDict)
        out._data, out._digest, out._hash = dict(self._data), None, None
        return out

    def __repr__(self) -> str:
        return f"HashableDict: {({k: _out(v) for k, v in self._data.items()})!r}"
