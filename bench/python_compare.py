#!/usr/bin/python3
"""Times the Python package against what a Python user would write instead,
in one run, and prints the ratios (pixelcache / peer, lower is better) as a
Markdown table. Targets: doc/benchmarks.md.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python_compare.py [--repeat 21]
"""
import argparse
import concurrent.futures
import pathlib
import pickle
import sys
import tempfile
import timeit

import numpy as np
import torch
from PIL import Image

from pixelcache import HashableImage

from timing import median_ms, paired_median_ms  # bench/timing.py
import report  # bench/report.py

ROOT = pathlib.Path(__file__).resolve().parents[1]


def per_call_ns(stmt, env, number=1_000_000, repeat=7):
    """Best per-call time of a tiny statement, minus the empty loop, in ns."""
    empty = min(timeit.repeat("pass", number=number, repeat=repeat))
    best = min(timeit.repeat(stmt, globals=env, number=number, repeat=repeat))
    return (best - empty) / number * 1e9


def photo_12mp(tmp):
    """A 4000 x 3000 JPEG (q 90) made from the bundled rocket photo."""
    path = pathlib.Path(tmp) / "photo_12mp.jpg"
    Image.open(ROOT / "assets" / "rocket.jpg").convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC) \
        .save(path, quality=90)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=21)
    report.add_write_option(ap)
    args = ap.parse_args()
    r = args.repeat
    rows = []

    def row(work, ours, peer_name, peer, target, unit="ms"):
        rows.append((work, ours, peer_name, peer, ours / peer, target, unit))

    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)  # 1 MP RGB
    row("HashableImage(ndarray), 1 MP RGB", median_ms(lambda: HashableImage(arr), r),
        "ndarray.copy()", median_ms(arr.copy, r), "<= 1.5x")
    img = HashableImage(arr)
    row(".numpy(), 1 MP RGB", median_ms(img.numpy, r), "ndarray.copy()", median_ms(arr.copy, r), "copy-bound")
    row(".numpy_view(), 1 MP RGB", median_ms(img.numpy_view, r) * 1e3, "ndarray.view()",
        median_ms(arr.view, r) * 1e3, "zero-copy: constant time", unit="us")
    hash(img)
    n = 123456789
    row("cached hash(img)", per_call_ns("hash(img)", {"img": img}), "hash(int)", per_call_ns("hash(n)", {"n": n}),
        "< 100 ns", unit="ns")
    big = HashableImage(rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8))
    big_arr = big.numpy()
    row("HashableImage(ndarray), 12 MP RGB", median_ms(lambda: HashableImage(big_arr), r),
        "ndarray.copy()", median_ms(big_arr.copy, r), "<= 1.5x")
    big_pil = Image.fromarray(big_arr)
    row("HashableImage(PIL image), 12 MP RGB", median_ms(lambda: HashableImage(big_pil), r),
        "np.asarray(PIL image)", median_ms(lambda: np.asarray(big_pil), r), "copy-bound (Pillow's tobytes)")
    # The original pickles its ndarray: the peer is the same round trip of
    # the equivalent ndarray, in band (no buffer_callback), protocols 4 and 5.
    # Timed alternately (paired_median_ms): the machine's load drifts.
    for protocol in (4, 5):
        ours, peer = paired_median_ms(lambda: pickle.loads(pickle.dumps(big, protocol=protocol)),
                                      lambda: pickle.loads(pickle.dumps(big_arr, protocol=protocol)), r)
        row(f"pickle round trip in band, 12 MP RGB, protocol {protocol}", ours, "same for the ndarray", peer,
            "<= 1.0x")

    def out_of_band(x):
        buffers = []
        data = pickle.dumps(x, protocol=5, buffer_callback=buffers.append)
        return pickle.loads(data, buffers=buffers)

    ours, peer = paired_median_ms(lambda: out_of_band(big), lambda: out_of_band(big_arr), r)
    row("pickle round trip out of band, 12 MP RGB, protocol 5", ours * 1e3, "same for the ndarray", peer * 1e3,
        "zero-copy both ways", unit="us")

    with tempfile.TemporaryDirectory() as tmp:
        path = photo_12mp(tmp)

        def ours_thumb():
            return HashableImage(path).resize((256, 256)).tensor()

        def pillow_thumb():
            with Image.open(path) as im:
                im = im.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR)
            return torch.from_numpy(np.array(im)).permute(2, 0, 1).float().div(255)[None]

        def pillow_draft_thumb():
            with Image.open(path) as im:
                im.draft("RGB", (256, 256))
                im = im.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR)
            return torch.from_numpy(np.array(im)).permute(2, 0, 1).float().div(255)[None]

        def ours_draft_thumb():
            return HashableImage.load_resized(path, (256, 256)).tensor()

        assert ours_thumb().shape == pillow_thumb().shape == ours_draft_thumb().shape == (1, 3, 256, 256)
        row("12 MP JPEG -> 256x256 -> tensor", median_ms(ours_thumb, r), "Pillow + torch",
            median_ms(pillow_thumb, r), "faster")
        row("same, shrink-on-load (load_resized / draft)", median_ms(ours_draft_thumb, r), "Pillow draft + torch",
            median_ms(pillow_draft_thumb, r), "faster")
        jpeg = path.read_bytes()

    # Threads: the GIL is released while decoding (single-threaded in
    # libjpeg-turbo), so two Python threads decode twice as much on two cores.
    def batch(threads):
        def run():
            with concurrent.futures.ThreadPoolExecutor(threads) as pool:
                list(pool.map(lambda _: HashableImage(jpeg), range(8)))
        return run

    row("8 x decode 12 MP JPEG, 2 threads", median_ms(batch(2), max(5, r // 3)), "same, 1 thread",
        median_ms(batch(1), max(5, r // 3)), "~0.5x on 2 cores (GIL released)")

    with report.block(args, "python", "bench/python_compare.py"):
        print(f"pixelcache Python benchmarks, {sys.version.split()[0]}, torch {torch.__version__}, "
              f"Pillow {Image.__version__}, NumPy {np.__version__}; median of {r}\n")
        print("| work | pixelcache | peer | peer time | ratio | target |")
        print("| --- | --- | --- | --- | --- | --- |")
        for work, ours, peer_name, peer, ratio, target, unit in rows:
            print(f"| {work} | {ours:.3g} {unit} | {peer_name} | {peer:.3g} {unit} | {ratio:.2f}x | {target} |")


if __name__ == "__main__":
    main()
