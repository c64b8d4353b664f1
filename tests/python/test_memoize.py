"""pixelcache.memoize: keys from argument digests, results restored as their
type, single-flight across threads, and the cache shared by processes
(a second process, fork, spawn, DataLoader workers)."""
import functools
import multiprocessing
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch

import pixelcache
from pixelcache import Cache, HashableImage, InvalidArgument, InvalidType, memoize

PYTHONPATH = os.pathsep.join(p for p in sys.path if p)


@pytest.fixture(params=["memory+disk", "disk"])
def cache(tmp_path, request):
    """Every test runs with a memory tier (the front of memo_front.cpp) and
    without one (the C tier path of memo_front.cpp)."""
    if request.param == "disk":
        return Cache(tmp_path / "store", memory_bytes=0, redis_url="")
    return Cache(tmp_path / "store", redis_url="")


def counted(cache, **kw):
    """A memoized function that records its calls."""
    calls = []

    def scale(img, factor=2, *, mode="bilinear"):
        calls.append((factor, mode))
        return img.resize((img.size().height // factor, img.size().width // factor), mode)

    return memoize(cache=cache, **kw)(scale), calls


def test_positional_keyword_and_default_arguments_share_a_key(cache, chelsea):
    f, calls = counted(cache)
    a = f(chelsea)
    assert f(chelsea, 2) == a and f(chelsea, factor=2) == a and f(img=chelsea, factor=2, mode="bilinear") == a
    assert f(HashableImage(chelsea.numpy())) == a  # by content, not identity
    assert len(calls) == 1
    assert f.key(chelsea) == f.key(chelsea, 2) == f.key(factor=2, img=chelsea)
    f(chelsea, 3)
    f(chelsea, mode="nearest")
    assert len(calls) == 3
    f(chelsea, 2.0)  # 2.0 is not 2: a key of its own
    assert len(calls) == 4


def test_var_args_and_keywords(cache):
    calls = []

    @memoize(cache=cache)
    def f(*args, **kwargs):
        calls.append(1)
        return [list(args), sorted(kwargs)]

    assert f(1, 2, a=1, b=2) == [[1, 2], ["a", "b"]]
    assert f(1, 2, b=2, a=1) == [[1, 2], ["a", "b"]]  # keyword order does not matter
    assert len(calls) == 1
    f(2, 1, a=1, b=2)
    assert len(calls) == 2


def test_bare_decorator_uses_the_default_cache(tmp_path):
    code = """
import pixelcache
@pixelcache.memoize
def double(x):
    print("computed")
    return 2 * x
print(double(21), double(21), double.cache is pixelcache.Cache.default(), double.cache.path)
"""
    env = {**os.environ, "PYTHONPATH": PYTHONPATH, "PIXELCACHE_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["computed", f"42 42 True {tmp_path}"]
    # A second process: served by the disk tier, nothing computed.
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split("\n")[0] == f"42 42 True {tmp_path}"


def test_memoize_across_two_processes(tmp_path, chelsea, data):
    """The second process hits: its stats say disk hit, nothing computed."""
    script = tmp_path / "job.py"
    script.write_text(f"""
import json, sys
import pixelcache
from pixelcache import HashableImage
cache = pixelcache.Cache({str(tmp_path / 'store')!r}, redis_url="")

@pixelcache.memoize(cache=cache, version="1")
def thumbnail(path):
    return HashableImage.load_resized(path, (64, 64))

t = thumbnail({str(data / 'chelsea.png')!r})
s = cache.stats()
print(json.dumps([t.digest(), s["computed"], s["disk"]["hits"]]))
""")
    env = {**os.environ, "PYTHONPATH": PYTHONPATH}
    runs = [subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
            for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    first, second = (__import__("json").loads(r.stdout) for r in runs)
    expected = HashableImage.load_resized(data / "chelsea.png", (64, 64)).digest()
    assert first == [expected, 1, 0] and second == [expected, 0, 1]


def test_version_and_name_separate_keys(cache):
    def f(x):
        return x + 1

    a, b, c = memoize(f, cache=cache), memoize(f, cache=cache, version="2"), memoize(f, cache=cache, name="other")
    assert len({a.key(1), b.key(1), c.key(1)}) == 3
    assert a.name.startswith("test_memoize.test_version_and_name_separate_keys.<locals>.f#")
    assert c.name == "other" and b.version == "2"


def test_lambdas_and_closures_are_told_apart(cache):
    double = memoize(lambda x: 2 * x, cache=cache)
    triple = memoize(lambda x: 3 * x, cache=cache)
    assert double(5) == 10 and triple(5) == 15  # same qualname "<lambda>", different code

    def scaler(k):
        return memoize(lambda x: k * x, cache=cache)

    assert scaler(2)(5) == 10 and scaler(7)(5) == 35  # same code, the closure variable differs

    def logged(log):
        return memoize(lambda x: (log.append(x), x)[1], cache=cache)

    # A mutable closure variable (bookkeeping) counts by its type only: these two are one function.
    a, b = [], [1, 2]
    assert logged(a).key(1) == logged(b).key(1)
    handle = open(os.devnull)
    try:
        assert memoize(lambda x: handle.name, cache=cache)(1) == os.devnull  # a file object: by type
    finally:
        handle.close()


def test_arguments_that_cannot_be_keyed(cache):
    f = memoize(lambda img, size=3: size, cache=cache)
    with pytest.raises(InvalidType, match="argument 'img' of .*<lambda> cannot be part of a cache key.*object"):
        f(object())
    with pytest.raises(InvalidType, match="argument 'size'.*set"):
        f(1, size={1})
    with pytest.raises(InvalidArgument, match="argument 'img'.*64 bits"):
        f(2 ** 70)
    with pytest.raises(TypeError):
        f(1, 2, 3)  # the function's own signature refuses it
    assert isinstance(InvalidType("x"), TypeError)
    with pytest.raises(InvalidType, match="cache must be a pixelcache.Cache"):
        memoize(cache="dir")(lambda: 1)
    with pytest.raises(InvalidType, match="version must be a str"):
        memoize(lambda: 1, version=2)


def test_every_argument_kind_is_keyed_by_content(cache, chelsea, camera):
    f = memoize(lambda *a: len(a), cache=cache, name="count")
    args = [chelsea, chelsea.pil(), chelsea.numpy(), chelsea.tensor(), pixelcache.HashableList([1, camera]),
            pixelcache.HashableDict({"a": camera}), pixelcache.BoundingBox(1, 2, 3, 4), pixelcache.ImageSize(2, 3),
            pixelcache.Points(np.array([[1.0, 2.0]])), "s", b"b", 1, 1.5, True, None, (1, [2, {"k": (3,)}])]
    key = f.key(*args)
    copies = [HashableImage(chelsea.numpy()), chelsea.pil().copy(), chelsea.numpy().copy(), chelsea.tensor().clone()]
    assert f.key(*copies, *args[4:]) == key
    assert f.key(*args[:-1], (1, [2, {"k": (4,)}])) != key
    assert f.key(chelsea.numpy().astype(np.int16), *args[1:]) == f.key(chelsea.numpy().astype(np.int16), *args[1:])
    assert f.key(chelsea.numpy().astype(np.int16), *args[1:]) != f.key(chelsea.numpy(), *args[1:])  # dtype counts


def test_results_come_back_as_their_type(cache, chelsea):
    results = {"image": chelsea, "pil": chelsea.pil(), "array": np.arange(6.0).reshape(2, 3), "tensor": torch.ones(2, 2),
               "list": pixelcache.HashableList([chelsea]), "tuple": (chelsea, 1.5, "s"), "bbox": pixelcache.BoundingBox(
                   0, 0, 5, 5), "set": {1, 2}, "none": None}

    @memoize(cache=cache, name="make")  # its closure holds a set, which no key can hold
    def make(name):
        return results[name]

    for name, value in results.items():
        first = make(name)
        assert first is value  # the computing call gets the function's own object
    fresh = Cache(cache.path, redis_url="")  # another handle: no memory tier in common, reads the disk tier
    again = memoize(make.__wrapped__, cache=fresh, name="make")
    for name, value in results.items():
        got = again(name)
        assert type(got) is type(value), name
    assert fresh.stats()["computed"] == 0 and fresh.stats()["disk"]["hits"] == len(results)


def test_a_changed_result_type_is_recomputed(cache):
    """An entry of a type the key's decoder cannot read is recomputed and replaced."""
    f = memoize(lambda: 1, cache=cache, name="changing")
    cache._c.put(f.key(), "value", "py:Q", 5)  # an unknown type code
    assert f() == 1
    assert cache._c.get(f.key())[1] == "py:i"


def test_exceptions_are_raised_not_cached(cache):
    calls = []

    @memoize(cache=cache)
    def fail(x):
        calls.append(x)
        raise KeyError(f"no {x}")

    for _ in range(2):
        with pytest.raises(KeyError, match="no 1"):
            fail(1)
    assert calls == [1, 1] and not cache.contains(fail.key(1))


def test_recursion_on_the_same_key_is_an_error(cache):
    @memoize(cache=cache, name="recursive")
    def again(x):
        return again(x)

    with pytest.raises(InvalidArgument, match="recursive memoize"):
        again(1)


def test_methods(cache, chelsea):
    class Thumbs:
        @memoize(cache=cache, name="Thumbs.small")
        def small(self_or_img, size):
            return self_or_img.resize((size, size))

    # The instance is the first argument of the key: a keyable one (a HashableImage subclass would do);
    # an arbitrary object is refused with a clear error.
    with pytest.raises(InvalidType, match="argument 'self_or_img'"):
        Thumbs().small(4)
    assert Thumbs.small(chelsea, 4).size() == pixelcache.ImageSize(4, 4)


@pytest.mark.threaded
@pytest.mark.parametrize("kind", ["image", "str"])  # a str argument: later calls are answered by the front
def test_threads_hammering_one_key_compute_once(cache, chelsea, kind):
    calls = []
    started = threading.Event()
    argument = chelsea if kind == "image" else "a path"

    @memoize(cache=cache, name="slow")  # the closure holds an Event: named instead
    def slow(img):
        calls.append(threading.get_ident())
        started.wait(5)  # hold the computation until every thread has asked
        return chelsea.resize((32, 32))

    n = 16
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        try:
            barrier.wait()
            results[i] = [slow(argument) for _ in range(20)]
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    while cache.stats()["joined"] < n - 1 and any(t.is_alive() for t in threads):
        threading.Event().wait(0.01)  # the other 15 are waiting for the one computation
    started.set()
    for t in threads:
        t.join(30)
    assert not errors and len(calls) == 1
    assert all(r == [chelsea.resize((32, 32))] * 20 for r in results)
    s = cache.stats()
    assert s["computed"] == 1
    # With a memory tier the later calls are memory hits; without one they are disk reads, and a read that
    # finds another thread's read of the key in flight joins it.
    assert s["joined"] == n - 1 if cache._c.has_tier("memory") else s["joined"] >= n - 1


@pytest.mark.threaded
def test_waiting_threads_share_the_exception(cache):
    started = threading.Event()
    calls = []

    @memoize(cache=cache, name="broken")
    def broken(x):
        calls.append(x)
        started.wait(5)
        raise ValueError("broken input")

    n = 8
    errors = []

    def worker():
        try:
            broken(1)
        except ValueError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    while cache.stats()["joined"] < n - 1 and any(t.is_alive() for t in threads):
        threading.Event().wait(0.01)
    started.set()
    for t in threads:
        t.join(30)
    assert errors == ["broken input"] * n and calls == [1]


@pytest.mark.threaded
def test_threads_on_many_keys(cache, chelsea):
    """4 threads over 20 overlapping keys: every result right, each key computed at most once."""
    lock = threading.Lock()
    counts = {}

    @memoize(cache=cache, name="shade")
    def shade(level):
        with lock:
            counts[level] = counts.get(level, 0) + 1
        return HashableImage(np.full((16, 16), level, np.uint8))

    def worker(offset):
        for i in range(60):
            level = (i + offset) % 20
            assert shade(level).numpy()[0, 0] == level

    threads = [threading.Thread(target=worker, args=(k * 5,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(counts) == list(range(20)) and set(counts.values()) == {1}


# -- processes ---------------------------------------------------------------------
# Module-level so that spawn and DataLoader workers can import them.

def _square_image(n):
    return HashableImage(np.full((8, 8), n % 256, np.uint8))


def _worker_call(args):
    cache, n = args
    f = memoize(_square_image, cache=cache)
    out = f(n)
    s = cache.stats()
    return out.numpy()[0, 0], s["computed"], s["disk"]["hits"], os.getpid()


@pytest.mark.threaded
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_workers_share_the_disk_tier(tmp_path, method):
    cache = Cache(tmp_path, memory_bytes=0, redis_url="")
    f = memoize(_square_image, cache=cache)
    for n in range(4):
        f(n)  # computed here
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2) as pool:
        out = pool.map(_worker_call, [(cache, n) for n in range(8)])
    assert [o[0] for o in out] == list(range(8))
    assert all(o[3] != os.getpid() for o in out)
    # The first four were computed here, so the workers hit them on disk; the rest they computed once each.
    for n in range(8):
        assert f(n).numpy()[0, 0] == n
    assert cache.stats()["computed"] == 4  # this process computed only its own four


class _Thumbs(torch.utils.data.Dataset):
    def __init__(self, cache, paths):
        self.thumb = memoize(cache=cache)(_thumbnail)
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.thumb(self.paths[i]).tensor()[0].clone()  # a plain torch storage, which collation resizes


def _thumbnail(path):
    return HashableImage.load_resized(path, (32, 32)).to_rgb()  # camera.png is gray: one shape to collate


@pytest.mark.threaded
def test_dataloader_workers(tmp_path, data):
    cache = Cache(tmp_path, memory_bytes=0, redis_url="")
    paths = [str(data / n) for n in ("chelsea.png", "camera.png", "rocket.jpg", "chelsea_q95.jpg")]
    loader = torch.utils.data.DataLoader(_Thumbs(cache, paths), batch_size=2, num_workers=2)
    first = torch.cat(list(loader))
    assert cache.stats()["disk"]["entries"] == len(paths)  # the workers wrote them
    direct = torch.stack([_thumbnail(p).tensor()[0] for p in paths])
    assert torch.equal(first, direct)
    thumb = memoize(_thumbnail, cache=cache)
    assert [thumb(p) for p in paths] and cache.stats()["computed"] == 0  # all served from the workers' results
    second = torch.cat(list(torch.utils.data.DataLoader(_Thumbs(cache, paths), batch_size=2, num_workers=2)))
    assert torch.equal(first, second)


def test_memoized_functions_pickle(cache):
    import pickle

    f = memoize(_square_image, cache=cache)
    g = pickle.loads(pickle.dumps(f))  # by value: the function by reference, the cache by configuration
    assert g.key(3) == f.key(3) and g.cache is cache
    assert pickle.loads(pickle.dumps(_module_level)) is _module_level  # by reference


@memoize(cache=Cache(max_bytes=0, redis_url=""))
def _module_level(x):
    return x


def test_partial_functions(cache):
    def power(x, p):
        return x ** p

    sq, cube = memoize(functools.partial(power, p=2), cache=cache), memoize(functools.partial(power, p=3), cache=cache)
    assert sq(3) == 9 and cube(3) == 27 and sq.key(3) != cube.key(3)
