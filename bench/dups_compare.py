#!/usr/bin/python3
"""Near duplicates (issue 20): perceptual hashing, grouping and `pixelcache
dups`, against their targets, in one run:

  1. phash of 12 MP JPEGs, one file after another: pixelcache.image_hash(path)
     (JPEG shrink-on-load to the luma at 1/8, from the DC coefficients with
     the Huffman decoding split over the usable cores; C++ reduction and
     DCT) against the same definition in Pillow + NumPy + SciPy as imagehash
     runs it (Image.open, convert("L"), resize LANCZOS, scipy.fftpack.dct,
     median: tests/tools/imagehash_ref.py). Target: <= 0.1x. Also shown, not
     targets: pixelcache held to one core (CPU affinity), the Pillow
     definition with Image.draft("L") (Pillow's own DCT-domain shrink to the
     luma), and how many bits the hashes differ by.
  2. pixelcache.group_hashes over 100,000 random 64-bit hashes (1,000 of them
     planted near copies, 0-8 bits from another) at threshold 8, the call
     timed (multi-index hashing). Target: <= 1 s.
  3. `pixelcache dups DIR --cache=DIR -j 2` over a few hundred photos: cold
     (an empty cache, filled by the run) and warm (the same command again,
     every hash in the cache: no decoding). Target: warm <= 0.05x cold.

Each figure is the median of --rounds rounds, with min-max; ratios are taken
round by round (the commands alternate, so a drift of the machine hits both
sides). The inputs are in the OS page cache for every command alike (one
untimed warm-up). Prints a markdown table (there is no bench/report.py).

    /usr/bin/python3 bench/dups_compare.py [--cli build/release/cli/pixelcache] [--rounds 3]
                                           [--data DIR] [--photos 300] [--big 8]

Inputs are written once into --data (default $TMPDIR/pixelcache-dups-bench):
--big 4000x3000 JPEGs (test photos upscaled, Gaussian noise sigma 3, quality
90, as bench/batch_compare.py), and --photos 2000x1500 JPEGs for `dups`:
noisy crops of the test photos at random places and scales, one in five a
near copy of another (resized, re-compressed at quality 60-90, brightened)
and one in twenty a byte copy.
"""
import argparse
import importlib.util
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import report  # bench/report.py
from inputs import REPO, SOURCES, photos_12mp  # bench/inputs.py
from timing import spread  # bench/timing.py



def _ref():
    spec = importlib.util.spec_from_file_location("imagehash_ref", REPO / "tests" / "tools" / "imagehash_ref.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_big(folder: pathlib.Path, count: int) -> list:
    """`count` 12 MP JPEGs (bench/inputs.py)."""
    return photos_12mp(folder, count, "big")


def make_photos(folder: pathlib.Path, count: int) -> pathlib.Path:
    import cv2
    import numpy as np

    out = folder / f"photos-{count}"
    marker = out / ".complete"
    if marker.exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    print(f"writing {count} 2000x1500 JPEGs into {out} (once) ...", file=sys.stderr)
    photos = [cv2.imread(str(REPO / "tests" / "data" / s), cv2.IMREAD_COLOR) for s in SOURCES]
    rnd = random.Random(20)
    made: list = []
    for i in range(count):
        name = out / f"photo{i:03d}.jpg"
        if made and i % 20 == 19:
            shutil.copy(rnd.choice(made), name)  # a byte copy
            continue
        if made and i % 5 == 4:  # a near copy of an earlier photo
            img = cv2.imread(str(rnd.choice(made)), cv2.IMREAD_COLOR)
            f = rnd.uniform(0.6, 0.95)
            img = cv2.resize(img, (round(img.shape[1] * f), round(img.shape[0] * f)), interpolation=cv2.INTER_AREA)
            img = np.clip(img.astype(np.float32) * rnd.uniform(0.9, 1.1), 0, 255).astype(np.uint8)
            cv2.imwrite(str(name), img, [cv2.IMWRITE_JPEG_QUALITY, rnd.randint(60, 90)])
            made.append(name)
            continue
        src = photos[i % len(photos)]
        h, w = src.shape[:2]
        s = rnd.uniform(0.4, 0.8)
        ch, cw = int(h * s), int(w * s)
        y, x = rnd.randint(0, h - ch), rnd.randint(0, w - cw)
        crop = cv2.resize(src[y:y + ch, x:x + cw], (2000, 1500), interpolation=cv2.INTER_CUBIC)
        noise = np.random.default_rng(i).normal(0, 3, crop.shape)
        img = np.clip(crop + noise, 0, 255).astype(np.uint8)
        cv2.imwrite(str(name), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        made.append(name)
    marker.touch()
    return out


def bench_hashing(big: list, rounds: int):
    import pixelcache
    from PIL import Image

    ref = _ref()

    def ours():
        return [pixelcache.image_hash(p, "phash") for p in big]

    def pillow():
        out = []
        for p in big:
            with Image.open(p) as im:
                out.append(ref.phash(im))
        return out

    def ours_one_core():
        # image_hash() splits a JPEG's Huffman decoding over the cores it
        # may run on (its CPU affinity): here one.
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cpus)})
        try:
            return ours()
        finally:
            os.sched_setaffinity(0, cpus)

    def pillow_draft():
        out = []
        for p in big:
            with Image.open(p) as im:
                im.draft("L", (128, 128))  # libjpeg-turbo's luma at 1/8, as image_hash(path) decodes
                out.append(ref.phash(im))
        return out

    mine, theirs = ours(), pillow()  # warm-up, and the agreement
    bits = [int((m.hash != t).sum()) for m, t in zip(mine, theirs)]
    times = {"ours": [], "one_core": [], "pillow": [], "draft": []}
    for _ in range(rounds):
        for name, fn in (("ours", ours), ("one_core", ours_one_core), ("pillow", pillow), ("draft", pillow_draft)):
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1e3 / len(big))
    return times, bits


def bench_grouping(rounds: int, n: int = 100_000, planted: int = 1000, threshold: int = 8):
    import pixelcache

    rnd = random.Random(8)
    values = [rnd.getrandbits(64) for _ in range(n - planted)]
    for _ in range(planted):
        v = rnd.choice(values)
        for b in rnd.sample(range(64), rnd.randint(0, threshold)):
            v ^= 1 << b
        values.append(v)
    hashes = [pixelcache.ImageHash.from_hex(f"{v:016x}") for v in values]
    times, groups = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        groups = pixelcache.group_hashes(hashes, threshold)
        times.append(time.perf_counter() - t)
    return times, len(groups), sum(len(g.members) for g in groups)


def run_dups(cli: str, folder: pathlib.Path, cache: pathlib.Path):
    t = time.perf_counter()
    p = subprocess.run([cli, "dups", str(folder), f"--cache={cache}", "-j", "2", "--json"], capture_output=True,
                       text=True)
    seconds = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"pixelcache dups failed ({p.returncode}): {p.stderr}")
    summary = p.stderr.strip().splitlines()[-1]
    decoded = int(re.search(r"(\d+) decoded", summary).group(1))
    return seconds, decoded, p.stdout, summary


def bench_dups(cli: str, photos: pathlib.Path, rounds: int):
    for f in photos.glob("*.jpg"):  # the page cache, for both runs alike
        f.read_bytes()
    cold, warm, ratios = [], [], []
    last = None
    with tempfile.TemporaryDirectory(prefix="pixelcache-dups-bench-") as tmp:
        run_dups(cli, photos, pathlib.Path(tmp) / "warmup")  # untimed
        for r in range(rounds):
            cache = pathlib.Path(tmp) / f"cache{r}"
            c_s, c_dec, c_out, c_sum = run_dups(cli, photos, cache)
            w_s, w_dec, w_out, w_sum = run_dups(cli, photos, cache)
            if w_dec != 0 or w_out != c_out:
                raise SystemExit(f"the warm run decoded {w_dec} files or printed other groups")
            cold.append(c_s)
            warm.append(w_s)
            ratios.append(w_s / c_s)
            last = (c_dec, c_sum, w_sum, c_out)
    return cold, warm, ratios, last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=str(REPO / "build" / "release" / "cli" / "pixelcache"))
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "pixelcache-dups-bench"))
    ap.add_argument("--photos", type=int, default=300)
    ap.add_argument("--big", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    report.add_write_option(ap)
    a = ap.parse_args()
    data = pathlib.Path(a.data)
    big = make_big(data, a.big)
    photos = make_photos(data, a.photos)

    h_times, bits = bench_hashing(big, a.rounds)
    h_ratio = [o / p for o, p in zip(h_times["ours"], h_times["pillow"])]
    h1_ratio = [o / p for o, p in zip(h_times["one_core"], h_times["pillow"])]
    d_ratio = [o / p for o, p in zip(h_times["ours"], h_times["draft"])]
    g_times, g_groups, g_members = bench_grouping(a.rounds)
    cold, warm, w_ratio, (c_dec, c_sum, w_sum, out) = bench_dups(a.cli, photos, a.rounds)
    exact = sum(1 for line in out.splitlines() if '"exact"' in line)
    near = sum(1 for line in out.splitlines() if '"near"' in line)

    with report.block(a, "dups", "bench/dups_compare.py"):
        print_tables(a, big, h_times, h_ratio, h1_ratio, d_ratio, g_times, g_groups, g_members, cold, warm, w_ratio, bits,
                     exact, near, c_dec, c_sum, w_sum)
    return 0


def print_tables(a, big, h_times, h_ratio, h1_ratio, d_ratio, g_times, g_groups, g_members, cold, warm, w_ratio, bits,
                 exact, near, c_dec, c_sum, w_sum) -> None:
    print(f"{a.rounds} rounds: median (min-max); {os.cpu_count()} CPUs.\n")
    print("| what | pixelcache | peer | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| phash of a 12 MP JPEG, ms ({len(big)} files one after another; pixelcache's Huffman decoding on "
          f"{len(os.sched_getaffinity(0))} cores, Pillow's on one) | {spread(h_times['ours'], '.1f')} | "
          f"Pillow+NumPy+SciPy {spread(h_times['pillow'], '.1f')} | {spread(h_ratio)} | <= 0.1x |")
    print(f"| (not a target) the same, pixelcache on one core (CPU affinity), ms | "
          f"{spread(h_times['one_core'], '.1f')} | {spread(h_times['pillow'], '.1f')} | {spread(h1_ratio)} | - |")
    print(f"| (not a target) the same against Pillow's draft(\"L\") (libjpeg-turbo's 1/8 luma), ms | "
          f"{spread(h_times['ours'], '.1f')} | {spread(h_times['draft'], '.1f')} | {spread(d_ratio)} | - |")
    print(f"| group_hashes, 100,000 random 64-bit hashes, threshold 8, s ({g_groups} groups, {g_members} hashes) | "
          f"{spread(g_times)} | - | - | <= 1 s |")
    print(f"| `pixelcache dups -j 2`, {a.photos} 2000x1500 JPEGs, cold (empty cache), s | {spread(cold, '.2f')} | - | - | - |")
    print(f"| the same, warm (every hash cached, 0 decoded), s | {spread(warm)} | cold | {spread(w_ratio)} | "
          f"<= 0.05x |")
    print()
    print(f"phash bits apart, shrink-on-load vs the Pillow definition on the full decode: {bits}")
    print(f"dups: {exact} exact and {near} near groups; cold decoded {c_dec} files")
    print(f"cold: {c_sum}\nwarm: {w_sum}")


if __name__ == "__main__":
    sys.exit(main())
