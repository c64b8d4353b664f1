#!/usr/bin/python3
"""Writes Pillow's decode of every test image, as the reference the C++ codec
tests compare against (tests/cpp/test_io.cpp).

For each readable file in DATA_DIR writes OUT_DIR/<file>.ref:
    a text line "<mode> <width> <height>\n" then the raw pixel bytes,
where mode is "RGB", "L" or "1" (binary, one byte 0/1 per pixel), after the
EXIF orientation is applied (ImageOps.exif_transpose) and the image is
converted as pixelcache documents it (alpha dropped, palette and CMYK to RGB,
16-bit to 8-bit).
"""
import pathlib
import random
import sys

from PIL import Image, ImageOps

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import imgwrite  # noqa: E402


def reference(path: pathlib.Path):
    with Image.open(path) as im:
        im.getexif()  # before load(): a single-page TIFF closes its file when loaded
        im.load()
        im = ImageOps.exif_transpose(im)
        if im.mode == "1":
            data = bytes(1 if v else 0 for v in im.convert("L").tobytes())
            return "1", im.size, data
        if im.mode in ("I;16", "I;16B", "I;16L", "I"):
            # 16-bit gray: pixelcache's round(v / 257), exactly.
            import numpy as np

            wide = np.asarray(im).astype(np.int64)
            return "L", im.size, ((wide * 255 + 32767) // 65535).astype(np.uint8).tobytes()
        if im.mode in ("L", "LA"):
            return "L", im.size, im.convert("L").tobytes()
        im = im.convert("RGB")
        return "RGB", im.size, im.tobytes()


def filtered_png(width, height, ctype, first_filter, rng):
    """A PNG whose row y uses filter (first_filter + y) % 5, so every filter
    appears, and on the first row too across files, split over two IDAT
    chunks. Returns (png bytes, reference mode, reference pixels without
    alpha)."""
    ch = imgwrite.PNG_CHANNELS[ctype]
    pixels = [[tuple(rng.randrange(256) for _ in range(ch)) for _ in range(width)] for _ in range(height)]
    png = imgwrite.png_encode(width, height, ctype, 8, pixels, filters=lambda p, y: first_filter + y,
                              idat_split=[40], level=9)
    keep = 1 if ctype in (0, 4) else 3
    return png, ("L" if keep == 1 else "RGB"), bytes(v for row in pixels for px in row for v in px[:keep])


def _write_ref(out_dir, name, mode, width, height, data):
    """OUT_DIR/<name>.ref: "<mode> <width> <height>\\n" then the pixel bytes."""
    (out_dir / (name + ".ref")).write_bytes(f"{mode} {width} {height}\n".encode() + data)


def _ref(out_dir, name, im):
    mode = {"RGB": "RGB", "L": "L", "1": "1"}[im.mode]
    data = bytes(1 if v else 0 for v in im.convert("L").tobytes()) if mode == "1" else im.tobytes()
    _write_ref(out_dir, name, mode, im.width, im.height, data)


def write_operation_references(data_dir, out_dir):
    """Pillow's (and OpenCV's, for equalize) output of the operations that
    tests/cpp/test_ops.cpp compares against, named op_<what>."""
    import cv2
    import numpy as np

    filters = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
               "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
               "area": Image.Resampling.BOX}
    n = 0
    with Image.open(data_dir / "chelsea.png") as cat, Image.open(data_dir / "camera.png") as cam:
        cat, cam = cat.convert("RGB"), cam.convert("L")
        for fname, f in filters.items():
            for w, h in ((200, 133), (640, 500), (256, 256), (451, 120)):
                _ref(out_dir, f"op_resize_{fname}_{w}x{h}", cat.resize((w, h), f))
                n += 1
            _ref(out_dir, f"op_resize_gray_{fname}", cam.resize((300, 200), f))
            n += 1
        _ref(out_dir, "op_to_gray", cat.convert("L"))
        for angle, expand in ((30, True), (45, False), (-10, True)):
            _ref(out_dir, f"op_rotate_{angle}_{int(expand)}", cat.rotate(angle, Image.Resampling.BILINEAR, expand=expand))
            n += 1
        _ref(out_dir, "op_equalize", Image.fromarray(cv2.equalizeHist(np.asarray(cat.convert("L")))))
        rgb = np.asarray(cat)
        _ref(out_dir, "op_equalize_rgb", Image.fromarray(np.dstack([cv2.equalizeHist(np.ascontiguousarray(rgb[..., c]))
                                                                     for c in range(3)])))
        _ref(out_dir, "op_flip_h", cat.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
        _ref(out_dir, "op_rotate_90", cat.rotate(90, expand=True))
        n += 4
        # blend of two images (PIL's Image.blend), and matplotlib colormaps.
        _ref(out_dir, "op_blend_03", Image.blend(cat, cat.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 0.3))
        from matplotlib import colormaps
        for name in ("viridis", "jet", "turbo", "magma", "gray"):
            rgb = colormaps[name](np.asarray(cam, dtype=np.float64) / 255.0)[..., :3]
            _ref(out_dir, f"op_palette_{name}", Image.fromarray(np.round(rgb * 255).astype(np.uint8)))
        n += 6
    return n


def main() -> int:
    data_dir, out_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(data_dir.iterdir()):
        if path.suffix.lower() not in {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}:
            continue
        try:
            mode, (w, h), data = reference(path)
        except Exception as exc:  # truncated.jpg and friends: no reference
            print(f"skip {path.name}: {exc}")
            continue
        _write_ref(out_dir, path.name, mode, w, h, data)
        written += 1
    # Files no shipped photo covers: gray + alpha (written by Pillow/libpng
    # with adaptive filters), with its reference beside it.
    gen = out_dir / "generated"
    gen.mkdir(exist_ok=True)
    with Image.open(data_dir / "chelsea.png") as im:
        gray = im.convert("L")
        la = Image.merge("LA", (gray, gray.point(lambda v: 255 - v)))
        la.save(gen / "chelsea_la.png")
        _ref(out_dir, "chelsea_la.png", gray)
        # An interlaced GIF (four-pass row order).
        pal = im.convert("P", palette=Image.ADAPTIVE, colors=64)
        pal.save(gen / "chelsea_interlaced.gif", interlace=True)
        with Image.open(gen / "chelsea_interlaced.gif") as g:
            rgb = g.convert("RGB")
        _ref(out_dir, "chelsea_interlaced.gif", rgb)
        written += 2
    # EXIF orientation 1..8 in PNG (eXIf), WebP (EXIF chunk) and TIFF (tag
    # 274): pixels stored so that applying the tag gives chelsea.png exactly.
    inverse = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
               5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
               8: Image.Transpose.ROTATE_270}
    with Image.open(data_dir / "chelsea.png") as im:
        for o in range(1, 9):
            stored = im.transpose(inverse[o]) if o in inverse else im.copy()
            exif = Image.Exif()
            exif[274] = o
            for ext, kw in (("png", {}), ("webp", {"lossless": True}), ("tiff", {})):
                stored.save(gen / f"orient{o}.{ext}", exif=exif.tobytes(), **kw)

    # Every PNG filter type for every 8-bit colour type (1, 2, 3, 4 bytes a
    # pixel), split over two IDAT chunks: the decoder's unfilter paths.
    rng = random.Random(7)
    for ctype in (0, 4, 2, 6):
        for first in range(5):
            name = f"filters_ct{ctype}_f{first}.png"
            png, mode, pixels = filtered_png(37, 11, ctype, first, rng)
            (gen / name).write_bytes(png)
            _write_ref(out_dir, name, mode, 37, 11, pixels)
            written += 1
    # Gray + alpha PNGs libspng decodes (Adam7, 16-bit): Pillow's reference,
    # except that Pillow keeps the high byte of 16-bit samples where
    # pixelcache rounds v / 257, so those get the exact rounded samples.
    for depth in (8, 16):
        for interlace in (False, True):
            name = f"gray_alpha_{depth}_{'adam7' if interlace else 'flat'}.png"
            top = (1 << depth) - 1
            pixels = [[(rng.randint(0, top), rng.randint(0, top)) for _ in range(29)] for _ in range(23)]
            (gen / name).write_bytes(imgwrite.png_encode(29, 23, 4, depth, pixels, interlace=interlace,
                                                         filters=lambda p, y: p + y))
            if depth == 8:
                mode, (w, h), data = reference(gen / name)
            else:
                mode, w, h = "L", 29, 23
                data = bytes((v * 255 + 32767) // 65535 for row in pixels for v, _ in row)
            _write_ref(out_dir, name, mode, w, h, data)
            written += 1
    written += write_operation_references(data_dir, out_dir)
    print(f"wrote {written} references to {out_dir}")
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
