"""Random arrays and tensors of every dtype, rank and value range: each
either becomes an image or raises TypeError / ValueError — never a crash,
a hang or another exception. Deterministic (fixed seed)."""
import numpy as np
import pytest
import torch

import pixelcache
from pixelcache import HashableImage

DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint32, np.int64, np.float16, np.float32,
          np.float64, np.complex64, bool, object]


def random_array(rng):
    ndim = int(rng.integers(0, 6))
    shape = tuple(int(rng.choice([0, 1, 2, 3, 4, 5, 17])) for _ in range(ndim))
    dtype = DTYPES[int(rng.integers(len(DTYPES)))]
    values = rng.choice([0.0, 0.5, 1.0, 1.5, -1.0, 255.0, 70000.0, np.nan, np.inf], size=shape)
    if dtype is object:
        return values.astype(object)
    with np.errstate(invalid="ignore", over="ignore"):
        return values.astype(dtype)


def accepted(make):
    try:
        img = make()
    except (TypeError, ValueError):
        return False
    # Whatever was accepted is a complete, usable image.
    assert img.numpy().shape == img.shape and len(img.digest()) == 32
    return True


def test_random_arrays_are_accepted_or_refused_cleanly():
    rng = np.random.default_rng(2026)
    results = [accepted(lambda a=random_array(rng): HashableImage(a)) for _ in range(400)]
    assert any(results) and not all(results)  # both outcomes really occur


def test_random_tensors_are_accepted_or_refused_cleanly():
    rng = np.random.default_rng(7)
    outcomes = []
    for _ in range(300):
        a = random_array(rng)
        if a.dtype in (object, np.uint16, np.uint32) or a.dtype.kind == "c":
            continue  # torch has no such tensors (or no conversion from NumPy)
        t = torch.from_numpy(np.ascontiguousarray(a))
        outcomes.append(accepted(lambda t=t: HashableImage(t)))
    assert any(outcomes) and not all(outcomes)


def test_non_contiguous_and_strided_views_are_copied_correctly(chelsea_array):
    strided = chelsea_array[::2, ::3]
    assert np.array_equal(HashableImage(strided).numpy(), strided)
    flipped = chelsea_array[:, ::-1]
    assert np.array_equal(HashableImage(flipped).numpy(), flipped)
    chw = torch.from_numpy(chelsea_array).permute(2, 0, 1)[None].float() / 255  # non-contiguous
    assert HashableImage(chw) == HashableImage(chelsea_array)


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff" + bytes(100), b"GIF89a" + bytes(7),
                                  b"RIFF\x00\x00\x00\x00WEBP", bytes(range(256)) * 4])
def test_hostile_bytes_raise_decode_errors(data):
    with pytest.raises((pixelcache.DecodeError, pixelcache.LimitError, ValueError)):
        HashableImage(data)


def test_untrusted_bytes_in_messages_are_escaped(data):
    import struct
    import zlib

    png = (data / "chelsea.png").read_bytes()
    chunk = struct.pack(">I", 3) + b"\x8fBad" + b"xyz" + struct.pack(">I", zlib.crc32(b"\x8fBadxyz"))
    with pytest.raises(pixelcache.DecodeError) as e:
        HashableImage(png[:33] + chunk + png[33:])
    message = str(e.value)
    assert "\\x8fBad" in message and message.isascii() and message.isprintable(), repr(message)


def test_error_messages_that_are_not_utf8_still_reach_python():
    # The source name is caller bytes: the message must survive the
    # translation to a Python exception (never an empty message).
    from pixelcache import _pixelcache

    with pytest.raises(pixelcache.InvalidArgument) as e:
        _pixelcache.Image.from_array(np.full((2, 2), np.nan, np.float32), source=b"bad\x8fname")
    assert "bad\\x8fname" in str(e.value), repr(str(e.value))
