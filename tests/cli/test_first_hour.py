"""What a new user tripped over in the first hour (issue 21), through the
real program: hash / info walk folders; the cache commands take a
--namespace; rates count processed inputs; a mistyped step gets a
suggestion; a Redis tier that is down is named once, with the reason; a
new store's default bound is modest."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import free_port, run

PYTHON = "/usr/bin/python3"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PIXELCACHE_CACHE_DIR", "XDG_CACHE_HOME", "PIXELCACHE_REDIS_URL", "PIXELCACHE_CACHE_TIERS")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture()
def folder(tmp_path, data):
    """A folder of images, nested, with a non-image file."""
    root = tmp_path / "dups"
    (root / "sub").mkdir(parents=True)
    shutil.copy(data / "chelsea.png", root / "b.png")
    shutil.copy(data / "coffee.png", root / "a.png")
    shutil.copy(data / "chelsea.png", root / "sub" / "c.png")
    (root / "notes.txt").write_text("not an image")
    return root


def test_hash_and_info_walk_folders(exe, folder):
    p = run(exe, "hash", folder)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert [line.split("  ")[1] for line in lines] == [str(folder / n) for n in ("a.png", "b.png", "sub/c.png")]
    digests = [line.split("  ")[0] for line in lines]
    assert digests[1] == digests[2] != digests[0]  # the same pixels, the same digest
    p = run(exe, "hash", "--glob", "c.png", folder)
    assert p.returncode == 0 and p.stdout.splitlines() == [f"{digests[2]}  {folder / 'sub/c.png'}"]
    p = run(exe, "info", "--json", folder)
    assert p.returncode == 0, p.stderr
    assert [json.loads(x)["file"] for x in p.stdout.splitlines()] == [str(folder / n)
                                                                      for n in ("a.png", "b.png", "sub/c.png")]
    p = run(exe, "hash", folder / "missing.png", folder / "a.png")
    assert p.returncode == 1 and "missing.png" in p.stderr and p.stdout.count("\n") == 1


def test_cache_commands_take_a_namespace(exe, data, tmp_path):
    store = tmp_path / "cache"
    code = (f"import pixelcache, sys; c = pixelcache.Cache({str(store)!r}, memory_bytes=0, redis_url='', "
            "namespace='seg')\nfor i in range(3): c.put(('mask', i), i)\n")
    env = clean_env(PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    subprocess.run([PYTHON, "-c", code], check=True, env=env)
    assert run(exe, "run", data / "chelsea.png", "-o", tmp_path / "t.png", "resize:32x32", f"--cache={store}",
               env=env).returncode == 0  # one entry in "default"
    p = run(exe, "cache", "stats", "--json", "--dir", store, "--namespace", "seg", env=env)
    assert p.returncode == 0, p.stderr
    disk = json.loads(p.stdout)["tiers"][0]
    assert disk["entries"] == 4 and disk["namespace"] == "seg" and disk["namespace_entries"] == 3
    p = run(exe, "cache", "stats", "--dir", store, "--namespace", "seg", env=env)
    assert 'namespace "seg": 3 entries' in p.stdout, p.stdout
    p = run(exe, "cache", "clear", "--dir", store, "--namespace", "seg", env=env)
    assert p.returncode == 0 and p.stdout.startswith("cleared disk: 3 entries"), p.stdout
    disk = json.loads(run(exe, "cache", "stats", "--json", "--dir", store, env=env).stdout)["tiers"][0]
    assert disk["entries"] == 1  # the other namespace's entry stays


def test_rates_count_processed_inputs(exe, data, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        shutil.copy(data / "chelsea.png", src / f"{i}.png")
    out = tmp_path / "out"
    assert run(exe, "batch", src, "-o", out, "resize:16x16").returncode == 0
    p = run(exe, "batch", src, "-o", out, "resize:16x16", "--skip-existing")
    assert p.returncode == 0, p.stderr
    assert "6 skipped (output exists)" in p.stdout and "(none processed)" in p.stdout, p.stdout
    (out / "0.png").unlink()
    p = run(exe, "batch", src, "-o", out, "resize:16x16", "--skip-existing")
    assert "1 written" in p.stdout and "5 skipped" in p.stdout and "inputs/s)" in p.stdout, p.stdout


def test_a_mistyped_step_gets_a_suggestion(exe, data, tmp_path):
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "o.png", "rezise:10x10")
    assert p.returncode != 0
    assert "unknown step 'rezise' — did you mean 'resize'?" in p.stderr and "--help" in p.stderr, p.stderr
    assert len(p.stderr.splitlines()) <= 2  # not the whole list of steps
    p = run(exe, "batch", data / "chelsea.png", "-o", tmp_path / "o", "to_grey")
    assert "did you mean 'to_gray'?" in p.stderr and len(p.stderr.splitlines()) <= 2, p.stderr
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "o.png", "frobnicate")
    assert "unknown step 'frobnicate' (--help lists the steps)" in p.stderr, p.stderr


def test_a_redis_tier_that_is_down_is_named_once(exe, data, tmp_path):
    env = clean_env(PIXELCACHE_REDIS_URL=f"redis://127.0.0.1:{free_port()}")
    cache = f"--cache={tmp_path / 'cache'}"
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "o.png", "resize:16x16", cache, env=env)
    assert p.returncode == 0 and "cache miss" in p.stderr
    assert p.stderr.count("note: redis tier unavailable (") == 1, p.stderr
    assert "refused" in p.stderr or "connect" in p.stderr, p.stderr  # and why
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        shutil.copy(data / "coffee.png", src / f"{i}.png")
    p = run(exe, "batch", src, "-o", tmp_path / "b", "resize:16x16", cache, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("redis tier unavailable") == 1, p.stderr  # once, though every input tried it


def test_a_new_stores_default_bound_is_modest(exe, data, tmp_path):
    store = tmp_path / "cache"
    assert run(exe, "run", data / "chelsea.png", "-o", tmp_path / "o.png", "resize:16x16",
               f"--cache={store}", env=clean_env()).returncode == 0
    p = run(exe, "cache", "stats", "--json", "--dir", store, env=clean_env())
    doc = json.loads(p.stdout)
    assert doc["tiers"][0]["max_bytes"] == 1 << 30 and doc["directory"] == str(store)
    p = run(exe, "cache", "stats", "--dir", store, env=clean_env())
    assert p.stdout.startswith(f"disk   {store} (store file ") and "of at most 1.0 GiB" in p.stdout
