#!/usr/bin/python3
"""Peak memory of a streamed thumbnail (thumbnail.hpp), for ctest.

    stream_peak_rss.py PIXELCACHE_CLI [--width W] [--height H]

Writes a tall RGB PNG (default 1500 x 60000: 90 Mpx, 270 MB decoded) and a
short one of the same width in a temporary folder, runs
`pixelcache run IN -o OUT.png resize:256x256` on each in a child process and
reads the child's peak RSS (/usr/bin/time -v). Passes when the tall
image's peak is under a generous absolute bound (a quarter of its decoded
size, at most 128 MiB) and exceeds the short image's by less than 16 MiB:
memory does not grow with the height. Then the same for lossy WebP (which
shrinks on load through libwebp's scaler rather than streaming): 1500 x
16000 (WebP's sides stop at 16383) against 1500 x 1000, growing by less than
16 MiB. Prints the figures.
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np


def write_png(path, w, h):
    """An 8-bit RGB PNG of gradients, written a band of rows at a time."""
    def chunk(f, kind, data):
        f.write(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)))

    ramp = np.arange(w * 3, dtype=np.uint32)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        chunk(f, b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        z = zlib.compressobj(1)
        for y0 in range(0, h, 256):
            n = min(256, h - y0)
            rows = np.zeros((n, w * 3 + 1), np.uint8)
            ys = np.arange(y0, y0 + n, dtype=np.uint32)[:, None]
            rows[:, 1:] = ((ramp[None, :] + ys * 3) ^ (ys >> 4)).astype(np.uint8)
            data = z.compress(rows.tobytes())
            if data:
                chunk(f, b"IDAT", data)
        chunk(f, b"IDAT", z.flush())
        chunk(f, b"IEND", b"")


WEBP_WRITER = """
import sys
import numpy as np
from PIL import Image
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ys = np.arange(h, dtype=np.uint32)[:, None]
ramp = np.arange(w * 3, dtype=np.uint32)[None, :]
rows = ((ramp + ys * 3) ^ (ys >> 4)).astype(np.uint8).reshape(h, w, 3)
Image.fromarray(rows, "RGB").save(path, "WEBP", quality=80, method=0)
"""


def write_webp(path, w, h):
    """A lossy RGB WebP of gradients (Pillow's encoder, fastest method),
    written by a child process: a child's peak RSS counts its parent's
    memory at the fork (Linux keeps the high-water mark across exec), so
    this process must stay small."""
    subprocess.run([sys.executable, "-c", WEBP_WRITER, path, str(w), str(h)], check=True)


def peak_rss_mib(cmd):
    """Runs cmd under /usr/bin/time -v: its peak RSS in MiB. (Not os.wait4's
    ru_maxrss: Linux carries the high-water mark of the process that
    spawned the child across exec, so that would count this interpreter.)"""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, errors="replace")
    if proc.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited with {proc.returncode}: {proc.stderr}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if not m:
        sys.exit(f"FAIL: no peak RSS in /usr/bin/time's output: {proc.stderr}")
    return int(m.group(1)) / 1024.0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cli")
    ap.add_argument("--width", type=int, default=1500)
    ap.add_argument("--height", type=int, default=60000)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pixelcache_stream_rss_") as tmp:
        short, tall = os.path.join(tmp, "short.png"), os.path.join(tmp, "tall.png")
        write_png(short, a.width, 1000)
        write_png(tall, a.width, a.height)
        out = os.path.join(tmp, "out.png")
        base = peak_rss_mib([a.cli, "run", short, "-o", out, "resize:256x256"])
        peak = peak_rss_mib([a.cli, "run", tall, "-o", out, "resize:256x256"])
        webp_h = min(a.height, 16000)
        short_webp, tall_webp = os.path.join(tmp, "short.webp"), os.path.join(tmp, "tall.webp")
        write_webp(short_webp, a.width, 1000)
        write_webp(tall_webp, a.width, webp_h)
        webp_base = peak_rss_mib([a.cli, "run", short_webp, "-o", out, "resize:256x256"])
        webp_peak = peak_rss_mib([a.cli, "run", tall_webp, "-o", out, "resize:256x256"])
    failed = False
    decoded_mib = a.width * a.height * 3 / 2**20
    bound = min(128.0, decoded_mib / 4)
    print(f"{a.width}x{a.height} PNG -> 256x256: peak RSS {peak:.1f} MiB "
          f"({a.width}x1000: {base:.1f} MiB; decoded whole: {decoded_mib:.0f} MiB; bound {bound:.0f} MiB)")
    if peak > bound:
        print(f"FAIL: peak RSS {peak:.1f} MiB above {bound:.0f} MiB")
        failed = True
    if peak - base >= 16:
        print(f"FAIL: peak RSS grows by {peak - base:.1f} MiB from 1000 to {a.height} rows (limit 16 MiB)")
        failed = True
    webp_mib = a.width * webp_h * 3 / 2**20
    print(f"{a.width}x{webp_h} WebP -> 256x256: peak RSS {webp_peak:.1f} MiB "
          f"({a.width}x1000: {webp_base:.1f} MiB; decoded whole: {webp_mib:.0f} MiB)")
    if webp_peak - webp_base >= 16:
        print(f"FAIL: WebP peak RSS grows by {webp_peak - webp_base:.1f} MiB from 1000 to {webp_h} rows "
              "(limit 16 MiB)")
        failed = True
    if failed:
        return 1
    print("stream_peak_rss: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
