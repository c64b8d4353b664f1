"""HashableList and HashableDict: immutable containers with a stable
structural digest (the C++ pixelcache::Value digest, value.hpp)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import _convert, _pixelcache
from ._image import HashableImage

_IMMUTABLE = (type(None), bool, int, float, str, bytes, HashableImage, _pixelcache.BoundingBox,
              _pixelcache.ImageSize, _pixelcache.Points)


def freeze(x):
    """A deep, immutable copy of `x` for a hashable container: lists and
    tuples become HashableList, dicts HashableDict, PIL images
    HashableImage; arrays are copied read-only, tensors cloned (detached);
    immutable values are kept. TypeError for anything that cannot be hashed
    by content."""
    if isinstance(x, (_IMMUTABLE, HashableList, HashableDict)):
        return x
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"hashable containers hold numeric or bool arrays only, got dtype {x.dtype}")
        a = x.copy()
        a.setflags(write=False)
        return a
    if isinstance(x, (np.integer, np.floating, np.bool_)):
        return x.item()
    if _convert.is_tensor(x):
        return x.detach().clone()
    if _convert.is_pil(x):
        return HashableImage(x)
    if isinstance(x, (list, tuple)):
        return HashableList(x)
    if isinstance(x, Mapping):
        return HashableDict(x)
    raise TypeError(f"cannot hash a {type(x).__name__} by content: hashable containers hold None, bool, int, "
                    "float, str, bytes, images (HashableImage, PIL, ndarray, tensor), BoundingBox, ImageSize, "
                    "Points, lists, tuples and dicts")


class _Hashed:
    """Digest, hash and equality shared by both containers."""

    __slots__ = ()
    _plain: tuple = ()  # plain Python types compared by converting them first

    def __eq__(self, other) -> bool:
        if isinstance(other, self._plain):
            try:
                other = type(self)(other)
            except TypeError:
                return False
        if not isinstance(other, type(self)):
            return NotImplemented
        return self is other or (len(self) == len(other) and self.digest() == other.digest())

    def digest(self) -> str:
        """The stable 32-hex structural digest (the same in C++ for equal content)."""
        if self._digest is None:
            self._digest, self._hash = _pixelcache.container_digest(self)
        return self._digest

    def __hash__(self) -> int:
        if self._hash is None:
            self.digest()
        return self._hash

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class HashableList(_Hashed, Sequence):
    """An immutable list whose hash and equality come from its content.

    Members are deep-copied on construction (see freeze()); order matters.
    """

    __slots__ = ("_items", "_digest", "_hash")
    _plain = (list, tuple)

    def __init__(self, items=()) -> None:
        self._items = tuple(freeze(x) for x in items)
        self._digest = self._hash = None

    @classmethod
    def _of(cls, items: tuple) -> HashableList:
        out = cls.__new__(cls)
        out._items, out._digest, out._hash = items, None, None
        return out

    def __getitem__(self, i):
        if isinstance(i, slice):
            return HashableList._of(self._items[i])
        return self._items[i]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __add__(self, other) -> HashableList:
        return HashableList._of(self._items + tuple(freeze(x) for x in other))

    def __pixelcache_value__(self):
        return self._items

    def __reduce__(self):
        return (HashableList, (list(self._items),))

    def to_list(self) -> list:
        """A plain list of the members."""
        return list(self._items)

    def __repr__(self) -> str:
        return f"HashableList({list(self._items)!r})"


class HashableDict(_Hashed, Mapping):
    """An immutable dict whose hash and equality come from its content.

    Values are deep-copied on construction (see freeze()); insertion order
    is kept for iteration (and grid layout) but does not change equality or
    the digest, as with Python dicts.
    """

    __slots__ = ("_data", "_digest", "_hash")
    _plain = (dict,)

    def __init__(self, data=(), **kwargs) -> None:
        d = dict(data, **kwargs)
        self._data = {k: freeze(v) for k, v in d.items()}
        self._digest = self._hash = None

    def __getitem__(self, key):
        return self._data[key]

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self):
        return iter(self._data)

    def __or__(self, other) -> HashableDict:
        return HashableDict({**self._data, **dict(other)})

    def __pixelcache_value__(self):
        return self._data

    def __reduce__(self):
        return (HashableDict, (dict(self._data),))

    def to_dict(self) -> dict:
        """A plain dict of the members."""
        return dict(self._data)

    def __repr__(self) -> str:
        return f"HashableDict({self._data!r})"
