"""A corpus for the perceptual-hash and duplicate tests: distinct base images
and their generated near-duplicate variants (Pillow only, deterministic).

Bases: the five test photographs (tests/data: astronaut, camera, chelsea,
coffee, rocket), four crops of different regions of each (other images of
the same scenes: the hard negatives), and smooth random colour fields.
Variants of a base, each a near duplicate of it:
  resized to 50 % and 75 %, re-compressed as JPEG at quality 50, 75 and 95,
  cropped by 2 % and 5 % of each side's length (split between both ends),
  brightness +10 % and -10 % (ImageEnhance.Brightness).
"""
from __future__ import annotations

import io
import pathlib

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

PHOTOS = ("astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg")
VARIANTS = ("resize50", "resize75", "jpeg50", "jpeg75", "jpeg95", "crop2", "crop5", "bright110", "bright90")


def _load(path: pathlib.Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB") if im.mode != "L" else im.copy()


def _field(seed: int, size=(320, 240)) -> Image.Image:
    """A smooth random colour field (blurred noise at a random scale)."""
    rng = np.random.default_rng(seed)
    w, h = size
    scale = int(rng.integers(6, 24))
    small = rng.integers(0, 256, (max(2, h // scale), max(2, w // scale), 3), dtype=np.uint8)
    img = Image.fromarray(small, "RGB").resize(size, Image.Resampling.BICUBIC)
    return img.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(1, 4))))


def bases(data: pathlib.Path, fields: int = 10) -> list[tuple[str, Image.Image]]:
    """(name, image) of every distinct base image."""
    out: list[tuple[str, Image.Image]] = []
    for name in PHOTOS:
        img = _load(data / name)
        stem = name.split(".")[0]
        out.append((stem, img))
        w, h = img.size
        cw, ch = int(w * 0.55), int(h * 0.55)
        for i, (x, y) in enumerate(((0, 0), (w - cw, 0), (0, h - ch), (w - cw, h - ch))):
            out.append((f"{stem}_part{i}", img.crop((x, y, x + cw, y + ch))))
    for seed in range(fields):
        out.append((f"field{seed}", _field(seed)))
    return out


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def variant(img: Image.Image, kind: str) -> tuple[Image.Image, bytes | None]:
    """The variant `kind` of `img`, and its JPEG bytes for the JPEG kinds
    (None for the others, which are stored losslessly)."""
    w, h = img.size
    if kind.startswith("resize"):
        f = int(kind[6:]) / 100
        return img.resize((max(8, round(w * f)), max(8, round(h * f))), Image.Resampling.LANCZOS), None
    if kind.startswith("jpeg"):
        data = _jpeg(img, int(kind[4:]))
        with Image.open(io.BytesIO(data)) as im:
            return im.copy(), data
    if kind.startswith("crop"):
        f = int(kind[4:]) / 100
        dx, dy = round(w * f / 2), round(h * f / 2)
        return img.crop((dx, dy, w - (round(w * f) - dx), h - (round(h * f) - dy))), None
    if kind.startswith("bright"):
        return ImageEnhance.Brightness(img).enhance(int(kind[6:]) / 100), None
    raise ValueError(kind)


def write(data: pathlib.Path, folder: pathlib.Path, fields: int = 10) -> dict[str, str]:
    """Writes every base (PNG) and variant (PNG, or JPEG for the JPEG kinds)
    to `folder`; returns {file path: base name}."""
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, str] = {}
    for name, img in bases(data, fields):
        path = folder / f"{name}.png"
        img.save(path)
        truth[str(path)] = name
        for kind in VARIANTS:
            v, jpeg = variant(img, kind)
            path = folder / f"{name}__{kind}.{'jpg' if jpeg else 'png'}"
            if jpeg:
                path.write_bytes(jpeg)
            else:
                v.save(path)
            truth[str(path)] = name
    return truth


def recall_precision(groups: list[list[str]], truth: dict[str, str]) -> tuple[float, float, int, int]:
    """Pairwise recall and precision of `groups` (lists of paths) against
    `truth` (path -> base): (recall, precision, related pairs found, pairs
    grouped). A pair is related when both files come from one base."""
    by_base: dict[str, int] = {}
    for base in truth.values():
        by_base[base] = by_base.get(base, 0) + 1
    related = sum(n * (n - 1) // 2 for n in by_base.values())
    grouped = found = 0
    for g in groups:
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                grouped += 1
                found += truth[g[i]] == truth[g[j]]
    # A pair in two groups (a file is in one group only) cannot happen.
    recall = found / related if related else 1.0
    precision = found / grouped if grouped else 1.0
    return recall, precision, found, grouped
