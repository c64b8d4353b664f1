"""pixelcache.data datasets: ImageFolder against torchvision (values, classes,
attributes), outputs and dtypes, the cache and the stat index, augment
seeding and distributions, errors, pickling and collate."""
import os
import pathlib
import pickle
import struct

import numpy as np
import pytest
import torch
import torchvision
from torchvision import transforms as T
import xxhash

import pixelcache
from data_support import make_tree
from pixelcache import HashableImage, InvalidArgument, InvalidType
from pixelcache.data import (IMAGENET_MEAN, IMAGENET_STD, IMG_EXTENSIONS, ImageDataset, ImageFolder, Loader, collate,
                             find_classes)

STEPS = "resize_min_size:256,modulo=1 center_crop:224x224"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("tree"))


@pytest.fixture
def cache(tmp_path):
    return pixelcache.Cache(tmp_path / "cache", redis_url="")


def _torchvision(root):
    return torchvision.datasets.ImageFolder(
        root, T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)]))


# ---------------------------------------------------------------- torchvision's values


def test_values_match_torchvision_imagefolder(tree):
    """ImageFolder + resize_min_size:256,modulo=1 center_crop:224x224 + ImageNet
    normalisation against torchvision's ImageFolder + Resize(256) +
    CenterCrop(224) + ToTensor + Normalize, on 18 JPEGs of 0.3-1.7 MP.

    Measured (normalised units; one level is 1 / 255 / std = 0.0171 .. 0.0175):
    mean absolute difference 0.018 (about one level), max 2.0 (an edge pixel
    of an image sampled half a pixel apart, below). Sources:
      * the long side: torchvision truncates 256 * long / short,
        resize_min_size rounds it (Python's round), so for 5 of the 18 files
        here (800 x 1203: 384.96) the long side is one pixel longer and the
        224 crop samples half a pixel apart: 0.016 to 0.062 per image. No
        step truncates (resize:x256 fixes the height, not the shorter side,
        and rounds too), so a dataset of mixed orientations cannot get
        torchvision's sizes exactly; the difference is a sub-pixel shift;
      * shrink-on-load: a JPEG whose shorter side is >= 512 is decoded at 1/2
        or 1/4 scale in the DCT domain (libjpeg's scaled IDCT) and resized
        from there, its content region exactly (resize_region), where
        torchvision resizes the full decode with Pillow's antialiased
        bilinear filter: 0.005 to 0.021 per image for the other 13 files
        (0.0096 on average), most for fine textures decoded at 1/4;
      * resampling rounding: with neither of the above, within one level
        (checked below).
    """
    tv = _torchvision(tree)
    ours = ImageFolder(tree, STEPS, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    assert ours.samples == tv.samples
    diffs, rounds_alike = [], []
    for i in range(len(tv)):
        a, ta = tv[i]
        b, tb = ours[i]
        assert ta == tb and b.shape == a.shape == (3, 224, 224) and b.dtype == torch.float32
        diffs.append((a - b).abs())
        size = HashableImage(tv.samples[i][0]).size()
        short, long = min(size.width, size.height), max(size.width, size.height)
        rounds_alike.append(int(256 * long / short) == round(256 * long / short))
    d = torch.stack(diffs)
    alike = torch.stack([x for x, same in zip(diffs, rounds_alike) if same])
    assert sum(rounds_alike) == 13
    assert float(d.mean()) < 0.025, float(d.mean())                         # measured 0.018
    assert float(d.max()) < 2.5                                             # measured 2.0: edges
    assert float(alike.mean()) < 0.015, float(alike.mean())                 # measured 0.0096
    assert float(alike.mean(dim=(1, 2, 3)).max()) < 0.03                    # measured 0.021 (astronaut at 1/4)
    # No shrink-on-load (a first step that does not resize) and a long side
    # that rounds as torchvision truncates: within one level everywhere.
    exact = ImageFolder(tree, "to_rgb " + STEPS, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    one_level = 1 / 255 / min(IMAGENET_STD) + 1e-6
    for i, same in enumerate(rounds_alike):
        if same:
            assert float((tv[i][0] - exact[i][0]).abs().max()) <= one_level, tv.samples[i][0]


def test_float_output_is_totensor_and_normalize_bit_for_bit(tree):
    u8 = ImageDataset([p for p, _ in ImageFolder(tree).samples[:3]], STEPS, output="numpy", dtype="uint8")
    f = ImageDataset(u8.samples, STEPS, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    plain = ImageDataset(u8.samples, STEPS)
    norm = T.Normalize(IMAGENET_MEAN, IMAGENET_STD)
    for i in range(3):
        hwc = u8[i]
        assert hwc.dtype == np.uint8 and hwc.shape == (224, 224, 3)
        assert torch.equal(plain[i], T.ToTensor()(hwc))                 # k / 255 exactly
        assert torch.equal(f[i], norm(T.ToTensor()(hwc)))                # then (x - mean) / std, same rounding
    img = ImageDataset(u8.samples, STEPS, output="image")[0]
    assert isinstance(img, HashableImage) and img.size() == (224, 224)
    assert np.array_equal(img.numpy(), u8[0])


# ---------------------------------------------------------------- classes and attributes


def _tricky_tree(root):
    """Nested folders, hidden files and folders, other files, upper-case
    extensions, an empty class, a class with only other files."""
    files = ["cat/a.jpg", "cat/b.PNG", "cat/.hidden.jpg", "cat/notes.txt", "cat/deep/er/c.jpeg", "cat/deep/d.webp",
             "dog/z.bmp", "dog/y.tif", "dog/x.JPG", "dog/sub/.w.png", ".git/e.jpg", "bird/readme.md",
             "Zebra/q.ppm", "Zebra/r.pgm", "Zebra/s.tiff", "ant/t.jpg.bak", "top.jpg"]
    for f in files:
        p = pathlib.Path(root) / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"not decoded here")
    (pathlib.Path(root) / "empty").mkdir()
    return root


def test_classes_and_attributes_match_torchvision(tmp_path):
    root = _tricky_tree(tmp_path / "tricky")
    # torchvision 0.14 refuses empty classes (bird, ant, empty) as we do by default.
    with pytest.raises(FileNotFoundError) as tv_error:
        torchvision.datasets.ImageFolder(root)
    with pytest.raises(FileNotFoundError) as our_error:
        ImageFolder(root)
    assert str(our_error.value) == str(tv_error.value)
    # Without the empty classes: equal attributes.
    for name in ("bird", "ant", "empty"):
        for p in (root / name).iterdir():
            p.unlink()
        (root / name).rmdir()
    tv = torchvision.datasets.ImageFolder(root)
    ours = ImageFolder(root)
    for attr in ("classes", "class_to_idx", "samples", "targets", "imgs", "root", "extensions"):
        assert getattr(ours, attr) == getattr(tv, attr), attr
    assert ours.classes == [".git", "Zebra", "cat", "dog"]
    assert (os.path.join(str(root), "cat", ".hidden.jpg"), 2) in ours.samples
    assert len(ours) == len(tv) == 13
    assert find_classes(root) == tv.find_classes(str(root))
    assert IMG_EXTENSIONS == torchvision.datasets.folder.IMG_EXTENSIONS
    # is_valid_file replaces the extensions (torchvision's semantics).
    some = lambda p: p.lower().endswith((".jpg", ".ppm", ".bmp"))  # noqa: E731
    tv2 = torchvision.datasets.ImageFolder(root, is_valid_file=some)
    ours2 = ImageFolder(root, is_valid_file=some)
    assert ours2.samples == tv2.samples and ours2.extensions is None
    # allow_empty keeps an empty class and its index (torchvision >= 0.17).
    (root / "empty").mkdir()
    allowed = ImageFolder(root, allow_empty=True)
    assert allowed.classes == [".git", "Zebra", "cat", "dog", "empty"] and allowed.samples == ours.samples
    with pytest.raises(FileNotFoundError, match="empty"):
        ImageFolder(root)


# ---------------------------------------------------------------- items, the cache, the stat index


def test_items_targets_and_paths(tree, tmp_path):
    paths = [p for p, _ in ImageFolder(tree).samples[:4]]
    ds = ImageDataset(paths, "resize:64x48")
    x = ds[0]
    assert isinstance(x, torch.Tensor) and x.shape == (3, 48, 64) and ds.targets is None and len(ds) == 4
    assert torch.equal(ds[-1], ds[3])
    with pytest.raises(IndexError):
        ds[4]
    pairs = ImageDataset([(pathlib.Path(p), i * 10) for i, p in enumerate(paths)], "resize:64x48")
    x, y = pairs[2]
    assert y == 20 and torch.equal(x, ds[2]) and pairs.samples[2] == (paths[2], 20)
    gray = [p for p in paths if "camera" in p] or paths
    assert ImageDataset(gray, "resize:8x8", output="numpy").__getitem__(0).shape == (8, 8, 3)  # RGB always


def test_the_cache_serves_the_second_epoch_and_the_stat_index_the_digests(tree, cache, tmp_path):
    ds = ImageFolder(tree, STEPS, cache=cache)
    first = [ds[i][0] for i in range(len(ds))]
    s = ds.stats()
    assert s["transforms_computed"] == len(ds) and s["files_hashed"] == len(ds)
    second = [ds[i][0] for i in range(len(ds))]
    s2 = ds.stats()
    assert s2["transforms_computed"] == len(ds) and s2["files_hashed"] == len(ds)  # nothing decoded or read
    assert s2["index_hits"] == len(ds) and s2["transform_hits"] == len(ds)
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    # Another dataset (as another process would): digests from the cache's stat index.
    again = ImageFolder(tree, STEPS, cache=cache)
    assert torch.equal(again[5][0], first[5])
    assert again.stats()["index_cache_hits"] == 1 and again.stats()["files_hashed"] == 0
    # A changed file is hashed again and transformed again.
    copy = tmp_path / "copy" / "c" / "x.jpg"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(pathlib.Path(ds.samples[0][0]).read_bytes())
    one = ImageFolder(tmp_path / "copy", STEPS, cache=cache)
    assert torch.equal(one[0][0], first[0]) and one.stats()["transforms_computed"] == 0  # same content: a hit
    copy.write_bytes(pathlib.Path(ds.samples[1][0]).read_bytes())
    assert torch.equal(one[0][0], first[1]) and one.stats()["files_hashed"] == 2


def _cache_key(namespace, function, version, digests):
    """CacheKey's documented bytes (cache.hpp), computed independently: XXH3-128
    of "PXK1", the namespace, function and version as u64 length + bytes, the
    u64 argument count, then each argument's 16 digest bytes."""
    h = xxhash.xxh3_128()
    h.update(b"PXK1")
    for s in (namespace, function, version):
        h.update(struct.pack("<Q", len(s.encode())) + s.encode())
    h.update(struct.pack("<Q", len(digests)))
    for d in digests:
        h.update(d)
    return h.digest()


def test_keys_are_the_documented_ones(tree, cache):
    ds = ImageFolder(tree, STEPS, cache=cache)
    ds[0]
    path = ds.samples[0][0]
    content = xxhash.xxh3_128(pathlib.Path(path).read_bytes()).digest()
    assert content == pixelcache._pixelcache.file_digest(path)
    st = os.stat(path)
    version = pixelcache._pixelcache.data_cache_version()
    assert version == f"pixelcache-data 1, pipeline 1, pixelcache {pixelcache.__version__}"
    # The stat index: (absolute path, size, mtime_ns, inode, device) -> the 16 digest bytes.
    stat = [os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]
    file_key = _cache_key("default", "pixelcache.data.file", version,
                          [bytes.fromhex(pixelcache._pixelcache.value_digest(v)[0]) for v in stat])
    assert cache.get(file_key) == content
    # The transformed image: (the file's digest, Transform::digest()) as digests.
    steps = bytes.fromhex(pixelcache._pixelcache.value_digest(pixelcache._pixelcache.transform_keys(ds.transform))[0])
    image = cache.get(_cache_key("default", "pixelcache.data.transform", version, [content, steps]))
    assert isinstance(image, HashableImage) and image == ds.transformed(0)


# ---------------------------------------------------------------- augment


def test_augment_is_reproducible_and_differs_across_epochs_and_indices(tree):
    paths = [ImageFolder(tree).samples[0][0]] * 4
    kw = dict(augment="random_resized_crop:96 random_flip", output="numpy", dtype="uint8")
    a = ImageDataset(paths, "resize_min_size:128,modulo=1", seed=7, **kw)
    b = ImageDataset(paths, "resize_min_size:128,modulo=1", seed=7, **kw)
    assert all(np.array_equal(a[i], b[i]) for i in range(4))
    assert not np.array_equal(a[0], a[1])  # same file, other index
    e0 = a[0]
    a.set_epoch(1)
    assert a.epoch == 1 and not np.array_equal(a[0], e0)
    a.set_epoch(0)
    assert np.array_equal(a[0], e0)
    c = ImageDataset(paths, "resize_min_size:128,modulo=1", seed=8, **kw)
    assert not np.array_equal(c[0], e0)


def test_flip_rate_and_random_resized_crop_bounds(tmp_path):
    # A coordinate image: R = column, G = row, so a crop's box can be read back.
    yy, xx = np.mgrid[0:200, 0:200]
    coords = np.stack([xx, yy, np.zeros_like(xx)], axis=-1).astype(np.uint8)
    path = tmp_path / "coords.png"
    HashableImage(coords).save(path)
    n = 1500
    flips = ImageDataset([path] * n, augment="random_flip", output="numpy", dtype="uint8")
    rate = np.mean([flips[i][0, 0, 0] == 199 for i in range(n)])
    assert abs(rate - 0.5) < 0.05  # 4 sigma is 0.052
    # Output as large as the image: crops are enlarged, so their corners read back to within a pixel.
    crops = ImageDataset([path] * 600, augment="random_resized_crop:200", output="numpy", dtype="uint8")
    areas, ratios = [], []
    for i in range(600):
        c = crops[i].astype(int)
        w = c[..., 0].max() - c[..., 0].min() + 1
        h = c[..., 1].max() - c[..., 1].min() + 1
        areas.append(w * h / 200 ** 2)
        ratios.append(w / h)
    # Resampling blurs the read-back box by about a pixel.
    assert min(areas) > 0.08 * 0.8 and max(areas) <= 1.0
    assert min(ratios) > 0.75 * 0.85 and max(ratios) < 4 / 3 * 1.15
    # The distribution of torchvision's own get_params on the same image.
    torch.manual_seed(0)
    tv = [T.RandomResizedCrop.get_params(torch.zeros(3, 200, 200), [0.08, 1.0], [3 / 4, 4 / 3]) for _ in range(4000)]
    tv_area = np.mean([h * w / 200 ** 2 for _, _, h, w in tv])
    assert np.mean(areas) == pytest.approx(tv_area, abs=0.04)  # ~0.43 both (large crops of other ratios do not fit)
    assert np.mean(np.log(ratios)) == pytest.approx(np.mean([np.log(w / h) for _, _, h, w in tv]), abs=0.03)


def _stamp(img, seed):
    """A Python augment: inverts the image for odd seeds (module-level: pickles)."""
    return img.invert_rgb() if seed % 2 else img


def test_python_callable_augment(tree):
    paths = [p for p, _ in ImageFolder(tree).samples[:6]]
    plain = ImageDataset(paths, "resize:32x32", output="numpy", dtype="uint8")
    ds = ImageDataset(paths, "resize:32x32", augment=_stamp, output="numpy", dtype="uint8", seed=3)
    flags = []
    for i in range(6):
        seed = pixelcache._pixelcache.random_u64(3, 0, 0, i, 0)  # the step's one draw
        flags.append(seed % 2)
        want = 255 - plain[i] if seed % 2 else plain[i]
        assert np.array_equal(ds[i], want)
    assert 0 < sum(flags) < 6
    # One argument is fine too, and results of other types become images.
    arr = ImageDataset(paths, "resize:32x32", augment=lambda im: im.numpy()[::-1].copy(), output="numpy",
                       dtype="uint8")
    assert np.array_equal(arr[0], plain[0][::-1])
    # Mixed with built-in steps, in order.
    mixed = ImageDataset(paths, "resize:32x32", augment=["random_flip:1", _stamp], output="numpy", dtype="uint8")
    assert mixed[0].shape == (32, 32, 3)

    def boom(img):
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        ImageDataset(paths, "resize:8x8", augment=boom)[0]


# ---------------------------------------------------------------- errors


def test_bad_arguments_are_errors_at_construction(tree):
    paths = [ImageFolder(tree).samples[0][0]]
    with pytest.raises(InvalidArgument, match="random_rotate"):
        ImageDataset(paths, augment="random_rotate:10")
    with pytest.raises(InvalidArgument, match="unknown step"):
        ImageDataset(paths, "resize_to:10")
    with pytest.raises(InvalidArgument, match="1 or 3"):
        ImageDataset(paths, mean=(0.5, 0.5))
    with pytest.raises(InvalidArgument, match="not 0"):
        ImageDataset(paths, std=0)
    with pytest.raises(InvalidArgument):
        ImageDataset(paths, dtype="uint8", mean=0.5)
    with pytest.raises(InvalidArgument):
        ImageDataset(paths, output="pil")
    with pytest.raises(InvalidArgument):
        ImageDataset(paths, dtype="float16")
    with pytest.raises(InvalidType):
        ImageDataset(paths, cache="/tmp")
    with pytest.raises(InvalidType):
        ImageDataset(paths, augment=3)
    with pytest.raises(InvalidArgument):
        ImageDataset([paths[0], (paths[0], 1)])
    ds = ImageDataset(paths)
    for bad in (0, -1):
        with pytest.raises(InvalidArgument):
            Loader(ds, bad)
    with pytest.raises(InvalidArgument):
        Loader(ds, 2, on_error="ignore")
    with pytest.raises(InvalidArgument):
        Loader(ImageDataset(paths, output="image"), 2)


def test_bad_files_are_errors_naming_them(tmp_path, data):
    (tmp_path / "c").mkdir()
    bad = tmp_path / "c" / "truncated.jpg"
    bad.write_bytes((data / "chelsea_q95.jpg").read_bytes()[:3000])
    ds = ImageFolder(tmp_path, "resize:32x32")
    with pytest.raises(pixelcache.DecodeError, match="truncated.jpg"):
        ds[0]
    missing = ImageDataset([tmp_path / "nope.jpg"], "resize:32x32")
    with pytest.raises(pixelcache.IoError, match="nope.jpg"):
        missing[0]
    with pytest.raises(InvalidArgument, match=str(data / "chelsea.png")):
        ImageDataset([data / "chelsea.png"], "crop:0:0:900:900")[0]


# ---------------------------------------------------------------- pickling and collate


def test_datasets_pickle_by_configuration(tree, cache):
    ds = ImageFolder(tree, STEPS, augment="random_flip", cache=cache, seed=5)
    ds.set_epoch(3)
    x = ds[4][0]
    back = pickle.loads(pickle.dumps(ds))
    assert back.epoch == 3 and back.classes == ds.classes and back.cache is cache
    assert torch.equal(back[4][0], x)
    back.set_epoch(4)
    assert ds.epoch == 3  # a pickled copy has an epoch of its own


def test_collate_stacks_images_tensors_and_targets(tree):
    ds = ImageFolder(tree, "resize:40x30", output="image")
    batch = [ds[i] for i in range(5)]
    x, y = collate(batch)
    assert x.shape == (5, 3, 30, 40) and x.dtype == torch.float32 and torch.equal(y, torch.tensor(ds.targets[:5]))
    assert torch.equal(x, torch.cat([im.tensor() for im, _ in batch]))
    # torch.utils.data.default_collate fails on HashableImage; ours, nested.
    with pytest.raises(TypeError):
        torch.utils.data.default_collate(batch)
    nested = collate([{"img": im, "arr": np.ones(2), "t": torch.zeros(3), "n": (t, "s")} for im, t in batch])
    assert nested["img"].shape == (5, 3, 30, 40) and nested["arr"].shape == (5, 2) and nested["t"].shape == (5, 3)
    assert torch.equal(nested["n"][0], torch.tensor(ds.targets[:5])) and list(nested["n"][1]) == ["s"] * 5
    masks = collate([im.to_gray().to_binary(0.5) for im, _ in batch])
    assert masks.dtype == torch.bool and masks.shape == (5, 1, 30, 40)
    with pytest.raises(InvalidArgument, match="one mode and size"):
        collate([batch[0][0], batch[1][0].resize((10, 10))])
    loader = torch.utils.data.DataLoader(ds, batch_size=4, collate_fn=collate)
    xs, ys = next(iter(loader))
    assert torch.equal(xs, x[:4])
