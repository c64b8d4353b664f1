#!/usr/bin/python3
"""The C++ cache benchmark (bench/bench_cache.cpp) as a table: three runs of
the program, real time, each figure "run 1 / run 2 / run 3", ratios run by
run. The Redis rows start their own redis-server on a free loopback port;
the disk store is in $TMPDIR, so hits read LMDB's map of the page cache.

    /usr/bin/python3 bench/cache_bench.py [--build build/release] [--runs 3] [--write doc/benchmarks.md]
"""
import argparse
import json
import pathlib
import subprocess
import sys

import report  # bench/report.py

ROWS = [
    # (benchmark, label, peer benchmark or None, peer label, target)
    ("BM_MemoryHit256", "memory hit, 256x256 RGB", None, "", "microseconds"),
    ("BM_DiskHit256", "disk (LMDB) hit, 256x256 RGB", None, "", ""),
    ("BM_DiskHit12MP", "disk hit, 12 MP RGB (copy + digest check in one pass)", "BM_Memcpy36MB",
     "`memcpy` of 36 MB", "<= 1.5x"),
    ("BM_DiskHit12MPZstd", "disk hit, 12 MP photo stored with `Compression::Zstd`", "BM_DiskHit12MP",
     "the raw hit above", "(why photos stay raw)"),
    ("BM_DiskHitMask12MP", "disk hit, 12 MP mask (`Auto`: zstd)", "BM_Memcpy36MB", "`memcpy` of 36 MB", ""),
    ("BM_RedisHit256", "Redis hit, 256x256 RGB, loopback", None, "", "< 0.5 ms"),
    ("BM_MemoryPut256", "put, memory, 256x256", None, "", ""),
    ("BM_DiskPut256", "put, disk, 256x256", None, "", ""),
    ("BM_DiskPut12MP", "put, disk, 12 MP RGB", None, "", ""),
    ("BM_DiskPutMask12MP", "put, disk, 12 MP mask (compressed)", None, "", ""),
    ("BM_RedisPut256", "put, Redis, 256x256", None, "", ""),
]


def fmt(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--runs", type=int, default=3)
    report.add_write_option(ap)
    args = ap.parse_args()
    prog = pathlib.Path(args.build) / "bench" / "bench_cache"
    runs = []
    for i in range(args.runs):
        out = pathlib.Path(args.build) / "bench" / f"bench_cache_{i}.json"
        subprocess.run([prog, f"--benchmark_out={out}", "--benchmark_out_format=json"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
        runs.append({b["run_name"]: b["real_time"] * scale[b["time_unit"]]
                     for b in json.loads(out.read_text())["benchmarks"]})
    with report.block(args, "cache-cpp", "bench/cache_bench.py"):
        print(f"`bench/bench_cache` run {args.runs} times; real time per operation, run by run.\n")
        print("| work | time | peer (same runs) | ratio | target |")
        print("| --- | ---: | --- | ---: | --- |")
        for name, label, peer, peer_label, target in ROWS:
            mine = [r.get(name) for r in runs]
            if None in mine:
                continue
            cell = " / ".join(fmt(v) for v in mine)
            if peer:
                theirs = [r[peer] for r in runs]
                ratio = " / ".join(f"{a / b:.2f}" for a, b in zip(mine, theirs)) + "x"
                print(f"| {label} | {cell} | {peer_label}: {' / '.join(fmt(v) for v in theirs)} | **{ratio}** | "
                      f"{target} |")
            else:
                print(f"| {label} | {cell} | | | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
