#!/usr/bin/python3
"""The Python cache against what Python users cache with, in the same run:
a memoized thumbnail(path) (a 12-megapixel JPEG -> 256x256 RGB with
HashableImage.load_resized) over 50 images, cold (every call computes and
stores) then warm (every call a hit), with

  * functools.lru_cache           (memory, one process)
  * joblib.Memory                 (disk, pickles; Debian python3-joblib)
  * diskcache.Cache.memoize       (SQLite + files, pickles; python3-diskcache)
  * pixelcache.memoize with a Cache of one tier each: memory, disk (LMDB),
    Redis (a redis-server this script starts on a free 127.0.0.1 port).

Each round runs every variant once (alternating, so a drift of the machine's
speed hits all alike); figures are medians over the rounds with min-max, and
ratios are taken round by round. Also: keying a 12 MP image argument (its
digest is computed once, then cached on the image) against joblib's hash of
the same argument.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/cache_compare.py [--rounds 5] [--data DIR]

The inputs are those of bench/batch_compare.py (made once into --data).
"""
import argparse
import functools
import os
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "python"))
from batch_compare import make_inputs  # noqa: E402
from timing import spread  # noqa: E402
from redis_server import RedisServer  # noqa: E402

import diskcache  # noqa: E402
import joblib  # noqa: E402

import pixelcache  # noqa: E402
from pixelcache import HashableImage  # noqa: E402
import report  # bench/report.py

SIZE = (256, 256)


def thumbnail(path):
    return HashableImage.load_resized(path, SIZE)


def per_call_us(fn, paths, repeat):
    """Mean microseconds per call over `repeat` passes of `paths`."""
    t = time.perf_counter()
    for _ in range(repeat):
        for p in paths:
            fn(p)
    return (time.perf_counter() - t) / (repeat * len(paths)) * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "pixelcache-batch-bench"))
    report.add_write_option(ap)
    args = ap.parse_args()
    paths = [str(p) for p in make_inputs(pathlib.Path(args.data), args.count)[:args.count]]
    reference = [thumbnail(p).digest() for p in paths]  # warms the page cache, and checks every variant's output

    cold = {k: [] for k in ("lru", "joblib", "diskcache", "memory", "disk", "redis")}
    warm = {k: [] for k in cold}
    repeats = {"lru": 400, "memory": 400, "joblib": 3, "diskcache": 10, "disk": 40, "redis": 10}
    with RedisServer() as redis, tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            root = pathlib.Path(tmp) / f"round{r}"
            variants = {
                "lru": functools.lru_cache(maxsize=None)(thumbnail),
                "joblib": joblib.Memory(root / "joblib", verbose=0).cache(thumbnail),
                "diskcache": diskcache.Cache(str(root / "diskcache")).memoize()(thumbnail),
                "memory": pixelcache.memoize(thumbnail, cache=pixelcache.Cache(max_bytes=0, redis_url="")),
                "disk": pixelcache.memoize(thumbnail, cache=pixelcache.Cache(root / "lmdb", memory_bytes=0,
                                                                             redis_url="")),
                "redis": pixelcache.memoize(thumbnail, cache=pixelcache.Cache(
                    max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace=f"bench{r}")),
            }
            for name, fn in variants.items():
                cold[name].append(per_call_us(fn, paths, 1) / 1e3)  # ms
                got = [fn(p).digest() for p in paths]
                assert got == reference, name
                warm[name].append(per_call_us(fn, paths, repeats[name]))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

        # Keying a 12 MP image argument: the first key pays its digest, later keys only look it up.
        big = HashableImage(paths[0])
        keyed = pixelcache.memoize(lambda img: img, cache=pixelcache.Cache(max_bytes=0, redis_url=""), name="key")
        t = time.perf_counter()
        keyed.key(big)
        first_key_ms = (time.perf_counter() - t) * 1e3
        later_key_us = min(per_call_us(lambda _: keyed.key(big), [0], 2000) for _ in range(5))
        big2 = HashableImage(paths[1])
        joblib_hash_ms = []
        for _ in range(3):
            t = time.perf_counter()
            joblib.hash(big2)
            joblib_hash_ms.append((time.perf_counter() - t) * 1e3)

    ratio = lambda a, b: [x / y for x, y in zip(warm[a], warm[b])]  # noqa: E731
    with report.block(args, "cache-python", "bench/cache_compare.py"):
        print(f"\nthumbnail(path), 12 MP JPEG -> 256x256, {len(paths)} images, {args.rounds} rounds: "
              "median (min-max)\n")
        print("| cache | cold call, ms | warm hit, µs | ours / peer, warm, round by round |")
        print("| --- | ---: | ---: | ---: |")
        rows = [("`functools.lru_cache`", "lru", ""),
                ("`joblib.Memory`", "joblib", ""),
                ("`diskcache` memoize", "diskcache", ""),
                ("pixelcache memory tier", "memory", f"{spread(ratio('memory', 'lru'), '.3g', 'x')} of lru_cache"),
                ("pixelcache disk tier (LMDB)", "disk",
                 f"{spread(ratio('disk', 'joblib'), '.3g', 'x')} of joblib; {spread(ratio('disk', 'diskcache'), '.3g', 'x')} of "
                 "diskcache"),
                ("pixelcache Redis tier (loopback)", "redis", "")]
        for label, key, note in rows:
            print(f"| {label} | {spread(cold[key], '.3g')} | {spread(warm[key], '.3g')} | {note} |")
        print(f"\nkeying a 12 MP HashableImage argument: first {first_key_ms:.2f} ms (its digest), then "
              f"{later_key_us:.2f} µs; joblib.hash of a 12 MP image: {spread(joblib_hash_ms, '.3g', ' ms')} every time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
