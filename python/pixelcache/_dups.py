"""Perceptual hashes and duplicate finding: pixelcache.ImageHash, image_hash,
hex_to_hash, default_threshold, group_hashes, find_duplicates.

The hashes are imagehash's definitions (average_hash, dhash, phash),
computed in C++ (include/pixelcache/phash.hpp states them); the duplicate
finder is include/pixelcache/dups.hpp, the engine `pixelcache dups` runs.
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Literal, Optional, Sequence, Union

from . import _pixelcache
from ._pixelcache import ImageHash as ImageHash  # re-exported: pixelcache.ImageHash
from ._pixelcache import InvalidArgument, InvalidType

if TYPE_CHECKING:
    from ._batch import _Progress
    from ._cache import Cache
    from ._image import HashableImage

HashName = Literal["phash", "dhash", "ahash"]
#: Files a folder contributes (as `pixelcache batch` / `dups` walk folders):
#: the extensions of every format the library reads (its format registry).
IMAGE_EXTENSIONS = frozenset(ext for _name, extensions, input_only, _writes, _streams in _pixelcache._formats()
                             for ext in extensions + input_only)


def hex_to_hash(hexstr: str) -> ImageHash:
    """Parses imagehash's hex form of a square hash, as imagehash.hex_to_hash
    (16 hex digits: 8 x 8 bits). pixelcache.InvalidArgument (a ValueError)
    for a string no square hash has."""
    return ImageHash.from_hex(hexstr)


def _check_hash(hash: Any) -> str:
    if not isinstance(hash, str):
        raise InvalidType(f"hash must be 'phash', 'dhash' or 'ahash', got {type(hash).__name__}")
    return hash


def image_hash(source: Union[str, "os.PathLike[str]", bytes, "HashableImage"], hash: HashName = "phash", *,
               hash_size: int = 8, highfreq_factor: int = 4,
               max_pixels: int = _pixelcache.DEFAULT_MAX_PIXELS) -> ImageHash:
    """The `hash` ("phash", "dhash" or "ahash") of an image, as find_duplicates
    computes it. A HashableImage is hashed from its pixels (as its
    .phash() / .dhash() / .average_hash()); a path, URL or encoded bytes is
    decoded with shrink-on-load (a JPEG at 1/2, 1/4 or 1/8 scale when it
    stays at least 4 x the reduced size a side, as its luma: the pixels of
    Pillow's draft("L", size); at 1/8 from the DC coefficients, decoded on
    every core), which can differ from the hash of the full decode by a bit
    or two for some photos."""
    from ._image import HashableImage

    kind = _check_hash(hash)
    if isinstance(source, HashableImage):
        return _pixelcache.image_hash(source._img, kind, hash_size, highfreq_factor)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _pixelcache.hash_bytes(bytes(source), kind, hash_size, highfreq_factor, max_pixels)
    if isinstance(source, (str, os.PathLike)):
        return _pixelcache.hash_file(os.fspath(source), kind, hash_size, highfreq_factor, max_pixels)
    raise InvalidType(f"image_hash expects a path, URL, bytes or HashableImage, got {type(source).__name__}")


def default_threshold(hash: HashName = "phash", hash_size: int = 8) -> int:
    """The default near-duplicate threshold in bits (distance <= threshold is
    near): 10 of 64 for phash and dhash, 8 of 64 for ahash, scaled with the
    bit count for other sizes."""
    return _pixelcache.default_threshold(_check_hash(hash), hash_size)


@dataclasses.dataclass(frozen=True)
class HashGroup:
    """A group of group_hashes(): `centre` and `members` are indices into the
    hashes given; `distances[i]` is members[i]'s distance to the centre."""
    centre: int
    members: tuple[int, ...]
    distances: tuple[int, ...]


def group_hashes(hashes: Sequence[ImageHash], threshold: int, grouping: str = "centre") -> list[HashGroup]:
    """Groups of at least two hashes within `threshold` bits, sorted by their
    first member (members sorted by index). grouping="centre": every member
    within the threshold of the group's centre, centres taken greedily by
    how many ungrouped hashes they reach; "connected": connected components
    of the "within the threshold" graph. Search by multi-index hashing
    (include/pixelcache/hash_index.hpp), well below quadratic for small
    thresholds. pixelcache.InvalidArgument for hashes of different sizes."""
    groups = _pixelcache.group_hashes(list(hashes), threshold, grouping)
    return [HashGroup(c, tuple(i for i, _ in m), tuple(d for _, d in m)) for c, m in groups]


@dataclasses.dataclass(frozen=True)
class DuplicateGroup:
    """One group of find_duplicates: `files` sorted by path, `distances[i]`
    the Hamming distance of files[i]'s image to the centre's (all 0 in an
    exact group), `centre` the centre's file (exact groups: the first),
    `digest` the pixel digest shared by an exact group (None for near
    groups). Iterating gives the files."""
    kind: Literal["exact", "near"]
    files: tuple[str, ...]
    distances: tuple[int, ...]
    centre: str
    digest: Optional[str] = None

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)


@dataclasses.dataclass(frozen=True)
class Duplicates:
    """The result of find_duplicates: the exact and near groups, every
    file's hash (files that failed are in `errors` instead: path ->
    message), the settings used, and counters (`stats`: files, failed,
    hashes_computed, hashes_from_cache, full_decodes, digests_from_cache,
    decoded)."""
    exact: list[DuplicateGroup]
    near: list[DuplicateGroup]
    hashes: dict[str, ImageHash]
    errors: dict[str, str]
    hash: str
    hash_size: int
    threshold: int
    grouping: str
    stats: dict[str, int]


def _walk(folder: str, errors: dict[str, str]) -> list[str]:
    """The image files below `folder`, sorted (directory symlinks not followed)."""
    found: list[str] = []

    def failed(e: OSError) -> None:
        name = e.filename if e.filename is not None else folder
        errors[os.fsdecode(name)] = f"{os.fsdecode(name)}: cannot list the folder: {e.strerror}"

    for root, _dirs, files in os.walk(folder, onerror=failed):
        for name in files:
            path = os.path.join(root, name)
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS and os.path.isfile(path):
                found.append(path)
    return sorted(found)


def _inputs(paths: Any, errors: dict[str, str]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[str] = []
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise InvalidType(f"find_duplicates: paths must be str or os.PathLike, got {type(p).__name__}")
        name = os.fspath(p)
        if not name.startswith(("http://", "https://")) and os.path.isdir(name):
            out.extend(_walk(name, errors))
        else:
            out.append(name)
    return out


class _Bars:
    """The progress display: one bar per phase (tqdm when installed, else the
    plain counter of pixelcache.batch)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.phase: Optional[str] = None
        self.bar: Optional[_Progress] = None
        self.n = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        from ._batch import _progress

        if phase != self.phase:
            self.close()
            self.phase = phase
            label = "hashing" if phase == "hash" else "checking at full size"
            self.bar = _progress(self.enabled and total > 0, total, desc=label)
            self.n = 0
        if done > self.n and self.bar is not None:
            self.bar.update(done - self.n)
            self.n = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def find_duplicates(paths: Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]],
                    hash: HashName = "phash", threshold: Optional[int] = None, cache: Union["Cache", bool, None] = None,
                    workers: Optional[int] = None, *, hash_size: int = 8, highfreq_factor: int = 4,
                    grouping: str = "centre", progress: bool = True,
                    max_pixels: int = _pixelcache.DEFAULT_MAX_PIXELS) -> Duplicates:
    """Exact and near duplicate images among files (and the image files of
    folders, walked recursively), as `pixelcache dups`.

        dups = pixelcache.find_duplicates(["train/", "test/"], cache=True)
        for group in dups.near:
            print(group.centre, list(zip(group.files, group.distances)))

    - Exact groups: files whose decoded, upright pixels are identical (the
      same HashableImage.digest()), whatever the format or metadata.
    - Near groups: distinct images whose `hash` ("phash", "dhash" or
      "ahash", imagehash's definitions) differ in at most `threshold` bits
      (None: default_threshold(hash, hash_size), 10 of 64 for phash). With
      grouping="centre" (the default) every member is within the threshold
      of its group's centre, so dropping all but the centre never drops an
      image unlike the one kept; grouping="connected" joins chains
      (connected components).
    - `cache`: a pixelcache.Cache, or True for Cache.default(), keeps each
      file's hash under the digest of its bytes: a second run decodes
      nothing (stats["decoded"] == 0). None: nothing kept.
    - `workers`: threads (None: the CPUs this process may use); the GIL is
      released. `progress`: a bar per phase on stderr (tqdm if installed).
    - Files that cannot be read or decoded are left out and listed in
      `errors`; KeyboardInterrupt stops the run (it is raised).
    """
    from ._cache import Cache

    errors: dict[str, str] = {}
    files = _inputs(paths, errors)
    kind = _check_hash(hash)
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int)):
        raise InvalidType(f"find_duplicates: threshold must be an int or None, got {type(threshold).__name__}")
    if threshold is not None and threshold < 0:
        raise InvalidArgument(f"find_duplicates: threshold must be >= 0, got {threshold}")
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgument(f"find_duplicates: workers must be a positive int, got {workers!r}")
    if cache is True:
        cache = Cache.default()
    if cache is not None and cache is not False and not isinstance(cache, Cache):
        raise InvalidType(f"find_duplicates: cache must be a pixelcache.Cache, True or None, got "
                          f"{type(cache).__name__}")
    core_cache = cache._c if isinstance(cache, Cache) else None
    bars = _Bars(bool(progress))
    try:
        r = _pixelcache.find_duplicates(files, kind, hash_size, highfreq_factor,
                                        -1 if threshold is None else threshold, grouping, workers, core_cache,
                                        max_pixels, bars)
    finally:
        bars.close()
    if isinstance(cache, Cache):
        cache._warn()
    return _result(r, errors, kind, hash_size, grouping)


def _result(r: dict[str, Any], errors: dict[str, str], kind: str, hash_size: int, grouping: str) -> Duplicates:
    files = r["files"]
    path = [f["path"] for f in files]
    exact = [DuplicateGroup("exact", tuple(path[i] for i in members), (0,) * len(members), path[members[0]], digest)
             for digest, members in r["exact"]]
    near = [DuplicateGroup("near", tuple(path[i] for i, _ in members), tuple(d for _, d in members), path[centre])
            for centre, members in r["near"]]
    hashes = {f["path"]: f["hash"] for f in files if f["ok"]}
    errors.update({f["path"]: f["error"] for f in files if not f["ok"]})
    stats = dict(r["stats"])
    stats["files"] += sum(1 for p in errors if p not in hashes and p not in path)
    stats["failed"] = len(errors)
    return Duplicates(exact, near, hashes, errors, kind, hash_size, r["threshold"],
                      "connected" if grouping == "connected" else "centre", stats)
