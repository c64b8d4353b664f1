#!/usr/bin/python3
"""The slowest inputs to decode or refuse: every file of the conformance
corpus (tests/tools/gen_conformance.py) and deterministic hostile mutations
of it and of tests/data (inputs of at most 64 KiB), through pixelcache's
decoder with the default limits. Prints the slowest inputs with the median
of several timed runs, and Pillow's time on the same bytes for scale.

    PYTHONPATH=build/release/python bench/decode_worst.py [--corpus DIR]
        [--mutations N] [--top K] [--repeat R]
"""
import argparse
import io
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "tools"))
sys.path.insert(0, str(ROOT / "bench"))
from decode_timing import MAX_INPUT, mutate, timed_decode  # noqa: E402
from timing import median_ms  # noqa: E402


def pillow_ms(data, repeat):
    from PIL import Image

    def run():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(io.BytesIO(data)) as im:
                    im.load()
        except Exception:  # noqa: BLE001 - any refusal counts, we only time it
            pass

    return median_ms(run, repeat)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=pathlib.Path, help="an existing corpus (default: generate one)")
    ap.add_argument("--mutations", type=int, default=3000)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = None
    corpus = args.corpus
    if corpus is None:
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="pixelcache_worst_"))
        subprocess.run([sys.executable, str(ROOT / "tests/tools/gen_conformance.py"), str(tmp)], check=True,
                       stdout=subprocess.DEVNULL)
        corpus = tmp
    try:
        seeds = [(p.name, p.read_bytes()) for p in sorted(corpus.iterdir()) if p.suffix not in (".json", ".truth")]
        seeds += [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests/data").iterdir()) if p.suffix != ".md"]
        inputs = [(n, d) for n, d in seeds if len(d) <= MAX_INPUT]
        rng = random.Random(2026)
        for i in range(args.mutations):
            name, data = seeds[rng.randrange(len(seeds))]
            inputs.append((f"{name} ~{i}", mutate(data, rng)))
        # Rank by the median of three passes: a single pass ranks scheduling
        # noise on a busy machine.
        start = time.perf_counter()
        runs = [[timed_decode(d)[0] for _, d in inputs] for _ in range(3)]
        total = (time.perf_counter() - start) / 3
        medians = [sorted(r[i] for r in runs)[1] for i in range(len(inputs))]
        first = sorted(((t, n, d) for t, (n, d) in zip(medians, inputs)), key=lambda t: -t[0])
        print(f"{len(inputs)} inputs (<= {MAX_INPUT // 1024} KiB) decoded or refused in {total:.2f} s a pass")
        print(f"{'input (~N: mutation N)':58} {'bytes':>7} {'pixelcache ms (range)':>21} {'outcome':>12} "
              f"{'Pillow ms':>10}")
        rows = []
        for _, name, data in first[:args.top]:
            times = []
            outcome = ""
            for _ in range(args.repeat):
                t, outcome = timed_decode(data)
                times.append(t * 1e3)
            times.sort()
            rows.append((times[len(times) // 2], times[0], times[-1], name, len(data), outcome,
                         pillow_ms(data, args.repeat)))
        for median, low, high, name, size, outcome, pillow in sorted(rows, reverse=True):
            print(f"{name[:58]:58} {size:7d} {median:7.2f} ({low:.1f}-{high:.1f}) {outcome:>12} {pillow:10.2f}")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
