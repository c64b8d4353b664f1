"""NumPy imported on first use, not by `import pixelcache`: a script that
only loads, resizes and saves (the thumbnail path) never pays NumPy's
import (about 45 ms and 22 MiB here). Modules write

    if TYPE_CHECKING:
        import numpy as np
    else:
        from ._lazy import numpy as np

so type checkers see NumPy itself, and `np.<name>` imports it at the first
attribute looked up. `is_ndarray()` and `np_types()` answer without
importing: an object cannot be a NumPy one while NumPy is not imported."""
from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    import numpy as np


class _LazyModule(types.ModuleType):
    """A module imported on its first attribute lookup (then its attributes
    are copied here, so later lookups are plain)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, attr)


numpy = _LazyModule("numpy")


def is_ndarray(x: object) -> TypeGuard[np.ndarray[Any, Any]]:
    """isinstance(x, numpy.ndarray), without importing NumPy."""
    m = sys.modules.get("numpy")
    return m is not None and isinstance(x, m.ndarray)


def np_types(*names: str) -> tuple[type, ...]:
    """The NumPy types `names` (e.g. "bool_", "integer") for isinstance(),
    or () while NumPy is not imported (no object can be one then)."""
    m = sys.modules.get("numpy")
    return tuple(getattr(m, n) for n in names) if m is not None else ()
