"""Every file of the conformance corpus through pixelcache's decoder:
valid files give Pillow's pixels after pixelcache's normalisation (tolerance
0 unless the manifest states a reason), corrupt ones a DecodeError, bombs a
LimitError before the pixels are allocated, and "any" files one of the two or
an image: never a crash or another exception type."""
import numpy as np
import pytest
from conftest import CORPUS, MANIFEST

import pixelcache
from pixelcache import _pixelcache
from pillow_reference import reference

pytestmark = pytest.mark.filterwarnings("ignore:Palette images with Transparency")

# While the corpus runs, no image may have more than 64 MiB of pixels: a
# decoder that allocated the image a bomb's header claims before finding the
# data missing fails with the allocator's LimitError instead of DecodeError.
SMALL_ALLOCATIONS = 64 << 20


@pytest.fixture(autouse=True, scope="module")
def small_allocations():
    before = _pixelcache.max_image_bytes()
    _pixelcache.set_max_image_bytes(SMALL_ALLOCATIONS)
    yield
    _pixelcache.set_max_image_bytes(before)


def by(expect):
    return [pytest.param(e, id=e["file"]) for e in MANIFEST if e["expect"] == expect]


def as_rgb(mode, pixels):
    a = np.asarray(pixels, dtype=np.uint8)
    if mode == "1":
        a = a * 255
    return np.repeat(a[..., None], 3, axis=2) if a.ndim == 2 else a


def decode(entry):
    return _pixelcache.Image.from_bytes((CORPUS / entry["file"]).read_bytes(), **entry.get("options", {}))


def printable(message):
    return message and all(32 <= ord(ch) < 127 for ch in message)


def read_truth(name):
    header, pixels = (CORPUS / name).read_bytes().split(b"\n", 1)
    mode, w, h = header.decode().split()
    return mode, int(w), int(h), np.frombuffer(pixels, np.uint8)


@pytest.mark.parametrize("entry", by("decode"))
def test_valid_file_matches_pillow(entry):
    img = decode(entry)
    got = np.asarray(img.numpy()).astype(np.uint8)
    if "truth" in entry:
        mode, w, h, pixels = read_truth(entry["truth"])
        assert (img.mode, img.width, img.height) == (mode, w, h)
        assert np.array_equal(got.reshape(-1), pixels), f"{entry['file']}: not the encoded samples"
    if not entry.get("pillow", True):
        return
    ref_mode, (w, h), ref_bytes = reference(CORPUS / entry.get("same_as", entry["file"]))
    assert (img.width, img.height) == (w, h)
    ref = np.frombuffer(ref_bytes, np.uint8).reshape((h, w, 3) if ref_mode == "RGB" else (h, w))
    tolerance = entry.get("tolerance", 0)
    if img.mode != ref_mode:
        # GIF and BMP palettes: pixelcache keeps a gray or black-and-white
        # palette as L / binary where Pillow converts to RGB (and the
        # manifest names other such files: "expand"); same colours.
        assert (entry["format"] in ("GIF", "BMP") or entry.get("expand")) and ref_mode == "RGB", (img.mode, ref_mode)
        got, ref = as_rgb(img.mode, got), as_rgb(ref_mode, ref)
    diff = np.abs(got.astype(int) - ref.astype(int))
    assert diff.max() <= tolerance, f"{entry['file']}: max difference {diff.max()} ({entry['why']})"


@pytest.mark.parametrize("entry", by("error"))
def test_corrupt_file_is_a_decode_error(entry):
    with pytest.raises(pixelcache.DecodeError) as e:
        decode(entry)
    assert printable(str(e.value)), repr(str(e.value))


@pytest.mark.parametrize("entry", by("limit"))
def test_bomb_is_refused_by_the_pixel_limit(entry):
    with pytest.raises(pixelcache.LimitError) as e:
        decode(entry)
    # The header checks (or libheif's own), not the allocator's byte limit.
    message = str(e.value)
    assert ("max_pixels" in message or "max_expansion" in message) and "set_max_image_bytes" not in message, message


@pytest.mark.parametrize("entry", by("any"))
def test_undefined_file_decodes_or_raises_a_pixelcache_error(entry):
    try:
        img = decode(entry)
    except (pixelcache.DecodeError, pixelcache.LimitError) as e:
        assert printable(str(e)), repr(str(e))
    else:
        assert img.width > 0 and img.height > 0


def test_corpus_covers_every_png_kind_and_every_format():
    names = {e["file"] for e in MANIFEST}
    for ctype, depths in ((0, (1, 2, 4, 8, 16)), (2, (8, 16)), (3, (1, 2, 4, 8)), (4, (8, 16)), (6, (8, 16))):
        for d in depths:
            for il in ("flat", "adam7"):
                assert f"png_ct{ctype}_d{d}_{il}_33x17.png" in names
                for f in range(5):
                    assert f"png_ct{ctype}_d{d}_filter{f}_{il}.png" in names
    formats = {(e["format"], e["expect"]) for e in MANIFEST}
    for fmt in ("PNG", "GIF", "BMP", "TIFF", "JPEG"):
        assert {(fmt, "decode"), (fmt, "error")} <= formats, fmt
    for fmt in ("PNG", "GIF", "BMP", "TIFF", "JPEG", "WEBP", "HEIF"):
        assert (fmt, "limit") in formats, fmt
