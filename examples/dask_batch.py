"""Thumbnails of a folder on a Dask cluster, with pixelcache doing the pixel work.

    python3 examples/dask_batch.py FOLDER [OUTDIR] [--scheduler tcp://HOST:8786] [--size 256]

Without --scheduler it starts a LocalCluster of two worker processes on
127.0.0.1; with one, the same code runs on a real cluster (every worker needs
pixelcache importable and the input paths readable: a shared file system, or
URLs). Each worker loads and shrinks its images; the thumbnails come back to
this process as HashableImage values, pickled with protocol 5 so the pixels
travel out of band (one buffer per image, never copied into the pickle
stream). The results are in input order; a file that fails is reported and
the others go on.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

from pixelcache import HashableImage

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".heic"}


def image_paths(folder) -> list:
    """Every image below `folder`, sorted."""
    return sorted(str(p) for p in pathlib.Path(folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def thumbnail(path: str, size: int = 256) -> HashableImage:
    """The image at `path` (a path or URL) shrunk to size x size; runs on a worker."""
    return HashableImage(path).resize((size, size))


def thumbnail_or_error(path: str, size: int = 256):
    """(path, thumbnail) or (path, the error message): one bad file does not end the batch."""
    try:
        return path, thumbnail(path, size)
    except Exception as e:  # the worker reports, the client decides
        return path, f"{type(e).__name__}: {e}"


def run(client, paths, size: int = 256) -> list:
    """[(path, HashableImage or error message)] in input order, computed on the cluster's workers."""
    futures = client.map(thumbnail_or_error, paths, size=size)
    return client.gather(futures)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("outdir", nargs="?", help="write the thumbnails here as PNG (mirroring the folder)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: a local cluster)")
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    paths = image_paths(args.folder)
    if args.scheduler:
        client, cluster = Client(args.scheduler), None
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    try:
        failed = 0
        for path, result in run(client, paths, args.size):
            if isinstance(result, str):
                failed += 1
                print(f"{path}: {result}", file=sys.stderr)
                continue
            print(f"{result.digest()}  {path}")
            if args.outdir:
                out = pathlib.Path(args.outdir) / pathlib.Path(path).relative_to(args.folder).with_suffix(".png")
                out.parent.mkdir(parents=True, exist_ok=True)
                result.save(out)
        print(f"{len(paths) - failed} thumbnails, {failed} failed", file=sys.stderr)
        return 1 if failed else 0
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
