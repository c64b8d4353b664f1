"""imagehash's definitions, restated with Pillow, NumPy and SciPy (the
`imagehash` package itself is not installed: these follow its code,
imagehash 4.3.2, imagehash/__init__.py, line for line).

Used by the tests (tests/python/test_phash.py, tests/cli/test_dups.py) and
the benchmark (bench/dups_compare.py) as the reference the C++ hashes must
equal. Each function takes a PIL image and returns the hash as a 2-D bool
array (imagehash's ImageHash.hash); `to_hex` is imagehash's str().
"""
from __future__ import annotations

import numpy as np
import scipy.fftpack
from PIL import Image

# imagehash's ANTIALIAS: Image.Resampling.LANCZOS (Image.ANTIALIAS before Pillow 10).
ANTIALIAS = Image.Resampling.LANCZOS


def average_hash(image: Image.Image, hash_size: int = 8) -> np.ndarray:
    """imagehash.average_hash: gray, LANCZOS to hash_size x hash_size, bits = pixels > mean."""
    if hash_size < 2:
        raise ValueError("Hash size must be greater than or equal to 2")
    image = image.convert("L").resize((hash_size, hash_size), ANTIALIAS)
    pixels = np.asarray(image)
    avg = np.mean(pixels)
    return pixels > avg


def dhash(image: Image.Image, hash_size: int = 8) -> np.ndarray:
    """imagehash.dhash: gray, LANCZOS to (hash_size + 1) x hash_size (w x h), bits = right > left."""
    if hash_size < 2:
        raise ValueError("Hash size must be greater than or equal to 2")
    image = image.convert("L").resize((hash_size + 1, hash_size), ANTIALIAS)
    pixels = np.asarray(image)
    return pixels[:, 1:] > pixels[:, :-1]


def phash(image: Image.Image, hash_size: int = 8, highfreq_factor: int = 4) -> np.ndarray:
    """imagehash.phash: gray, LANCZOS to (hash_size * highfreq_factor)^2, 2-D DCT-II (unnormalised,
    axis 0 then axis 1), the top-left hash_size^2 block, bits = > median."""
    if hash_size < 2:
        raise ValueError("Hash size must be greater than or equal to 2")
    img_size = hash_size * highfreq_factor
    image = image.convert("L").resize((img_size, img_size), ANTIALIAS)
    pixels = np.asarray(image)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    dctlowfreq = dct[:hash_size, :hash_size]
    med = np.median(dctlowfreq)
    return dctlowfreq > med


HASHES = {"ahash": average_hash, "dhash": dhash, "phash": phash}


def to_hex(bits: np.ndarray) -> str:
    """imagehash's str(ImageHash): the row-major bits as one binary number, in
    ceil(n / 4) hex digits, zero-padded on the left."""
    bit_string = "".join(str(b) for b in 1 * bits.flatten())
    width = int(np.ceil(len(bit_string) / 4))
    return "{:0>{width}x}".format(int(bit_string, 2), width=width)


def from_hex(hexstr: str) -> np.ndarray:
    """imagehash.hex_to_hash: a square hash of floor(sqrt(4 * len)) bits a side."""
    hash_size = int(np.sqrt(len(hexstr) * 4))
    binary_array = "{:0>{width}b}".format(int(hexstr, 16), width=hash_size * hash_size)
    bit_rows = [binary_array[i:i + hash_size] for i in range(0, len(binary_array), hash_size)]
    return np.array([[bool(int(d)) for d in row] for row in bit_rows])


def upright(path) -> Image.Image:
    """A file as imagehash users should open it for our comparison: Pillow's
    decode with the EXIF orientation applied (pixelcache hashes the upright
    image; imagehash hashes whatever PIL image it is given)."""
    from PIL import ImageOps

    with Image.open(path) as im:
        im.load()
        return ImageOps.exif_transpose(im)
