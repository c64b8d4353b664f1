"""Issue 21 from Python: the way back from a normalised training tensor,
channels-last tensors, where the cache's store is, and its modest default
bound."""
import numpy as np
import pytest
import torch

import pixelcache
from pixelcache import Cache, HashableImage, InvalidArgument, InvalidType

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def test_from_normalized_undoes_torchvisions_normalize():
    rng = np.random.default_rng(3)
    levels = rng.integers(0, 256, (3, 20, 30), dtype=np.uint8)
    x = torch.from_numpy(levels).float() / 255
    normalised = (x - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]
    with pytest.raises(InvalidArgument, match="from_normalized"):
        HashableImage(normalised)  # the error points the way back
    back = HashableImage.from_normalized(normalised, MEAN, STD)
    assert np.array_equal(back.numpy(), np.moveaxis(levels, 0, 2))  # exactly the levels (k/255 round trip)
    assert HashableImage.from_normalized(normalised[None], MEAN, STD) == back  # (1, c, h, w)
    hwc = normalised.permute(1, 2, 0).numpy()
    assert HashableImage.from_normalized(hwc, MEAN, STD) == back  # channels last, NumPy
    gray = (x[0] - 0.5) / 0.25
    assert HashableImage.from_normalized(gray, 0.5, 0.25).numpy().shape == (20, 30)
    assert HashableImage.from_normalized(torch.full((3, 2, 2), 10.0), 0.0, 1.0).numpy().max() == 255  # clipped
    with pytest.raises(InvalidArgument, match="3 values"):
        HashableImage.from_normalized(normalised, (0.5, 0.5), STD)
    with pytest.raises(InvalidArgument, match="non-zero"):
        HashableImage.from_normalized(normalised, MEAN, 0.0)
    with pytest.raises(InvalidType):
        HashableImage.from_normalized(torch.zeros((3, 2, 2), dtype=torch.uint8), MEAN, STD)


def test_channels_last_tensors_are_accepted():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)
    ref = HashableImage(a)
    assert HashableImage(torch.from_numpy(a)) == ref  # (h, w, c) uint8: the "got 300 channels"
    assert HashableImage(torch.from_numpy(a)[None]) == ref  # (1, h, w, c)
    assert HashableImage(torch.from_numpy(a).permute(2, 0, 1)) == ref  # still channels first
    with pytest.raises(InvalidArgument, match="first .* or last"):
        HashableImage(torch.zeros((5, 7, 9)))


def test_stats_say_where_the_store_is_and_the_default_bound(tmp_path):
    cache = Cache(tmp_path / "store", memory_bytes=0, redis_url="")
    disk = cache.stats()["disk"]
    assert disk["path"] == str(tmp_path / "store")
    assert disk["max_bytes"] == 1 << 30  # a cache nobody configured stays modest
