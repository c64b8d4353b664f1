"""Python values as cache entries and back (pixelcache.Cache, pixelcache.memoize).

A value is stored in one of three entry kinds (include/pixelcache/cache.hpp):

- ``image``: a HashableImage or a PIL image of mode RGB / L / 1, stored in
  its canonical pixel form;
- ``value``: a tree of None, bool, int (64-bit), float, str, bytes,
  HashableImage, PIL image (RGB / L / 1), ndarray (numeric or bool, native
  byte order), torch tensor (CPU, no grad, a NumPy dtype), BoundingBox,
  ImageSize, list, tuple, dict, HashableList and HashableDict, stored as a
  C++ ``Value`` (the container digest's own types);
- ``code``: anything else that pickles, as its pickle (tag ``"pickle"``).
  Loading a pickle runs code, so the C++ tiers sign these entries and
  return them only when the signature verifies (cache.hpp, "Trust"); a
  ``bytes`` entry is never unpickled, whatever its tag.

The tag records the Python types: ``"py:"`` and one code per node of the
tree in pre-order (a dict's key, then its value), e.g. ``"py:T"`` for a
HashableImage of mode "torch", ``"py:uTa"`` for a (HashableImage, ndarray)
tuple. A skeleton too long for a tag (64 bytes) goes into the value itself
(tag ``"py+"``, value ``[skeleton, tree]``). Types are matched exactly
(``type(x) is float``, not subclasses such as ``np.float64``), so what
comes back is the type that went in; anything else is pickled whole.
Entries written by other fronts (the CLI, C++) come back as HashableImage
(images), plain Python values and bytes.
"""
from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

from . import _convert
from ._containers import HashableDict, HashableList, _PilLeaf
from ._image import HashableImage
from ._pixelcache import BoundingBox, CacheError, ImageSize, InvalidType

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import numpy as np

_MAX_TAG = 64
_INT64 = (-(1 << 63), (1 << 63) - 1)
_IMAGE_CODE = {"pil": "P", "numpy": "N", "torch": "T"}
_IMAGE_KIND = {v: k for k, v in _IMAGE_CODE.items()}
_PIL_MODES = ("RGB", "L", "1")
_IMAGE_TAGS = {"py:" + code: kind for kind, code in _IMAGE_CODE.items()}


class Refused(CacheError):
    """An entry that is never loaded: an unsigned pickle (an old or forged
    entry). Callers treat it as a miss and replace it."""


class _Unstorable(Exception):
    """A node the value encoding does not cover: the whole result is pickled."""


def _tensor_array(t: Any) -> np.ndarray[Any, Any]:
    if type(t).__name__ != "Tensor" or t.device.type != "cpu" or t.requires_grad:
        raise _Unstorable
    try:
        a: np.ndarray[Any, Any] = t.numpy()
        return a
    except (TypeError, RuntimeError):  # bfloat16 and other dtypes NumPy lacks
        raise _Unstorable from None


def _node(x: Any, codes: list[str]) -> Any:
    """The plain tree the C++ Value conversion takes, appending the codes."""
    t = type(x)
    if x is None:
        codes.append("n")
        return None
    if t is bool:
        codes.append("b")
        return x
    if t is int:
        if not _INT64[0] <= x <= _INT64[1]:
            raise _Unstorable
        codes.append("i")
        return x
    if t is float:
        codes.append("f")
        return x
    if t is str:
        codes.append("s")
        return x
    if t is bytes:
        codes.append("y")
        return x
    if t is HashableImage:
        codes.append(_IMAGE_CODE[x._kind])
        return x._img
    if t is BoundingBox:
        codes.append("x")
        return x
    if t is ImageSize:
        codes.append("z")
        return (x.height, x.width)
    if t is np.ndarray:
        if x.dtype.kind not in "biufc" or x.dtype.byteorder == ">" or x.dtype.names is not None:
            raise _Unstorable
        codes.append("a")
        return x
    if t is _PilLeaf:  # a PIL image held by a hashable container
        x = x.pil
        t = type(x)
    if _convert.is_pil(x):
        if x.mode not in _PIL_MODES or x.getexif().get(0x0112, 1) not in (1, None):
            raise _Unstorable
        codes.append("I")
        return _convert.from_pil(x)
    if _convert.is_tensor(x) and t.__name__ == "Tensor":
        a = _tensor_array(x)
        codes.append("t")
        return a
    if t is list or t is tuple or t is HashableList:
        codes.append("l" if t is list else "u" if t is tuple else "L")
        items = [_node(v, codes) for v in (x._items if t is HashableList else x)]
        return items if t is list else tuple(items)  # tuples may be dict keys
    if t is dict or t is HashableDict:
        codes.append("d" if t is dict else "D")
        out: dict[Any, Any] = {}
        for k, v in (x._data if t is HashableDict else x).items():
            key = _node(k, codes)
            try:
                out[key] = None
            except TypeError:  # a key the plain tree cannot hold as a dict key
                raise _Unstorable from None
            out[key] = _node(v, codes)
        return out
    raise _Unstorable


def encode(value: Any) -> tuple[str, str, Any]:
    """(kind, tag, payload) for _pixelcache._Cache.put / get_or_compute."""
    t = type(value)
    if t is HashableImage:
        return "image", "py:" + _IMAGE_CODE[value._kind], value._img
    codes: list[str] = []
    try:
        tree = _node(value, codes)
    except _Unstorable:
        try:
            return "code", "pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            raise InvalidType(f"cannot store a {t.__name__} in the cache: it is neither an image, array, tensor, "
                              f"container nor plain value, and pickle fails: {e}") from None
    if codes == ["I"]:
        return "image", "py:I", tree
    skeleton = "".join(codes)
    if len(skeleton) + 3 <= _MAX_TAG:
        return "value", "py:" + skeleton, tree
    return "value", "py+", [skeleton, tree]


def _build(data: Any, codes: Any) -> Any:
    c = next(codes)
    if c in "nbifsyax":
        return data
    if c in "PNT":
        return HashableImage._wrap(data, _IMAGE_KIND[c])
    if c == "I":
        return _convert.to_pil(data)
    if c == "t":
        import torch

        return torch.from_numpy(data)
    if c == "z":
        return ImageSize(*data)
    if c in "luL":
        items = [_build(v, codes) for v in data]
        return items if c == "l" else tuple(items) if c == "u" else HashableList(items)
    if c in "dD":
        out = {}
        for k, v in data.items():
            key = _build(k, codes)
            out[key] = _build(v, codes)
        return out if c == "d" else HashableDict(out)
    raise CacheError(f"unknown type code {c!r} in a cache entry's tag")


def decode(kind: str, tag: str, payload: Any) -> Any:
    """The Python value of an entry (encode()'s inverse). Entries of other
    writers: images as HashableImage (mode "numpy"), values as plain Python
    values, bytes as bytes."""
    image_kind = _IMAGE_TAGS.get(tag)
    if image_kind is not None and kind == "image":  # the common case first: a HashableImage
        return HashableImage._wrap(payload, image_kind)
    if kind == "code":  # verified by the tier that returned it
        if tag != "pickle":
            raise CacheError(f"a code entry with the unknown tag {tag!r}")
        return pickle.loads(payload)
    if kind == "bytes":
        if tag == "pickle":  # not signed: never unpickled (an old or forged entry)
            raise Refused("an unsigned pickle in the cache is refused (it would run code when loaded)")
        return payload
    if tag.startswith("py:"):
        codes = iter(tag[3:])
        out = _build(payload, codes)
    elif tag == "py+":
        skeleton, tree = payload
        codes = iter(skeleton)
        out = _build(tree, codes)
    elif kind == "image":
        return HashableImage._wrap(payload, "numpy")
    else:
        return payload
    if next(codes, None) is not None:
        raise CacheError(f"the cache entry's tag {tag!r} describes more values than it holds")
    return out


def is_shared(value: Any) -> bool:
    """True for results handed out as they are (immutable: images,
    containers, plain values); mutable ones (arrays, tensors, PIL images,
    lists, dicts) come back as fresh copies from the cache."""
    return type(value) in (HashableImage, HashableList, HashableDict, str, bytes, int, float, bool, type(None),
                           BoundingBox, ImageSize)

