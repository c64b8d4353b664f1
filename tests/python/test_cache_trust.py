"""Issue 16 from Python: a cache whose answers can be trusted. A forged
pickle in a shared Redis is never run, an entry copied to another key is
never served, a store's size bound belongs to the store, bad sizes and
paths are clear errors, memoize keys -0.0 apart from 0.0. Real parts only:
LMDB in a temp directory, a redis-server on a free loopback port."""
import hashlib
import hmac
import pickle
import struct
import warnings

import pytest
import xxhash

import pixelcache
from pixelcache import Cache, CacheWarning, InvalidArgument
from redis_server import RedisServer


@pytest.fixture(scope="module")
def redis():
    with RedisServer() as server:
        yield server


def evil_pickle(path):
    # pickle of `open(path, "w")`: loading it creates the file.
    return pickle.dumps(_Opener(str(path)))


class _Opener:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def entry(kind, tag, body, namespace, key_hex, secret=None):
    """A stored entry built from the documented format (include/pixelcache/cache.hpp)."""
    signed = kind == 4
    head = bytearray(72)
    head[0:4] = b"PXCE"
    head[4], head[5], head[6], head[7] = 2, kind, 2 if signed else 0, len(tag)
    struct.pack_into("<H", head, 8, len(namespace))
    struct.pack_into("<QQ", head, 16, len(body), len(body))
    head[32:48] = xxhash.xxh3_128_digest(body)
    head[48:64] = bytes.fromhex(key_hex)
    struct.pack_into("<Q", head, 64, xxhash.xxh3_64_intdigest(bytes(head[:64]) + namespace + tag))
    out = bytes(head) + namespace + tag + body
    if signed:
        out += hmac.new(secret, out, hashlib.sha256).digest()
    return out


def test_a_forged_pickle_in_redis_is_never_run(redis, tmp_path):
    marker = tmp_path / "pwned"
    payload = evil_pickle(marker)
    ns = "trust"
    for secret in (None, "team-secret"):
        cache = Cache(max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace=ns, secret=secret)
        key = cache.key("victim")
        name = f"pixelcache:{ns}:{key}"
        forgeries = [
            entry(3, b"pickle", payload, ns.encode(), key),  # unsigned, tagged as a pickle
            entry(4, b"pickle", payload, ns.encode(), key, secret=b"a guess"),  # signed with another key
        ]
        for forged in forgeries:
            redis.command("SET", name, forged)
            assert cache.get(key, "miss") == "miss"
            calls = []

            @pixelcache.memoize(cache=cache, name="victim-fn")
            def victim():
                calls.append(1)
                return {1, 2}

            redis.command("SET", f"pixelcache:{ns}:{victim.key()}", entry(
                3, b"pickle", payload, ns.encode(), victim.key()))
            assert victim() == {1, 2} and calls == [1]  # recomputed, never unpickled
            assert not marker.exists(), "a forged pickle ran"


def test_pickles_are_shared_through_redis_only_with_a_secret(redis, tmp_path):
    keyless = Cache(max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace="share", secret="")
    k = keyless.key("s")
    keyless.put(k, {1, 2, 3})  # a set: pickled
    assert keyless.get(k) is None
    assert redis.command("EXISTS", f"pixelcache:share:{k}") == b":0"
    keyless.put(("i",), [1, 2])  # data: shared without a key
    assert keyless.get(("i",)) == [1, 2]
    a = Cache(max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace="share", secret=b"k")
    b = Cache(max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace="share", secret=b"k",
              connect_timeout=0.4)
    a.put(("s",), {1, 2, 3})
    assert b.get(("s",)) == {1, 2, 3}
    assert keyless.get(("s",)) is None  # cannot verify: a miss, and the entry stays
    assert b.get(("s",)) == {1, 2, 3}


def test_pickles_on_disk_need_no_setup(tmp_path):
    cache = Cache(tmp_path / "store", memory_bytes=0, redis_url="")
    cache.put(("s",), {1, 2})
    assert Cache(tmp_path / "store", memory_bytes=0, redis_url="", connect_timeout=0.3).get(("s",)) == {1, 2}
    key = tmp_path / "store" / "pixelcache-v2.key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.stat().st_size == 32


def test_a_value_copied_to_another_key_is_not_served(redis):
    cache = Cache(max_bytes=0, memory_bytes=0, redis_url=redis.url, namespace="copy")
    ka, kb = cache.key("a"), cache.key("b")
    cache.put(ka, "answer for a")
    cache.put(kb, "answer for b")
    redis.command("COPY", f"pixelcache:copy:{ka}", f"pixelcache:copy:{kb}", "REPLACE")
    assert cache.get(kb, "miss") == "miss"
    assert cache.stats()["redis"]["corrupt"] == 1
    assert cache.get(ka) == "answer for a"


def test_the_store_keeps_its_own_bound(tmp_path):
    path = tmp_path / "store"
    big = Cache(path, max_bytes=64 << 20, memory_bytes=0, redis_url="")
    for i in range(30):
        big.put(("blob", i), bytes([i]) * 200_000)
    with pytest.warns(CacheWarning, match="the store's bound is 67108864 bytes"):
        small = Cache(path, max_bytes=16 << 10, memory_bytes=0, redis_url="", connect_timeout=0.3)
    assert small.max_bytes == 64 << 20
    small.put(("one more",), 1)
    assert small.stats()["disk"]["entries"] == 31  # nothing evicted for the other process's wish
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = Cache(path, memory_bytes=0, redis_url="", connect_timeout=0.2)  # the store's own bound: silent
    assert same.max_bytes == 64 << 20
    report = same.trim(1 << 20)
    assert report["bytes"] <= 1 << 20
    assert Cache(path, memory_bytes=0, redis_url="", connect_timeout=0.25).max_bytes == 1 << 20


def test_sizes_and_paths_are_clear_errors(tmp_path):
    for bad in (2 ** 64, 12297829382475830614, (1 << 44) + 1):
        with pytest.raises(InvalidArgument, match="max_bytes must be at most"):
            Cache(tmp_path / "s", max_bytes=bad)
    with pytest.raises(InvalidArgument, match="memory_bytes must be at most"):
        Cache(max_bytes=0, memory_bytes=2 ** 64)
    with pytest.raises(InvalidArgument, match="NUL"):
        Cache(str(tmp_path / "a\0b"))
    assert not (tmp_path / "a").exists()
    with pytest.raises(InvalidArgument, match="at most"):
        Cache(tmp_path / "s", memory_bytes=0, redis_url="").trim(2 ** 64)


@pytest.mark.parametrize("memory", [0, 1 << 20])
def test_memoize_keys_negative_zero_apart(tmp_path, memory):
    cache = Cache(tmp_path / "s", memory_bytes=memory, redis_url="")

    @pixelcache.memoize(cache=cache)
    def inverse(x):
        return 1.0 / x if x else (float("-inf") if str(x).startswith("-") else float("inf"))

    assert inverse(0.0) == float("inf")
    assert inverse(-0.0) == float("-inf")
    assert inverse(0.0) == float("inf") and inverse(-0.0) == float("-inf")  # from the cache, each its own
