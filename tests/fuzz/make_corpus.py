#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses: OUT/<harness>/ for each harness named.

    make_corpus.py --out DIR [--no-generated] HARNESS...

Where the seeds come from:
  * images: tests/data, plus small copies of each made with Pillow (same
    format and mode, EXIF kept) so that valid files fit under -max_len, a
    few small variants per writable format (modes 1 / L / P / RGB / RGBA,
    TIFF compressions and tiles, interlaced PNG and GIF; HEIC and AVIF
    through libvips' `vips heifsave`, Pillow has no HEIF writer here), plus
    (unless --no-generated) the conformance corpus written by
    tests/tools/gen_conformance.py when that script exists. Images are
    sorted by their magic bytes: fuzz_decode and fuzz_probe get all of
    them, fuzz_decode_<format> those of its format;
  * fuzz_exif: the EXIF blocks found in those images (JPEG APP1, PNG eXIf,
    WebP EXIF);
  * tests/fuzz/seeds/<harness>/ (files), tests/fuzz/seeds/<harness>.txt
    (one seed a line) and tests/fuzz/corpus/<name>/ for fuzz_<name> (golden
    files other tests read too, e.g. the cache entries);
  * tests/fuzz/regressions/<harness>/: inputs that once failed.
Files are named by their SHA-1, so repeated runs add nothing twice, and
OUT/<harness>/ holds exactly this run's seeds (older ones are removed).
Deterministic: the same files on every machine and every run (no time,
no unseeded randomness, every directory read in sorted order; the Pillow
and vips encoders give the same bytes whatever the number of cores), so
that scripts/fuzz.sh --fixed starts from the same corpus everywhere.
"""
import argparse
import hashlib
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
TESTS_DIR = FUZZ_DIR.parent
DATA_DIR = TESTS_DIR / "data"
GENERATOR = TESTS_DIR / "tools" / "gen_conformance.py"
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".heif", ".avif"}
SMALL_SIZE = (48, 32)
VARIANT_SOURCES = {"chelsea.png", "camera.png"}  # one colour photo, one gray


def sniff(data: bytes):
    """The fuzz_decode_<format> suffix for data, as pixelcache's sniffer sees it."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith((b"II*\0", b"MM\0*")):
        return "tiff"
    if data.startswith(b"BM"):
        return "bmp"
    if data[4:8] == b"ftyp":
        return "heif"
    return None


EXTENSION_FORMAT = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp", ".gif": "gif",
                    ".tif": "tiff", ".tiff": "tiff", ".bmp": "bmp", ".heic": "heif", ".heif": "heif",
                    ".avif": "heif"}


def small_copy(path: Path):
    """A SMALL_SIZE copy of an image in its own format and mode, or None."""
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with Image.open(path) as im:
            fmt = im.format
            exif = im.info.get("exif")
            small = im.copy()
            small.thumbnail(SMALL_SIZE)
            out = io.BytesIO()
            kwargs = {"exif": exif} if exif and fmt in ("JPEG", "PNG", "WEBP") else {}
            small.save(out, format=fmt, **kwargs)
            return out.getvalue()
    except Exception:  # noqa: BLE001 - a seed we cannot make is only a seed less
        return None


# (format, mode, save options) of the small variants.
VARIANTS = [
    ("PNG", "1", {}), ("PNG", "L", {}), ("PNG", "P", {}), ("PNG", "RGBA", {}), ("PNG", "LA", {}),
    ("PNG", "RGB", {"interlace": 1}), ("PNG", "I;16", {}),
    ("GIF", "P", {}), ("GIF", "L", {"interlace": 1}), ("GIF", "P", {"transparency": 0}),
    ("BMP", "1", {}), ("BMP", "L", {}), ("BMP", "P", {}), ("BMP", "RGB", {}), ("BMP", "RGBA", {}),
    ("TIFF", "1", {"compression": "group4"}), ("TIFF", "L", {"compression": "tiff_lzw"}),
    ("TIFF", "RGB", {"compression": "tiff_deflate"}), ("TIFF", "RGBA", {"compression": "packbits"}),
    ("TIFF", "CMYK", {}), ("TIFF", "I;16", {}), ("TIFF", "RGB", {"compression": "jpeg"}),
    ("TIFF", "RGB", {"tile": True}),
    ("JPEG", "L", {}), ("JPEG", "RGB", {"progressive": True, "subsampling": 2}),
    ("JPEG", "RGB", {"subsampling": 0, "restart_marker_blocks": 1}), ("JPEG", "CMYK", {}),
    ("WEBP", "RGB", {"lossless": True}), ("WEBP", "RGBA", {"quality": 50}),
]


def variants(path: Path):
    """Small encodings of one image in every VARIANTS format and mode."""
    try:
        from PIL import Image
    except ImportError:
        return
    try:
        with Image.open(path) as im:
            base = im.convert("RGBA")
    except Exception:  # noqa: BLE001
        return
    base.thumbnail((23, 17))
    for fmt, mode, opts in VARIANTS:
        opts = dict(opts)
        try:
            im = base.convert("L").convert("I;16") if mode == "I;16" else base.convert(mode)
            if opts.pop("tile", False):  # Pillow writes tiles through libtiff's tag 322/323
                opts["tiffinfo"] = {322: 16, 323: 16}
            out = io.BytesIO()
            im.save(out, format=fmt, **opts)
            yield out.getvalue()
        except Exception:  # noqa: BLE001 - a variant Pillow cannot write is skipped
            continue


def heif_variants(path: Path, workdir: Path):
    """Small HEIC (HEVC) and AVIF (AV1) encodings of one image, through vips."""
    if not shutil.which("vips"):
        return
    small = workdir / f"{path.stem}-small.png"
    try:
        subprocess.run(["vips", "thumbnail", str(path), str(small), "23"], check=True, capture_output=True)
        for ext, opts in ((".heic", []), (".avif", ["--compression", "av1"])):
            out = workdir / f"{path.stem}-small{ext}"
            subprocess.run(["vips", "heifsave", str(small), str(out)] + opts, check=True, capture_output=True)
            yield out.read_bytes()
    except (subprocess.CalledProcessError, OSError):
        return


def exif_blocks(data: bytes):
    """EXIF payloads inside a JPEG (APP1), PNG (eXIf) or WebP (EXIF) file."""
    blocks = []
    if data.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 4 <= len(data) and data[pos] == 0xFF:
            marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2:pos + 4])[0]
            if marker == 0xDA:
                break
            payload = data[pos + 4:pos + 2 + length]
            if marker == 0xE1 and payload.startswith(b"Exif\0\0"):
                blocks.append(payload)
            pos += 2 + length
    elif data.startswith(b"\x89PNG"):
        pos = 8
        while pos + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            if kind == b"eXIf":
                blocks.append(data[pos + 8:pos + 8 + length])
            pos += 12 + length
    elif data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        pos = 12
        while pos + 8 <= len(data):
            kind, length = struct.unpack("<4sI", data[pos:pos + 8])
            if kind == b"EXIF":
                blocks.append(data[pos + 8:pos + 8 + length])
            pos += 8 + length + (length & 1)
    return blocks


def image_files(use_generated: bool, workdir: Path):
    """(path, bytes) of every seed image."""
    paths = sorted(p for p in DATA_DIR.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    if use_generated and GENERATOR.exists():
        gen_dir = workdir / "generated"
        subprocess.run([sys.executable, str(GENERATOR), str(gen_dir)], check=True, stdout=subprocess.DEVNULL)
        paths += sorted(p for p in gen_dir.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    for p in paths:
        data = p.read_bytes()
        yield p, data
        if p.parent == DATA_DIR:
            small = small_copy(p)
            if small:
                yield p, small
            if p.name in VARIANT_SOURCES:
                for v in variants(p):
                    yield p, v
                for v in heif_variants(p, workdir):
                    yield p, v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--no-generated", action="store_true", help="skip tests/tools/gen_conformance.py")
    ap.add_argument("harnesses", nargs="+")
    args = ap.parse_args()

    seeds = {h: [] for h in args.harnesses}
    with tempfile.TemporaryDirectory(prefix="pixelcache-corpus-") as tmp:
        for path, data in image_files(not args.no_generated, Path(tmp)):
            fmt = sniff(data) or EXTENSION_FORMAT.get(path.suffix.lower())
            for h in ("fuzz_decode", "fuzz_probe", f"fuzz_decode_{fmt}"):
                if h in seeds:
                    seeds[h].append(data)
            if "fuzz_exif" in seeds:
                seeds["fuzz_exif"] += exif_blocks(data)
    for h in args.harnesses:
        for own in (FUZZ_DIR / "seeds" / h, FUZZ_DIR / "corpus" / h.removeprefix("fuzz_")):
            if own.is_dir():
                seeds[h] += [p.read_bytes() for p in sorted(own.iterdir()) if p.is_file()]
        lines = FUZZ_DIR / "seeds" / f"{h}.txt"
        if lines.exists():
            seeds[h] += [l.encode() for l in lines.read_text().splitlines() if l and not l.startswith("#")]
        regressions = FUZZ_DIR / "regressions" / h
        if regressions.is_dir():
            seeds[h] += [p.read_bytes() for p in sorted(regressions.iterdir()) if p.is_file()]

    for h, items in seeds.items():
        out = args.out / h
        out.mkdir(parents=True, exist_ok=True)
        for stale in out.iterdir():  # seeds an earlier run wrote (a reused build directory)
            if stale.is_file() and len(stale.name) == 40:
                stale.unlink()
        for data in items:
            (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{h}: {len(os.listdir(out))} seeds in {out}")


if __name__ == "__main__":
    main()
