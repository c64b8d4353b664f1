"""`pixelcache batch` end to end: folder trees with mixed formats and broken
files, list files, stdin, URLs from a local HTTP server, the JSON-lines
report (digests recomputed with python3-xxhash), byte-identical outputs for
-j 1 and -j 4, Ctrl-C / SIGTERM / kill -9 half-way and the --skip-existing
resume, and the progress bar on a pseudo-terminal.

The batch is threaded: these tests also run against a ThreadSanitizer build
(`--pixelcache build/tsan/cli/pixelcache`)."""
import os
import pathlib
import pty
import re
import select
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
import xxhash
from PIL import Image

from conftest import files_below, read_report, run

# The temporary names of write_file() (src/atomic_file.hpp).
TEMPORARY = re.compile(r"\.pxc-[a-z0-9]{11}\.tmp")


def xxh(path):
    return xxhash.xxh3_128(pathlib.Path(path).read_bytes()).hexdigest()


@pytest.fixture
def tree(tmp_path, data):
    """photos/ with nested folders, five formats, two broken files and a text file."""
    root = tmp_path / "photos"
    layout = {
        "chelsea.png": "chelsea.png",
        "a/rocket.jpg": "rocket.jpg",
        "a/b/camera.png": "camera.png",
        "a/b/c/coffee.png": "coffee.png",
        "webp/chelsea.webp": "chelsea.webp",
        "bmp/chelsea.bmp": "chelsea.bmp",
        "tiff/chelsea.TIFF": "chelsea.tiff",
        "broken/truncated.jpg": "truncated.jpg",
    }
    for rel, src in layout.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data / src, root / rel)
    (root / "broken" / "random.png").write_bytes(bytes(range(256)) * 8)
    (root / "notes.txt").write_text("not an image")
    return root


GOOD = ["a/b/c/coffee.png", "a/b/camera.png", "a/rocket.jpg", "bmp/chelsea.bmp", "chelsea.png", "tiff/chelsea.TIFF",
        "webp/chelsea.webp"]
BROKEN = ["broken/random.png", "broken/truncated.jpg"]


def test_folder_urls_report_and_failures(exe, tree, tmp_path, server):
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    urls = [server + "/rocket.jpg?size=large", server + "/missing.png"]
    p = run(exe, "batch", tree, *urls, "-o", out, "--format", "png", "--report", report, "-j", "2",
            "resize:64x48", "to_gray")
    assert p.returncode == 1, p.stderr
    # Outputs mirror the tree below the folder; the URL keeps its last name.
    expected = sorted([str(pathlib.Path(g).with_suffix(".png")) for g in GOOD] + ["rocket.png"])
    assert files_below(out) == expected
    for rel in expected:
        with Image.open(out / rel) as im:
            assert im.size == (64, 48) and im.mode == "L"
    # The folder's own PNGs against Pillow (resize then gray).
    with Image.open(tree / "a/b/c/coffee.png") as src, Image.open(out / "a/b/c/coffee.png") as got:
        ref = src.convert("RGB").resize((64, 48), Image.Resampling.BILINEAR).convert("L")
        assert np.abs(np.asarray(got, np.int16) - np.asarray(ref, np.int16)).mean() < 1.0
    # Failures: reported on stderr, counted in the summary, skipped.
    assert "truncated.jpg" in p.stderr and "random.png" in p.stderr and "404" in p.stderr
    summary = p.stdout.strip()
    assert summary.count("\n") == 0  # not a terminal: the summary line only
    assert "11 inputs" in summary and "8 written" in summary and "3 failed" in summary, summary

    rows = read_report(report)
    assert len(rows) == 11  # notes.txt is not an image: not an input
    by_input = {r["input"]: r for r in rows}
    assert set(by_input) == {str(tree / g) for g in GOOD + BROKEN} | set(urls)
    for r in rows:
        assert set(r) == {"input", "output", "status", "input_digest", "output_digest", "image_digest", "cache",
                          "milliseconds", "error"}
        assert r["milliseconds"] >= 0
        assert r["cache"] is None  # no --cache
    for g in GOOD:
        r = by_input[str(tree / g)]
        assert r["status"] == "written" and r["error"] is None
        assert r["output"] == str(out / pathlib.Path(g).with_suffix(".png"))
        assert r["input_digest"] == xxh(tree / g)  # XXH3-128 of the input's bytes
        assert r["output_digest"] == xxh(r["output"])  # ... and of the written file's
        # The pixel digest: what `pixelcache hash` prints for the (lossless) output.
        assert r["image_digest"] == run(exe, "hash", r["output"]).stdout.split()[0]
    url_row = by_input[urls[0]]
    assert url_row["status"] == "written" and url_row["input_digest"] == xxh(tree / "a/rocket.jpg")
    for bad in [str(tree / b) for b in BROKEN] + [urls[1]]:
        r = by_input[bad]
        assert r["status"] == "failed" and r["output_digest"] is None and r["input_digest"] is None
        assert r["error"] and (bad in r["error"] or "missing.png" in r["error"])
    assert "404" in by_input[urls[1]]["error"]


def test_format_from_the_input_extension(exe, tree, tmp_path, data):
    shutil.copyfile(data / "chelsea.gif", tree / "chelsea.gif")
    out = tmp_path / "out"
    p = run(exe, "batch", tree, "-o", out, "resize:100x80")
    assert p.returncode == 1
    assert files_below(out) == sorted(GOOD)  # same names, same formats
    formats = {"png": "PNG", "jpg": "JPEG", "bmp": "BMP", "TIFF": "TIFF", "webp": "WEBP"}
    for g in GOOD:
        with Image.open(out / g) as im:
            assert im.format == formats[g.rsplit(".", 1)[1]] and im.size == (100, 80)
    # GIF has no writer: that input fails with a hint, the others go on.
    assert "chelsea.gif" in p.stderr and "--format" in p.stderr
    assert "3 failed" in p.stdout


def test_same_outputs_with_1_and_4_workers(exe, tree, tmp_path):
    outs = []
    for j in (1, 4):
        out = tmp_path / f"out{j}"
        p = run(exe, "batch", tree, "-o", out, "-j", j, "--format", "webp", "--lossless", "resize:200x150,lanczos",
                "rotate:15", "equalize_hist", "to_gray", "apply_palette:viridis")
        assert p.returncode == 1, p.stderr  # the two broken files
        outs.append(out)
    assert files_below(outs[0]) == files_below(outs[1]) == sorted(str(pathlib.Path(g).with_suffix(".webp"))
                                                                 for g in GOOD)
    for rel in files_below(outs[0]):
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel


def test_batch_equals_run(exe, tree, tmp_path):
    """One pipeline for both commands, shrink-on-load included."""
    out = tmp_path / "out"
    assert run(exe, "batch", tree / "a", "-o", out, "--format", "png", "resize:80x60").returncode == 0
    single = tmp_path / "single.png"
    assert run(exe, "run", tree / "a/rocket.jpg", "-o", single, "resize:80x60").returncode == 0
    assert (out / "rocket.png").read_bytes() == single.read_bytes()


def test_glob_list_file_and_stdin(exe, tree, tmp_path, server):
    out = tmp_path / "g"
    assert run(exe, "batch", tree, "-o", out, "--glob", "*.png", "to_gray").returncode == 1  # random.png is broken
    assert files_below(out) == ["a/b/c/coffee.png", "a/b/camera.png", "chelsea.png"]
    out = tmp_path / "g2"
    assert run(exe, "batch", tree, "-o", out, "--glob", "a/*/*.png", "to_gray").returncode == 0
    assert files_below(out) == ["a/b/camera.png"]

    # A list file: files (relative ones keep their path), a folder, a URL; blank lines and CRLF.
    lst = tmp_path / "list.txt"
    lst.write_text(f"{tree / 'chelsea.png'}\r\n\r\nphotos/a/b/camera.png\n{tree / 'webp'}\n{server}/camera.png\n")
    out = tmp_path / "l"
    p = run(pathlib.Path(exe).resolve(), "batch", "@" + str(lst), "-o", out, "--format", "png", cwd=tmp_path)
    assert files_below(out) == ["camera.png", "chelsea.png", "photos/a/b/camera.png"]
    # The folder's chelsea.webp -> chelsea.png collides with the listed chelsea.png: it fails alone.
    assert p.returncode == 1 and "already writes" in p.stderr and "chelsea.webp" in p.stderr
    # Standard input.
    out = tmp_path / "s"
    p = subprocess.run([exe, "batch", "-", "-o", str(out), "resize:10x10"], input=f"{tree / 'chelsea.png'}\n",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert files_below(out) == ["chelsea.png"]
    p = run(exe, "batch", "@" + str(tmp_path / "nope.txt"), "-o", out)
    assert p.returncode == 1 and "nope.txt" in p.stderr


def test_collisions_and_overwrite_guard(exe, tree, tmp_path):
    out = tmp_path / "out"
    p = run(exe, "batch", tree / "bmp", tree / "chelsea.png", "-o", out, "--format", "png")
    assert p.returncode == 1
    assert "already writes" in p.stderr and files_below(out) == ["chelsea.png"]
    # Writing into the input folder with the same format would overwrite the inputs.
    before = (tree / "chelsea.png").read_bytes()
    p = run(exe, "batch", tree / "chelsea.png", "-o", tree, "resize:10x10")
    assert p.returncode == 1 and "overwrite" in p.stderr
    assert (tree / "chelsea.png").read_bytes() == before


def test_output_folder_inside_the_input_folder_is_not_walked(exe, tree):
    out = tree / "thumbs"
    for _ in range(2):
        run(exe, "batch", tree, "-o", out, "--format", "png", "resize:32x32")
    assert not (out / "thumbs").exists()
    assert len(files_below(out)) == len(GOOD)


def test_usage_errors(exe, tree, tmp_path):
    p = run(exe, "batch", tree, "-o", tmp_path / "o", "resiz:10x10")
    assert p.returncode == 1 and "neither a file" in p.stderr and "resiz" in p.stderr
    p = run(exe, "batch", tree, "-o", tmp_path / "o", "resize:0x0")
    assert p.returncode == 1 and "resize" in p.stderr
    p = run(exe, "batch", tree / "chelsea.png", "-o", tmp_path / "o", "to_gray", tree / "a")
    assert p.returncode == 1 and "before the steps" in p.stderr
    assert run(exe, "batch", "-o", tmp_path / "o").returncode == 2
    assert run(exe, "batch", tree, "-o", tmp_path / "o", "--format", "gif").returncode == 2
    assert run(exe, "batch", tree, "-o", tmp_path / "o", "-j", "0").returncode == 2
    assert not (tmp_path / "o").exists()  # nothing done on a usage error
    # An output folder that cannot be made: every input fails, nothing crashes.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    p = run(exe, "batch", tree / "a", "-o", blocker / "sub")
    assert p.returncode == 1 and "3 failed" in p.stdout and "cannot create the folder" in p.stderr


def test_missing_input_file_fails_alone(exe, tree, tmp_path):
    out = tmp_path / "o"
    p = run(exe, "batch", tree / "chelsea.png", tmp_path / "missing.jpg", "-o", out, "to_gray")
    assert p.returncode == 1 and "missing.jpg" in p.stderr
    assert files_below(out) == ["chelsea.png"]


# -- stopping and resuming -----------------------------------------------------------------------------------------


# Inputs of the stop-and-resume tests; fewer under ThreadSanitizer (the
# cli_threads test of the tsan preset sets 24), where each takes 10x longer.
MANY = int(os.environ.get("PIXELCACHE_TEST_BATCH_MANY", "120"))


@pytest.fixture(scope="module")
def many(tmp_path_factory, data):
    """MANY inputs in 4 folders, each a few tens of milliseconds of work."""
    root = tmp_path_factory.mktemp("many")
    for i in range(MANY):
        d = root / f"d{i % 4}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"img{i:03d}.png").symlink_to(data / "coffee.png")  # a file symlink is an input like a file
    return root


HEAVY = ["resize:900x600,lanczos", "rotate:7", "resize:150x100"]


def start_batch(exe, root, out, report, *extra, env=None):
    return subprocess.Popen([exe, "batch", str(root), "-o", str(out), "--report", str(report), "-j", "2", *extra,
                             *HEAVY], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_lines(report, n, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if report.exists() and report.read_text().count("\n") >= n:
            return
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        time.sleep(0.005)
    raise AssertionError("the batch made no progress")


def assert_complete_outputs(out, reference):
    """Every output under its final name is whole: byte-equal to the uninterrupted run's."""
    names = [n for n in files_below(out) if not TEMPORARY.fullmatch(pathlib.Path(n).name)]
    for n in names:
        assert (out / n).read_bytes() == (reference / n).read_bytes(), n
    return names


@pytest.fixture(scope="module")
def reference(exe, many, tmp_path_factory):
    ref = tmp_path_factory.mktemp("reference")
    assert run(exe, "batch", many, "-o", ref, *HEAVY).returncode == 0
    assert len(files_below(ref)) == MANY
    return ref


def test_kill_9_half_way_then_resume(exe, many, reference, tmp_path):
    out, report = tmp_path / "out", tmp_path / "r1.jsonl"
    proc = start_batch(exe, many, out, report)
    wait_for_lines(report, 10, proc)
    proc.kill()
    proc.wait()
    done = assert_complete_outputs(out, reference)
    assert 10 <= len(done) < MANY
    # Resume: only the rest is done; every output is then whole and no temporary file is left.
    report2 = tmp_path / "r2.jsonl"
    p = run(exe, "batch", many, "-o", out, "--skip-existing", "--report", report2, *HEAVY)
    assert p.returncode == 0, p.stderr
    rows = read_report(report2)
    skipped = {r["output"] for r in rows if r["status"] == "skipped"}
    assert skipped == {str(out / n) for n in done}
    assert sum(r["status"] == "written" for r in rows) == MANY - len(done)
    assert f"{MANY - len(done)} written" in p.stdout and f"{len(done)} skipped" in p.stdout
    assert len(assert_complete_outputs(out, reference)) == MANY
    assert files_below(out) == files_below(reference)  # no temporary files


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_cleanly(exe, many, reference, tmp_path, sig):
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    proc = start_batch(exe, many, out, report)
    wait_for_lines(report, 5, proc)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, stderr
    assert "stopping" in stderr
    summary = stdout.strip()
    assert f"interrupted by {signal.Signals(sig).name}" in summary and "--skip-existing" in summary
    # In-flight inputs finished: every output is whole, none is temporary, and each is in the report.
    done = assert_complete_outputs(out, reference)
    assert files_below(out) == done
    assert 5 <= len(done) < MANY
    assert sorted(r["output"] for r in read_report(report)) == sorted(str(out / n) for n in done)
    assert f"{len(done)} written" in summary
    p = run(exe, "batch", many, "-o", out, "--skip-existing", *HEAVY)
    assert p.returncode == 0 and f"{len(done)} skipped" in p.stdout
    assert files_below(out) == files_below(reference)


@pytest.mark.parametrize("named", [False, True], ids=["default", "named_temporaries"])
def test_second_sigint_stops_at_once_without_temporary_files(exe, many, reference, tmp_path, named):
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    # Stopping at once means exiting without joining the workers: under ThreadSanitizer that is a "thread leak".
    env = dict(os.environ, TSAN_OPTIONS=os.environ.get("TSAN_OPTIONS", "") + " report_thread_leaks=0")
    if named:  # named temporaries only, no O_TMPFILE: what the handler must remove is on disk while written
        env["PIXELCACHE_NAMED_TEMPORARIES"] = "1"
    proc = start_batch(exe, many, out, report, env=env)
    wait_for_lines(report, 3, proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGINT
    done = assert_complete_outputs(out, reference)
    assert files_below(out) == done  # the temporary files being written were removed


# -- progress --------------------------------------------------------------------------------------------------------


def test_progress_bar_on_a_terminal(exe, many, tmp_path):
    master, slave = pty.openpty()
    proc = subprocess.Popen([exe, "batch", str(many / "d0"), "-o", str(tmp_path / "o"), "-j", "2", "resize:300x200",
                             "rotate:3"], stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    text = b"".join(chunks).decode()
    assert proc.returncode == 0
    n = MANY // 4  # the inputs in d0
    assert f"/{n} [" in text and "/s ETA " in text  # count, bar, rate, ETA
    assert f"{n} inputs: {n} written, 0 failed" in text  # the summary after the bar
