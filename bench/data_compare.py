#!/usr/bin/python3
"""Feeding PyTorch on a CPU: a few hundred 1-3 MP JPEGs in class folders ->
224x224 ImageNet-normalised float32 batches of 32, two cores, against the
usual ways and the physical limit:

  * torchvision: ImageFolder + Resize(256) + CenterCrop(224) + ToTensor +
    Normalize, in a DataLoader(num_workers=2)
  * pixelcache.data.ImageFolder("resize_min_size:256,modulo=1
    center_crop:224x224", cache=Cache(dir)) in that same DataLoader
  * pixelcache.data.Loader(that dataset, 32, workers=2): C++ threads, no
    worker processes
  * the limit: the same preprocessed uint8 crops read from a NumPy memmap
    and normalised into (32, 3, 224, 224) batches with torch ops in the main
    process (the preprocessing is not timed)

Each run of a configuration is its own process (so its peak memory is its
own), with a fresh, empty pixelcache cache directory: epoch 1 is cold (the
cache fills itself), epochs 2 and 3 are served by it. DataLoaders keep their
workers across epochs (persistent_workers=True, what a multi-epoch training
uses; torchvision's epochs barely change with it). An epoch is timed from
creating its iterator to its last batch. Runs alternate the configurations
(A B C D, A B C D, ...) so a drift of the shared machine hits all alike;
figures are medians over the runs with min-max, ratios are of the medians.
Peak memory is the largest sum of the RSS of a run's process and its
children (DataLoader workers), sampled every 10 ms (psutil).

    /usr/bin/python3 bench/data_compare.py [--runs 3] [--count 320] [--data DIR] [--only NAME ...]

Run with PYTHONPATH=build/release/python. The JPEGs are made once into --data
(default build/bench-data/data_compare): crops of the photos in assets/ and
tests/data, rotated and mirrored, resized to 1-3 MP, with Gaussian noise
(sigma 3) so they compress like photos, quality 90, in 4 class folders; the
files are read once before timing, so every configuration finds them in the
OS page cache.
"""
import argparse
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import report  # bench/report.py

REPO = pathlib.Path(__file__).resolve().parents[1]
PHOTOS = ["assets/chelsea.png", "assets/astronaut.png", "assets/coffee.png", "assets/rocket.jpg",
          "tests/data/chelsea_q95.jpg", "tests/data/camera.png"]
# (width, height), 1.0 to 3.0 MP, landscape and portrait.
SIZES = [(1280, 853), (1600, 1200), (2048, 1365), (1200, 1600), (1920, 1280), (1024, 1024), (1536, 2048),
         (2000, 1500)]
STEPS = "resize_min_size:256,modulo=1 center_crop:224x224"
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
CONFIGS = ["torchvision", "ours_dataloader", "ours_loader", "memmap"]
LABELS = {
    "torchvision": "torchvision ImageFolder + DataLoader(num_workers=2)",
    "ours_dataloader": "pixelcache ImageFolder + DataLoader(num_workers=2)",
    "ours_loader": "pixelcache Loader(workers=2)",
    "memmap": "limit: uint8 crops from a NumPy memmap, normalised with torch",
}


# ---------------------------------------------------------------- inputs


def make_inputs(folder: pathlib.Path, count: int) -> pathlib.Path:
    """The JPEG tree (made once; a marker file says it is complete)."""
    import numpy as np
    from PIL import Image

    root = folder / f"tree{count}"
    marker = root / ".complete"
    if marker.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    print(f"writing {count} JPEGs of 1-3 MP into {root} (once) ...", file=sys.stderr)
    photos = [Image.open(REPO / p).convert("RGB") for p in PHOTOS]
    rng = np.random.default_rng(2024)
    for i in range(count):
        im = photos[i % len(photos)]
        w, h = im.size
        # A crop of 60-100 % of each side, a quarter turn or none, a mirror or none.
        cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        v = im.crop((x0, y0, x0 + cw, y0 + ch))
        v = v.transpose(Image.Transpose.ROTATE_90) if rng.random() < 0.25 else v
        v = v.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else v
        v = v.resize(SIZES[i % len(SIZES)], Image.BICUBIC)
        a = np.asarray(v, dtype=np.float32) + rng.normal(0, 3, (v.size[1], v.size[0], 3))
        out = root / f"class{i % 4}" / f"img{i:04d}.jpg"
        out.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(out, quality=90)
    marker.touch()
    return root


def make_crops(root: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    """The preprocessed uint8 crops (N, 224, 224, 3) of the limit, as .npy."""
    import numpy as np

    from pixelcache.data import ImageFolder

    if out.exists():
        return out
    ds = ImageFolder(root, STEPS, output="numpy", dtype="uint8")
    mm = np.lib.format.open_memmap(out.with_suffix(".tmp.npy"), mode="w+", dtype=np.uint8,
                                   shape=(len(ds), 224, 224, 3))
    for i in range(len(ds)):
        mm[i] = ds[i][0]
    mm.flush()
    del mm
    out.with_suffix(".tmp.npy").rename(out)
    return out


# ---------------------------------------------------------------- one run (a child process)


def epochs_of(iterate, epochs):
    """Seconds per epoch; `iterate()` returns an iterable of batches."""
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        n = 0
        for batch in iterate():
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            n += x.shape[0]
        times.append(time.perf_counter() - t)
    return times, n


def child(name: str, root: str, crops: str, cache_dir: str, epochs: int, batch: int, workers: int) -> dict:
    import torch

    if name == "torchvision":
        import torchvision
        from torchvision import transforms as T

        ds = torchvision.datasets.ImageFolder(root, T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                                                               T.Normalize(MEAN, STD)]))
        loader = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=True)
        times, n = epochs_of(lambda: loader, epochs)
    elif name in ("ours_dataloader", "ours_loader"):
        import pixelcache
        from pixelcache.data import ImageFolder, Loader

        cache = pixelcache.Cache(cache_dir, redis_url="")
        ds = ImageFolder(root, STEPS, cache=cache, mean=MEAN, std=STD)
        if name == "ours_loader":
            loader = Loader(ds, batch, workers=workers)
        else:
            loader = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=True)
        times, n = epochs_of(lambda: loader, epochs)
    elif name == "memmap":
        import warnings

        import numpy as np

        mm = np.load(crops, mmap_mode="r")
        mean = torch.tensor(MEAN).view(1, 3, 1, 1)
        std = torch.tensor(STD).view(1, 3, 1, 1)

        def batches():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # from_numpy of the read-only map: never written
                for i in range(0, len(mm), batch):
                    u8 = torch.from_numpy(mm[i:i + batch])
                    x = torch.empty((u8.shape[0], 3, 224, 224))
                    x.copy_(u8.permute(0, 3, 1, 2))
                    yield x.div_(255).sub_(mean).div_(std)

        times, n = epochs_of(batches, epochs)
    else:
        raise SystemExit(f"unknown configuration {name}")
    return {"times": times, "images": n}


def run_child(args, name: str, root: pathlib.Path, crops: pathlib.Path) -> dict:
    """One run of `name` in a new process; its result and peak tree RSS."""
    import psutil

    cache_dir = tempfile.mkdtemp(prefix="pixelcache-data-bench-", dir=args.data)
    cmd = [sys.executable, __file__, "--child", name, "--root", str(root), "--crops", str(crops), "--cache-dir",
           cache_dir, "--epochs", str(args.epochs), "--batch", str(args.batch), "--workers", str(args.workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [ps] + ps.children(recursive=True)
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.01)
    out = proc.stdout.read()
    shutil.rmtree(cache_dir, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = peak
    return result


# ---------------------------------------------------------------- report


def spread(values):
    return statistics.median(values), min(values), max(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=320)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", type=pathlib.Path, default=REPO / "build" / "bench-data" / "data_compare")
    ap.add_argument("--only", nargs="*", choices=CONFIGS)
    ap.add_argument("--child")
    ap.add_argument("--root")
    ap.add_argument("--crops")
    ap.add_argument("--cache-dir")
    report.add_write_option(ap)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.root, args.crops, args.cache_dir, args.epochs, args.batch,
                               args.workers)))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    root = make_inputs(args.data, args.count)
    crops = make_crops(root, args.data / f"crops{args.count}.npy")
    files = sorted(root.rglob("*.jpg"))
    megapixels = []
    from PIL import Image
    for f in files:  # into the page cache, and their sizes
        f.read_bytes()
        with Image.open(f) as im:
            megapixels.append(im.size[0] * im.size[1] / 1e6)
    configs = args.only or CONFIGS
    results = {c: [] for c in configs}
    for r in range(args.runs):
        for c in (configs if r % 2 == 0 else configs[::-1]):
            res = run_child(args, c, root, crops)
            results[c].append(res)
            rates = ", ".join(f"{res['images'] / t:.0f}" for t in res["times"])
            print(f"run {r + 1} {c}: images/s per epoch {rates}; peak RSS {res['peak_rss'] / 2**20:.0f} MiB",
                  file=sys.stderr)

    def rate(c, which):
        """images/s per run: epoch 1, or the mean time of epochs 2.."""
        out = []
        for res in results[c]:
            ts = res["times"][:1] if which == 1 else res["times"][1:]
            out.append(res["images"] / statistics.mean(ts))
        return out

    with report.block(args, "data", "bench/data_compare.py"):
        print_tables(args, files, megapixels, configs, results, rate)


def print_tables(args, files, megapixels, configs, results, rate) -> None:
    load = os.getloadavg()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    print(f"{len(files)} JPEGs, {min(megapixels):.1f}-{max(megapixels):.1f} MP (mean {statistics.mean(megapixels):.1f}), "
          f"{len(set(f.parent for f in files))} classes; batches of {args.batch}, {args.workers} workers / threads; "
          f"{args.runs} runs of {args.epochs} epochs; {cpu}, {os.cpu_count()} cores, load average "
          f"{load[0]:.1f} at the end\n")
    base1 = statistics.median(rate("torchvision", 1)) if "torchvision" in results else None
    base2 = statistics.median(rate("torchvision", 2)) if "torchvision" in results else None
    limit = statistics.median(rate("memmap", 2)) if "memmap" in results else None
    print("| configuration | epoch 1 images/s (min-max) | epochs 2-3 images/s (min-max) | vs torchvision (1 / 2-3) "
          "| peak RSS MiB |")
    print("| --- | --- | --- | --- | --- |")
    for c in configs:
        m1, lo1, hi1 = spread(rate(c, 1))
        m2, lo2, hi2 = spread(rate(c, 2))
        ratio = f"{m1 / base1:.1f}x / {m2 / base2:.1f}x" if base1 else "-"
        peak = statistics.median(res["peak_rss"] for res in results[c]) / 2**20
        print(f"| {LABELS[c]} | {m1:.0f} ({lo1:.0f}-{hi1:.0f}) | {m2:.0f} ({lo2:.0f}-{hi2:.0f}) | {ratio} "
              f"| {peak:.0f} |")
    if base1 and "ours_loader" in results:
        l1 = statistics.median(rate("ours_loader", 1))
        l2 = statistics.median(rate("ours_loader", 2))
        lp = statistics.median(res["peak_rss"] for res in results["ours_loader"])
        tp = statistics.median(res["peak_rss"] for res in results["torchvision"])
        print("\nTargets:")
        print(f"- Loader epoch 1 >= 2.5x torchvision: {l1 / base1:.1f}x, {'met' if l1 / base1 >= 2.5 else 'missed'}")
        print(f"- Loader epochs 2-3 >= 50x torchvision: {l2 / base2:.1f}x, {'met' if l2 / base2 >= 50 else 'missed'}")
        if limit:
            print(f"- Loader epochs 2-3 within 2x of the memmap limit: {limit / l2:.2f}x slower, "
                  f"{'met' if limit / l2 <= 2 else 'missed'}")
        if "ours_dataloader" in results:
            d2 = statistics.median(rate("ours_dataloader", 2))
            print(f"- our dataset in DataLoader(num_workers=2), epochs 2-3 >= 15x torchvision: {d2 / base2:.1f}x, "
                  f"{'met' if d2 / base2 >= 15 else 'missed'}")
        print(f"- Loader peak memory <= torchvision's DataLoader (workers included): {lp / 2**20:.0f} vs "
              f"{tp / 2**20:.0f} MiB, {'met' if lp <= tp else 'missed'}")


if __name__ == "__main__":
    main()
