"""pixelcache.data datasets in torch.utils.data.DataLoader worker processes:
fork and spawn, persistent or not — the same items as in this process, the
epoch seen by the workers, and a second epoch served by the cache (the
workers' hits counted in the disk store, as `pixelcache cache stats` shows
them)."""
import json
import os
import pathlib
import subprocess

import pytest
import torch

import pixelcache
from data_support import make_tree
from pixelcache.data import IMAGENET_MEAN, IMAGENET_STD, ImageFolder

STEPS = "resize_min_size:64,modulo=1 center_crop:56x56"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("tree"))


def _epoch(loader):
    xs, ys = zip(*loader)
    return torch.cat(xs), torch.cat(ys)


@pytest.mark.parametrize("workers,context,persistent", [
    (0, None, False), (2, "fork", False), (2, "fork", True), (2, "spawn", False), (2, "spawn", True)])
def test_dataloader_workers_give_the_same_items(tree, tmp_path, workers, context, persistent):
    cache = pixelcache.Cache(tmp_path / "cache", redis_url="")
    ds = ImageFolder(tree, STEPS, augment="random_flip random_crop:48,padding=4", cache=cache, seed=2,
                     mean=IMAGENET_MEAN, std=IMAGENET_STD)
    want = {}
    for e in (0, 1):  # the items in this process
        ds.set_epoch(e)
        want[e] = torch.stack([ds[i][0] for i in range(len(ds))]), torch.tensor(ds.targets)
    ds.set_epoch(0)
    kw = dict(batch_size=4, num_workers=workers)
    if workers:
        kw.update(multiprocessing_context=context, persistent_workers=persistent)
    loader = torch.utils.data.DataLoader(ds, **kw)
    for epoch in (0, 1):
        ds.set_epoch(epoch)  # before iterating: seen by new and persistent workers alike
        x, y = _epoch(loader)
        assert torch.equal(y, want[epoch][1])
        assert torch.equal(x, want[epoch][0]), f"epoch {epoch}"
    assert not torch.equal(want[0][0], want[1][0])


def _cli():
    cli = pathlib.Path(os.environ.get("PIXELCACHE_CLI") or
                       pathlib.Path(__file__).parents[2] / "build" / "release" / "cli" / "pixelcache")
    if not cli.exists():
        pytest.skip(f"CLI not built: {cli}")
    return cli


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_the_second_epoch_is_all_cache_hits_across_workers(tree, tmp_path, context):
    cache = pixelcache.Cache(tmp_path / "cache", redis_url="")
    ds = ImageFolder(tree, STEPS, cache=cache)
    n = len(ds)

    def run():
        loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context=context)
        return _epoch(loader)[0]

    first = run()  # the workers decode, transform and store; they flush their counts as they end
    store1 = cache.stats()["disk"]["store"]
    assert store1["writes"] == 2 * n  # a transformed image and a stat index entry per file
    assert store1["misses"] == 2 * n and store1["hits"] == 0
    second = run()  # new workers: empty memory tiers, so every lookup is a disk hit
    store2 = cache.stats()["disk"]["store"]
    assert torch.equal(first, second)
    assert store2["misses"] == store1["misses"] and store2["writes"] == store1["writes"]  # nothing computed
    assert store2["hits"] - store1["hits"] == 2 * n  # the stat index entry and the image of each file
    # The main process computed nothing: its own counters.
    mine = cache.stats()
    assert mine["computed"] == 0 and mine["disk"]["writes"] == 0 and mine["disk"]["misses"] == 0
    # This process reads the same cache: all memory or disk hits.
    assert torch.equal(torch.stack([ds[i][0] for i in range(n)]), second)
    assert ds.stats()["transforms_computed"] == 0 and ds.stats()["files_hashed"] == 0
    # The command line reads the same store totals.
    out = subprocess.run([_cli(), "cache", "--dir", str(tmp_path / "cache"), "stats", "--json"], capture_output=True,
                         text=True, check=True).stdout
    disk = [t for t in json.loads(out)["tiers"] if t["tier"] == "disk"][0]
    assert disk["entries"] == 2 * n and disk["writes"] == 2 * n and disk["misses"] == 2 * n
    assert disk["hits"] >= 2 * n
