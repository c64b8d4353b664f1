"""pixelcache.memoize's in-process front (python/src/memo_front.cpp): repeated
calls with plain arguments are answered from a dict of shared results, and
never with a result the tiers would not give: after clear, erase, put, trim
and memory eviction the call computes again or returns the new value."""
import gc
import multiprocessing
import os
import subprocess
import sys
import threading
import weakref

import numpy as np
import pytest

import pixelcache
from pixelcache import Cache, HashableImage, HashableList, memoize


@pytest.fixture
def cache(tmp_path):
    return Cache(tmp_path / "store", redis_url="")


def counted(cache, fn=None, **kw):
    """A memoized function returning fn(*args) (default: a str naming the
    arguments and their types) that records its calls."""
    calls = []

    def work(*args):
        calls.append(args)
        return fn(*args) if fn else repr([(type(a).__name__, a) for a in args])

    return memoize(cache=cache, name="work", **kw)(work), calls


def entries(f):
    return f._front_info()[0]


def memory_hits(cache):
    return cache.stats()["memory"]["hits"]


def test_repeated_calls_are_served_by_the_front_and_count_as_memory_hits(cache):
    f, calls = counted(cache)
    first = f("a")
    assert entries(f) == 1 and len(calls) == 1
    hits = memory_hits(cache)
    for _ in range(5):
        assert f("a") is first  # the shared object itself
    assert len(calls) == 1 and memory_hits(cache) == hits + 5
    assert cache.stats()["computed"] == 1


def test_one_one_point_zero_and_true_stay_distinct(cache):
    f, calls = counted(cache)
    spellings = [1, 1.0, True, "1", b"1", None, (1,), (1.0,), (True,), ((1,),), (1, 2), ()]
    first = [f(x) for x in spellings]
    assert len(set(first)) == len(spellings) and len(calls) == len(spellings)
    for _ in range(2):  # from the front now: each key its own result
        assert [f(x) for x in spellings] == first
    assert len(calls) == len(spellings) and entries(f) == len(spellings)
    # Several arguments: f(1, 2) is not f((1, 2)), and f(1.0, 2) is not f(1, 2).
    several = [f(1, 2), f((1, 2)), f(1.0, 2), f(1, True), f("a", b"a"), f(b"a", "a")]
    assert len(set(several)) == len(several)
    assert [f(1, 2), f((1, 2)), f(1.0, 2), f(1, True), f("a", b"a"), f(b"a", "a")] == several
    # The keys agree with the tiers': -0.0 is not 0.0 (a function may tell them apart: 1 / x, atan2,
    # copysign; issue 16), also inside tuples; NaN is keyed by the tiers only.
    f(0.0)
    n = len(calls)
    assert f(-0.0) is not None and len(calls) == n + 1
    assert f(-0.0) == f(-0.0) and f(0.0) == f(0.0) and len(calls) == n + 1
    f((1, -0.0))
    assert len(calls) == n + 2 and f((1, 0.0)) is not None and len(calls) == n + 3
    n = len(calls)
    nan = float("nan")
    f(nan)
    assert f(nan) == f(float("nan")) and len(calls) == n + 1


def test_clear_erase_and_put_are_seen_at_once(cache):
    f, calls = counted(cache, lambda x: x.upper())
    assert f("a") == "A" and f("a") == "A" and len(calls) == 1
    cache.clear()
    assert f("a") == "A" and len(calls) == 2  # computed again
    cache.erase(f.key("a"))
    assert f("a") == "A" and len(calls) == 3
    cache.put(f.key("a"), "other")
    assert f("a") == "other" and f("a") == "other" and len(calls) == 3
    # The same through the C++ cache directly (no eager drop of the fronts by
    # the Python Cache): the memory tier's generation alone invalidates them.
    f("b")
    assert entries(f) == 2 and len(calls) == 4
    cache._c.clear()
    assert f("a") == "A" and len(calls) == 5
    cache._c.erase(f.key("a"))
    assert f("a") == "A" and len(calls) == 6
    cache._c.put(f.key("a"), "value", "py:s", "put behind the front")
    assert f("a") == "put behind the front" and len(calls) == 6


def test_trim_drops_the_front_and_the_tiers_still_answer(cache):
    f, calls = counted(cache, lambda x: x * 2)
    f("ab")
    assert entries(f) == 1
    cache.trim(0)  # the disk store empties; the memory tier keeps the entry
    assert entries(f) == 0
    assert cache.stats()["disk"]["entries"] == 0
    hits = memory_hits(cache)
    assert f("ab") == "abab" and len(calls) == 1 and memory_hits(cache) == hits + 1
    assert entries(f) == 1  # back in the front
    cache._c.trim(0)
    assert f("ab") == "abab" and len(calls) == 1


def test_memory_eviction_drops_the_front(tmp_path):
    """Another handle (another process, in effect) rewrites an entry on disk;
    while this process's memory tier holds the old one, that is what the
    tiers (and the front) return; once the memory tier evicted it, the disk's
    new value."""
    store = tmp_path / "store"
    result = 400 * "x"  # ~0.5 KiB a memory entry: two fit in 1.2 KiB
    cache = Cache(store, memory_bytes=1200, redis_url="")
    f, calls = counted(cache, lambda x: x + result)
    old = f("a")
    assert f("a") is old and entries(f) == 1
    other = Cache(store, memory_bytes=0, redis_url="")
    other.put(f.key("a"), "rewritten")
    assert f("a") is old  # the memory tier still holds it: so do the tiers
    assert cache.get(f.key("a")) == old
    cache.put(("filler", 1), result)
    cache.put(("filler", 2), result)  # evicts "a" from the memory tier (not from the front's bound)
    assert cache.stats()["memory"]["evictions"] >= 1
    assert f("a") == "rewritten" and len(calls) == 1


def test_the_default_cache_gets_a_front(tmp_path):
    code = """
import pixelcache
calls = []
@pixelcache.memoize
def double(x):
    calls.append(x)
    return 2 * x
double(21)
hits = pixelcache.Cache.default().stats()["memory"]["hits"]
assert [double(21) for _ in range(3)] == [42] * 3 and calls == [21], calls
assert double._front_info()[0] == 1 and pixelcache.Cache.default().stats()["memory"]["hits"] == hits + 3
pixelcache.Cache.default().clear()
assert double(21) == 42 and calls == [21, 21], calls
print("ok")
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "PIXELCACHE_CACHE_DIR": str(tmp_path)}
    env.pop("PIXELCACHE_REDIS_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout == "ok\n", out.stderr


def test_a_disk_only_cache_has_no_front(tmp_path):
    cache = Cache(tmp_path / "store", memory_bytes=0, redis_url="")
    f, calls = counted(cache, lambda x: x.upper())
    assert f("a") == "A" and f("a") == "A" and len(calls) == 1
    assert f._front_info() == (0, 0, False)
    Cache(tmp_path / "store", memory_bytes=0, redis_url="").put(f.key("a"), "rewritten")
    assert f("a") == "rewritten"  # read from the disk every time


@pytest.mark.parametrize("make", [lambda: np.arange(4), lambda: [1, 2], lambda: {"k": [1]}])
def test_mutable_results_stay_fresh_copies(cache, make):
    f, calls = counted(cache, lambda x: make())
    f("k")
    a, b = f("k"), f("k")
    assert a is not b and len(calls) == 1 and entries(f) == 0
    a[0 if not isinstance(a, dict) else "k"] = 99
    again = f("k")
    assert np.array_equal(again, b) if isinstance(b, np.ndarray) else again == b


def test_shared_results_of_every_kind_enter_the_front(cache, chelsea):
    results = {"image": chelsea, "list": HashableList([chelsea, 1]), "none": None, "bytes": b"b", "float": 1.5}
    f, calls = counted(cache, lambda name: results[name])
    for name, value in results.items():
        assert f(name) is value  # the computing call's own object, then kept
        assert f(name) is value
    assert entries(f) == len(results) and len(calls) == len(results)


def test_other_arguments_take_the_slow_path_and_key_by_content(cache, chelsea):
    f, calls = counted(cache, lambda *a: len(a))

    class Name(str):
        pass

    f("a")
    assert f(Name("a")) == 1 and len(calls) == 1  # a str subclass: keyed by content, the same key as "a"
    f(np.arange(3))
    assert f(np.arange(3)) == 1 and len(calls) == 2  # equal arrays, other objects
    f(chelsea.pil())
    assert f(chelsea.pil()) == 1 and len(calls) == 3  # PIL images: by their pixels
    f([1, 2])
    assert f((1, 2)) == 1 and len(calls) == 4  # a list keys as the tuple in the tiers
    assert entries(f) == 2  # only "a" and (1, 2)

    @memoize(cache=cache, name="kw")
    def kw(x, y=1):
        calls.append(x)
        return x * y

    assert kw("a", y=2) == "aa" and kw(x="a", y=2) == "aa" and kw("a", 2) == "aa"
    assert entries(kw) == 1  # only the positional call
    assert kw(x="a", y=2) == "aa" and calls.count("a") == 1


def test_image_arguments_are_keyed_by_their_digest(cache, chelsea, camera):
    f, calls = counted(cache, lambda img, side: img.resize((side, side)))
    small = f(chelsea, 8)
    assert f(chelsea, 8) is small and entries(f) == 1
    assert f(HashableImage(chelsea.numpy()), 8) is small  # another object, the same content: the same key
    assert f(HashableImage(chelsea.tensor()), 8) is small  # the tiers key the pixels, not the kind
    assert entries(f) == 1 and len(calls) == 1
    assert f(camera, 8) == camera.resize((8, 8)) and f(chelsea, 9).size().width == 9
    assert f(chelsea, 8.0) is not small and len(calls) == 4  # 8.0 is not 8
    assert entries(f) == 4
    cache.erase(f.key(chelsea, 8))
    assert f(chelsea, 8) == small and len(calls) == 5


@pytest.mark.threaded
def test_threads_reading_while_another_puts_never_go_back(cache):
    """4 threads call f("k") while this one puts version after version under
    its key: this thread reads each version right after its put, and no
    reader ever sees an older version after a newer one (a stale front
    entry would be exactly that)."""
    f, calls = counted(cache)
    key = f.key("k")
    cache.put(key, 0)
    stop = threading.Event()
    seen = [[] for _ in range(4)]

    def reader(i):
        while not stop.is_set():
            seen[i].append(f("k"))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        for version in range(1, 300):
            cache._c.put(key, "value", "py:i", version)  # the generation alone must tell the front
            assert f("k") == version
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not calls  # every call was served by the put versions
    for s in seen:
        assert s and all(a <= b for a, b in zip(s, s[1:]))


_MEMORY = Cache(max_bytes=0, redis_url="", namespace="front-fork")


@memoize(cache=_MEMORY)
def _upper(x):
    return x.upper() + str(os.getpid())


def _in_child(x):
    inherited = _upper(x)  # the parent's result, from the front the child inherited
    _MEMORY.clear()
    return inherited, _upper(x), os.getpid()


@pytest.mark.threaded
def test_a_forked_child_reads_the_inherited_front_and_can_clear_it():
    parent = _upper("a")
    assert _upper._front_info()[0] >= 1
    with multiprocessing.get_context("fork").Pool(1) as pool:
        inherited, recomputed, pid = pool.apply(_in_child, ("a",))
    assert inherited == parent and recomputed == "A" + str(pid) and pid != os.getpid()
    assert _upper("a") == parent  # the parent's front and tiers are its own


# ---- the C tier path: a Cache without a memory tier ----------------------------------------------------------


@pytest.fixture
def disk(tmp_path):
    return Cache(tmp_path / "disk", memory_bytes=0, redis_url="")


def no_slow_path(f):
    """Makes the Python path of f fail: only calls that stay in C succeed."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"_call{args}{kwargs}: the C tier path should have served this call")
    f._call = refuse


def test_without_a_memory_tier_positional_calls_stay_in_c(disk, chelsea):
    calls = []

    @memoize(cache=disk, name="shrink")
    def shrink(img, n):
        calls.append(n)
        return img.resize((n, n))

    no_slow_path(shrink)
    first = shrink(chelsea, 16)  # computed in C (Memoized._compute), stored on disk
    again = shrink(chelsea, 16)  # read back from the disk tier
    assert calls == [16] and again == first and again is not first
    assert again.size().height == 16 and again.digest() == chelsea.resize((16, 16)).digest()
    s = disk.stats()
    assert s["computed"] == 1 and s["disk"]["hits"] == 1 and entries(shrink) == 0
    assert disk.contains(shrink.key(chelsea, 16))  # the key the Python path computes


def test_the_c_tier_path_and_the_python_path_share_keys(disk):
    @memoize(cache=disk, name="power")
    def power(base, exp=2):
        calls.append((base, exp))
        return base ** exp

    calls = []
    assert power(3, 2) == 9  # C
    assert power(3) == 9 and power(base=3, exp=2) == 9  # a default, keywords: the Python path, same key
    assert calls == [(3, 2)]
    assert power(exp=3, base=2) == 8 and power(2, 3) == 8  # computed by Python, read by C
    assert calls == [(3, 2), (2, 3)]


def test_the_c_tier_path_raises_what_the_function_raises_and_stores_nothing(disk):
    calls = []

    @memoize(cache=disk, name="fail")
    def fail(x):
        calls.append(x)
        raise KeyError(x)

    no_slow_path(fail)
    for _ in range(2):
        with pytest.raises(KeyError):
            fail("k")
    assert calls == ["k", "k"] and disk.stats()["computed"] == 0


def test_the_c_tier_path_hands_unkeyable_arguments_to_python(disk):
    @memoize(cache=disk, name="ident")
    def ident(x):
        return x

    with pytest.raises(pixelcache.InvalidType, match="argument 'x' of ident cannot be part of a cache key"):
        ident(object())
    assert disk.stats()["computed"] == 0


def test_memoized_functions_with_the_c_tier_path_are_collected(disk):
    @memoize(cache=disk, name="ident")
    def f(x):
        return x

    f("x")
    ref = weakref.ref(f)
    del f
    gc.collect()
    assert ref() is None


def test_the_c_tier_path_raises_an_error_after_the_computation_without_running_it_again(disk):
    calls = []

    @memoize(cache=disk, name="deep")
    def deep(x):
        calls.append(x)
        v = 0
        for _ in range(250):  # deeper than a cached value may nest
            v = [v]
        return v

    with pytest.raises(pixelcache.InvalidArgument, match="nest at most 200 levels"):
        deep(1)
    assert calls == [1]


@pytest.mark.parametrize("tiers", ["memory+disk", "disk"])
def test_a_new_version_or_name_keys_new_calls(tmp_path, tiers):
    cache = Cache(tmp_path / "c", memory_bytes=0 if tiers == "disk" else 1 << 20, redis_url="")
    calls = []

    @memoize(cache=cache, name="versioned")
    def versioned(x):
        calls.append(x)
        return f"{x} computed {len(calls)}"

    assert versioned(1) == "1 computed 1" and versioned(1) == "1 computed 1"
    versioned.version = "2"
    assert versioned(1) == "1 computed 2" and versioned(x=1) == "1 computed 2"
    assert cache.contains(versioned.key(1))
    versioned.name = "renamed"
    assert versioned(1) == "1 computed 3" and len(calls) == 3
    assert repr(versioned) == "<memoized renamed version='2'>"
    with pytest.raises(pixelcache.InvalidType):
        versioned.version = 3
