#!/usr/bin/python3
"""Batch thumbnails: 100 12-megapixel JPEGs -> 256x256 PNGs on two cores, the
whole run timed as processes, pixelcache against its peers in the same run:

  * `pixelcache batch DIR -o OUT -j 2 --format png resize:256x256`
  * `vipsthumbnail -s 256x256!` driven by `xargs -P 2` (one file per process,
    and 50 files per process)
  * Pillow with `draft` (DCT-domain shrink on load) in a `multiprocessing.Pool(2)`
  * the warm rerun: the same `pixelcache batch` with `--cache=DIR` on a cache
    that holds every output (the untimed warm-up round fills it), against
    our cold run; its outputs are checked byte-identical to the cold run's

Rounds alternate the commands (A B C D, A B C D, ...) so a drift of the
machine's speed hits all of them; each figure is the median of the rounds,
with min-max, and the ratios are taken round by round. "Cold" means no
pixelcache cache; the JPEGs are in the OS page cache for every command alike
(one untimed warm-up round first).

    /usr/bin/python3 bench/batch_compare.py [--cli build/release/cli/pixelcache] [--rounds 5]
                                            [--data DIR] [--count 100] [--no-peers]

(--no-peers times only our cold run and the warm rerun.)

The inputs are made once into --data (default: $TMPDIR/pixelcache-batch-bench):
test photos upscaled to 4000x3000 with Gaussian noise (sigma 3, a different
seed per file) so they compress like real photos, JPEG quality 90.
"""
import argparse
import multiprocessing
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import report  # bench/report.py
from inputs import REPO, photos_12mp  # bench/inputs.py
from timing import spread  # bench/timing.py

SIZE = 256


def make_inputs(folder: pathlib.Path, count: int) -> list:
    """`count` 12 MP JPEGs (bench/inputs.py)."""
    return photos_12mp(folder, count, "photo")


def pillow_thumbnail(args):
    from PIL import Image

    src, out = args
    with Image.open(src) as im:
        im.draft("RGB", (SIZE, SIZE))
        im.convert("RGB").resize((SIZE, SIZE), Image.Resampling.BILINEAR).save(out, "PNG")


def pillow_run(folder: str, out: str) -> None:
    """The Pillow peer, as its own process: a Pool(2) over the folder."""
    jobs = [(str(p), os.path.join(out, p.stem + ".png")) for p in sorted(pathlib.Path(folder).glob("*.jpg"))]
    with multiprocessing.Pool(2) as pool:
        pool.map(pillow_thumbnail, jobs, chunksize=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=str(REPO / "build" / "release" / "cli" / "pixelcache"))
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "pixelcache-batch-bench"))
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true", help="time only our cold run and the warm (cached) rerun")
    ap.add_argument("--pillow-run", nargs=2, metavar=("FOLDER", "OUT"), help=argparse.SUPPRESS)
    report.add_write_option(ap)
    args = ap.parse_args()
    if args.pillow_run:
        pillow_run(*args.pillow_run)
        return 0

    inputs_dir = pathlib.Path(args.data) / "inputs"
    inputs = make_inputs(inputs_dir, args.count)
    out_root = pathlib.Path(args.data) / "out"
    listing = "ls " + str(inputs_dir) + "/*.jpg"
    cache_dir = pathlib.Path(args.data) / "cache"
    shutil.rmtree(cache_dir, ignore_errors=True)  # filled by the warm-up round
    ours_cmd = [args.cli, "batch", str(inputs_dir), "-j", "2", "--format", "png", f"resize:{SIZE}x{SIZE}"]
    warm_name = "pixelcache batch -j 2 --cache (warm rerun)"
    commands = {
        "pixelcache batch -j 2": lambda out: ours_cmd + ["-o", out],
        warm_name: lambda out: ours_cmd + ["-o", out, f"--cache={cache_dir}"],
        "vipsthumbnail, xargs -P 2 -n 1": lambda out: [
            "sh", "-c", f"{listing} | xargs -P 2 -n 1 vipsthumbnail -s {SIZE}x{SIZE}! -o {out}/%s.png"],
        "vipsthumbnail, xargs -P 2 -n 50": lambda out: [
            "sh", "-c", f"{listing} | xargs -P 2 -n 50 vipsthumbnail -s {SIZE}x{SIZE}! -o {out}/%s.png"],
        "Pillow draft, Pool(2)": lambda out: [sys.executable, __file__, "--pillow-run", str(inputs_dir), out],
    }
    if args.no_peers:
        commands = {k: v for k, v in commands.items() if k.startswith("pixelcache")}
    outs = {name: out_root / ("warm" if name == warm_name else name.split()[0]) for name in commands}
    load = os.getloadavg()[0]  # the machine's other work, for the reader
    times = {name: [] for name in commands}
    cpu = {name: [] for name in commands}  # user + system seconds of the command and its children
    for r in range(args.rounds + 1):  # round 0 is the warm-up
        for name, make in commands.items():
            out = outs[name]
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            p = subprocess.run(make(str(out)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            elapsed = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            written = len(list(out.glob("*.png")))
            if p.returncode != 0 or written != len(inputs):
                print(f"{name}: exit {p.returncode}, {written} outputs\n{p.stderr}", file=sys.stderr)
                return 1
            if r > 0:
                times[name].append(elapsed)
                cpu[name].append(cpu_s)
            if name == warm_name and r > 0 and f"{len(inputs)} written ({len(inputs)} from the cache)" not in p.stdout:
                print(f"{name}: not every output came from the cache", file=sys.stderr)
                return 1

    cold_out = outs["pixelcache batch -j 2"]
    for f in sorted(outs[warm_name].glob("*.png")):
        if f.read_bytes() != (cold_out / f.name).read_bytes():
            print(f"the warm rerun wrote {f.name} differently from the cold run", file=sys.stderr)
            return 1
    ours, ours_cpu = times["pixelcache batch -j 2"], cpu["pixelcache batch -j 2"]
    with report.block(args, "batch", "bench/batch_compare.py"):
        print(f"{len(inputs)} JPEGs 4000x3000 -> {SIZE}x{SIZE} PNG, 2 processes / threads, {args.rounds} rounds, "
              f"load average at the start: {load:.1f}; seconds: median (min-max); "
              "ratio = pixelcache / peer, round by round (the warm rerun: warm / our cold run)")
        print()
        print("| command | wall time, s | wall ratio | CPU time (user + sys), s | CPU ratio |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, t in times.items():
            if name == warm_name:  # warm / cold
                ratio = spread([a / b for a, b in zip(t, ours)]) + "x"
                cpu_ratio = spread([a / b for a, b in zip(cpu[name], ours_cpu)]) + "x"
            else:
                ratio = "" if t is ours else spread([a / b for a, b in zip(ours, t)], ".2f") + "x"
                cpu_ratio = "" if t is ours else spread([a / b for a, b in zip(ours_cpu, cpu[name])], ".2f") + "x"
            print(f"| `{name}` | {spread(t, '.3f' if name == warm_name else '.2f')} | {ratio} | "
                  f"{spread(cpu[name], '.3f' if name == warm_name else '.2f')} | {cpu_ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
