"""pixelcache.tools.cache: the original's caching helpers. lru_cache and
jaxtyped are decorators (the latter a pass-through: the C++ core checks
shapes and types itself); get_cache_dir names the platform's cache folder;
sha256sum and pseudo_hash make short names."""
from __future__ import annotations

import functools
import hashlib
import os
import pathlib
import sys
from typing import Any, Callable, TypeVar

from .._utils import pseudo_hash

__all__ = ["lru_cache", "jaxtyped", "get_cache_dir", "sha256sum", "pseudo_hash"]

F = TypeVar("F", bound=Callable[..., Any])

#: DISABLE_LRU_CACHE="True" (exactly, read once at import) makes lru_cache a pass-through.
_DISABLED = os.environ.get("DISABLE_LRU_CACHE") == "True"


def lru_cache(maxsize: int | None = 128) -> Callable[[F], F]:
    """functools.lru_cache(maxsize, typed=True) as a decorator factory, or a
    pass-through when the environment variable DISABLE_LRU_CACHE is "True".
    HashableImage, the containers and the geometry types are valid keys."""

    def decorate(fn: F) -> F:
        if _DISABLED:
            @functools.wraps(fn)
            def passthrough(*args: Any, **kwargs: Any) -> Any:
                return fn(*args, **kwargs)

            return passthrough  # type: ignore[return-value]
        return functools.lru_cache(maxsize=maxsize, typed=True)(fn)  # type: ignore[return-value]

    return decorate


def jaxtyped(fn: F | None = None, *, typechecker: Any = None) -> Any:
    """A pass-through for the original's jaxtyping decorator, usable as
    @jaxtyped or @jaxtyped(typechecker=...): shapes and dtypes are checked
    by the C++ core (pixelcache.InvalidArgument / InvalidType), so no
    runtime annotation checker is needed."""
    if fn is None:
        return lambda f: f
    return fn


def get_cache_dir() -> pathlib.Path:
    """The user cache folder: $XDG_CACHE_HOME or ~/.cache on Linux,
    ~/Library/Caches on macOS, %LOCALAPPDATA% or ~\\AppData\\Local on
    Windows. Not created."""
    if sys.platform == "darwin":
        return pathlib.Path.home() / "Library" / "Caches"
    if sys.platform.startswith("win"):
        local = os.environ.get("LOCALAPPDATA")
        return pathlib.Path(local) if local else pathlib.Path.home() / "AppData" / "Local"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return pathlib.Path(xdg) if xdg else pathlib.Path.home() / ".cache"


def sha256sum(filename: str | os.PathLike[str]) -> str:
    """The first 8 hex digits of the file's SHA-256 (hashlib; the original
    needed an undeclared third-party package)."""
    h = hashlib.sha256()
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:8]
