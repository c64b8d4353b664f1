#!/usr/bin/python3
"""How far shrink-on-load moves a thumbnail: HashableImage.load_resized
(a JPEG decoded at 1/2, 1/4 or 1/8 scale in the DCT domain, then resized)
against a full decode + resize, and Pillow's draft() + resize against
Pillow's full decode + resize, on the same JPEGs: 1-3 MP photos (the test
photos upscaled, with noise, quality 90) to several thumbnail sizes. Prints
the mean absolute difference in levels (0-255), mean and max over the
images, per target size.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/shrink_quality.py [--count 24] [--write FILE]
"""
import argparse
import io
import pathlib
import statistics
import sys

import numpy as np
from PIL import Image

from pixelcache import HashableImage

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import report  # noqa: E402  (bench/report.py)

ROOT = pathlib.Path(__file__).resolve().parents[1]


def jpegs(count: int):
    rng = np.random.default_rng(21)
    photos = [Image.open(p).convert("RGB") for p in sorted((ROOT / "assets").glob("*.png"))
              if "mask" not in p.name]
    for i in range(count):
        mp = 1.0 + 2.0 * i / max(1, count - 1)  # 1 to 3 megapixels
        w = int((mp * 1e6 * 4 / 3) ** 0.5)
        h = int(w * 3 / 4)
        big = np.asarray(photos[i % len(photos)].resize((w, h), Image.BICUBIC)).astype(np.int16)
        big = np.clip(big + rng.integers(-12, 13, big.shape), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(big).save(buf, "JPEG", quality=90)
        yield buf.getvalue()


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=24)
    report.add_write_option(ap)
    args = ap.parse_args()
    data = list(jpegs(args.count))
    with report.block(args, "shrink-quality", "bench/shrink_quality.py"):
        table(args, data)
    return 0


def table(args: argparse.Namespace, data: list) -> None:
    print(f"{args.count} JPEGs of 1-3 MP (noisy photos, quality 90); mean absolute difference in levels: mean over "
          "the images (max)\n")
    print("| target | load_resized vs decode + resize | Pillow draft + resize vs decode + resize | "
          "load_resized vs Pillow draft + resize |")
    print("| --- | ---: | ---: | ---: |")
    for size in (64, 128, 256, 512):
        ours, pil, cross = [], [], []
        for b in data:
            full = HashableImage(b).resize((size, size)).numpy()
            shrunk = HashableImage.load_resized(b, (size, size)).numpy()
            with Image.open(io.BytesIO(b)) as im:
                pil_full = np.asarray(im.convert("RGB").resize((size, size), Image.BILINEAR))
            with Image.open(io.BytesIO(b)) as im:
                im.draft("RGB", (size, size))
                pil_draft = np.asarray(im.convert("RGB").resize((size, size), Image.BILINEAR))
            ours.append(mad(shrunk, full))
            pil.append(mad(pil_draft, pil_full))
            cross.append(mad(shrunk, pil_draft))
        f = lambda v: f"{statistics.mean(v):.2f} ({max(v):.2f})"  # noqa: E731
        print(f"| {size}x{size} | {f(ours)} | {f(pil)} | {f(cross)} |")


if __name__ == "__main__":
    sys.exit(main())
