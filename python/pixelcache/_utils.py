"""Helper functions of the original package: pseudo_hash, seed_everything."""
from __future__ import annotations

import os
import random

import numpy as np

from . import _pixelcache


def pseudo_hash(value, length: int = 6) -> str:
    """A short, stable hex name for `value` (an int index, a string, or
    anything a HashableList holds): the first `length` hex digits (1..32) of
    its structural digest. The same in every process and run."""
    if not 1 <= length <= 32:
        raise ValueError(f"pseudo_hash: length must be 1..32, got {length}")
    from ._containers import freeze

    return _pixelcache.value_digest(freeze(value))[0][:length]


def seed_everything(seed: int) -> None:
    """Seeds Python's random, NumPy and torch (CPU and CUDA, when torch is
    installed) and sets PYTHONHASHSEED for child processes."""
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.manual_seed(seed)
    if torch.cuda.is_available():  # pragma: no cover - no GPU here
        torch.cuda.manual_seed_all(seed)
