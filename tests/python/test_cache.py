"""pixelcache.Cache from Python: every value kind through the memory, disk
(LMDB) and Redis tiers, keys, defaults, errors, integrity and a Redis server
that goes away. Real parts only: LMDB in a temp directory, a redis-server
started on a free loopback port (redis_server.py)."""
import os
import pathlib
import pickle
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

import pixelcache
from pixelcache import (BoundingBox, Cache, CacheError, HashableDict, HashableImage, HashableList, ImageSize,
                        InvalidArgument, InvalidType)
from redis_server import RedisServer

PYTHONPATH = os.pathsep.join(p for p in sys.path if p)


@pytest.fixture(scope="module")
def redis():
    with RedisServer() as server:
        yield server


def tier_cache(tier, tmp_path, redis_url=None, **kw):
    """A Cache with exactly one tier turned on."""
    if tier == "memory":
        return Cache(max_bytes=0, redis_url="", **kw)
    if tier == "disk":
        return Cache(tmp_path / "store", memory_bytes=0, redis_url="", **kw)
    kw.setdefault("secret", "shared-test-secret")  # pickled results are shared only with a key
    return Cache(max_bytes=0, memory_bytes=0, redis_url=redis_url, namespace=f"t{time.monotonic_ns()}", **kw)


def values(chelsea, camera):
    """One of every Python value kind a Cache stores without pickle, and some it pickles."""
    mask = camera.to_binary(0.5)
    return {
        "none": None, "bool": True, "int": -(2 ** 63), "float": 2.5, "nan": float("nan"), "str": "café ✓",
        "bytes": b"\x00\xffpixel", "image_torch": chelsea, "image_numpy": HashableImage(chelsea.numpy()),
        "image_pil_kind": HashableImage(chelsea.pil()), "mask": mask, "gray": camera,
        "float_image": HashableImage(np.linspace(0, 1, 60, dtype=np.float32).reshape(6, 10) * 0.37),
        "pil_rgb": chelsea.pil(), "pil_l": camera.pil(), "pil_1": mask.pil(),
        "array_u8": chelsea.numpy(), "array_f64": np.linspace(0, 1, 12).reshape(3, 4), "array_bool": mask.numpy(),
        "array_c64": np.array([1 + 2j, 3], np.complex64), "array_0d": np.array(7, np.int32),
        "tensor": torch.rand(1, 3, 5, 4), "tensor_bool": torch.zeros(1, 1, 3, 3, dtype=torch.bool),
        "bbox": BoundingBox(1, 2, 30, 40, image_size=ImageSize(50, 60)), "bbox_n": BoundingBox(0.1, 0.2, 0.5, 0.6),
        "size": ImageSize(3, 4),
        "list": [1, "a", [2.0, None]], "tuple": (chelsea, (1, 2), "x"), "dict": {"a": 1, (1, 2): [b"y"], 3: None},
        "hlist": HashableList([chelsea, np.arange(3), "s"]), "hdict": HashableDict({"img": mask, "n": [1, 2]}),
        "nested": {"images": [chelsea, mask], "meta": {"boxes": (BoundingBox(0, 0, 1, 1),), "t": torch.ones(2)}},
        "long_skeleton": [list(range(5)) for _ in range(20)],
        # Pickled: not representable as a Value.
        "big_int": 10 ** 30, "np_scalar": np.float64(1.5), "set": {1, 2, 3}, "pil_rgba": Image.new("RGBA", (3, 2)),
        "points": pixelcache.Points(np.array([[1.0, 2.0], [3.0, 4.0]])), "slice": slice(1, 5),
    }


def same(a, b):
    """Equal type and content (digests for images and containers)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, HashableImage):
        assert a.digest() == b.digest() and a.mode == b.mode and a.dtype() == b.dtype() and a.is_float() == b.is_float()
    elif isinstance(a, (HashableList, HashableDict)):
        assert a.digest() == b.digest()
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    elif isinstance(a, Image.Image):
        assert a.mode == b.mode and a.size == b.size and np.array_equal(np.asarray(a), np.asarray(b))
    elif isinstance(a, float) and a != a:
        assert b != b
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            same(a[k], b[k])
    elif isinstance(a, pixelcache.Points):
        assert np.array_equal(a.points, b.points)
    else:
        assert a == b
    if isinstance(a, (list, tuple, dict, HashableImage, HashableList, HashableDict, BoundingBox, ImageSize, str, bytes,
                      int, float, bool, type(None), np.ndarray)) and not (isinstance(a, float) and a != a):
        try:
            assert pixelcache._pixelcache.value_digest(a) == pixelcache._pixelcache.value_digest(b)
        except (InvalidType, InvalidArgument):  # e.g. a set or a big int: pickled, compared above
            pass


@pytest.mark.parametrize("tier", ["memory", "disk", "redis"])
def test_every_value_kind_round_trips(tier, tmp_path, redis, chelsea, camera):
    cache = tier_cache(tier, tmp_path, redis.url)
    assert cache.stats().keys() - {"computed", "joined"} == {tier}
    vals = values(chelsea, camera)
    for name, v in vals.items():
        cache.put(("kind", name), v)
    for name, v in vals.items():
        got = cache.get(("kind", name))
        same(v, got)
    hits = cache.stats()[tier]["hits"]
    assert hits == len(vals) and cache.stats()[tier]["misses"] == 0
    # Mutable results are fresh copies: changing one does not change the next.
    a = cache.get(("kind", "array_u8"))
    a[0, 0] = 255 - a[0, 0]
    assert np.array_equal(cache.get(("kind", "array_u8")), vals["array_u8"])


def test_what_is_stored_how(tmp_path, chelsea):
    """Images as image entries (no pickle), values as Value trees, the rest pickled: the tag says so."""
    cache = tier_cache("memory", tmp_path)
    raw = cache._c
    for value, kind, tag in [(chelsea, "image", "py:T"), (chelsea.pil(), "image", "py:I"),
                             (np.zeros(3), "value", "py:a"), ((chelsea, 1), "value", "py:uTi"),
                             (HashableList([1]), "value", "py:Li"), ({1, 2}, "code", "pickle"),
                             ([[0] * 3] * 30, "value", "py+")]:
        cache.put("0" * 32, value)
        got = raw.get("0" * 32)
        assert got[:2] == (kind, tag), value


def test_entries_of_other_writers(tmp_path, chelsea):
    """An entry put without Python types (the C++ and CLI fronts) comes back as HashableImage / plain values."""
    cache = tier_cache("memory", tmp_path)
    cache._c.put("1" * 32, "image", "numpy", chelsea._img)
    cache._c.put("2" * 32, "value", "", {"a": [1, 2.0]})
    cache._c.put("3" * 32, "bytes", "raw", b"abc")
    img = cache.get("1" * 32)
    assert isinstance(img, HashableImage) and img == chelsea
    assert cache.get("2" * 32) == {"a": [1, 2.0]} and cache.get("3" * 32) == b"abc"


def test_read_through_promotes(tmp_path, chelsea):
    path = tmp_path / "store"
    Cache(path, memory_bytes=0).put(("p",), chelsea)
    cache = Cache(path, redis_url="")
    assert cache.get(("p",)) == chelsea  # from disk, copied into memory
    assert cache.get(("p",)) == chelsea  # from memory
    s = cache.stats()
    assert s["disk"]["hits"] == 1 and s["memory"]["hits"] == 1 and s["memory"]["writes"] == 1


def test_keys(tmp_path, chelsea):
    cache = tier_cache("memory", tmp_path)
    cache.put("AB" * 16, 1)
    assert cache.get("ab" * 16) == 1 and cache.get(bytes.fromhex("ab" * 16)) == 1  # hex, any case, or 16 bytes
    assert ("ab" * 16) in cache and cache.contains(bytes.fromhex("ab" * 16))
    # Other values derive a key in the namespace: Cache.key(value).
    cache.put((chelsea, 3), "thumb")
    assert cache.get(cache.key((chelsea, 3))) == "thumb"
    assert cache.get((HashableImage(chelsea.numpy()), 3)) == "thumb"  # by content, not identity
    assert cache.get((chelsea, 3.0)) is None  # 3 and 3.0 differ
    assert cache.get((chelsea.pil(), 3)) == "thumb"  # a PIL image keys by its pixels
    assert cache.key(1) != cache.key(1.0) != cache.key(True)
    assert cache.key("a", "b") != cache.key(("a", "b"))
    other = Cache(max_bytes=0, redis_url="", namespace="other")
    assert other.key(1) != cache.key(1)  # the namespace is part of derived keys
    assert cache.erase((chelsea, 3)) and not cache.erase((chelsea, 3)) and cache.get((chelsea, 3)) is None
    assert cache.get("cd" * 16, "default") == "default"


@pytest.mark.parametrize("key, error, words", [
    ("abc", InvalidArgument, "32 hex digits"), ("g" * 32, InvalidArgument, "32 hex digits"),
    (b"\x00" * 15, InvalidArgument, "16 bytes"), (b"", InvalidArgument, "16 bytes"),
    (object(), InvalidType, "the key cannot be part of a cache key"), ({1, 2}, InvalidType, "set"),
    (np.array(["a"]), InvalidType, "dtype"),
])
def test_bad_keys(tmp_path, key, error, words):
    cache = tier_cache("memory", tmp_path)
    for call in (lambda: cache.get(key), lambda: cache.put(key, 1), lambda: cache.contains(key),
                 lambda: cache.erase(key)):
        with pytest.raises(error, match=words):
            call()


def test_values_that_cannot_be_stored(tmp_path):
    cache = tier_cache("memory", tmp_path)
    with pytest.raises(InvalidType, match="cannot store a generator in the cache.*pickle"):
        cache.put("0" * 32, (x for x in ()))
    assert not cache.contains("0" * 32)


def test_bad_configuration(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("not a directory")
    with pytest.raises(CacheError, match="file") as e:
        Cache(a_file)
    assert isinstance(e.value, OSError) and str(a_file) in str(e.value)
    read_only = tmp_path / "ro"
    read_only.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere
        with pytest.raises(CacheError):
            Cache(read_only)
    with pytest.raises(InvalidArgument, match="expected redis://"):
        Cache(max_bytes=0, redis_url="http://localhost:6379")
    with pytest.raises(InvalidArgument, match="rediss"):
        Cache(max_bytes=0, redis_url="rediss://localhost:6379")
    with pytest.raises(InvalidArgument, match="port"):
        Cache(max_bytes=0, redis_url="redis://localhost:99999")
    with pytest.raises(InvalidArgument, match="namespace"):
        Cache(max_bytes=0, namespace="")
    with pytest.raises(InvalidArgument, match="control character"):
        Cache(max_bytes=0, namespace="a\nb")
    with pytest.raises(InvalidArgument, match="max_bytes must be >= 0"):
        Cache(max_bytes=-1)
    with pytest.raises(InvalidType, match="memory_bytes must be an int"):
        Cache(memory_bytes=1.5)
    with pytest.raises(InvalidType, match="path must be"):
        Cache(3)
    with pytest.raises(InvalidArgument, match="path must name a directory"):
        Cache("")
    with pytest.raises(InvalidArgument, match="compression"):
        Cache(max_bytes=0, compression="lz4")
    with pytest.raises(InvalidArgument, match="command_timeout must be a positive"):
        Cache(max_bytes=0, command_timeout=0)
    with pytest.raises(InvalidArgument, match="redis_ttl"):
        Cache(max_bytes=0, redis_ttl=float("nan"))


def test_unreachable_redis_is_a_miss_not_an_error(tmp_path):
    port = __import__("redis_server").free_port()  # nothing listens there
    cache = Cache(max_bytes=0, memory_bytes=0, redis_url=f"redis://127.0.0.1:{port}", connect_timeout=0.2)
    cache.put(("a",), 1)  # skipped
    assert cache.get(("a",)) is None
    s = cache.stats()["redis"]
    assert s["errors"] >= 1 and not s["available"]


def run_python(code, env=None, cwd=None):
    full_env = {**os.environ, "PYTHONPATH": PYTHONPATH, **(env or {})}
    out = subprocess.run([sys.executable, "-c", code], env=full_env, cwd=cwd, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_default_directory_and_redis_from_the_environment(tmp_path, redis):
    code = "import pixelcache; c = pixelcache.Cache(); print(c.path); print(c.redis_url)"
    env = {"PIXELCACHE_CACHE_DIR": str(tmp_path / "a"), "XDG_CACHE_HOME": str(tmp_path / "x"),
           "HOME": str(tmp_path / "h"), "PIXELCACHE_REDIS_URL": redis.url}
    assert run_python(code, env).splitlines() == [str(tmp_path / "a"), redis.url]
    env["PIXELCACHE_CACHE_DIR"] = ""  # empty counts as unset
    env["PIXELCACHE_REDIS_URL"] = ""
    assert run_python(code, env).splitlines() == [str(tmp_path / "x" / "pixelcache"), "None"]
    del env["XDG_CACHE_HOME"]
    assert run_python(code, env).splitlines()[0] == str(tmp_path / "h" / ".cache" / "pixelcache")
    assert (tmp_path / "h" / ".cache" / "pixelcache" / "pixelcache-v2.mdb").exists()
    # redis_url="" turns the tier off even when the variable is set; max_bytes=0 the disk tier.
    env["PIXELCACHE_REDIS_URL"] = redis.url
    code = "import pixelcache; c = pixelcache.Cache(max_bytes=0, redis_url=''); print(c.path, c.redis_url, sorted(c.stats()))"
    assert run_python(code, env) == "None None ['computed', 'joined', 'memory']"


def test_default_cache_is_made_once(tmp_path):
    code = ("import pixelcache; a = pixelcache.Cache.default(); b = pixelcache.Cache.default(); "
            "print(a is b, a.path)")
    assert run_python(code, {"PIXELCACHE_CACHE_DIR": str(tmp_path)}) == f"True {tmp_path}"


def test_pickles_by_configuration(tmp_path, redis):
    cache = Cache(tmp_path / "s", max_bytes=1 << 24, memory_bytes=1 << 20, redis_url=redis.url, namespace="pk",
                  redis_ttl=60, connect_timeout=0.3, command_timeout=1.5, retry_backoff=0.1, compression="none")
    assert pickle.loads(pickle.dumps(cache)) is cache  # the live one in this process
    blob = pickle.dumps(cache)
    assert len(blob) < 400 and b"pixelcache" in blob
    code = ("import pickle, sys; c = pickle.loads(sys.stdin.buffer.read()); "
            "print(c.path, c.max_bytes, c.memory_bytes, c.redis_url, c.namespace, c.get(('shared',)))")
    cache.put(("shared",), "from the parent")
    full_env = {**os.environ, "PYTHONPATH": PYTHONPATH}
    out = subprocess.run([sys.executable, "-c", code], input=blob, env=full_env, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().split() == [str(tmp_path / "s"), str(1 << 24), str(1 << 20), redis.url, "pk", "from",
                                           "the", "parent"]


def test_fork_reopens_the_store(tmp_path):
    """After os.fork the child reads and writes the LMDB store itself (the C++ side reopens it)."""
    cache = Cache(tmp_path, memory_bytes=0, redis_url="")
    cache.put(("before",), "parent")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        status = 1
        try:
            ok = cache.get(("before",)) == "parent"
            cache.put(("child",), HashableImage(np.full((4, 5), 7, np.uint8)))
            ok = ok and cache.stats()["disk"]["hits"] == 1 and cache.stats()["disk"]["errors"] == 0
            os.write(w, b"ok" if ok else b"bad")
            status = 0
        finally:
            os._exit(status)
    os.close(w)
    reply = os.read(r, 16)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    assert reply == b"ok" and os.waitstatus_to_exitcode(status) == 0
    got = cache.get(("child",))
    assert isinstance(got, HashableImage) and got.numpy().tolist() == np.full((4, 5), 7).tolist()
    assert cache.stats()["disk"]["errors"] == 0


def lmdb_file(path):
    return pathlib.Path(path) / "pixelcache-v2.mdb"


def test_corrupt_entry_is_detected_and_recomputed(tmp_path):
    cache = Cache(tmp_path, memory_bytes=0, redis_url="", compression="none")
    marker = np.frombuffer(b"PIXELCACHE-CORRUPTION-MARKER" * 8, np.uint8).copy()
    calls = []

    @pixelcache.memoize(cache=cache)
    def make(n):
        calls.append(n)
        return marker.copy()

    assert np.array_equal(make(1), marker) and calls == [1]
    data = bytearray(lmdb_file(tmp_path).read_bytes())
    at = data.find(b"CORRUPTION-MARKER")
    assert at > 0
    with open(lmdb_file(tmp_path), "r+b") as f:  # flip one byte of the stored body
        f.seek(at + 3)
        f.write(bytes([data[at + 3] ^ 0x01]))
    again = make(1)
    assert np.array_equal(again, marker) and calls == [1, 1]  # recomputed, never the corrupt bytes
    s = cache.stats()["disk"]
    assert s["corrupt"] == 1
    assert np.array_equal(make(1), marker) and calls == [1, 1]  # the recomputed entry was stored again
    assert cache.verify()["disk"] == {"checked": 1, "ok": 1, "corrupt": 0, "complete": True, "set_aside": False,
                                      "problem": ""}


def test_trim_and_verify(tmp_path, chelsea):
    cache = Cache(tmp_path, memory_bytes=0, redis_url="")
    for i in range(5):
        cache.put(("img", i), chelsea.resize((64 + i, 64)))
    before = cache.stats()["disk"]
    assert before["entries"] == 5
    report = cache.trim(before["bytes"] // 2)
    assert report["ok"] and report["evicted_entries"] >= 2 and report["bytes"] <= before["bytes"] // 2
    assert cache.get(("img", 0)) is None and cache.get(("img", 4)) is not None  # least recently used went first
    assert cache.verify()["disk"]["corrupt"] == 0
    assert cache.clear() and cache.stats()["disk"]["entries"] == 0


@pytest.mark.threaded
def test_redis_killed_mid_run_then_restarted(tmp_path):
    server = RedisServer().start()
    try:
        cache = Cache(max_bytes=0, memory_bytes=0, redis_url=server.url, retry_backoff=0.05, connect_timeout=0.2,
                      command_timeout=0.5)
        calls = []

        @pixelcache.memoize(cache=cache)
        def work(i):
            calls.append(i)
            return HashableImage(np.full((8, 8), i, np.uint8))

        for i in range(5):
            work(i)
        assert len(calls) == 5 and server.command("DBSIZE") == b":5"
        for i in range(5):
            assert work(i).numpy()[0, 0] == i
        assert len(calls) == 5 and cache.stats()["redis"]["hits"] == 5
        server.stop()  # gone mid-run: calls go on, computing
        for i in range(5):
            assert work(i).numpy()[0, 0] == i
        assert len(calls) == 10
        assert cache.stats()["redis"]["errors"] >= 1
        server.start()  # back (empty): after the back-off the tier is used again
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            work(100)
            if server.command("EXISTS", f"pixelcache:default:{work.key(100)}") == b":1":
                break
            time.sleep(0.05)
        else:
            pytest.fail("the Redis tier was not used again after the server came back")
        hits = cache.stats()["redis"]["hits"]
        calls_before = len(calls)
        assert work(100).numpy()[0, 0] == 100 and len(calls) == calls_before
        assert cache.stats()["redis"]["hits"] == hits + 1
    finally:
        server.stop()


def test_redis_ttl_and_namespace(redis):
    cache = Cache(max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace="ttl-test", redis_ttl=100)
    cache.put(("a",), 1)
    key = f"pixelcache:ttl-test:{cache.key(('a',))}"
    ttl = int(redis.command("TTL", key)[1:])
    assert 0 < ttl <= 100
    other = Cache(max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace="other-ns")
    other.put(("a",), 2)
    assert cache.clear() and other.get(("a",)) == 2  # clear() removes only its own namespace
