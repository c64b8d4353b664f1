"""The helper functions: seed_everything, display_string, the public names."""
import random

import numpy as np
import torch

import pixelcache
from pixelcache import ImageSize, display_string, seed_everything


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


def test_display_string_draws_centred_text():
    img = display_string("pixelcache", ImageSize(40, 200))
    assert img.dtype() == "L" and img.size() == (40, 200)
    a = img.numpy()
    ys, xs = np.nonzero(a > 128)
    assert a.max() == 255 and len(xs) > 50                     # readable white text
    assert abs((xs.min() + xs.max()) / 2 - 100) < 8            # centred horizontally
    assert display_string("", (10, 10)).max() == 0             # empty text draws nothing
