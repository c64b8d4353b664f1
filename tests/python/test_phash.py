"""HashableImage.average_hash / dhash / phash against imagehash's definitions,
restated with Pillow, NumPy and SciPy in tests/tools/imagehash_ref.py
(imagehash itself is not installed), on the test photos and their generated
variants (tests/tools/dups_corpus.py: resized, JPEG quality 50-95, crops up
to 5 %, brightness +-10 %); the ImageHash conveniences (a - b, str, ==,
hash(), digest, HashableDict keys, pickling); hashes of files with
shrink-on-load; typed errors for bad inputs.

Both sides hash the same decoded pixels (pixelcache's decode, handed to
Pillow as an array), so the comparison is of the hash definitions only.
Agreement is printed (pytest -s) and asserted: identical for at least 99 %
of the images, never more than 2 bits apart."""
import pickle

import numpy as np
import pytest
from PIL import Image

from tool_support import load_tool

import pixelcache
from pixelcache import HashableDict, HashableImage, ImageHash

ref = load_tool("imagehash_ref")
corpus = load_tool("dups_corpus")

KINDS = {"ahash": lambda img, n: img.average_hash(n), "dhash": lambda img, n: img.dhash(n),
         "phash": lambda img, n: img.phash(n)}


@pytest.fixture(scope="session")
def images(data):
    """(name, PIL image) of every base and variant of the corpus."""
    out = []
    for name, img in corpus.bases(data, fields=6):
        out.append((name, img))
        for kind in corpus.VARIANTS:
            out.append((f"{name}__{kind}", corpus.variant(img, kind)[0]))
    return out


def _compare(images, kind, hash_size):
    """(images, identical, worst distance, names that differ)."""
    same, worst, differ = 0, 0, []
    for name, pil in images:
        ours = KINDS[kind](HashableImage(np.asarray(pil)), hash_size)
        theirs = ref.HASHES[kind](pil, hash_size)
        assert ours.shape == theirs.shape
        d = int(np.count_nonzero(ours.hash != theirs))
        same += d == 0
        worst = max(worst, d)
        if d:
            differ.append((name, d))
    return len(images), same, worst, differ


@pytest.mark.parametrize("kind", ["ahash", "dhash", "phash"])
@pytest.mark.parametrize("hash_size", [8, 16])
def test_bits_equal_imagehash_definitions(images, kind, hash_size):
    n, same, worst, differ = _compare(images, kind, hash_size)
    print(f"\n{kind} {hash_size}x{hash_size}: {same}/{n} identical to imagehash's definition, "
          f"worst {worst} bits apart; differing: {differ[:5]}")
    assert same >= 0.99 * n
    assert worst <= 2


@pytest.mark.parametrize("hash_size, factor", [(5, 4), (8, 8), (12, 2)])
def test_other_sizes_match(images, hash_size, factor):
    few = images[::7]
    same = 0
    for _name, pil in few:
        ours = HashableImage(np.asarray(pil)).phash(hash_size, factor)
        theirs = ref.phash(pil, hash_size, factor)
        same += bool(np.array_equal(ours.hash, theirs))
        assert int(np.count_nonzero(ours.hash != theirs)) <= 2
        assert str(ours) == ref.to_hex(theirs) or not np.array_equal(ours.hash, theirs)
    assert same >= 0.99 * len(few)


def test_formats_and_modes(data):
    """Every format and mode of tests/data: the hash of pixelcache's decode
    equals the definition run on the same pixels."""
    for name in ("chelsea.png", "chelsea_q95.jpg", "chelsea.webp", "chelsea_lossy.webp", "chelsea_gray.jpg",
                 "chelsea_palette.png", "chelsea_rgba.png", "chelsea_16bit.png", "chelsea_cmyk.jpg", "chelsea.gif",
                 "chelsea.tiff", "camera.png", "exif_orient6.jpg"):
        img = HashableImage(data / name)
        pil = Image.fromarray(img.numpy())
        for kind in ("ahash", "dhash", "phash"):
            assert str(KINDS[kind](img, 8)) == ref.to_hex(ref.HASHES[kind](pil, 8)), (name, kind)


def test_hex_and_conveniences(chelsea, camera):
    a, b = chelsea.phash(), camera.phash()
    assert isinstance(a, ImageHash)
    assert len(str(a)) == 16 and str(a) == ref.to_hex(a.hash)
    assert a - b == int(np.count_nonzero(a.hash != b.hash)) and a - a == 0
    assert a == chelsea.phash() and a != b
    assert hash(a) == hash(chelsea.phash())
    assert pixelcache.hex_to_hash(str(a)) == a
    assert np.array_equal(pixelcache.hex_to_hash(str(a)).hash, ref.from_hex(str(a)))
    assert ImageHash(a.hash) == a
    # A stable digest: the same value in every process (a cache key), and hashes as HashableDict keys / values.
    assert a.digest() == ImageHash.from_hex(str(a)).digest() and a.digest() != b.digest()
    assert len(a.digest()) == 32
    d = HashableDict({"phash": a})
    assert d.digest() == HashableDict({"phash": ImageHash.from_hex(str(a))}).digest()
    assert d.digest() != HashableDict({"phash": b}).digest()
    assert {a: 1}[ImageHash.from_hex(str(a))] == 1
    assert pickle.loads(pickle.dumps(a)) == a
    # A 25-bit hash: 7 hex digits with leading zero padding, as imagehash prints it.
    five = chelsea.phash(5)
    assert len(str(five)) == 7 and str(five) == ref.to_hex(five.hash)
    assert pixelcache.hex_to_hash(str(five)) == five


def test_shape_mismatch_and_bad_hex(chelsea):
    with pytest.raises(TypeError):
        chelsea.phash(8) - chelsea.phash(5)
    for bad in ("", "xyz", "12", "g" * 16):
        with pytest.raises(pixelcache.InvalidArgument):
            pixelcache.hex_to_hash(bad)


@pytest.mark.parametrize("size", [0, 1, -3, 65, 10 ** 6])
def test_bad_hash_size_is_a_typed_error(chelsea, size):
    for kind in KINDS:
        with pytest.raises(pixelcache.InvalidArgument):
            KINDS[kind](chelsea, size)
    with pytest.raises(pixelcache.InvalidArgument):
        chelsea.phash(8, 0)


def test_bad_files_are_typed_errors(data, tmp_path):
    with pytest.raises(pixelcache.Error):
        pixelcache.image_hash(data / "truncated.jpg")
    with pytest.raises(pixelcache.Error):
        pixelcache.image_hash(tmp_path)
    with pytest.raises(pixelcache.Error):
        pixelcache.image_hash(tmp_path / "missing.png")
    with pytest.raises(pixelcache.InvalidArgument):
        pixelcache.image_hash(data / "chelsea.png", "nohash")
    with pytest.raises(pixelcache.InvalidArgument):
        pixelcache.image_hash(data / "chelsea.png", hash_size=0)


def test_file_hashes_use_shrink_on_load(data, tmp_path):
    """image_hash(path) decodes JPEGs at reduced scale: close to the hash of
    the full decode (measured and printed), equal for lossless formats."""
    for name in ("chelsea.png", "chelsea.webp", "camera.png"):
        img = HashableImage(data / name)
        for kind in KINDS:
            assert pixelcache.image_hash(data / name, kind) == KINDS[kind](img, 8)
    # A 12 MP-class JPEG is decoded at 1/8 scale; measure how far that moves the hash.
    big = Image.open(data / "rocket.jpg").convert("RGB").resize((2560, 1708), Image.Resampling.BICUBIC)
    jpeg = tmp_path / "big.jpg"
    big.save(jpeg, quality=90)
    full = HashableImage(jpeg)
    for kind in KINDS:
        d = pixelcache.image_hash(jpeg, kind) - KINDS[kind](full, 8)
        print(f"\n{kind}: shrink-on-load hash of a 2560x1708 JPEG is {d} bits from the full decode's")
        assert d <= 6
        assert pixelcache.image_hash(jpeg.read_bytes(), kind) == pixelcache.image_hash(jpeg, kind)


@pytest.mark.parametrize("subsampling", [0, 1, 2])  # Pillow: 4:4:4, 4:2:2, 4:2:0
def test_jpeg_file_hash_is_imagehash_of_pillows_luma_draft(data, tmp_path, subsampling):
    """A JPEG file's hash starts from its luma at the shrink-on-load scale:
    at 1/8 pixelcache reads only the DC coefficients (on every core), and
    the bits equal imagehash's on Pillow's draft("L", size) decode, which
    asks libjpeg-turbo for the same pixels. Noise makes the Huffman data
    large enough to be split between threads."""
    base = Image.open(data / "rocket.jpg").convert("RGB").resize((2560, 1708), Image.Resampling.BICUBIC)
    noisy = np.clip(np.asarray(base, np.int16) + np.random.default_rng(subsampling).normal(0, 6, (1708, 2560, 3)),
                    0, 255).astype(np.uint8)
    jpeg = tmp_path / "big.jpg"
    Image.fromarray(noisy).save(jpeg, quality=92, subsampling=subsampling)
    for kind, hash_size in (("phash", 8), ("dhash", 8), ("ahash", 8), ("phash", 16)):
        ours = pixelcache.image_hash(jpeg, kind, hash_size=hash_size)
        side = 4 * (hash_size * 4 if kind == "phash" else hash_size + (kind == "dhash"))
        with Image.open(jpeg) as im:
            im.draft("L", (side, side))
            assert im.mode == "L" and im.size == ((320, 214) if hash_size == 8 else (640, 427))  # 1/8, 1/4
            theirs = {"phash": ref.phash, "dhash": ref.dhash, "ahash": ref.average_hash}[kind](im, hash_size)
        assert (np.asarray(ours.hash) == theirs).all(), (kind, hash_size, str(ours), ref.to_hex(theirs))
