#!/usr/bin/python3
"""The performance smoke of ctest (`perf_smoke`): every comparison of the
benchmarks, on small inputs, against its peer in the same run; it fails
only when pixelcache takes more than 5x the peer's time — an algorithmic
regression (a quadratic merge, a copy per pixel), never noise. The real
figures come from `bash scripts/bench.sh` (doc/benchmarks.md).

    PYTHONPATH=build/release/python /usr/bin/python3 bench/smoke.py [--limit 5] [--repeat 7]
"""
import argparse
import io
import pathlib
import statistics
import sys
import tempfile
import time

import cv2
import numpy as np
from PIL import Image

import pixelcache
from pixelcache import HashableImage

ROOT = pathlib.Path(__file__).resolve().parents[1]


def best_of_medians(fn, repeat: int) -> float:
    """Median of `repeat` timed calls after a warm-up, seconds."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    cv2.setNumThreads(2)
    cat = Image.open(ROOT / "assets" / "chelsea.png").convert("RGB").resize((1200, 800), Image.BICUBIC)
    rng = np.random.default_rng(5)
    arr = np.clip(np.asarray(cat).astype(np.int16) + rng.integers(-10, 11, (800, 1200, 3)), 0, 255).astype(np.uint8)
    img = HashableImage(arr)
    gray = img.to_gray()
    gray_arr = gray.numpy()
    jpg, png = io.BytesIO(), io.BytesIO()
    Image.fromarray(arr).save(jpg, "JPEG", quality=90)
    Image.fromarray(arr).save(png, "PNG")
    jpg, png = jpg.getvalue(), png.getvalue()
    noisy = (np.clip(gray_arr / 255 + rng.normal(0, 0.15, gray_arr.shape), 0, 1) > 0.6)
    mask = HashableImage(noisy)
    noisy_u8 = noisy.astype(np.uint8)
    planes = cv2.split(arr)
    flipped = np.ascontiguousarray(arr[:, ::-1])
    img_flipped = HashableImage(flipped)
    m = cv2.getRotationMatrix2D((600, 400), 45, 1.0)
    small = HashableImage(arr[:200, :200].copy())

    def pil_decode(b):
        with Image.open(io.BytesIO(b)) as im:
            im.load()

    def cv_boxes():
        n, _, stats, _ = cv2.connectedComponentsWithStats(noisy_u8, connectivity=8)
        return [(x, y, x + w, y + h) for x, y, w, h, _ in stats[1:]]

    def pil_grid():
        g = Image.new("RGB", (400, 800))
        s = Image.fromarray(arr[:200, :200])
        for k in range(2):
            for i in range(4):
                g.paste(s, (k * 200, i * 200))
        return g

    tmp = tempfile.TemporaryDirectory()
    cache = pixelcache.Cache(tmp.name, memory_bytes=0, redis_url="")
    cache.put(("smoke",), img)

    items = [
        ("digest (first time)", lambda: HashableImage(arr).digest(), "ndarray.copy", arr.copy),
        ("HashableImage(ndarray)", lambda: HashableImage(arr), "ndarray.copy", arr.copy),
        ("JPEG decode", lambda: HashableImage.from_bytes(jpg) if hasattr(HashableImage, "from_bytes")
         else HashableImage(jpg), "Pillow", lambda: pil_decode(jpg)),
        ("PNG decode", lambda: HashableImage(png), "Pillow", lambda: pil_decode(png)),
        ("resize to 128x128", lambda: img.resize((128, 128)), "Pillow BILINEAR",
         lambda: cat.resize((128, 128), Image.Resampling.BILINEAR)),
        ("rotate 45, expand", lambda: img.rotate(45), "OpenCV warpAffine",
         lambda: cv2.warpAffine(arr, m, (1400, 1400))),
        ("to_gray", lambda: img.to_gray(), "OpenCV cvtColor", lambda: cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)),
        ("equalize_hist (gray)", lambda: gray.equalize_hist(), "OpenCV equalizeHist",
         lambda: cv2.equalizeHist(gray_arr)),
        ("equalize_hist (RGB)", lambda: img.equalize_hist(), "OpenCV equalizeHist x3",
         lambda: [cv2.equalizeHist(p) for p in planes]),
        ("blend 0.3", lambda: img.blend(img_flipped, 0.3, with_bbox=False), "OpenCV addWeighted",
         lambda: cv2.addWeighted(arr, 0.7, flipped, 0.3, 0)),
        ("center_pad +100 px", lambda: img.center_pad((1000, 1400)), "OpenCV copyMakeBorder",
         lambda: cv2.copyMakeBorder(arr, 100, 100, 100, 100, cv2.BORDER_CONSTANT)),
        ("mask2bbox (noisy mask)", lambda: mask.mask2bbox(0.0), "OpenCV components + list", cv_boxes),
        ("make_image_grid, 8 cells", lambda: HashableImage.make_image_grid({"a": [small] * 4, "b": [small] * 4},
                                                                           with_text=False),
         "Pillow paste", pil_grid),
        ("disk cache hit", lambda: cache.get(("smoke",)), "ndarray.copy", arr.copy),
    ]
    failed = []
    print("| work (1 MP inputs) | pixelcache ms | peer | peer ms | ratio |")
    print("| --- | ---: | --- | ---: | ---: |")
    for work, ours, peer, theirs in items:
        a, b = best_of_medians(ours, args.repeat), best_of_medians(theirs, args.repeat)
        ratio = a / b
        print(f"| {work} | {a * 1e3:.3f} | {peer} | {b * 1e3:.3f} | {ratio:.2f}x |")
        if ratio > args.limit:
            failed.append(f"{work}: {ratio:.1f}x {peer}")
    if failed:
        print(f"perf smoke: {len(failed)} beyond {args.limit}x their peer: " + "; ".join(failed))
        return 1
    print(f"perf smoke: every comparison within {args.limit}x its peer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
