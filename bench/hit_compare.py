#!/usr/bin/python3
"""A 12-megapixel disk-cache hit from Python against ndarray.copy() of the
same kind (issue 18): a noisy photograph (stored raw) and a smooth one (what
Compression::Auto would compress), each with the results dropped at once and
kept alive (every hit a fresh buffer), in one run, rounds alternating.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/hit_compare.py [--rounds 5] [--hits 12] [--write FILE]

Prints per case the median ms per hit (min-max over rounds) and the ratio to
the matching copy (dropped vs dropped, kept vs kept).
"""
import argparse
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np
from PIL import Image

import pixelcache
import report  # bench/report.py

ROOT = pathlib.Path(__file__).resolve().parents[1]


def photos() -> dict:
    """(name, HWC uint8) of 4000x3000: a noisy photo and a smooth one."""
    cat = Image.open(ROOT / "assets" / "chelsea.png").convert("RGB")
    smooth = np.asarray(cat.resize((4000, 3000), Image.BICUBIC))
    rng = np.random.default_rng(18)
    noisy = np.clip(smooth.astype(np.int16) + rng.integers(-12, 13, smooth.shape, dtype=np.int16), 0, 255)
    return {"noisy photo": noisy.astype(np.uint8), "smooth photo": smooth.copy()}


def per_hit(fn, hits: int, keep: bool) -> float:
    kept = []
    t0 = time.perf_counter()
    for _ in range(hits):
        r = fn()
        if keep:
            kept.append(r)
    dt = (time.perf_counter() - t0) / hits
    del kept
    return dt * 1e3


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--hits", type=int, default=12)
    report.add_write_option(ap)
    args = ap.parse_args()
    rows, sizes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        cache = pixelcache.Cache(tmp, memory_bytes=0, redis_url="")
        for name, arr in photos().items():
            img = pixelcache.HashableImage(arr)
            before = cache.stats()["disk"]["bytes"]
            cache.put(("hit", name), img)
            stored = cache.stats()["disk"]["bytes"] - before
            for keep in (False, True):
                ours, peer = [], []
                for _ in range(args.rounds):
                    ours.append(per_hit(lambda: cache.get(("hit", name)), args.hits, keep))
                    peer.append(per_hit(arr.copy, args.hits, keep))
                ratio = [o / p for o, p in zip(ours, peer)]
                rows.append((name, "kept alive" if keep else "dropped", ours, peer, ratio))
            sizes.append(f"{name}: {arr.nbytes / 1e6:.1f} MB of pixels, stored in {stored / 1e6:.1f} MB")
    with report.block(args, "hits-python", "bench/hit_compare.py"):
        print(f"{args.rounds} rounds of {args.hits} hits each, alternating; median (min-max) per hit; ratios round by "
              "round against the matching copy\n")
        print("| image | results | cache hit (ms) | ndarray.copy() (ms) | ratio (min-max) |")
        print("| --- | --- | --- | --- | --- |")
        for name, how, ours, peer, ratio in rows:
            f = lambda v: f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"
            print(f"| {name} | {how} | {f(ours)} | {f(peer)} | **{statistics.median(ratio):.2f}x** "
                  f"({min(ratio):.2f}-{max(ratio):.2f}) |")
        print("\n" + "; ".join(sizes) + " (`Compression::Auto`).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
