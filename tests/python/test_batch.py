"""pixelcache.batch: results in input order, errors at their position (or
returned), bounded in-flight work over lazy inputs, early close, progress
display with and without tqdm, and argument errors."""
import itertools
import random
import sys
import threading
import time

import pytest

import pixelcache
from pixelcache import HashableImage

FILES = ["chelsea.png", "camera.png", "coffee.png", "rocket.jpg", "astronaut.png", "chelsea.webp", "chelsea.bmp",
         "chelsea_gray.jpg"]


def thumb_digest(path):
    return HashableImage(path).resize((32, 24)).digest()


def test_results_in_input_order(data):
    paths = [data / f for f in FILES] * 3
    expected = [thumb_digest(p) for p in paths]
    assert list(pixelcache.batch(paths, thumb_digest, workers=4, progress=False)) == expected
    assert list(pixelcache.batch(paths, thumb_digest, workers=1, progress=False)) == expected


def test_order_kept_when_later_inputs_finish_first():
    rng = random.Random(7)
    delays = [rng.uniform(0, 0.01) for _ in range(60)]
    running, peak, lock = [0], [0], threading.Lock()

    def work(i):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(delays[i])
        with lock:
            running[0] -= 1
        return i * i

    assert list(pixelcache.batch(range(60), work, workers=4, progress=False)) == [i * i for i in range(60)]
    assert 1 < peak[0] <= 4  # ran on several threads, never more than asked


def test_exception_reraised_at_its_position(data):
    paths = [data / "chelsea.png", data / "camera.png", data / "truncated.jpg", data / "coffee.png"]
    it = pixelcache.batch(paths, thumb_digest, workers=2, progress=False)
    assert next(it) == thumb_digest(paths[0])
    assert next(it) == thumb_digest(paths[1])
    with pytest.raises(pixelcache.DecodeError, match="truncated.jpg"):
        next(it)
    with pytest.raises(StopIteration):  # the iterator is finished after the error, as Executor.map's
        next(it)


def test_inputs_not_started_are_cancelled_after_an_error():
    started = []

    def work(i):
        started.append(i)
        if i == 3:
            raise ValueError("bad input 3")
        time.sleep(0.001)
        return i

    with pytest.raises(ValueError, match="bad input 3"):
        list(pixelcache.batch(range(10_000), work, workers=2, progress=False))
    assert len(started) <= 3 + 1 + 2 * 2 + 2  # the window (2 x workers) past the failure, not 10,000


def test_return_exceptions_yields_them_in_place(data):
    paths = [data / "chelsea.png", data / "truncated.jpg", data / "missing.png", data / "camera.png"]
    out = list(pixelcache.batch(paths, thumb_digest, workers=3, progress=False, return_exceptions=True))
    assert out[0] == thumb_digest(paths[0]) and out[3] == thumb_digest(paths[3])
    assert isinstance(out[1], pixelcache.DecodeError) and "truncated.jpg" in str(out[1])
    assert isinstance(out[2], pixelcache.IoError) and "missing.png" in str(out[2])


def test_lazy_endless_input_is_bounded():
    pulled = []

    def numbers():
        for i in itertools.count():
            pulled.append(i)
            yield i

    it = pixelcache.batch(numbers(), lambda i: -i, workers=3, progress=False)
    assert list(itertools.islice(it, 10)) == [-i for i in range(10)]
    assert len(pulled) <= 10 + 2 * 3  # at most 2 x workers ahead of the consumer
    it.close()


def test_early_close_stops_the_threads():
    before = threading.active_count()
    it = pixelcache.batch(range(1000), lambda i: time.sleep(0.001) or i, workers=4, progress=False)
    for i, v in enumerate(it):
        if i == 5:
            break
    it.close()
    assert threading.active_count() == before
    # Nothing starts before the first next(): no threads.
    pixelcache.batch(range(10), lambda i: i, workers=4, progress=False)
    assert threading.active_count() == before


def test_tqdm_progress_bar(data, capsys):
    pytest.importorskip("tqdm")
    paths = [data / f for f in FILES]
    assert len(list(pixelcache.batch(paths, thumb_digest, workers=2))) == len(FILES)
    err = capsys.readouterr().err
    assert "batch" in err and f"{len(FILES)}/{len(FILES)}" in err and "100%" in err


def test_plain_counter_without_tqdm(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert list(pixelcache.batch(range(5), lambda i: i, workers=2)) == list(range(5))
    assert capsys.readouterr().err.strip().endswith("batch: 5/5 done")
    assert list(pixelcache.batch(iter(range(3)), lambda i: i, workers=2)) == [0, 1, 2]
    assert capsys.readouterr().err.strip().endswith("batch: 3 done")  # no length: no total
    list(pixelcache.batch(range(3), lambda i: i, progress=False))
    assert capsys.readouterr().err == ""


def test_argument_errors():
    with pytest.raises(pixelcache.InvalidType, match="cache must be a pixelcache.Cache"):
        pixelcache.batch([1], lambda i: i, cache=object())
    with pytest.raises(pixelcache.InvalidArgument, match="workers"):
        pixelcache.batch([1], lambda i: i, workers=0)
    with pytest.raises(pixelcache.InvalidArgument, match="workers"):
        pixelcache.batch([1], lambda i: i, workers=True)
    with pytest.raises(pixelcache.InvalidType, match="callable"):
        pixelcache.batch([1], "resize")
    assert list(pixelcache.batch([], lambda i: i, progress=False)) == []


def test_cache_serves_the_second_run(tmp_path, data):
    """With a cache, a second run over the same files calls fn for none of
    them; a changed file (same path) is computed again; errors are not
    cached."""
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    for name in FILES[:4]:
        shutil.copyfile(data / name, folder / name)
    shutil.copyfile(data / "truncated.jpg", folder / "broken.jpg")
    paths = sorted(str(p) for p in folder.iterdir())
    cache = pixelcache.Cache(tmp_path / "cache", redis_url="")
    lock = threading.Lock()
    calls = []

    def thumb(path):
        with lock:
            calls.append(path)
        return HashableImage(path).resize((32, 24))

    def run():
        return list(pixelcache.batch(paths, thumb, workers=2, progress=False, cache=cache, return_exceptions=True))

    first = run()
    assert len(calls) == len(paths)
    assert isinstance(first[0], pixelcache.DecodeError)  # broken.jpg sorts first
    second = run()
    assert len(calls) == len(paths) + 1  # only the broken file again (errors are not cached)
    assert [r.digest() for r in second[1:]] == [r.digest() for r in first[1:]]
    assert all(type(r) is HashableImage for r in second[1:])
    # Same path, new content: computed again.
    changed = folder / FILES[0]
    shutil.copyfile(data / "chelsea_q95.jpg", changed)
    third = run()
    assert calls[-2:] == sorted([str(changed), str(folder / "broken.jpg")]) or set(calls[-2:]) == {
        str(changed), str(folder / "broken.jpg")}
    assert len(calls) == len(paths) + 3
    assert third[paths.index(str(changed))] == HashableImage(changed).resize((32, 24))
    # Another function over the same files has keys of its own.
    digests = list(pixelcache.batch(paths[1:], thumb_digest, progress=False, cache=cache))
    assert digests == [thumb_digest(p) for p in paths[1:]]


def test_cache_keys_non_path_inputs_by_value(tmp_path, chelsea):
    cache = pixelcache.Cache(max_bytes=0, redis_url="")
    calls = []

    def halve(img):
        calls.append(1)
        return img.resize((img.size().height // 2, img.size().width // 2))

    inputs = [chelsea, HashableImage(chelsea.numpy()), chelsea.to_gray()]
    out1 = list(pixelcache.batch(inputs, halve, workers=1, progress=False, cache=cache))
    assert len(calls) == 2  # the first two are one value
    out2 = list(pixelcache.batch(inputs, halve, workers=2, progress=False, cache=True if False else cache))
    assert len(calls) == 2 and [o.digest() for o in out1] == [o.digest() for o in out2]
    with pytest.raises(pixelcache.InvalidType, match="the batch input"):
        list(pixelcache.batch([object()], halve, progress=False, cache=cache))
