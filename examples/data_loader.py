"""pixelcache.data in a training loop: an ImageFolder whose transform is
cached by content, random augments seeded by (seed, epoch, index), batches
from the C++ Loader and from a torch DataLoader, and a grid of the first
batch. Uses the bundled photos as a small two-class dataset.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/data_loader.py [OUT_DIR]
"""
import pathlib
import shutil
import sys
import time

import torch

import pixelcache
from pixelcache import HashableImage
from pixelcache.data import IMAGENET_MEAN, IMAGENET_STD, ImageFolder, Loader

ASSETS = pathlib.Path(__file__).resolve().parents[1] / "assets"
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")

# A dataset in torchvision's layout: root/<class>/<image>.
root = out_dir / "photos"
shutil.rmtree(root, ignore_errors=True)
classes = {"animal": ["chelsea.png", "coffee.png"], "thing": ["rocket.jpg", "astronaut.png", "camera.png"]}
for cls, names in classes.items():
    (root / cls).mkdir(parents=True)
    for name in names:
        shutil.copy(ASSETS / name, root / cls / name)

cache = pixelcache.Cache(out_dir / "cache", redis_url="")  # memory + LMDB disk; add redis_url= to share machines
train = ImageFolder(
    root,
    "resize_min_size:160,modulo=1",                          # deterministic: once per file content, then cached
    augment="random_resized_crop:128,scale=0.25:1 random_flip",  # random: every access, seeded
    cache=cache,
    mean=IMAGENET_MEAN, std=IMAGENET_STD,
    seed=0,
)
print(f"classes {train.classes}, {len(train)} images")

loader = Loader(train, batch_size=4, shuffle=True)           # C++ threads, no worker processes
for epoch in range(3):
    loader.set_epoch(epoch)                                  # a new permutation and new augments, reproducibly
    start = time.perf_counter()
    for x, y in loader:
        assert x.shape[1:] == (3, 128, 128) and x.dtype == torch.float32 and y.dtype == torch.int64
    stats = train.stats()
    print(f"epoch {epoch}: {time.perf_counter() - start:.3f} s, transforms computed so far "
          f"{stats['transforms_computed']}, served by the cache {stats['transform_hits']}")

# The same dataset in a torch DataLoader with worker processes: same items.
dl = torch.utils.data.DataLoader(train, batch_size=4, num_workers=2)
train.set_epoch(0)
first = next(iter(dl))[0]
assert torch.equal(first[0], train[0][0])

# The first batch as pictures (undo the normalisation).
x, y = next(iter(loader))
mean, std = torch.tensor(IMAGENET_MEAN).view(3, 1, 1), torch.tensor(IMAGENET_STD).view(3, 1, 1)
images = [HashableImage((xi * std + mean).clamp(0, 1)) for xi in x]
labels = ", ".join(train.classes[int(t)] for t in y)
grid = HashableImage.make_image_grid({"batch": images}, with_text=True)
grid.save(out_dir / "data_batch.png")
print(f"{len(images)} augmented samples ({labels}) of epoch {loader.epoch} -> {out_dir / 'data_batch.png'}")
