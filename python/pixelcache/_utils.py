"""Helper functions of the original package: pseudo_hash, seed_everything."""
from __future__ import annotations

import os
import random
import string
from typing import TYPE_CHECKING, Any

from . import _pixelcache
from ._logging import get_logger

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import numpy as np

_logger = get_logger("pixelcache")


def pseudo_hash(idx: Any, length: int = 6) -> str:
    """`length` letters (a-z, A-Z) drawn by Python's random generator seeded
    with `idx`: the original's function, with the same result for every
    int, str or bytes (pseudo_hash(0) == "yWAcqG"), in every process. Unlike
    the original it uses a generator of its own, so the global `random`
    state is left alone. Other values (anything a HashableList holds) seed
    with their stable structural digest."""
    if not isinstance(idx, (int, float, str, bytes, bytearray)):
        from ._containers import freeze

        idx = _pixelcache.value_digest(freeze(idx))[0]
    rng = random.Random(idx)
    return "".join(rng.choice(string.ascii_letters) for _ in range(length))


def seed_everything(seed: int | None = None, *, workers: bool = False, verbose: bool = True,
                    cuda_deterministic: bool = True) -> int:
    """Seeds Python's `random`, NumPy's legacy global generator and torch
    (CPU, and every CUDA device when there is one), as the original (after
    Lightning's function). `seed` None reads the environment variable
    PL_GLOBAL_SEED (0 when unset or not an int); a seed outside
    [0, 2**32 - 1] becomes 0. Logs "Seed set to N" (INFO, logger
    "pixelcache") when `verbose`; sets PL_GLOBAL_SEED and PL_SEED_WORKERS
    ("1" with `workers`) for worker processes; with CUDA and
    `cuda_deterministic`, makes cuDNN deterministic. Returns the seed used."""
    if seed is None:
        try:
            seed = int(os.environ.get("PL_GLOBAL_SEED", "0"))
        except ValueError:
            seed = 0
    seed = int(seed)
    if not 0 <= seed <= 2**32 - 1:
        seed = 0
    if verbose:
        _logger.info(f"Seed set to {seed}")
    os.environ["PL_GLOBAL_SEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is optional
        torch = None
    if torch is not None:
        torch.manual_seed(seed)
        if torch.cuda.is_available():  # pragma: no cover - no GPU here
            torch.cuda.manual_seed_all(seed)
            if cuda_deterministic:
                torch.backends.cudnn.deterministic = True
                torch.backends.cudnn.benchmark = False
    os.environ["PL_SEED_WORKERS"] = f"{int(workers)}"
    return seed
