"""`pixelcache dups`: text and --json groups, folders walked, bad files
reported on stderr and skipped (exit 1), --cache: a second run decodes
nothing (the summary line says "0 decoded"), --hash / --threshold, usage
errors (exit 2). No timings are asserted."""
import json
import re
import shutil

from conftest import run


def _folder(data, tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    for name in ("chelsea.png", "chelsea.webp", "chelsea_q95.jpg", "exif_orient6.jpg", "coffee.png", "rocket.jpg"):
        shutil.copy(data / name, d / name)
    shutil.copy(data / "rocket.jpg", d / "rocket_copy.jpg")
    return d


def _decoded(stderr):
    m = re.search(r"(\d+) decoded", stderr)
    assert m, stderr
    return int(m.group(1))


def test_text_groups(exe, data, tmp_path):
    d = _folder(data, tmp_path)
    p = run(exe, "dups", d, "-j", "2")
    assert p.returncode == 0, p.stderr
    blocks = p.stdout.strip().split("\n\n")
    exact = [b for b in blocks if b.startswith("exact")]
    near = [b for b in blocks if b.startswith("near")]
    assert len(exact) == 2 and len(near) == 1, p.stdout
    assert any("chelsea.png" in b and "chelsea.webp" in b for b in exact)
    assert any("rocket.jpg" in b and "rocket_copy.jpg" in b for b in exact)
    assert "exif_orient6.jpg" in near[0] and "chelsea_q95.jpg" in near[0] and "*" in near[0]
    assert "coffee.png" not in p.stdout
    assert "pixelcache dups: 7 files (0 failed)" in p.stderr


def test_json_groups_sorted_with_distances(exe, data, tmp_path):
    d = _folder(data, tmp_path)
    p = run(exe, "dups", d, "--json", "--hash", "dhash", "--threshold", "12")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    for r in rows:
        if r["group"] == "exact":
            assert r["files"] == sorted(r["files"]) and len(r["files"]) >= 2
        else:
            assert r["hash"] == "dhash" and r["threshold"] == 12
            paths = [f["path"] for f in r["files"]]
            assert paths == sorted(paths) and r["centre"] in paths
            assert all(0 <= f["distance"] <= 12 for f in r["files"])
    assert {r["group"] for r in rows} == {"exact", "near"}


def test_cache_second_run_decodes_nothing(exe, data, tmp_path):
    d = _folder(data, tmp_path)
    cache = f"--cache={tmp_path / 'cache'}"
    cold = run(exe, "dups", d, "--json", cache)
    assert cold.returncode == 0, cold.stderr
    assert _decoded(cold.stderr) > 0
    warm = run(exe, "dups", d, "--json", cache)
    assert warm.returncode == 0, warm.stderr
    assert _decoded(warm.stderr) == 0
    assert "7 hashes" in warm.stderr
    assert warm.stdout == cold.stdout


def test_bad_files_reported_and_skipped(exe, data, tmp_path):
    d = _folder(data, tmp_path)
    shutil.copy(data / "truncated.jpg", d / "truncated.jpg")
    (d / "notes.jpg").write_text("not an image")
    p = run(exe, "dups", d, tmp_path / "missing.png", "--json")
    assert p.returncode == 1
    for name in ("truncated.jpg", "notes.jpg", "missing.png"):
        assert re.search(rf"pixelcache: .*{re.escape(name)}", p.stderr), p.stderr
        assert name not in p.stdout
    assert "(3 failed)" in p.stderr
    assert len(p.stdout.splitlines()) == 3  # the other files are still grouped


def test_usage_errors(exe, data):
    assert run(exe, "dups", data / "chelsea.png", "--hash", "nohash").returncode == 2
    assert run(exe, "dups", data / "chelsea.png", "--hash-size", "0").returncode == 2
    assert run(exe, "dups", data / "chelsea.png", "--threshold", "-1").returncode == 2
    p = run(exe, "dups", data / "chelsea.png", "--threshold", "65")
    assert p.returncode == 2 and "above the 64 bits" in p.stderr
    assert run(exe, "dups").returncode == 2
