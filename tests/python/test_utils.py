"""The helper functions: seed_everything, the public names (display_string: test_original_grid.py)."""
import random

import numpy as np
import torch

import pixelcache
from pixelcache import seed_everything


def test_public_names_of_the_original():
    for name in ("HashableImage", "HashableDict", "HashableList", "BoundingBox", "ImageSize", "Points",
                 "ImageCrop", "pseudo_hash", "display_string", "seed_everything"):
        assert name in pixelcache.__all__ and hasattr(pixelcache, name)


def test_seed_everything_repeats_every_generator():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    seed_everything(7)
    first = draw()
    seed_everything(7)
    assert draw() == first
    seed_everything(8)
    assert draw() != first
