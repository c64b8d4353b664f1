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


def _boxes(data: bytes):
    """(type, body) of the boxes one after the other in `data`."""
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        elif size == 0:
            size = len(data) - pos
        if size < header or pos + size > len(data):
            return
        yield kind.decode("latin-1"), data[pos + header:pos + size]
        pos += size


def _box(kind: str, body: bytes, full_box: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(full_box) + len(body)) + kind.encode() + full_box + body


def heif_grid(single: bytes, rows: int = 2, columns: int = 2):
    """A rows x columns grid HEIF whose tiles are all the coded item of
    `single` (a HEIF libheif wrote), on a canvas a few pixels smaller than
    the tiles cover (the last row and column cut); None when `single` is not
    as expected. The grid decoder's seed (src/codec/heif_grid.cpp)."""
    top = dict(_boxes(single))
    if "meta" not in top:
        return None
    meta = dict(_boxes(top["meta"][4:]))
    items = {}
    for kind, body in _boxes(meta.get("iinf", b"\0" * 6)[6:]):
        if kind == "infe" and body[0] == 2:
            items[struct.unpack(">H", body[4:6])[0]] = body[8:12].decode("latin-1")
    coded = [i for i, t in items.items() if t in ("hvc1", "av01")]
    if not coded:
        return None
    tile_id, tile_type = coded[0], items[coded[0]]
    iprp = dict(_boxes(meta["iprp"]))
    props = list(_boxes(iprp["ipco"]))
    ipma = iprp["ipma"]
    wide = ipma[3] & 1
    pos, own = 8, None
    for _ in range(struct.unpack(">I", ipma[4:8])[0]):
        item, count = struct.unpack(">HB", ipma[pos:pos + 3])
        pos += 3
        step = 2 if wide else 1
        indices = [int.from_bytes(ipma[pos + k * step:pos + (k + 1) * step], "big") & (0x7FFF if wide else 0x7F)
                   for k in range(count)]
        pos += count * step
        if item == tile_id:
            own = [props[i - 1] for i in indices]
    iloc = meta["iloc"]
    version = iloc[0]
    offset_size, length_size, base_size = iloc[4] >> 4, iloc[4] & 15, iloc[5] >> 4
    index_size = iloc[5] & 15 if version == 1 else 0
    if own is None or version > 1 or offset_size != 4 or length_size != 4 or base_size not in (0, 4):
        return None
    pos, data = 8, None
    for _ in range(struct.unpack(">H", iloc[6:8])[0]):
        item = struct.unpack(">H", iloc[pos:pos + 2])[0]
        method = struct.unpack(">H", iloc[pos + 2:pos + 4])[0] & 15 if version == 1 else 0
        pos += 4 if version == 1 else 2
        pos += 2  # data reference index
        base = int.from_bytes(iloc[pos:pos + base_size], "big")
        pos += base_size
        extents = struct.unpack(">H", iloc[pos:pos + 2])[0]
        pos += 2
        chunks = []
        for _ in range(extents):
            pos += index_size
            off, length = struct.unpack(">II", iloc[pos:pos + 8])
            pos += 8
            source = meta.get("idat", b"") if method == 1 else single
            chunks.append(source[base + off:base + off + length])
        if item == tile_id and method == 0:
            data = b"".join(chunks)
    ispe = [b for k, b in own if k == "ispe"]
    if data is None or not ispe:
        return None
    tw, th = struct.unpack(">II", ispe[0][4:12])
    width, height = columns * tw - 3, rows * th - 5
    n = rows * columns
    ipco = _box("ispe", struct.pack(">III", 0, width, height))
    for kind, body in own:
        ipco += _box(kind, body)
    ipma = struct.pack(">IHB", 1 + n, 1, 1) + bytes([0x81])
    for t in range(n):
        ipma += struct.pack(">HB", 2 + t, len(own)) + bytes(0x80 | (2 + k) for k in range(len(own)))
    infe = _box("infe", struct.pack(">HH", 1, 0) + b"grid\0", b"\2\0\0\0")
    for t in range(n):
        infe += _box("infe", struct.pack(">HH", 2 + t, 0) + tile_type.encode() + b"\0", b"\2\0\0\0")
    description = struct.pack(">BBBBHH", 0, 0, rows - 1, columns - 1, width, height)
    dimg = _box("dimg", struct.pack(">HH", 1, n) + b"".join(struct.pack(">H", 2 + t) for t in range(n)))

    def meta_box(data_at):
        loc = struct.pack(">BBH", 0x44, 0, 1 + n) + struct.pack(">HHHII", 1, 0, 1, data_at, len(description))
        for t in range(n):
            loc += struct.pack(">HHHII", 2 + t, 0, 1, data_at + len(description), len(data))
        hdlr = struct.pack(">I", 0) + b"pict" + b"\0" * 13
        body = (_box("hdlr", hdlr, b"\0" * 4) + _box("pitm", struct.pack(">H", 1), b"\0" * 4) +
                _box("iinf", struct.pack(">H", 1 + n) + infe, b"\0" * 4) + _box("iloc", loc, b"\0" * 4) +
                _box("iref", dimg, b"\0" * 4) + _box("iprp", _box("ipco", ipco) + _box("ipma", ipma, b"\0" * 4)))
        return _box("meta", body, b"\0" * 4)

    brand = b"avif" if tile_type == "av01" else b"heic"
    ftyp = _box("ftyp", brand + b"\0\0\0\0mif1" + brand + b"miaf")
    data_at = len(ftyp) + len(meta_box(0)) + 8
    return ftyp + meta_box(data_at) + _box("mdat", description + data)


def heif_variants(path: Path, workdir: Path):
    """Small HEIC (HEVC) and AVIF (AV1) encodings of one image, through vips,
    and a 2 x 2 grid of each (heif_grid)."""
    if not shutil.which("vips"):
        return
    small = workdir / f"{path.stem}-small.png"
    try:
        subprocess.run(["vips", "thumbnail", str(path), str(small), "23"], check=True, capture_output=True)
        for ext, opts in ((".heic", []), (".avif", ["--compression", "av1"])):
            out = workdir / f"{path.stem}-small{ext}"
            subprocess.run(["vips", "heifsave", str(small), str(out)] + opts, check=True, capture_output=True)
            yield out.read_bytes()
            grid = heif_grid(out.read_bytes())
            if grid:
                yield grid
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
