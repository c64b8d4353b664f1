#!/usr/bin/python3
"""Runs the C++ benchmarks and times the peers (Pillow, OpenCV) on the same
inputs in the same run, then prints the ratios (pixelcache / peer, lower is
better) as a Markdown table.

    /usr/bin/python3 bench/compare.py [--build build/release] [--repeat 15]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

import cv2
import numpy as np
from PIL import Image
import io


def best_of(fn, repeat):
    """Median of `repeat` timed calls after one warm-up, in milliseconds."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    data = build / "bench" / "data"
    out = build / "bench" / "bench_core.json"
    subprocess.run([build / "bench" / "bench_core", "--benchmark_repetitions=5",
                    "--benchmark_report_aggregates_only=true", f"--benchmark_out={out}",
                    "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours = {}
    for b in json.loads(out.read_text())["benchmarks"]:
        if b.get("aggregate_name") == "median":
            scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6}[b["time_unit"]]
            ours[b["run_name"].split("/")[0]] = b["real_time"] * scale

    jpg = (data / "photo_12mp.jpg").read_bytes()
    png = (data / "photo_12mp.png").read_bytes()

    def pil_decode(b):
        def f():
            with Image.open(io.BytesIO(b)) as im:
                im.load()
        return f

    def cv_decode(b):
        arr = np.frombuffer(b, np.uint8)
        return lambda: cv2.imdecode(arr, cv2.IMREAD_COLOR)

    peers = {
        "jpeg_pil": best_of(pil_decode(jpg), args.repeat),
        "jpeg_cv": best_of(cv_decode(jpg), args.repeat),
        "png_pil": best_of(pil_decode(png), args.repeat),
        "png_cv": best_of(cv_decode(png), args.repeat),
    }
    rows = [
        ("digest of 12 MP RGB (first time)", ours["BM_Digest12MP"], "memcpy (C++)", ours["BM_Memcpy12MP"], "<= 1.0"),
        ("JPEG decode 12 MP", ours["BM_DecodeJpeg12MP"], "Pillow", peers["jpeg_pil"], ""),
        ("JPEG decode 12 MP", ours["BM_DecodeJpeg12MP"], "OpenCV imdecode", peers["jpeg_cv"], "<= 0.8 of faster"),
        ("PNG decode 12 MP", ours["BM_DecodePng12MP"], "Pillow", peers["png_pil"], ""),
        ("PNG decode 12 MP", ours["BM_DecodePng12MP"], "OpenCV imdecode", peers["png_cv"], "<= 0.8 of faster"),
    ]
    print(f"Machine: {os.cpu_count()} cores; Pillow {Image.__version__}, OpenCV {cv2.__version__}; "
          f"median of {args.repeat} (peers) / 5 repetitions (pixelcache)\n")
    print("| work | pixelcache ms | peer | peer ms | ratio | target |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for work, mine, peer, theirs, target in rows:
        print(f"| {work} | {mine:.2f} | {peer} | {theirs:.2f} | {mine / theirs:.2f}x | {target} |")
    print(f"\ncached digest(): {ours['BM_DigestCached'] * 1e6:.1f} ns per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
