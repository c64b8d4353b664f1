#!/usr/bin/python3
"""Writes the generated files the probe tests compare probe() with decoding
on (tests/cpp/test_probe.cpp, tests/python/test_probe.py): every mode each
format can hold, written by Pillow (vips for HEIC / AVIF, tests/tools/imgwrite.py
for what Pillow cannot write), EXIF orientations 1..8 on JPEG / PNG / WebP /
TIFF, multi-frame GIF / TIFF / WebP / APNG, and files whose header a reader
of the first 64 KiB cannot finish (EXIF or the first scan past 64 KiB in a
JPEG, a TIFF directory at the end, a PNG eXIf after the image data, a WebP
EXIF chunk at the end).

    probe_corpus.py OUT_DIR

Files named `refused-*` are ones the decoder refuses (an animated WebP):
probe() must refuse them too. Deterministic (seeded noise, no time).
"""
import io
import pathlib
import random
import shutil
import struct
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import imgwrite  # noqa: E402

ORIENTATIONS = range(1, 9)


def base(size=(40, 24), seed=0) -> Image.Image:
    """An RGBA test picture: a gradient, shapes, and half-transparent alpha."""
    w, h = size
    im = Image.new("RGBA", size)
    px = im.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = (x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x * y + seed * 37) % 256,
                        255 if x < w // 2 else 128)
    d = ImageDraw.Draw(im)
    d.rectangle([w // 4, h // 4, w // 2, h // 2], fill=(250, 20, 20, 255))
    d.ellipse([w // 2, h // 3, w - 2, h - 2], fill=(10, 200, 40, 200))
    return im


def noise(size, seed) -> Image.Image:
    """RGB noise: incompressible, so the file is about as large as its pixels."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3)))


def exif(orientation: int) -> bytes:
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def encode(im: Image.Image, fmt: str, **opts) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **opts)
    return out.getvalue()


def gray_palette(im: Image.Image) -> Image.Image:
    """A P image whose palette is all gray."""
    p = im.convert("L").convert("P")
    p.putpalette([v for i in range(256) for v in (i, i, i)])
    return p


def bw_palette(im: Image.Image) -> Image.Image:
    """A P image whose palette is black and white."""
    p = im.convert("1").convert("L").point(lambda v: 1 if v else 0).convert("P")
    p.putpalette([0, 0, 0, 255, 255, 255])
    return p


def colour_palette(im: Image.Image, colours=256) -> Image.Image:
    return im.convert("RGB").quantize(colours)


def frames(n=3, size=(40, 24)):
    return [base(size, seed=i) for i in range(n)]


def insert_after_soi(jpeg: bytes, segments) -> bytes:
    """A JPEG with the given marker segments (marker, payload) after SOI."""
    extra = b"".join(bytes([0xFF, m]) + struct.pack(">H", len(p) + 2) + p for m, p in segments)
    return jpeg[:2] + extra + jpeg[2:]


def jpegs(b):
    rgb = b.convert("RGB")
    yield "jpeg-L.jpg", encode(b.convert("L"), "JPEG")
    yield "jpeg-RGB-444.jpg", encode(rgb, "JPEG", subsampling=0)
    yield "jpeg-RGB-420.jpg", encode(rgb, "JPEG", subsampling=2)
    yield "jpeg-RGB-progressive.jpg", encode(rgb, "JPEG", progressive=True)
    yield "jpeg-CMYK.jpg", encode(b.convert("CMYK"), "JPEG")
    for o in ORIENTATIONS:
        yield f"jpeg-exif{o}.jpg", encode(rgb, "JPEG", exif=exif(o))
        yield f"jpeg-L-exif{o}.jpg", encode(b.convert("L"), "JPEG", exif=exif(o))
    # The EXIF block and the first scan past the first 64 KiB: two 65 KB
    # comments before them.
    big = insert_after_soi(encode(rgb, "JPEG", exif=exif(6)), [(0xFE, bytes(65000)), (0xFE, bytes(65000))])
    yield "jpeg-exif6-after-128k.jpg", big
    # An ICC profile of 200 KB (APP2 segments) between the EXIF and SOF.
    yield "jpeg-exif8-icc-200k.jpg", encode(rgb, "JPEG", exif=exif(8), icc_profile=bytes(range(256)) * 800)


def pngs(b):
    yield "png-1.png", encode(b.convert("1"), "PNG")
    yield "png-L.png", encode(b.convert("L"), "PNG")
    yield "png-LA.png", encode(b.convert("LA"), "PNG")
    yield "png-P-colour.png", encode(colour_palette(b), "PNG")
    yield "png-P-colour-4bit.png", encode(colour_palette(b, 16), "PNG", bits=4)
    yield "png-P-gray.png", encode(gray_palette(b), "PNG")
    yield "png-P-bw.png", encode(bw_palette(b), "PNG")
    yield "png-P-transparency.png", encode(colour_palette(b), "PNG", transparency=0)
    yield "png-RGB.png", encode(b.convert("RGB"), "PNG")
    yield "png-RGB-interlaced.png", encode(b.convert("RGB"), "PNG", interlace=1)
    yield "png-RGBA.png", encode(b, "PNG")
    yield "png-I16.png", encode(b.convert("L").convert("I;16"), "PNG")
    yield "png-I.png", encode(b.convert("L").convert("I"), "PNG")
    yield "png-L-interlaced.png", encode(b.convert("L"), "PNG", interlace=1)
    for o in ORIENTATIONS:
        yield f"png-exif{o}.png", encode(b.convert("RGB"), "PNG", exif=exif(o))
    # 2-bit gray, 16-bit RGBA, and an eXIf chunk after the image data (in a
    # file larger than 64 KiB, so the chunk lies past the first read).
    rng = random.Random(1)
    w, h = 31, 7
    yield "png-gray2.png", imgwrite.png_encode(w, h, 0, 2, [[(rng.randrange(4),) for _ in range(w)] for _ in range(h)])
    yield "png-RGBA16.png", imgwrite.png_encode(
        w, h, 6, 16, [[tuple(rng.randrange(65536) for _ in range(4)) for _ in range(w)] for _ in range(h)])
    yield "png-gray1-interlaced.png", imgwrite.png_encode(
        w, h, 0, 1, [[(rng.randrange(2),) for _ in range(w)] for _ in range(h)], interlace=True)
    w, h = 160, 150
    pixels = [[tuple(rng.randrange(256) for _ in range(3)) for _ in range(w)] for _ in range(h)]
    yield "png-exif6-after-idat.png", imgwrite.png_encode(
        w, h, 2, 8, pixels, idat_split=[8192] * 8, level=0,
        after_idat=[imgwrite.png_chunk(b"eXIf", exif(6)[6:])])
    # An animated PNG: three frames (acTL), the first is the image.
    f = frames()
    yield "png-apng3.png", encode(f[0].convert("RGB"), "PNG", save_all=True,
                                  append_images=[x.convert("RGB") for x in f[1:]])


def webps(b):
    rgb = b.convert("RGB")
    yield "webp-RGB-lossy.webp", encode(rgb, "WEBP", quality=80)
    yield "webp-RGB-lossless.webp", encode(rgb, "WEBP", lossless=True)
    yield "webp-RGBA.webp", encode(b, "WEBP")
    yield "webp-RGBA-lossless.webp", encode(b, "WEBP", lossless=True)
    yield "webp-L.webp", encode(b.convert("L"), "WEBP")
    for o in ORIENTATIONS:
        yield f"webp-exif{o}.webp", encode(rgb, "WEBP", exif=exif(o))
    yield "webp-exif5-large.webp", encode(noise((200, 120), 2), "WEBP", lossless=True, exif=exif(5))
    f = frames()
    yield "refused-webp-animated3.webp", encode(f[0], "WEBP", save_all=True, append_images=f[1:])


def tiffs(b):
    rgb = b.convert("RGB")
    yield "tiff-1.tif", encode(b.convert("1"), "TIFF")
    yield "tiff-1-group4.tif", encode(b.convert("1"), "TIFF", compression="group4")
    yield "tiff-L.tif", encode(b.convert("L"), "TIFF")
    yield "tiff-L-lzw.tif", encode(b.convert("L"), "TIFF", compression="tiff_lzw")
    yield "tiff-LA.tif", encode(b.convert("LA"), "TIFF")
    yield "tiff-P.tif", encode(colour_palette(b), "TIFF")
    yield "tiff-P-gray.tif", encode(gray_palette(b), "TIFF")
    yield "tiff-RGB.tif", encode(rgb, "TIFF")
    yield "tiff-RGB-deflate.tif", encode(rgb, "TIFF", compression="tiff_deflate")
    yield "tiff-RGB-packbits.tif", encode(rgb, "TIFF", compression="packbits")
    yield "tiff-RGB-jpeg.tif", encode(rgb, "TIFF", compression="jpeg")
    yield "tiff-RGB-tiled.tif", encode(rgb, "TIFF", tiffinfo={322: 16, 323: 16})
    yield "tiff-RGBA.tif", encode(b, "TIFF")
    yield "tiff-CMYK.tif", encode(b.convert("CMYK"), "TIFF")
    yield "tiff-I16.tif", encode(b.convert("L").convert("I;16"), "TIFF")
    yield "tiff-I16B.tif", encode(b.convert("L").convert("I;16B"), "TIFF")
    for o in ORIENTATIONS:
        yield f"tiff-exif{o}.tif", encode(rgb, "TIFF", tiffinfo={274: o})
        yield f"tiff-L-exif{o}.tif", encode(b.convert("L"), "TIFF", tiffinfo={274: o})
    # libtiff writes the directory after the data: here past the first 64 KiB.
    yield "tiff-exif7-ifd-at-end.tif", encode(noise((200, 120), 3), "TIFF", compression="tiff_deflate",
                                             tiffinfo={274: 7})
    f = frames()
    yield "tiff-pages3.tif", encode(f[0].convert("RGB"), "TIFF", save_all=True,
                                    append_images=[x.convert("RGB") for x in f[1:]])


def bmps(b):
    yield "bmp-1.bmp", encode(b.convert("1"), "BMP")
    yield "bmp-L.bmp", encode(b.convert("L"), "BMP")
    yield "bmp-P-colour.bmp", encode(colour_palette(b), "BMP")
    yield "bmp-P-gray.bmp", encode(gray_palette(b), "BMP")
    yield "bmp-P-bw.bmp", encode(bw_palette(b), "BMP")
    yield "bmp-RGB.bmp", encode(b.convert("RGB"), "BMP")
    yield "bmp-RGBA.bmp", encode(b, "BMP")
    rng = random.Random(4)
    w, h = 21, 9
    rows8 = [[rng.choice((0, 0, 0, 1, 2, 3)) for _ in range(w)] for _ in range(h)]
    gray4 = [(v * 85, v * 85, v * 85) for v in range(4)]
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9)]
    yield "bmp-rle8-gray.bmp", imgwrite.bmp_encode(w, h, 8, None, palette=gray4, compression=1,
                                                  rle=imgwrite.bmp_rle8(rows8))
    yield "bmp-rle8-colour.bmp", imgwrite.bmp_encode(w, h, 8, None, palette=colours, compression=1,
                                                    rle=imgwrite.bmp_rle8(rows8))
    yield "bmp-rle4-bw.bmp", imgwrite.bmp_encode(w, h, 4, None, palette=[(0, 0, 0), (255, 255, 255)] * 2,
                                                compression=2,
                                                rle=imgwrite.bmp_rle4([[v % 2 for v in r] for r in rows8]))
    rows16 = [b"".join(struct.pack("<H", rng.randrange(65536)) for _ in range(w)) for _ in range(h)]
    yield "bmp-16-565.bmp", imgwrite.bmp_encode(w, h, 16, rows16, compression=3, bitfields=(0xF800, 0x07E0, 0x001F))
    rows4 = [bytes((rng.randrange(16) << 4) | rng.randrange(16) for _ in range((w + 1) // 2)) for _ in range(h)]
    yield "bmp-4-topdown.bmp", imgwrite.bmp_encode(w, h, 4, rows4, palette=[(i * 17, i * 17, i * 17) for i in range(16)],
                                                  top_down=True)


def gifs(b):
    yield "gif-P.gif", encode(colour_palette(b), "GIF")
    yield "gif-L.gif", encode(b.convert("L"), "GIF")
    yield "gif-1.gif", encode(b.convert("1"), "GIF")
    yield "gif-P-interlaced.gif", encode(colour_palette(b), "GIF", interlace=True)
    yield "gif-P-transparency.gif", encode(colour_palette(b), "GIF", transparency=0)
    f = frames()
    yield "gif-frames3.gif", encode(f[0].convert("RGB"), "GIF", save_all=True,
                                    append_images=[x.convert("RGB") for x in f[1:]], duration=100, loop=0)
    yield "gif-bw.gif", imgwrite.gif_encode(9, 5, [{"left": 0, "top": 0, "width": 9, "height": 5,
                                                    "indices": [i % 2 for i in range(45)]}],
                                            global_palette=[(0, 0, 0), (255, 255, 255)])
    # A frame with its own (gray) colour table inside a colour screen, offset.
    yield "gif-local-gray.gif", imgwrite.gif_encode(
        30, 20, [{"left": 5, "top": 3, "width": 10, "height": 8, "indices": [i % 4 for i in range(80)],
                  "palette": [(0, 0, 0), (80, 80, 80), (160, 160, 160), (255, 255, 255)]},
                 {"left": 0, "top": 0, "width": 4, "height": 4, "indices": [1] * 16}],
        global_palette=[(255, 0, 0), (0, 255, 0)])


def heifs(b, workdir: pathlib.Path):
    """HEIC (HEVC) and AVIF (AV1) through libvips, when it is installed."""
    if not shutil.which("vips"):
        return
    src = workdir / "heif-source.png"
    b.convert("RGB").save(src)
    for name, opts in (("heif-RGB.heic", []), ("heif-RGB.avif", ["--compression", "av1"])):
        out = workdir / name
        try:
            subprocess.run(["vips", "heifsave", str(src), str(out)] + opts, check=True, capture_output=True)
        except (subprocess.CalledProcessError, OSError):
            continue
        yield name, out.read_bytes()


def generate(out_dir: pathlib.Path) -> list:
    """Writes every file into `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    b = base()
    written = []
    with tempfile.TemporaryDirectory(prefix="pixelcache-probe-") as tmp:
        for group in (jpegs(b), pngs(b), webps(b), tiffs(b), bmps(b), gifs(b), heifs(b, pathlib.Path(tmp))):
            for name, data in group:
                path = out_dir / name
                path.write_bytes(data)
                written.append(path)
    return written


if __name__ == "__main__":
    files = generate(pathlib.Path(sys.argv[1]))
    print(f"probe corpus: {len(files)} files in {sys.argv[1]}")
