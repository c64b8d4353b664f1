"""One image, container or byte string shared by many Python threads. The
extension releases the GIL in decodes, digests and operations, so these
threads really run the C++ code at the same time; each test starts them
together on a barrier (so first uses, like the lazily computed digest and
hash, race) and compares every result with one computed alone. Every test
name says "thread": the tsan preset's `python_threads` test runs them
under ThreadSanitizer (`-k thread`)."""
import concurrent.futures
import threading

import numpy as np
import pytest

from pixelcache import HashableDict, HashableImage, HashableList

THREADS = 8


def _together(fn):
    """fn(i) on THREADS threads released together; the results in order."""
    barrier = threading.Barrier(THREADS)

    def run(i):
        barrier.wait()
        return fn(i)

    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def test_threads_first_digest_and_hash_of_one_image(data):
    expected = HashableImage(data / "coffee.png")
    for _ in range(3):
        img = HashableImage(data / "coffee.png")  # digest and hash not computed yet
        got = _together(lambda i: (img.digest(), hash(img)) if i % 2 else (img.digest(), hash(img._img)))
        assert set(got) == {(expected.digest(), hash(expected))}


def test_threads_first_digest_of_shared_containers(camera):
    def build():
        inner = HashableList([1, 2.5, "three", camera, np.arange(6, dtype=np.float32).reshape(2, 3)])
        return HashableDict({"list": inner, "nested": HashableDict({"x": inner, "y": (inner, inner)})})

    expected = build()
    for _ in range(3):
        shared = build()
        got = _together(lambda i: (hash(shared), shared == expected, shared["nested"]["x"][3] == camera))
        assert set(got) == {(hash(expected), True, True)}


def test_threads_decode_shared_bytes(data):
    files = sorted(p for p in data.iterdir() if p.suffix != ".md" and p.name != "truncated.jpg")
    blobs = [p.read_bytes() for p in files]
    expected = [HashableImage(b).digest() for b in blobs]

    def decode_all(i):
        order = [(k + i) % len(blobs) for k in range(len(blobs))]  # different codecs overlap
        out = [None] * len(blobs)
        for k in order:
            out[k] = HashableImage(blobs[k]).digest()
        return out

    assert all(got == expected for got in _together(decode_all))


def _every_operation(img, mask):
    out = [
        img.resize((37, 53)), img.resize((37, 53), "lanczos"), img.rotate(33), img.flip_vertical(),
        img.center_pad((320, 480), fill=7), img.to_gray(), img.to_gray().equalize_hist(),
        img.to_gray().apply_palette("viridis"), img.invert_rgb(), img.rgb2bgr(), img.downsample(3),
        img.blend(mask, 0.3, with_bbox=True), img.crop_from_mask(mask), img.masked_fill(mask, 9),
        mask.dilate(5), mask.mask2squaremask(0.1),
    ]
    return [o.digest() for o in out] + [img.encode("PNG"), img.encode("JPEG"), img.mean(), img.unique().tolist()]


def test_threads_operations_on_one_shared_image(chelsea, data):
    mask = HashableImage(data / "chelsea.png").to_gray().to_binary(0.5)
    expected = _every_operation(HashableImage(data / "chelsea.png"), mask)
    assert all(got == expected for got in _together(lambda i: _every_operation(chelsea, mask)))


def test_threads_share_views_and_copies(chelsea):
    expected = chelsea.numpy()

    def read(i):
        view = chelsea.numpy_view()
        return (np.array_equal(view, expected) and not view.flags.writeable
                and np.array_equal(chelsea.numpy(), expected) and chelsea.pil().size == (451, 300))

    assert all(_together(read))


@pytest.mark.parametrize("kind", ["numpy", "pil", "torch"])
def test_threads_convert_inputs_concurrently(chelsea, kind):
    source = {"numpy": chelsea.numpy, "pil": chelsea.pil, "torch": chelsea.tensor}[kind]()
    assert set(_together(lambda i: HashableImage(source).digest())) == {chelsea.digest()}
