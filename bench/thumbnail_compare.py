#!/usr/bin/python3
"""Streamed thumbnails against vipsthumbnail: wall time and peak memory.

    thumbnail_compare.py [--cli PATH] [--pythonpath DIR] [--repeat N]
                         [--skip-huge] [--tmp DIR] [--keep] [--write FILE]

Generates, in a temporary folder, 8000x6000, 12000x9000 and 30000x30000
RGB PNG and TIFF files (deflate; PNG rows and TIFF strips written a band at
a time, so generating never holds the image) and a 12000x9000 WebP
(Pillow), then times, alternately and `--repeat` times each,

    pixelcache run IN -o OUT.png resize:256x256 --max-stream-pixels 1000000000
    python3 -c 'HashableImage.load_resized(IN, (256, 256), max_stream_pixels=...).save(OUT.png)'
    vipsthumbnail IN -s 256x256 -o OUT.png

each under /usr/bin/time -v (peak RSS: "Maximum resident set size"). It
prints one Markdown table: the median wall time (min-max), the median peak
RSS, and the ratios to vipsthumbnail's (median of the per-round ratios,
with their min-max). --skip-huge leaves out 30000x30000 (slow to generate:
2.7 GB of pixels). With --write FILE the table also replaces the block
"thumbnail" of FILE (doc/benchmarks.md; bench/report.py).

The targets (issue 18): peak memory <= vipsthumbnail's at every size and
growing by less than 16 MiB from 48 Mpx to 900 Mpx; wall time <= 0.7x
vipsthumbnail's.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import report  # noqa: E402
from timing import spread  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
BAND = 256  # rows generated at a time


def band_pixels(w: int, y0: int, n: int, noise: np.ndarray) -> np.ndarray:
    """Rows y0..y0+n of a w-wide RGB test picture: smooth gradients plus a
    tile of noise (photographs compress about as badly)."""
    ys = np.arange(y0, y0 + n, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    r = (xs * 255.0 / w + 40 * np.sin(ys / 97.0)) % 256
    g = ((xs + ys) * 0.05) % 256
    b = 128 + 100 * np.sin(xs / 211.0) * np.cos(ys / 173.0)
    px = np.stack([r, g, b], axis=-1).astype(np.int16)
    reps = (n + noise.shape[0] - 1) // noise.shape[0], (w + noise.shape[1] - 1) // noise.shape[1], 1
    px += np.tile(noise, reps)[:n, :w]
    return np.clip(px, 0, 255).astype(np.uint8)


def write_png(path: pathlib.Path, w: int, h: int, noise: np.ndarray) -> None:
    def chunk(f, kind, data):
        f.write(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        chunk(f, b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        z = zlib.compressobj(1)
        for y0 in range(0, h, BAND):
            n = min(BAND, h - y0)
            rows = np.zeros((n, w * 3 + 1), np.uint8)
            rows[:, 1:] = band_pixels(w, y0, n, noise).reshape(n, w * 3)
            data = z.compress(rows.tobytes())
            if data:
                chunk(f, b"IDAT", data)
        chunk(f, b"IDAT", z.flush())
        chunk(f, b"IEND", b"")


def write_tiff(path: pathlib.Path, w: int, h: int, noise: np.ndarray, rows_per_strip: int = 64) -> None:
    """A little-endian RGB TIFF of deflate strips (compression 8)."""
    strips = (h + rows_per_strip - 1) // rows_per_strip
    offsets, counts = [], []
    with open(path, "wb") as f:
        f.write(b"II*\x00" + struct.pack("<I", 0))  # the IFD offset is patched at the end
        for y0 in range(0, h, BAND):
            band = band_pixels(w, y0, min(BAND, h - y0), noise)
            for s0 in range(0, band.shape[0], rows_per_strip):
                data = zlib.compress(band[s0:s0 + rows_per_strip].tobytes(), 1)
                offsets.append(f.tell())
                counts.append(len(data))
                f.write(data)
        assert len(offsets) == strips
        arrays_at = f.tell()
        f.write(struct.pack(f"<{strips}I", *offsets))
        counts_at = f.tell()
        f.write(struct.pack(f"<{strips}I", *counts))
        bps_at = f.tell()
        f.write(struct.pack("<3H", 8, 8, 8))
        if f.tell() % 2:
            f.write(b"\x00")
        ifd_at = f.tell()
        entries = [  # tag, type (3 SHORT, 4 LONG), count, value
            (256, 4, 1, w), (257, 4, 1, h), (258, 3, 3, bps_at), (259, 3, 1, 8), (262, 3, 1, 2),
            (273, 4, strips, arrays_at if strips > 1 else offsets[0]), (277, 3, 1, 3), (278, 4, 1, rows_per_strip),
            (279, 4, strips, counts_at if strips > 1 else counts[0]), (284, 3, 1, 1),
        ]
        f.write(struct.pack("<H", len(entries)))
        for tag, typ, count, value in entries:
            f.write(struct.pack("<HHI", tag, typ, count))
            f.write(struct.pack("<HH", value, 0) if typ == 3 and count == 1 else struct.pack("<I", value))
        f.write(struct.pack("<I", 0))
        f.seek(4)
        f.write(struct.pack("<I", ifd_at))


def write_webp(path: pathlib.Path, w: int, h: int, noise: np.ndarray) -> None:
    from PIL import Image
    px = np.empty((h, w, 3), np.uint8)
    for y0 in range(0, h, BAND):
        n = min(BAND, h - y0)
        px[y0:y0 + n] = band_pixels(w, y0, n, noise)
    Image.fromarray(px).save(path, quality=85, method=0)


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of cmd under /usr/bin/time -v."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return wall, int(m.group(1)) / 1024.0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default=str(ROOT / "build/release/cli/pixelcache"))
    ap.add_argument("--pythonpath", default=str(ROOT / "build/release/python"),
                    help="where the pixelcache package is built (empty: skip the Python rows)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-huge", action="store_true", help="leave out 30000x30000")
    ap.add_argument("--tmp", default=None, help="folder for the inputs (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated inputs")
    report.add_write_option(ap)
    a = ap.parse_args(argv)
    vips = shutil.which("vipsthumbnail")
    if not vips:
        raise SystemExit("vipsthumbnail not found (Debian package libvips-tools: scripts/install-deps.sh)")
    tmp = pathlib.Path(a.tmp or tempfile.mkdtemp(prefix="pixelcache_thumbs_"))
    tmp.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng(18).integers(-12, 13, size=(61, 67, 3)).astype(np.int16)
    cases = [("PNG", 8000, 6000), ("TIFF", 8000, 6000), ("PNG", 12000, 9000), ("TIFF", 12000, 9000),
             ("WebP", 12000, 9000)]
    if not a.skip_huge:
        cases += [("PNG", 30000, 30000), ("TIFF", 30000, 30000)]
    writers = {"PNG": (write_png, "png"), "TIFF": (write_tiff, "tif"), "WebP": (write_webp, "webp")}
    env = dict(os.environ, PYTHONPATH=a.pythonpath)
    py = ("import sys, pixelcache; pixelcache.HashableImage.load_resized(sys.argv[1], (256, 256), "
          "max_stream_pixels=10**9).save(sys.argv[2])")
    rows = []
    try:
        for fmt, w, h in cases:
            write, ext = writers[fmt]
            src = tmp / f"in_{w}x{h}.{ext}"
            if not src.exists():
                t = time.perf_counter()
                write(src, w, h, noise)
                print(f"generated {src.name} ({src.stat().st_size / 2**20:.0f} MiB) in "
                      f"{time.perf_counter() - t:.0f} s", file=sys.stderr)
            out = str(tmp / "out.png")
            tools = {
                "vipsthumbnail": ([vips, str(src), "-s", "256x256", "-o", out], None),
                "pixelcache run": ([a.cli, "run", str(src), "-o", out, "resize:256x256",
                                    "--max-stream-pixels", "1000000000"], None),
            }
            if a.pythonpath:
                tools["Python load_resized"] = (["/usr/bin/python3", "-c", py, str(src), out], env)
            results = {name: ([], []) for name in tools}
            for name, (cmd, e) in tools.items():  # one warm-up each (page cache)
                timed(cmd, e)
            for _ in range(a.repeat):
                for name, (cmd, e) in tools.items():
                    wall, rss = timed(cmd, e)
                    results[name][0].append(wall)
                    results[name][1].append(rss)
            vt, vr = results["vipsthumbnail"]
            for name, (ts, rs) in results.items():
                tr = [t / v for t, v in zip(ts, vt)]
                rr = [r / v for r, v in zip(rs, vr)]
                rows.append(f"| {fmt} {w}x{h} | {name} | {spread(ts, '.2f')} | {spread(rs, '.0f')} | "
                            + ("-" if name == "vipsthumbnail" else f"{spread(tr, '.2f')}") + " | "
                            + ("-" if name == "vipsthumbnail" else f"{spread(rr, '.2f')}") + " |")
            print(rows[-1], file=sys.stderr)
    finally:
        if not a.keep and a.tmp is None:
            shutil.rmtree(tmp, ignore_errors=True)
    with report.block(a, "thumbnail", "bench/thumbnail_compare.py"):
        print(f"Thumbnails to 256x256 PNG, {a.repeat} alternating rounds after a warm-up; median (min-max); "
              "peak RSS from /usr/bin/time -v.\n")
        print("| input | tool | wall s | peak RSS MiB | time / vips | RSS / vips |")
        print("|---|---|---|---|---|---|")
        print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
