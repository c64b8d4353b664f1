"""Cache tiers named by spec on the command line: `--cache-tier SPEC` on run
(with and without --cache), $PIXELCACHE_CACHE_TIERS, `pixelcache cache info`
(each tier's spec, passwords hidden), a Redis tier's prefix and TTL from its
spec (a real redis-server), and bad specs named in the error."""
import json
import os

from conftest import run

STEPS = ["resize:64x48", "to_gray"]
STORE = "pixelcache-v2.mdb"


def clean_env(**extra):
    """The environment without any cache variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PIXELCACHE_CACHE_DIR", "XDG_CACHE_HOME", "PIXELCACHE_REDIS_URL", "PIXELCACHE_CACHE_TIERS")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def info(exe, *args, env):
    p = run(exe, "cache", "info", "--json", *args, env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_cache_info_prints_each_tiers_spec(exe, tmp_path):
    env = clean_env(PIXELCACHE_CACHE_DIR=tmp_path / "c", PIXELCACHE_REDIS_URL="redis://me:hunter2@127.0.0.1:1/3")
    p = run(exe, "cache", "info", env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"lmdb:{tmp_path / 'c'}\nredis://me:***@127.0.0.1:1/3\n"
    assert not (tmp_path / "c").exists()  # info opens nothing
    doc = info(exe, "--dir", tmp_path / "d", env=clean_env(HOME=tmp_path))
    assert doc == {"namespace": "default", "tiers": [{"scheme": "lmdb", "spec": f"lmdb:{tmp_path / 'd'}"}]}
    # --cache-tier gives the tiers instead; sizes come back in binary units.
    doc = info(exe, "--cache-tier", "memory:64M", "--cache-tier", f"disk:{tmp_path / 'e'}?max=2048K",
               "--cache-tier", "unix:///run/r.sock?db=2&ttl=30", env=env)
    assert [t["spec"] for t in doc["tiers"]] == ["memory:64MiB", f"lmdb:{tmp_path / 'e'}?max=2MiB",
                                                "unix:///run/r.sock?db=2&ttl=30"]
    # So does $PIXELCACHE_CACHE_TIERS (the command line's cache has no memory tier).
    env = clean_env(PIXELCACHE_CACHE_TIERS=f"memory:1G,lmdb:{tmp_path / 'f'}", PIXELCACHE_REDIS_URL="redis://x:1")
    assert [t["spec"] for t in info(exe, env=env)["tiers"]] == [f"lmdb:{tmp_path / 'f'}"]


def test_run_with_cache_tier(exe, data, tmp_path):
    env = clean_env(HOME=tmp_path / "home")
    spec = f"lmdb:{tmp_path / 'tiered'}?max=64MiB"
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    p = run(exe, "run", data / "chelsea.png", "-o", a, *STEPS, "--cache-tier", spec, env=env)
    assert p.returncode == 0 and "cache miss" in p.stderr, p.stderr
    assert (tmp_path / "tiered" / STORE).exists() and not (tmp_path / "home").exists()
    p = run(exe, "run", data / "chelsea.png", "-o", b, *STEPS, "--cache-tier", spec, env=env)
    assert p.returncode == 0 and p.stderr == f"pixelcache run: cache hit (disk): {b}\n"
    assert a.read_bytes() == b.read_bytes()
    # The same tier from the environment, with --cache.
    env = clean_env(PIXELCACHE_CACHE_TIERS=spec)
    p = run(exe, "run", data / "chelsea.png", "-o", b, *STEPS, "--cache", env=env)
    assert p.returncode == 0 and "cache hit (disk)" in p.stderr, p.stderr


def test_bad_specs_are_named(exe, data, tmp_path):
    out = tmp_path / "o.png"
    for spec, problem in [("tape:/dev/st0", "unknown scheme 'tape'"), ("memory:lots", "'lots'"),
                          ("redis://me:hunter2@h:x", "port")]:
        p = run(exe, "run", data / "chelsea.png", "-o", out, *STEPS, "--cache-tier", spec, env=clean_env())
        assert p.returncode == 1 and "cache tier '" in p.stderr and problem in p.stderr, p.stderr
        assert "hunter2" not in p.stderr and not out.exists()
    p = run(exe, "cache", "info", env=clean_env(PIXELCACHE_CACHE_TIERS="memory:1G,floppy:a"))
    assert p.returncode == 1 and "PIXELCACHE_CACHE_TIERS" in p.stderr and "floppy" in p.stderr, p.stderr


def test_redis_prefix_and_ttl_from_the_spec(exe, data, tmp_path, redis_url):
    from test_cache_cli import redis_command
    spec = f"{redis_url}?prefix=team7&ttl=100"
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "a.png", *STEPS, "--cache-tier", spec,
            env=clean_env())
    assert p.returncode == 0 and "cache miss" in p.stderr, p.stderr
    keys = redis_command(redis_url, "KEYS", "*").split(b"\r\n")
    stored = [k.decode() for k in keys if k.startswith(b"team7:default:")]
    assert len(stored) == 1 and not any(k.startswith(b"pixelcache:") for k in keys)
    ttl = int(redis_command(redis_url, "TTL", stored[0])[1:].strip())
    assert 0 < ttl <= 100
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "b.png", *STEPS, "--cache-tier", spec,
            env=clean_env())
    assert p.returncode == 0 and "cache hit (redis)" in p.stderr, p.stderr
