"""pixelcache.Cache(tiers=[spec, ...]): tiers named by the spec strings of
C++ and the command line, $PIXELCACHE_CACHE_TIERS read by the library (not
os.environ), pickling with tiers, errors naming the spec, and a Redis tier's
prefix and TTL from its spec (a real redis-server, redis_server.py)."""
import os
import pickle
import socket
import subprocess
import sys

import pytest

import pixelcache
from pixelcache import Cache, InvalidArgument, InvalidType
from redis_server import RedisServer

PYTHONPATH = os.pathsep.join(p for p in sys.path if p)


def test_tiers_as_specs(tmp_path):
    store = tmp_path / "store"
    cache = Cache(tiers=[f"lmdb:{store}?max=64MiB"], namespace="specs")
    assert cache.tiers == ["memory:256MiB", f"lmdb:{store}?max=64MiB"]  # the memory tier keeps its default
    assert cache.path == str(store) and cache.redis_url is None and cache.max_bytes == 64 << 20
    assert (store / "pixelcache-v2.mdb").exists()
    cache.put(("k", 1), {"a": [1, 2.5, "x"]})
    assert Cache(tiers=[f"disk:{store}"], memory_bytes=0, namespace="specs").get(("k", 1)) == {"a": [1, 2.5, "x"]}
    # memory: sets the memory tier; no disk spec, no disk tier.
    small = Cache(tiers=["memory:1MiB"])
    assert small.tiers == ["memory:1MiB"] and small.memory_bytes == 1 << 20 and small.path is None
    assert small._c.has_tier("memory") and not small._c.has_tier("disk")
    assert Cache(memory_bytes=0, tiers=[]).tiers == []
    # The specs a Cache reports make the same Cache again.
    again = Cache(tiers=cache.tiers, namespace="specs")
    assert again.tiers == cache.tiers and again.get(("k", 1)) == {"a": [1, 2.5, "x"]}


def test_a_cache_with_tiers_pickles(tmp_path):
    cache = Cache(tiers=(f"lmdb:{tmp_path / 's'}",), namespace="pk")
    assert pickle.loads(pickle.dumps(cache)) is cache  # the live one, by its arguments
    cache.put("0" * 32, b"v")
    code = ("import pickle, sys; c = pickle.loads(sys.stdin.buffer.read()); "
            "print(c.tiers[1], c.get('0' * 32))")
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(cache), capture_output=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": PYTHONPATH})
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().strip() == f"lmdb:{tmp_path / 's'} b'v'"


def test_errors_name_the_spec(tmp_path):
    for spec, problem in [("tape:/dev/st0", "unknown scheme 'tape'"), ("memory:lots", "'lots'"),
                          ("lmdb:", "no directory"), ("redis://me:hunter2@h:x", "port")]:
        with pytest.raises(InvalidArgument, match="cache tier '") as e:
            Cache(tiers=[spec])
        assert problem in str(e.value) and "hunter2" not in str(e.value)
    with pytest.raises(InvalidArgument, match="not both"):
        Cache(tmp_path, tiers=["memory:1MiB"])
    with pytest.raises(InvalidArgument, match="not both"):
        Cache(redis_url="", tiers=["memory:1MiB"])
    with pytest.raises(InvalidType, match="list of spec strings"):
        Cache(tiers="memory:1MiB")
    with pytest.raises(InvalidType, match="must be a str"):
        Cache(tiers=[1])


def test_the_environment_is_read_by_the_library(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXELCACHE_CACHE_TIERS", f"memory:2MiB,lmdb:{tmp_path / 'env'}")
    monkeypatch.setenv("PIXELCACHE_REDIS_URL", "redis://127.0.0.1:1")
    monkeypatch.setenv("PIXELCACHE_CACHE_KEY", "k3y")
    env = pixelcache._pixelcache.cache_environment()
    assert env["cache_tiers"] == ["memory:2MiB", f"lmdb:{tmp_path / 'env'}"]
    assert env["redis_url"] == "redis://127.0.0.1:1" and env["cache_key"] == "k3y"
    cache = Cache()  # the variable's tiers replace the disk and Redis tiers
    assert cache.tiers == ["memory:2MiB", f"lmdb:{tmp_path / 'env'}"] and cache.redis_url is None
    # Any explicit tier argument wins over the variable.
    assert Cache(max_bytes=0, redis_url="").tiers == ["memory:256MiB"]
    monkeypatch.setenv("PIXELCACHE_CACHE_TIERS", "floppy:a")
    with pytest.raises(InvalidArgument, match="floppy"):
        Cache()


def redis_command(url, *args):
    """One command over RESP on a plain socket; the raw reply bytes (small replies)."""
    host, port = url.removeprefix("redis://").split(":")
    payload = f"*{len(args)}\r\n".encode() + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(payload)
        return s.recv(65536)


def test_redis_prefix_and_ttl_from_the_spec():
    with RedisServer() as redis:
        spec = f"{redis.url}?prefix=team7&ttl=100"
        cache = Cache(memory_bytes=0, namespace="ns", tiers=[spec])
        assert cache.tiers == [spec] and cache.redis_url == redis.url
        cache.put(("k",), 42)
        key = "team7:ns:" + cache.key(("k",))
        assert redis_command(redis.url, "KEYS", "*").split(b"\r\n")[2] == key.encode()
        ttl = int(redis_command(redis.url, "TTL", key)[1:].strip())
        assert 0 < ttl <= 100
        assert Cache(memory_bytes=0, namespace="ns", tiers=[spec]).get(("k",)) == 42
        assert Cache(memory_bytes=0, namespace="ns", redis_url=redis.url).get(("k",)) is None  # another prefix
