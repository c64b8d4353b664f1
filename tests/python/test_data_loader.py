"""pixelcache.data.Loader: batches made by C++ threads — shapes, dtypes,
drop_last, seeded shuffles, the dataset's samples bit for bit, bad files,
clean stops, the cache in the second epoch."""
import gc
import time

import numpy as np
import pytest
import torch

import pixelcache
from data_support import make_tree, thread_count
from pixelcache import InvalidArgument
from pixelcache.data import IMAGENET_MEAN, IMAGENET_STD, ImageDataset, ImageFolder, Loader, SkippedSampleWarning

STEPS = "resize_min_size:64,modulo=1 center_crop:56x56"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("tree"))


def test_shapes_dtypes_and_lengths(tree):
    ds = ImageFolder(tree, STEPS, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    loader = Loader(ds, 5, workers=2)
    assert len(loader) == 4  # 18 samples
    batches = list(loader)
    assert [tuple(x.shape) for x, _ in batches] == [(5, 3, 56, 56)] * 3 + [(3, 3, 56, 56)]
    x, y = batches[0]
    assert x.dtype == torch.float32 and x.is_contiguous() and y.dtype == torch.int64
    assert torch.equal(torch.cat([y for _, y in batches]), torch.tensor(ds.targets))
    assert len(Loader(ds, 5, drop_last=True)) == 3
    assert [x.shape[0] for x, _ in Loader(ds, 5, drop_last=True)] == [5, 5, 5]
    assert len(Loader(ds, 18)) == len(Loader(ds, 100)) == 1
    u8 = Loader(ImageFolder(tree, STEPS, dtype="uint8"), 4)
    x, _ = next(iter(u8))
    assert x.dtype == torch.uint8 and x.shape == (4, 3, 56, 56)
    arrays = Loader(ImageFolder(tree, STEPS, output="numpy"), 4)
    x, y = next(iter(arrays))
    assert isinstance(x, np.ndarray) and x.shape == (4, 56, 56, 3) and x.dtype == np.float32 and y.dtype == np.int64
    paths_only = Loader(ImageDataset([p for p, _ in ds.samples], STEPS), 7)
    first = next(iter(paths_only))
    assert isinstance(first, torch.Tensor) and first.shape == (7, 3, 56, 56)  # no targets: x alone


def test_batches_are_the_datasets_samples_in_a_seeded_permutation(tree):
    ds = ImageFolder(tree, STEPS, augment="random_resized_crop:48 random_flip", seed=11, mean=0.5, std=0.25)
    loader = Loader(ds, 4, shuffle=True, seed=3, workers=3)
    seen = {}
    for epoch in (0, 1):
        loader.set_epoch(epoch)
        order = loader.order()
        assert sorted(order) == list(range(len(ds)))
        assert order == pixelcache._pixelcache.shuffled_order(len(ds), 3, epoch)
        seen[epoch] = order
        xs, ys = zip(*loader)
        x, y = torch.cat(xs), torch.cat(ys)
        assert torch.equal(y, torch.tensor([ds.targets[i] for i in order]))
        # Bit for bit the dataset's items for the same (seed, epoch, index).
        want = torch.stack([ds[i][0] for i in order])
        assert torch.equal(x, want)
    assert seen[0] != seen[1]
    assert Loader(ds, 4, shuffle=True, seed=3).order(0) == seen[0]  # the same seed, the same permutation
    assert Loader(ds, 4, shuffle=True, seed=4).order(0) != seen[0]
    assert Loader(ds, 4).order(1) == list(range(len(ds)))


def test_batch_memory_is_reused_only_once_nothing_refers_to_it(tree):
    ds = ImageFolder(tree, STEPS, dtype="uint8")
    want = torch.stack([ds[i][0] for i in range(len(ds))])
    loader = Loader(ds, 3, prefetch=1)
    for _ in range(2):
        # Only a view of each batch kept (the batch tensor itself dropped):
        # the views keep their memory from being written by later batches.
        views = [x[1:] for x, _ in loader]
        assert all(torch.equal(v, want[3 * i + 1:3 * i + 3]) for i, v in enumerate(views))
        addresses = {v.data_ptr() for v in views}
        assert len(addresses) == len(views)
    # Batches dropped at once: a few slabs serve the whole epoch.
    seen = {x.data_ptr() for x, _ in loader}
    assert len(seen) <= 4


def test_early_break_stops_the_threads(tree):
    ds = ImageFolder(tree, STEPS, augment="random_resized_crop:48")
    loader = Loader(ds, 2, workers=4, prefetch=3)
    list(loader)  # a whole epoch first: threads a runtime starts once (ThreadSanitizer's) are there
    before = thread_count()
    for _ in range(3):
        for i, _batch in enumerate(loader):
            assert thread_count() >= before + 4
            if i == 1:
                break
        gc.collect()  # the dropped iterator joins its threads
        assert thread_count() == before
    it = iter(loader)
    next(it)
    it.close()
    assert thread_count() == before
    with pytest.raises(StopIteration):
        next(it)
    # An exception in the loop body: the iterator is dropped with the frame.
    with pytest.raises(RuntimeError):
        for _ in loader:
            raise RuntimeError("stop")
    gc.collect()
    assert thread_count() == before


def test_bad_files_raise_naming_them_or_are_skipped_and_counted(tree, tmp_path):
    root = tmp_path / "tree"
    for i, (path, target) in enumerate(ImageFolder(tree).samples[:10]):
        d = root / f"c{target}"
        d.mkdir(parents=True, exist_ok=True)
        data = open(path, "rb").read()
        (d / f"{i:02d}.jpg").write_bytes(data[:2000] if i == 6 else data)
    ds = ImageFolder(root, STEPS)
    bad = [p for p, _ in ds.samples if p.endswith("06.jpg")][0]
    with pytest.raises(pixelcache.DecodeError, match="06.jpg"):
        list(Loader(ds, 4))
    loader = Loader(ds, 4, on_error="skip")
    with pytest.warns(SkippedSampleWarning, match="06.jpg"):
        batches = list(loader)
    assert sum(x.shape[0] for x, _ in batches) == 9
    assert loader.skipped == 1
    index, path, error = loader.skipped_samples[0]
    assert path == bad and ds.samples[index][0] == bad and "truncated" in error
    # The rows of the kept samples are closed up, targets with them.
    kept = [i for i in range(10) if ds.samples[i][0] != bad]
    assert torch.equal(torch.cat([y for _, y in batches]), torch.tensor([ds.targets[i] for i in kept]))
    assert torch.equal(torch.cat([x for x, _ in batches]), torch.stack([ds[i][0] for i in kept]))


def test_samples_of_other_sizes_are_an_error_naming_the_files(tree):
    ds = ImageFolder(tree, "resize_min_size:64,modulo=1")  # sizes follow the aspect ratio
    with pytest.raises(InvalidArgument, match="one size") as e:
        list(Loader(ds, 6, on_error="skip"))
    assert ds.samples[0][0] in str(e.value)


def _invert(img):
    return img.invert_rgb()


def test_python_callable_augment_runs_under_the_gil(tree):
    ds = ImageFolder(tree, STEPS, augment=_invert, dtype="uint8")
    plain = ImageFolder(tree, STEPS, dtype="uint8")
    x, _ = next(iter(Loader(ds, 6, workers=3)))
    assert torch.equal(x, 255 - torch.stack([plain[i][0] for i in range(6)]))

    def boom(img):
        raise KeyError("from the callable")

    with pytest.raises(KeyError, match="from the callable"):
        list(Loader(ImageFolder(tree, STEPS, augment=boom), 4, workers=2))


def test_the_second_epoch_is_served_by_the_cache(tree, tmp_path):
    cache = pixelcache.Cache(tmp_path / "cache", redis_url="")
    ds = ImageFolder(tree, STEPS, cache=cache)
    loader = Loader(ds, 5, workers=2)
    first = torch.cat([x for x, _ in loader])
    computed = ds.stats()["transforms_computed"]
    assert computed == len(ds)
    before = cache.stats()
    t0 = time.perf_counter()
    second = torch.cat([x for x, _ in loader])
    assert time.perf_counter() - t0 < 5
    after = cache.stats()
    assert torch.equal(first, second)
    s = ds.stats()
    assert s["transforms_computed"] == computed and s["transform_hits"] == len(ds) and s["index_hits"] == len(ds)
    assert after["memory"]["hits"] - before["memory"]["hits"] == len(ds)  # one hit per sample, nothing else
    assert after["memory"]["misses"] == before["memory"]["misses"]
    assert after["disk"]["misses"] == before["disk"]["misses"] and after["disk"]["writes"] == before["disk"]["writes"]
