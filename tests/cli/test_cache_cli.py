"""The cache from the command line: `run --cache`, `batch --cache` (hits do no
decoding: the report says "hit" and the files are byte-identical to the cold
run's), resume after kill -9 through the cache, the default directories, a
Redis tier (a real redis-server started here, and one on a closed port), and
`pixelcache cache stats|clear|trim|verify` on a real LMDB store, with a
flipped byte found by verify.

No timings are asserted: every check is a fact of the outputs, the report,
the messages or the store."""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import time

import pytest
from PIL import Image

from conftest import files_below, free_port, read_report, run

STORE = "pixelcache-v2.mdb"
STEPS = ["resize:64x48", "to_gray"]
# Outputs large enough to be stored in LMDB overflow pages (written once, never copied by later
# transactions), so a stored file's bytes appear exactly once in the store file.
BIG = ["resize:300x200"]


def stats(exe, cache, env=None):
    p = run(exe, "cache", "stats", "--json", "--dir", cache, env=env)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    return doc, {t["tier"]: t for t in doc["tiers"]}


def clean_env(**extra):
    """The environment without any cache variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PIXELCACHE_CACHE_DIR", "XDG_CACHE_HOME", "PIXELCACHE_REDIS_URL", "PIXELCACHE_CACHE_TIERS")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def redis_command(url, *args):
    """One command over RESP on a plain socket; returns the raw reply bytes."""
    host, port = url.removeprefix("redis://").split(":")
    payload = f"*{len(args)}\r\n".encode()
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        payload += b"$%d\r\n%s\r\n" % (len(a), a)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(payload)
        reply = b""
        while not reply.endswith(b"\r\n"):
            reply += s.recv(65536)
        if reply.startswith(b"$") and not reply.startswith(b"$-1"):  # bulk string: read it whole
            n = int(reply[1:reply.index(b"\r\n")])
            while len(reply) < reply.index(b"\r\n") + 2 + n + 2:
                reply += s.recv(65536)
        return reply


def redis_keys(url):
    reply = redis_command(url, "KEYS", "pixelcache:*")
    return [line.decode() for line in reply.split(b"\r\n") if line.startswith(b"pixelcache:")]


# ---------------------------------------------------------------- run


def test_run_miss_then_hit_writes_the_same_file(exe, data, tmp_path):
    cache = tmp_path / "cache"
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    p = run(exe, "run", data / "chelsea.png", "-o", a, *STEPS, f"--cache={cache}")
    assert p.returncode == 0, p.stderr
    assert p.stderr == f"pixelcache run: cache miss: {a}\n" and p.stdout == ""
    assert (cache / STORE).is_file()
    p = run(exe, "run", data / "chelsea.png", "-o", b, *STEPS, f"--cache={cache}")
    assert p.returncode == 0, p.stderr
    assert p.stderr == f"pixelcache run: cache hit (disk): {b}\n"
    assert a.read_bytes() == b.read_bytes()
    # The same as without the cache, and as Pillow reads it.
    c = tmp_path / "c.png"
    p = run(exe, "run", data / "chelsea.png", "-o", c, *STEPS)
    assert p.returncode == 0 and p.stderr == ""
    assert c.read_bytes() == a.read_bytes()
    assert Image.open(b).size == (64, 48) and Image.open(b).mode == "L"


def test_run_key_is_input_bytes_steps_format_and_options(exe, data, tmp_path):
    cache = f"--cache={tmp_path / 'cache'}"
    src = tmp_path / "in.png"
    shutil.copyfile(data / "chelsea.png", src)
    out = tmp_path / "out.png"

    def outcome(*args, output=out):
        p = run(exe, "run", *args, "-o", output, cache)
        assert p.returncode == 0, p.stderr
        return p.stderr.split(":")[1].strip()

    assert outcome(src, "resize:64x48") == "cache miss"
    assert outcome(src, "resize:64x48") == "cache hit (disk)"
    # The step's canonical key: defaults spelled out or not, the same entry.
    assert outcome(src, "resize:64x48,mode=bilinear") == "cache hit (disk)"
    assert outcome(src, "resize:64x48,lanczos") == "cache miss"           # another argument
    assert outcome(src, "resize:64x48", "to_gray") == "cache miss"        # another step list
    assert outcome(src, "resize:64x48", output=tmp_path / "o.bmp") == "cache miss"  # another format
    jpg = tmp_path / "o.jpg"
    assert outcome(src, "resize:64x48", output=jpg) == "cache miss"
    assert outcome(src, "resize:64x48", "-q", "50", output=jpg) == "cache miss"  # another quality
    assert outcome(src, "resize:64x48", "-q", "50", output=jpg) == "cache hit (disk)"
    # Another input with the same name: a miss, and the right output.
    shutil.copyfile(data / "coffee.png", src)
    assert outcome(src, "resize:64x48") == "cache miss"
    ref = tmp_path / "ref.png"
    assert run(exe, "run", data / "coffee.png", "-o", ref, "resize:64x48").returncode == 0
    assert out.read_bytes() == ref.read_bytes()
    # A step's file argument is keyed by its pixels: a changed mask is a miss.
    mask = tmp_path / "mask.png"
    assert run(exe, "run", data / "coffee.png", "-o", mask, "to_gray", "to_binary:0.7").returncode == 0
    assert outcome(src, "blend:" + str(mask) + ",0.3,with_bbox") == "cache miss"
    assert outcome(src, "blend:" + str(mask) + ",0.3,with_bbox") == "cache hit (disk)"
    assert run(exe, "run", data / "coffee.png", "-o", mask, "to_gray", "to_binary:0.5").returncode == 0
    assert outcome(src, "blend:" + str(mask) + ",0.3,with_bbox") == "cache miss"


def test_default_directories(exe, data, tmp_path):
    out = tmp_path / "out.png"
    cases = [
        (clean_env(PIXELCACHE_CACHE_DIR=tmp_path / "explicit", XDG_CACHE_HOME=tmp_path / "xdg", HOME=tmp_path / "h1"),
         tmp_path / "explicit"),
        (clean_env(XDG_CACHE_HOME=tmp_path / "xdg", HOME=tmp_path / "h2"), tmp_path / "xdg" / "pixelcache"),
        (clean_env(HOME=tmp_path / "h3"), tmp_path / "h3" / ".cache" / "pixelcache"),
        (clean_env(PIXELCACHE_CACHE_DIR="", XDG_CACHE_HOME="", HOME=tmp_path / "h4"),  # empty = unset
         tmp_path / "h4" / ".cache" / "pixelcache"),
    ]
    for env, where in cases:
        p = run(exe, "run", data / "chelsea.png", "-o", out, "resize:32x32", "--cache", env=env)
        assert p.returncode == 0, p.stderr
        assert "cache miss" in p.stderr
        assert (where / STORE).is_file(), where
        # `cache stats` without --dir finds the same store.
        s = run(exe, "cache", "stats", "--json", env=env)
        assert s.returncode == 0, s.stderr
        doc = json.loads(s.stdout)
        assert doc["directory"] == str(where) and doc["tiers"][0]["entries"] == 1
    # --cache=DIR wins over the environment; `--cache STEP` never takes the step for a directory.
    env = clean_env(PIXELCACHE_CACHE_DIR=tmp_path / "explicit")
    p = run(exe, "run", data / "chelsea.png", "-o", out, "--cache", "resize:32x32", env=env)
    assert p.returncode == 0 and "cache hit (disk)" in p.stderr
    p = run(exe, "run", data / "chelsea.png", "-o", out, f"--cache={tmp_path / 'mine'}", "resize:32x32", env=env)
    assert p.returncode == 0 and "cache miss" in p.stderr and (tmp_path / "mine" / STORE).is_file()


def test_unusable_cache_is_a_clear_error(exe, data, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("not a directory")
    out = tmp_path / "out.png"
    p = run(exe, "run", data / "chelsea.png", "-o", out, "resize:32x32", f"--cache={a_file}")
    assert p.returncode == 1
    assert p.stderr == f"pixelcache: cache directory {a_file} exists and is not a directory\n"
    assert not out.exists()
    p = run(exe, "batch", data / "chelsea.png", "-o", tmp_path / "outdir", "resize:32x32", f"--cache={a_file}")
    assert p.returncode == 1 and "is not a directory" in p.stderr and not (tmp_path / "outdir").exists()
    # A malformed Redis URL is named (without its password) and nothing is written.
    env = clean_env(PIXELCACHE_REDIS_URL="redis://:secret@127.0.0.1:notaport")
    p = run(exe, "run", data / "chelsea.png", "-o", out, f"--cache={tmp_path / 'c'}", env=env)
    assert p.returncode == 1 and "port" in p.stderr and "secret" not in p.stderr
    assert not out.exists()
    # Bad sizes are usage errors.
    p = run(exe, "run", data / "chelsea.png", "-o", out, "--cache", "--cache-max-bytes", "lots")
    assert p.returncode == 2


def test_redis_on_a_closed_port_never_fails_the_command(exe, data, tmp_path):
    env = clean_env(PIXELCACHE_REDIS_URL=f"redis://127.0.0.1:{free_port()}")
    cache = f"--cache={tmp_path / 'cache'}"
    out = tmp_path / "out.png"
    p = run(exe, "run", data / "chelsea.png", "-o", out, *STEPS, cache, env=env)
    assert p.returncode == 0 and "cache miss" in p.stderr, p.stderr
    p = run(exe, "run", data / "chelsea.png", "-o", out, *STEPS, cache, env=env)
    assert p.returncode == 0 and "cache hit (disk)" in p.stderr, p.stderr  # the disk tier still serves
    p = run(exe, "batch", data / "chelsea.png", data / "coffee.png", "-o", tmp_path / "b", "--format", "png",
            *STEPS, cache, "--report", tmp_path / "r.jsonl", env=env)
    assert p.returncode == 0, p.stderr
    by = {pathlib.Path(r["input"]).name: r["cache"] for r in read_report(tmp_path / "r.jsonl")}
    assert by == {"chelsea.png": "hit", "coffee.png": "miss"}
    # stats says the tier is unreachable; clear fails for it (exit 1) but clears the disk.
    doc, tiers = stats(exe, tmp_path / "cache", env=env)
    assert tiers["redis"]["available"] is False and tiers["redis"]["errors"] >= 1
    assert tiers["redis"]["entries"] is None and tiers["disk"]["entries"] == 2
    p = run(exe, "cache", "stats", "--dir", tmp_path / "cache", env=env)
    assert "redis  $PIXELCACHE_REDIS_URL, namespace \"default\": unreachable" in p.stdout
    p = run(exe, "cache", "clear", "--dir", tmp_path / "cache", env=env)
    assert p.returncode == 1 and "the redis tier could not be cleared" in p.stderr
    assert stats(exe, tmp_path / "cache", env=env)[1]["disk"]["entries"] == 0
    p = run(exe, "cache", "verify", "--dir", tmp_path / "cache", env=env)
    assert p.returncode == 4 and "could not finish" in p.stdout  # fsck-like: 4 = not checked completely


def test_redis_tier(exe, data, tmp_path, redis_url):
    env = clean_env(PIXELCACHE_REDIS_URL=redis_url)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    p = run(exe, "run", data / "chelsea.png", "-o", a, *STEPS, f"--cache={tmp_path / 'one'}", env=env)
    assert p.returncode == 0 and "cache miss" in p.stderr
    assert len(redis_keys(redis_url)) == 1 and redis_keys(redis_url)[0].startswith("pixelcache:default:")
    # Another machine's disk: a fresh directory; the shared Redis tier serves it.
    p = run(exe, "run", data / "chelsea.png", "-o", b, *STEPS, f"--cache={tmp_path / 'two'}", env=env)
    assert p.returncode == 0 and p.stderr == f"pixelcache run: cache hit (redis): {b}\n"
    assert a.read_bytes() == b.read_bytes()
    doc, tiers = stats(exe, tmp_path / "two", env=env)
    assert tiers["redis"] == {"tier": "redis", "namespace": "default", "available": True, "entries": 1,
                              "bytes": tiers["redis"]["bytes"], "hits": None, "misses": None, "writes": None,
                              "evictions": None, "corrupt": None, "errors": 0}
    assert tiers["redis"]["bytes"] > len(a.read_bytes())
    assert tiers["disk"]["entries"] == 1  # promoted into the second directory's store
    # verify checks the Redis entries too; a changed byte there is found and dropped.
    p = run(exe, "cache", "verify", "--json", "--dir", tmp_path / "two", env=env)
    assert p.returncode == 0 and json.loads(p.stdout)["corrupt"] == 0
    key = redis_keys(redis_url)[0]
    assert redis_command(redis_url, "SETRANGE", key, 200, b"\xff").startswith(b":")
    p = run(exe, "cache", "verify", "--json", "--dir", tmp_path / "two", env=env)
    assert p.returncode == 1
    v = {t["tier"]: t for t in json.loads(p.stdout)["tiers"]}
    assert v["redis"]["corrupt"] == 1 and v["disk"]["corrupt"] == 0
    assert redis_keys(redis_url) == []
    # clear removes this namespace's keys and the disk store's entries.
    p = run(exe, "run", data / "chelsea.png", "-o", a, *STEPS, f"--cache={tmp_path / 'three'}", env=env)
    assert "cache miss" in p.stderr
    assert len(redis_keys(redis_url)) == 1
    redis_command(redis_url, "SET", "other:key", "kept")
    p = run(exe, "cache", "clear", "--json", "--dir", tmp_path / "three", env=env)
    assert p.returncode == 0, p.stderr
    cleared = {t["tier"]: t for t in json.loads(p.stdout)["tiers"]}
    assert cleared["redis"]["entries"] == 1 and cleared["redis"]["cleared"] is True
    assert redis_keys(redis_url) == [] and b"kept" in redis_command(redis_url, "GET", "other:key")


# ---------------------------------------------------------------- batch


@pytest.fixture(scope="module")
def distinct(tmp_path_factory, data):
    """60 different PNG inputs (coffee.png with one pixel changed each) in 3 folders."""
    root = tmp_path_factory.mktemp("distinct")
    base = Image.open(data / "coffee.png").convert("RGB")
    for i in range(60):
        img = base.copy()
        img.putpixel((i, 0), (255 - i, i, 0))
        d = root / f"d{i % 3}"
        d.mkdir(exist_ok=True)
        img.save(d / f"img{i:02d}.png", compress_level=1)
    return root


HEAVY = ["resize:900x600,lanczos", "rotate:7", "resize:150x100"]


def test_batch_second_run_is_served_by_the_cache(exe, distinct, tmp_path):
    cache = f"--cache={tmp_path / 'cache'}"
    cold, warm, plain = tmp_path / "cold", tmp_path / "warm", tmp_path / "plain"
    p = run(exe, "batch", distinct, "-o", cold, "--report", tmp_path / "cold.jsonl", *STEPS, cache)
    assert p.returncode == 0, p.stderr
    assert "60 written (0 from the cache)" in p.stdout
    rows_cold = {r["input"]: r for r in read_report(tmp_path / "cold.jsonl")}
    assert {r["cache"] for r in rows_cold.values()} == {"miss"}
    p = run(exe, "batch", distinct, "-o", warm, "--report", tmp_path / "warm.jsonl", *STEPS, cache)
    assert p.returncode == 0, p.stderr
    assert "60 written (60 from the cache)" in p.stdout
    rows_warm = {r["input"]: r for r in read_report(tmp_path / "warm.jsonl")}
    assert {r["cache"] for r in rows_warm.values()} == {"hit"}
    # Byte-identical to the cold run and to a run without the cache; the same digests in the report.
    assert run(exe, "batch", distinct, "-o", plain, *STEPS).returncode == 0
    assert files_below(cold) == files_below(warm) == files_below(plain)
    for n in files_below(cold):
        assert (cold / n).read_bytes() == (warm / n).read_bytes() == (plain / n).read_bytes(), n
    for k, r in rows_warm.items():
        for field in ("input_digest", "output_digest", "image_digest"):
            assert r[field] == rows_cold[k][field], (k, field)
    # The store's lifetime counters saw it: 60 misses and writes, then 60 hits.
    doc, tiers = stats(exe, tmp_path / "cache")
    d = tiers["disk"]
    assert (d["entries"], d["writes"], d["misses"], d["hits"], d["corrupt"]) == (60, 60, 60, 60, 0)
    # A changed step: every input is a miss again.
    p = run(exe, "batch", distinct, "-o", tmp_path / "other", "--report", tmp_path / "o.jsonl", "resize:64x48",
            cache)
    assert p.returncode == 0 and {r["cache"] for r in read_report(tmp_path / "o.jsonl")} == {"miss"}
    # A changed input file: that one is a miss, the others hits.
    changed = tmp_path / "changed"
    shutil.copytree(distinct, changed)
    img = Image.open(changed / "d0" / "img00.png")
    img.putpixel((5, 5), (1, 2, 3))
    img.save(changed / "d0" / "img00.png")
    p = run(exe, "batch", changed, "-o", tmp_path / "c", "--report", tmp_path / "c.jsonl", *STEPS, cache)
    assert p.returncode == 0, p.stderr
    by = {pathlib.Path(r["input"]).name: r["cache"] for r in read_report(tmp_path / "c.jsonl")}
    assert by.pop("img00.png") == "miss" and set(by.values()) == {"hit"}


def test_identical_inputs_in_one_batch_are_computed_once(exe, data, tmp_path):
    root = tmp_path / "same"
    root.mkdir()
    for i in range(20):
        (root / f"img{i:02d}.png").symlink_to(data / "coffee.png")
    p = run(exe, "batch", root, "-o", tmp_path / "out", "-j", "4", "--report", tmp_path / "r.jsonl", *HEAVY,
            f"--cache={tmp_path / 'cache'}")
    assert p.returncode == 0, p.stderr
    uses = [r["cache"] for r in read_report(tmp_path / "r.jsonl")]
    assert uses.count("miss") == 1 and uses.count("hit") == 19  # one computation, shared (single flight)
    outs = {(tmp_path / "out" / f"img{i:02d}.png").read_bytes() for i in range(20)}
    assert len(outs) == 1


def test_failures_are_not_cached_and_skip_existing_comes_first(exe, data, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    shutil.copyfile(data / "chelsea.png", root / "good.png")
    shutil.copyfile(data / "truncated.jpg", root / "bad.jpg")
    cache = f"--cache={tmp_path / 'cache'}"
    for _ in range(2):
        p = run(exe, "batch", root, "-o", tmp_path / "out", "--format", "png", "--report", tmp_path / "r.jsonl",
                *STEPS, cache)
        assert p.returncode == 1
        rows = {pathlib.Path(r["input"]).name: r for r in read_report(tmp_path / "r.jsonl")}
        assert rows["bad.jpg"]["status"] == "failed" and rows["bad.jpg"]["cache"] is None
    assert rows["good.png"]["cache"] == "hit"
    assert stats(exe, tmp_path / "cache")[1]["disk"]["entries"] == 1
    p = run(exe, "batch", root / "good.png", "-o", tmp_path / "out", "--format", "png", "--skip-existing",
            "--report", tmp_path / "s.jsonl", *STEPS, cache)
    assert p.returncode == 0
    assert [(r["status"], r["cache"]) for r in read_report(tmp_path / "s.jsonl")] == [("skipped", None)]


@pytest.fixture(scope="module")
def distinct_reference(exe, distinct, tmp_path_factory):
    ref = tmp_path_factory.mktemp("distinct_ref")
    assert run(exe, "batch", distinct, "-o", ref, *HEAVY).returncode == 0
    return ref


def test_resume_after_kill_9_through_the_cache(exe, distinct, distinct_reference, tmp_path):
    out, report = tmp_path / "out", tmp_path / "r1.jsonl"
    cache = f"--cache={tmp_path / 'cache'}"
    proc = subprocess.Popen([exe, "batch", str(distinct), "-o", str(out), "--report", str(report), "-j", "2", cache,
                             *HEAVY], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (report.exists() and report.read_text().count("\n") >= 6):
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "the batch made no progress"
            time.sleep(0.005)
    finally:
        proc.kill()
        proc.communicate()
    done = {r["input"] for r in read_report(report)}  # finished before the kill: output written and stored
    assert 6 <= len(done) < 60
    # Resume into a fresh folder (nothing to skip): every input finished before is a hit.
    report2 = tmp_path / "r2.jsonl"
    p = run(exe, "batch", distinct, "-o", tmp_path / "resumed", "--report", report2, cache, *HEAVY)
    assert p.returncode == 0, p.stderr
    rows = read_report(report2)
    hits = {r["input"] for r in rows if r["cache"] == "hit"}
    assert done <= hits
    assert sum(r["cache"] == "miss" for r in rows) == 60 - len(hits)
    assert f"60 written ({len(hits)} from the cache)" in p.stdout
    for n in files_below(distinct_reference):
        assert (tmp_path / "resumed" / n).read_bytes() == (distinct_reference / n).read_bytes(), n


def test_cache_max_bytes_bounds_the_store(exe, distinct, tmp_path):
    cache = tmp_path / "cache"
    p = run(exe, "batch", distinct, "-o", tmp_path / "out", *STEPS, f"--cache={cache}", "--cache-max-bytes", "40K")
    assert p.returncode == 0, p.stderr
    d = stats(exe, cache)[1]["disk"]
    assert 0 < d["bytes"] <= 40 * 1024 and d["entries"] < 60 and d["evictions"] == 60 - d["entries"]


# ---------------------------------------------------------------- pixelcache cache


def fill(exe, distinct, tmp_path, cache):
    p = run(exe, "batch", distinct, "-o", tmp_path / "fill", "--format", "png", *STEPS, f"--cache={cache}")
    assert p.returncode == 0, p.stderr


def test_cache_stats_human_and_json(exe, distinct, tmp_path):
    cache = tmp_path / "cache"
    p = run(exe, "cache", "stats", "--dir", cache)  # no store yet: said, and not created
    assert p.returncode == 0 and p.stdout == f"disk   {cache}: no cache store yet\n"
    assert not cache.exists()
    doc, tiers = stats(exe, cache)
    assert tiers["disk"]["store"] is False and tiers["disk"]["entries"] == 0 and set(tiers) == {"disk"}
    fill(exe, distinct, tmp_path, cache)
    doc, tiers = stats(exe, cache)
    d = tiers["disk"]
    assert doc["directory"] == str(cache)
    assert d["store"] is True and d["available"] is True and d["entries"] == 60 and d["errors"] == 0
    total = sum((tmp_path / "fill" / n).stat().st_size for n in files_below(tmp_path / "fill"))
    assert d["bytes"] > total and d["file_bytes"] >= d["bytes"]
    # `--json` and `--dir` may come before the action too.
    p = run(exe, "cache", "--dir", cache, "--json", "stats")
    assert json.loads(p.stdout) == doc
    p = run(exe, "cache", "stats", "--dir", cache)
    lines = p.stdout.splitlines()
    assert lines[0].startswith(f"disk   {cache} (store file ")
    assert lines[1].strip().startswith("60 entries, ") and lines[1].endswith(" stored of at most 1.0 GiB")
    assert d["max_bytes"] == 1 << 30  # the default bound of a new store
    assert lines[2].strip() == "since created: 0 hits, 60 misses, 60 writes, 0 evictions, 0 corrupt entries dropped"


def test_cache_trim_and_clear(exe, distinct, tmp_path):
    cache = tmp_path / "cache"
    fill(exe, distinct, tmp_path, cache)
    before = stats(exe, cache)[1]["disk"]
    half = before["bytes"] // 2
    p = run(exe, "cache", "trim", "--max-bytes", half, "--json", "--dir", cache)
    assert p.returncode == 0, p.stderr
    t = json.loads(p.stdout)
    assert t["bytes"] <= half and t["entries"] + t["evicted_entries"] == 60 and t["evicted_entries"] > 0
    assert t["evicted_bytes"] == before["bytes"] - t["bytes"]
    after = stats(exe, cache)[1]["disk"]
    assert (after["entries"], after["bytes"], after["evictions"]) == (t["entries"], t["bytes"], t["evicted_entries"])
    p = run(exe, "cache", "trim", "--max-bytes", "1K", "--dir", cache)  # sizes with units; human output
    assert p.returncode == 0 and p.stdout.startswith("trimmed the disk store to 1.0 KiB: evicted ")
    assert stats(exe, cache)[1]["disk"]["entries"] == 0
    # The bound is the store's now, for every process (issue 16): a run asking for another one is told so.
    assert stats(exe, cache)[1]["disk"]["max_bytes"] == 1024
    p = run(exe, "run", distinct / sorted(files_below(distinct))[0], "-o", tmp_path / "x.png", *STEPS,
            f"--cache={cache}", "--cache-max-bytes", "1G")  # (an entry the batch below makes too)
    assert p.returncode == 0 and "the store's bound is 1024 bytes" in p.stderr, p.stderr
    assert stats(exe, cache)[1]["disk"]["max_bytes"] == 1024
    assert run(exe, "cache", "trim", "--max-bytes", "4G", "--dir", cache).returncode == 0
    assert stats(exe, cache)[1]["disk"]["max_bytes"] == 4 << 30  # (the 4G trim above)
    fill(exe, distinct, tmp_path, cache)
    p = run(exe, "cache", "clear", "--dir", cache)
    assert p.returncode == 0 and p.stdout.startswith("cleared disk: 60 entries (")
    d = stats(exe, cache)[1]["disk"]
    assert (d["entries"], d["bytes"]) == (0, 0)
    assert d["writes"] == 120  # lifetime counters survive clear
    # usage errors
    assert run(exe, "cache", "trim", "--dir", cache).returncode == 2
    assert run(exe, "cache", "--dir", cache).returncode == 2
    assert run(exe, "cache", "shrink", "--dir", cache).returncode == 2


def test_cache_verify_finds_a_flipped_byte(exe, data, tmp_path):
    cache = tmp_path / "cache"
    a = tmp_path / "a.png"
    for src in ("chelsea.png", "coffee.png", "camera.png"):
        assert run(exe, "run", data / src, "-o", tmp_path / f"{src}.png", *BIG, f"--cache={cache}").returncode == 0
    shutil.copyfile(tmp_path / "coffee.png.png", a)
    p = run(exe, "cache", "verify", "--dir", cache)
    assert p.returncode == 0 and p.stdout == "disk: 3 entries checked, 3 intact, 0 corrupt\n"
    # Flip one byte inside the stored output file (the entry's body is the file's bytes).
    store = bytearray((cache / STORE).read_bytes())
    body = a.read_bytes()
    at = store.find(body)
    assert at > 0 and store.find(body, at + 1) < 0
    store[at + len(body) // 2] ^= 0x40
    (cache / STORE).write_bytes(bytes(store))
    p = run(exe, "cache", "verify", "--json", "--dir", cache)
    assert p.returncode == 1, p.stderr  # fsck-like: corrupt entries were found (and dropped)
    assert json.loads(p.stdout) == {"tiers": [{"tier": "disk", "checked": 3, "ok": 2, "corrupt": 1,
                                               "complete": True, "set_aside": False, "problem": None}],
                                    "corrupt": 1}
    p = run(exe, "cache", "verify", "--dir", cache)
    assert p.returncode == 0 and p.stdout == "disk: 2 entries checked, 2 intact, 0 corrupt\n"
    d = stats(exe, cache)[1]["disk"]
    assert d["entries"] == 2 and d["corrupt"] == 1
    # The dropped entry is recomputed: a miss, and the right bytes again.
    p = run(exe, "run", data / "coffee.png", "-o", tmp_path / "again.png", *BIG, f"--cache={cache}")
    assert "cache miss" in p.stderr and (tmp_path / "again.png").read_bytes() == body


def test_a_corrupt_entry_read_by_run_is_dropped_and_recomputed(exe, data, tmp_path):
    cache = tmp_path / "cache"
    a = tmp_path / "a.png"
    assert run(exe, "run", data / "chelsea.png", "-o", a, *BIG, f"--cache={cache}").returncode == 0
    store = bytearray((cache / STORE).read_bytes())
    body = a.read_bytes()
    at = store.find(body)
    store[at + 10] ^= 1
    (cache / STORE).write_bytes(bytes(store))
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "b.png", *BIG, f"--cache={cache}")
    assert p.returncode == 0 and "cache miss" in p.stderr
    assert (tmp_path / "b.png").read_bytes() == body
    assert stats(exe, cache)[1]["disk"]["corrupt"] == 1
