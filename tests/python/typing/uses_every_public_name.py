"""Type-checked by mypy (ctest python_mypy): uses every public name of
pixelcache the way the original's users do; mypy must report no error.
It is also run (tests/python/test_original_signatures.py), so it must work."""
from __future__ import annotations

import logging
import pathlib
import pickle
import sys

import numpy as np

import pixelcache
from pixelcache import (DEFAULT_VERBOSITY, BoundingBox, Cache, CacheError, DecodeError, EncodeError, Error,
                        HashableDict, HashableImage, HashableList, ImageCrop, ImageSize, InvalidArgument, InvalidType,
                        ImageInfo, IoError, LimitError, LoggingRich, NetworkError, Points, display_string, get_logger,
                        max_image_bytes, memoize, palette_names, probe, pseudo_hash, seed_everything,
                        set_max_image_bytes)
from pixelcache.data import (IMAGENET_MEAN, IMAGENET_STD, IMG_EXTENSIONS, ImageDataset, ImageFolder, Loader,
                             SkippedSampleWarning, collate, collate_images, find_classes, has_file_allowed_extension,
                             make_dataset)
from pixelcache.tools import bbox as tbbox
from pixelcache.tools import cache as tcache
from pixelcache.tools import image as timage
from pixelcache.tools import mask as tmask
from pixelcache.tools import text as ttext

DATA = pathlib.Path(__file__).resolve().parents[2] / "data"


def main(out: pathlib.Path) -> None:
    version: str = pixelcache.__version__
    img = HashableImage(DATA / "chelsea.png")
    arr: np.ndarray = img.numpy()
    view: np.ndarray = img.numpy_view()
    same = HashableImage(arr)
    size: ImageSize = img.size()
    area: int = size.area() + size.product() + size.min() + size.max()
    half: ImageSize = size * 0.5
    smaller: bool = half <= size
    shape: tuple[int, ...] = img.shape
    mode: str = img.mode
    kind: str = img.dtype()
    flags: bool = img.is_rgb() or img.is_binary() or img.is_gray() or img.is_float()
    stats: float = img.mean() + img.std() + img.min() + img.max() + img.sum()
    values, inverse, counts = img.unique_values()
    name: str = img.get_filename() + img.get_local_filename()
    img.set_filename(img.get_filename())
    img.save(out / "cat.png")
    img.save(out / "cat.webp", quality=80, lossless=True)
    img.save(out / "cat_transparent.png", transparency="white")
    encoded: bytes = img.bytes()
    text: str = img.b64() + img.b64(open_rb=True) + img.summary() + repr(img) + img.digest()
    back = HashableImage.from_base64(img.b64())
    raw: np.ndarray = HashableImage.decode_bytes(encoded, unchanged=True)
    black = HashableImage.zeros_from_size(ImageSize(4, 5))
    constant = img.zeros_like() == img.ones_like()
    copied = img.copy()
    pickled = pickle.loads(pickle.dumps(img, protocol=5))

    box = BoundingBox(10, 20, 110, 120, image_size=size, normalized=False)
    norm: bool = box.is_normalized()
    box_size: ImageSize = box.size()
    corners: tuple[int, int, int, int] = box.xyxy
    fractions: tuple[float, float, float, float] = box.xyxyn
    points = Points(np.array([[10.0, 20.0], [30.0, 40.0]]), is_normalized=False, image_size=size)
    pixels: np.ndarray = points.xy
    count: int = points.num_points + points.min_x() + points.max_y()
    mask: HashableImage = points.to_mask()
    moved: Points = points.shift_points((1.0, 2.0)).clip_to_image_bounds(size)
    pairs: list[tuple[int, int]] = moved.list_tuple_int()
    crop = ImageCrop(left=0, top=0, right=0.5, bottom=0.5)
    cropped: HashableImage = crop(img)
    kept = ImageCrop.from_bbox(img, [box])
    pasted: HashableImage = kept.uncrop(img)

    hl: HashableList[int] = HashableList([1, 2, 3])
    first: int = hl[0]
    twice = hl * 2
    hd: HashableDict[str, int] = HashableDict({"a": 1})
    plain: dict = hd.to_dict()
    both: str = hl.digest() + hd.digest()
    short: str = pseudo_hash(42) + pseudo_hash(3, length=10)
    seed: int = seed_everything(7, workers=True, verbose=False)
    logger: LoggingRich = get_logger("pixelcache", verbosity=DEFAULT_VERBOSITY)
    logger.info("loaded %s", name)
    label, label_size = display_string(text="pixelcache", size=ImageSize(32, 256))
    info: ImageInfo = probe(DATA / "exif_orient6.jpg")
    info_size: ImageSize = info.size if info.frames == 1 else info.stored_size
    facts: str = info.format + info.mode + str(info.orientation)
    from_bytes: ImageInfo = probe(encoded, max_pixels=1 << 24, apply_orientation=False)
    names: list[str] = palette_names()
    limit: int = max_image_bytes()
    set_max_image_bytes(limit)
    errors: tuple[type[Error], ...] = (InvalidArgument, InvalidType, IoError, NetworkError, DecodeError, EncodeError,
                                      LimitError, CacheError)
    cache = Cache(out / "cache", max_bytes=1 << 26, memory_bytes=1 << 20, redis_url="", namespace="typing",
                  redis_ttl=0, connect_timeout=0.5, command_timeout=2.0, retry_backoff=1.0, compression="auto")
    cache.put(("thumb", img), img.resize((16, 16)))
    hit: object = cache.get(("thumb", img), None)
    known: bool = cache.contains(cache.key("thumb", img)) or ("0" * 32) in cache
    gone: bool = cache.erase(("thumb", img)) and cache.clear()
    counters: dict = cache.stats()
    where: str | None = cache.path
    specs: list[str] = Cache(tiers=[f"lmdb:{out / 'tiered'}?max=64MiB"], memory_bytes=0).tiers
    trimmed: dict = cache.trim(1 << 20)
    checked: dict = cache.verify()
    computed: int = cache.get_or_compute(("answer",), lambda: 42)

    @memoize(cache=cache, version="1")
    def thumb(image: HashableImage, side: int = 16) -> HashableImage:
        return image.resize((side, side))

    @memoize
    def double(x: int) -> int:
        return 2 * x

    small: HashableImage = thumb(img, side=8)
    key: str = thumb.key(img, 8)
    doubled: int = memoize(lambda x: x, cache=cache)(2) + double.__wrapped__(1)
    default = Cache.default  # (not called here: it would open ~/.cache/pixelcache)
    mapped: list[str] = list(pixelcache.batch([DATA / "chelsea.png"], lambda p: str(p), progress=False, cache=cache))
    boxes: list[tuple[float, float, float, float]] = tmask.mask2bbox(np.zeros((4, 4), bool), 0.0)
    blob = np.zeros((16, 16), bool)
    blob[2:12, 3:13] = True
    parts: list[np.ndarray] = tmask.reduce_masks(blob, number_of_objects=1, merge=False)
    largest: np.ndarray = tmask.keep_n_largest_components(blob, 1)
    filled, changed = tmask.remove_small_regions(blob, 0.01, "holes")
    polygon: list[list[int]] = tmask.mask_to_polygon(blob, min_area=10.0)
    redrawn: np.ndarray = tmask.polygon_to_mask(polygon, (16, 16))
    refined = tmask.refine_masks(blob[None, None], 10.0)
    contours: list[np.ndarray] = tmask.contour_from_mask(blob)
    overlap = tmask.mask_iou(blob, blob, just_intersection=True)
    shared: float = tmask.mask_intersection(blob, blob, target=None)
    aligned = tmask.align_masks([blob], [blob])
    labelled: np.ndarray = ttext.create_text(arr, ["one", "two"], background="white", orientation="vertical",
                                             font_path=None)
    grid = timage.make_image_grid([img.pil(), img.pil()], rows=1, cols=2)
    padded: np.ndarray = timage.center_pad(arr, ImageSize(400, 500))
    ious = tbbox.bbox_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3]]))
    cache_dir: pathlib.Path = tcache.get_cache_dir()
    # pixelcache.data: a two-class folder of the test photos.
    (out / "tree" / "a").mkdir(parents=True, exist_ok=True)
    (out / "tree" / "b").mkdir(parents=True, exist_ok=True)
    img.save(out / "tree" / "a" / "cat.png")
    img.save(out / "tree" / "b" / "cat.jpg")
    folder = ImageFolder(out / "tree", "resize_min_size:64,modulo=1 center_crop:56x56", augment=["random_flip"],
                         mean=IMAGENET_MEAN, std=IMAGENET_STD, seed=1, allow_empty=False)
    classes: list[str] = folder.classes
    folder.set_epoch(1)
    loader = Loader(folder, batch_size=2, shuffle=True, workers=1, prefetch=1, on_error="skip")
    batches = [batch for batch in loader] + [collate([folder[0], folder[1]])]
    paths = ImageDataset([str(p) for p, _ in folder.samples], "resize:32x32", output="image", cache=None)
    stacked = collate_images([paths[0], paths[1]])
    listed = make_dataset(out / "tree", find_classes(out / "tree")[1], IMG_EXTENSIONS)
    allowed: bool = has_file_allowed_extension("x.jpg", IMG_EXTENSIONS) and SkippedSampleWarning is not None
    # Perceptual hashes and duplicates (issue 20).
    ph: pixelcache.ImageHash = img.phash() if img.dhash(8) != img.average_hash() else img.phash(8, 4)
    apart: int = ph - pixelcache.hex_to_hash(str(ph))
    fh: pixelcache.ImageHash = pixelcache.image_hash(DATA / "chelsea.png", "dhash", hash_size=8)
    near_limit: int = pixelcache.default_threshold("phash", 8)
    hgroups: list[pixelcache.HashGroup] = pixelcache.group_hashes([ph, fh], near_limit)
    dups: pixelcache.Duplicates = pixelcache.find_duplicates([DATA / "chelsea.png"], hash="phash", threshold=None,
                                                             cache=None, workers=1, progress=False)
    dgroups: list[pixelcache.DuplicateGroup] = dups.exact + dups.near
    logging.getLogger("pixelcache").debug("%s", (ph, apart, fh, hgroups, dgroups, ph.digest(), hash(ph)))
    logging.getLogger("pixelcache").debug("%s", (version, view, same, area, smaller, shape, mode, kind, flags, stats,
                                                values, inverse, counts, text, back, raw, black, constant, copied,
                                                pickled, norm, box_size, corners, fractions, pixels, count, mask,
                                                pairs, cropped, pasted, first, twice, plain, both, short, seed,
                                                label, errors, boxes, grid, padded, ious, cache_dir, hit, known,
                                                gone, counters, where, trimmed, checked, computed, small, key,
                                                doubled, default, mapped, parts, largest, filled, changed,
                                                redrawn, refined, contours, overlap, shared, aligned, labelled,
                                                info_size, facts, from_bytes, classes, batches, stacked, listed,
                                                allowed, len(loader)))


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
