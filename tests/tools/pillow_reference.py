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
import sys

from PIL import Image, ImageOps


def reference(path: pathlib.Path):
    with Image.open(path) as im:
        im.load()
        im = ImageOps.exif_transpose(im)
        if im.mode == "1":
            data = bytes(1 if v else 0 for v in im.convert("L").tobytes())
            return "1", im.size, data
        if im.mode in ("L", "LA", "I;16", "I;16B", "I"):
            if im.mode in ("I;16", "I;16B", "I"):
                im = im.point(lambda v: v / 257).convert("L")
            else:
                im = im.convert("L")
            return "L", im.size, im.tobytes()
        im = im.convert("RGB")
        return "RGB", im.size, im.tobytes()


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
        (out_dir / (path.name + ".ref")).write_bytes(f"{mode} {w} {h}\n".encode() + data)
        written += 1
    print(f"wrote {written} references to {out_dir}")
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
