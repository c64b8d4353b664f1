"""Images crossing processes and threads, and as cache keys: pickle, copy,
multiprocessing, DataLoader workers, lru_cache, cachetools, threads."""
import concurrent.futures
import copy
import functools
import multiprocessing
import os
import pickle
import signal
import threading
import time

import cachetools
import numpy as np
import pytest
import torch

from pixelcache import HashableDict, HashableImage


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("make", [
    lambda c: c,                                                    # RGB uint8, from a path
    lambda c: c.to_gray(),                                          # L
    lambda c: c.to_binary(0.5),                                     # binary
    lambda c: HashableImage(torch.linspace(0, 1, 60).reshape(1, 3, 4, 5)),  # float32 storage
])
def test_pickle_round_trip_is_exact(chelsea, protocol, make):
    img = make(chelsea)
    back = pickle.loads(pickle.dumps(img, protocol=protocol))
    assert back == img and back.digest() == img.digest() and hash(back) == hash(img)
    assert back.mode == img.mode and back.dtype() == img.dtype() and back.is_float() == img.is_float()
    assert back._filename == img._filename and back._fingerprint == img._fingerprint


def test_pickle_protocol_5_sends_pixels_out_of_band(chelsea):
    buffers = []
    data = pickle.dumps(chelsea, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1 and buffers[0].raw().nbytes == 300 * 451 * 3 and len(data) < 1000
    back = pickle.loads(data, buffers=buffers)
    assert back == chelsea
    assert np.shares_memory(back.numpy_view(), chelsea.numpy_view())  # our own storage back: shared, no copy


def test_copy_and_repr_do_not_touch_pixels(chelsea):
    assert copy.copy(chelsea) is chelsea and copy.deepcopy(chelsea) is chelsea
    assert repr(chelsea) == "HashableImage(mode=torch, dtype=RGB, size=ImageSize(height=300, width=451), src=chelsea.png)"


def _digest_of(img):
    return img.digest(), img.resize((32, 32))


def test_multiprocessing_spawn_round_trip(chelsea):
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: everything crosses by pickle
    with ctx.Pool(2) as pool:
        results = pool.map(_digest_of, [chelsea, chelsea.to_gray()])
    assert results[0][0] == chelsea.digest() and results[1][0] == chelsea.to_gray().digest()
    assert results[0][1] == chelsea.resize((32, 32))


class _Images(torch.utils.data.Dataset):
    def __init__(self, img):
        self.img = img

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.img.rotate(90 * i).resize((16, 16))


def _keep(batch):
    return batch


def test_dataloader_workers(chelsea):
    loader = torch.utils.data.DataLoader(_Images(chelsea), batch_size=2, num_workers=2, collate_fn=_keep)
    got = [img for batch in loader for img in batch]
    assert got == [chelsea.rotate(90 * i).resize((16, 16)) for i in range(4)]


def test_lru_cache_and_cachetools_hit_on_equal_content(chelsea):
    calls = []

    @functools.lru_cache(maxsize=8)
    def gray(img):
        calls.append(1)
        return img.to_gray()

    gray(chelsea)
    gray(HashableImage(chelsea.numpy()))  # other object, same pixels: a hit
    assert len(calls) == 1 and gray.cache_info().hits == 1

    cache = cachetools.LRUCache(maxsize=4)

    @cachetools.cached(cache)
    def thumb(img, cfg):
        calls.append(2)
        return img.resize(cfg["size"])

    thumb(chelsea, HashableDict({"size": (8, 8)}))
    thumb(HashableImage(chelsea.pil()), HashableDict({"size": (8, 8)}))
    assert calls.count(2) == 1 and len(cache) == 1


def test_threads_share_one_image(chelsea):
    expected = chelsea.rotate(30).resize((64, 64)).digest()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: chelsea.rotate(30).resize((64, 64)).digest(), range(16)))
    assert set(got) == {expected}


def test_hash_is_cached_and_equals_digest_fold(chelsea):
    h = hash(chelsea)
    assert hash(chelsea) == h and h == hash(chelsea._img)
    assert hash(HashableImage(np.zeros((2, 2), np.uint8))) != hash(HashableImage(np.ones((2, 2), np.uint8)))


@pytest.mark.parametrize("protocol", [4, 5])
def test_in_band_unpickling_adopts_the_bytes_it_reads(protocol):
    import tracemalloc

    img = HashableImage(np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8))
    data = pickle.dumps(img, protocol=protocol)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        back = pickle.loads(data)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # The pixels live in the bytes object pickle made (traced by Python),
    # not in a second copy: without adoption that object would be freed.
    assert back == img and held >= 512 * 512 * 3


def test_writable_out_of_band_buffers_are_copied():
    img = HashableImage(np.full((4, 4), 7, np.uint8))
    buffers = []
    data = pickle.dumps(img, protocol=5, buffer_callback=buffers.append)
    writable = bytearray(buffers[0].raw())
    back = pickle.loads(data, buffers=[writable])
    writable[:] = b"\0" * len(writable)  # the sender's buffer changes later: the image must not
    assert back == img and back.numpy().max() == 7
    frozen = pickle.loads(data, buffers=[bytes(buffers[0].raw())])  # bytes cannot change: adopted
    assert frozen == img


def test_a_child_forked_while_a_digest_is_being_computed_computes_it_itself():
    """Digests are computed without holding a lock (src/lazy_digest.hpp): a
    child forked while another of the parent's threads is hashing an image
    computes that digest itself instead of waiting forever on the parent's
    lock (it did, in 25 of 40 forks, with a mutex)."""
    rng = np.random.default_rng(0)
    for attempt in range(12):
        images = [HashableImage(rng.integers(0, 255, (1500, 2000, 3), dtype=np.uint8)) for _ in range(3)]
        expected = [pixelcache_digest_of(im) for im in images]  # what a digest must be, from copies
        started = threading.Event()

        def hash_all():
            started.set()
            for im in images:
                im.digest()

        worker = threading.Thread(target=hash_all)
        worker.start()
        started.wait()
        time.sleep(0.0005 * (attempt % 4))
        pid = os.fork()
        if pid == 0:  # the child: every digest within 10 s, and right
            signal.alarm(10)
            ok = [im.digest() for im in images] == expected
            os._exit(0 if ok else 1)
        worker.join()
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"fork {attempt}: child status {status}"


def pixelcache_digest_of(image):
    """The digest of a fresh copy of `image`'s pixels (not its cached one)."""
    return HashableImage(np.array(image.numpy(), copy=True)).digest()
