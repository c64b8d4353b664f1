"""Where and how `pixelcache run -o` and `pixelcache batch` write, through
the real program: concurrent batches into one folder never splice an
output (each output is one run's bytes), symlinks planted in OUTDIR (a
folder pointing outside, an output name pointing outside or to an input,
the old fixed temporary name) are never followed and nothing is written
outside OUTDIR, an output that is one of the inputs (a hard link) is
refused, `run -o` refuses its own input, names of 250 bytes work, a NUL
byte in a list file's line fails that input instead of reading or writing
a truncated name, a write above the file size limit is an error naming the
output that leaves no temporary and the old file, and a second SIGINT
removes the named temporary being written."""
import os
import pathlib
import re
import resource
import shutil
import signal
import subprocess
import time

import pytest
from PIL import Image

from conftest import files_below, read_report, run

# The temporary names of write_file() (src/atomic_file.hpp).
TEMPORARY = re.compile(r"\.pxc-[a-z0-9]{11}\.tmp")


def snapshot(root, skip=()):
    """{relative path: bytes or link target} of everything below `root`, links not followed, the paths in `skip`
    (and what is below them) left out."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = pathlib.Path(dirpath) / name
            if any(p == s or s in p.parents for s in skip):
                continue
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_file():
                out[rel] = ("file", p.read_bytes())
            else:
                out[rel] = ("dir", None)
    return out


# -- concurrent batches --------------------------------------------------------------------------------------------

NAMES = [f"img{i}.png" for i in range(4)]
BIG = ["resize:2400x1600", "rotate:1"]  # 11.5 MB BMP outputs: the writes of two runs overlap


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory, data):
    """Two folders with the same file names and different pictures, and each one's outputs from a run alone."""
    root = tmp_path_factory.mktemp("two")
    for folder, picture in (("A", "chelsea.png"), ("B", "coffee.png")):
        (root / folder).mkdir()
        for n in NAMES:
            shutil.copyfile(data / picture, root / folder / n)
    return root


def test_concurrent_batches_into_one_folder_never_mix(exe, two_sources, tmp_path):
    refs = {}
    for folder in ("A", "B"):
        refs[folder] = tmp_path / f"ref{folder}"
        p = run(exe, "batch", two_sources / folder, "-o", refs[folder], "--format", "bmp", *BIG)
        assert p.returncode == 0, p.stderr
    expected = sorted(pathlib.Path(n).with_suffix(".bmp").name for n in NAMES)
    assert files_below(refs["A"]) == expected
    for n in expected:
        assert (refs["A"] / n).read_bytes() != (refs["B"] / n).read_bytes()
    for attempt in range(3):
        out = tmp_path / f"shared{attempt}"
        procs = [subprocess.Popen([exe, "batch", str(two_sources / folder), "-o", str(out), "--format", "bmp", "-j",
                                   "2", *BIG], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for folder in ("A", "B")]
        for proc in procs:
            _, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, stderr
        # Every output is exactly one run's file, byte for byte; no temporary is left.
        assert files_below(out) == expected
        for n in expected:
            got = (out / n).read_bytes()
            assert got in ((refs["A"] / n).read_bytes(), (refs["B"] / n).read_bytes()), \
                f"round {attempt}: {n} is neither run's output ({len(got)} bytes)"


# -- links planted in the output folder ----------------------------------------------------------------------------


@pytest.fixture
def planted(tmp_path, data):
    """src/ (the inputs), outside/ (must stay untouched) and out/ with links planted in it."""
    src, outside, out = tmp_path / "src", tmp_path / "outside", tmp_path / "out"
    for rel, picture in {"chelsea.png": "chelsea.png", "a/rocket.png": "coffee.png", "b/camera.png": "camera.png",
                         "c/coffee.png": "coffee.png", "d/astronaut.png": "astronaut.png"}.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data / picture, src / rel)
    outside.mkdir()
    (outside / "canary.png").write_bytes(b"canary: not to be written")
    (outside / "old-temporary-target").write_bytes(b"canary 2")
    for d in ("b", "c", "d"):
        (out / d).mkdir(parents=True)
    (out / "a").symlink_to(outside, target_is_directory=True)  # a folder pointing outside
    (out / "chelsea.png").symlink_to(outside / "canary.png")  # an output name pointing outside
    (out / "b" / "camera.png").symlink_to(src / "c" / "coffee.png")  # an output name pointing to an input
    (out / "c" / "coffee.png.pixelcache-tmp").symlink_to(outside / "old-temporary-target")  # the old temporary name
    os.link(src / "d" / "astronaut.png", out / "d" / "astronaut.png")  # an output that is an input (a hard link)
    return src, outside, out


def test_links_planted_in_outdir_are_never_followed(exe, planted, tmp_path):
    src, outside, out = planted
    report = tmp_path / "report.jsonl"
    before = snapshot(tmp_path, skip=(out, report))
    links_before = {rel: v for rel, v in snapshot(out).items() if v[0] == "link"}
    p = run(exe, "batch", src, "-o", out, "--format", "png", "--report", report, "resize:40x30")
    assert p.returncode == 1, p.stderr
    assert "1 written" in p.stdout and "4 failed" in p.stdout, p.stdout
    rows = {pathlib.Path(r["input"]).relative_to(src).as_posix(): r for r in read_report(report)}
    assert rows["c/coffee.png"]["status"] == "written"
    for rel in ("a/rocket.png", "chelsea.png", "b/camera.png"):
        assert rows[rel]["status"] == "failed" and "symbolic link" in rows[rel]["error"], rows[rel]
    # The hard link is found when the outputs are planned ("would overwrite"), or else just before the
    # write ("is the input").
    hard = rows["d/astronaut.png"]
    assert hard["status"] == "failed"
    assert "would overwrite the input" in hard["error"] or "is the input" in hard["error"], hard
    # Nothing outside the output folder changed: the inputs, the canaries, the links' targets.
    assert snapshot(tmp_path, skip=(out, report)) == before
    # The planted links are still there, as they were; only the one output was added.
    after = snapshot(out)
    assert {rel: v for rel, v in after.items() if v[0] == "link"} == links_before
    assert sorted(rel for rel, v in after.items() if v[0] == "file") == ["c/coffee.png", "d/astronaut.png"]
    assert after["d/astronaut.png"] == ("file", (src / "d" / "astronaut.png").read_bytes())
    assert not any(TEMPORARY.fullmatch(pathlib.Path(rel).name) for rel in after)


def test_run_replaces_a_symlink_at_the_output_and_refuses_its_own_input(exe, data, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.png").write_bytes(b"canary")
    link = tmp_path / "link.png"
    link.symlink_to(outside / "canary.png")
    p = run(exe, "run", data / "chelsea.png", "-o", link, "resize:20x10")
    assert p.returncode == 0, p.stderr
    assert not link.is_symlink() and link.read_bytes().startswith(b"\x89PNG")
    assert (outside / "canary.png").read_bytes() == b"canary"
    # Its own input: by the same name, through a symlink, through a hard link.
    own = tmp_path / "own.png"
    shutil.copyfile(data / "chelsea.png", own)
    original = own.read_bytes()
    (tmp_path / "to_own.png").symlink_to(own)
    os.link(own, tmp_path / "hard.png")
    for target in (own, tmp_path / "to_own.png", tmp_path / "hard.png"):
        p = run(exe, "run", own, "-o", target, "resize:10x10")
        assert p.returncode == 1 and "overwrite the input" in p.stderr, p.stderr
        assert own.read_bytes() == original
    assert (tmp_path / "to_own.png").is_symlink()
    assert sorted(n for n in os.listdir(tmp_path) if TEMPORARY.fullmatch(n)) == []


def test_names_of_250_bytes(exe, data, tmp_path):
    name = "n" * 246 + ".png"
    assert len(name.encode()) == 250
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / name, "resize:30x20")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    # A batch output of 250 bytes (the input's name, the extension changed by --format).
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(data / "rocket.jpg", src / ("r" * 246 + ".jpg"))
    p = run(exe, "batch", src, "-o", tmp_path / "out", "--format", "bmp", "resize:30x20")
    assert p.returncode == 0, p.stderr + p.stdout
    assert files_below(tmp_path / "out") == ["r" * 246 + ".bmp"]


def test_nul_byte_in_a_list_file_fails_that_input(exe, data, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(data / "chelsea.png", src / "chelsea.png")
    shutil.copyfile(data / "camera.png", src / "camera.png")
    lst = tmp_path / "list.txt"
    # Cut at the NUL, the first line would read chelsea.png and write out/chelsea.png.
    lst.write_bytes(b"src/chelsea.png\x00.bmp\nsrc/camera.png\n")
    p = run(pathlib.Path(exe).resolve(), "batch", "@list.txt", "-o", "out", "resize:20x20", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    assert "NUL" in p.stderr and "\\x00" in p.stderr
    assert files_below(tmp_path / "out") == ["src/camera.png"]


def limit_file_size():
    """In the child: files may not grow past 512 KiB (ulimit -f)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 << 10, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


@pytest.mark.parametrize("named", [False, True], ids=["default", "named_temporaries"])
def test_write_above_the_file_size_limit_fails_cleanly(exe, data, tmp_path, named):
    env = dict(os.environ)
    if named:
        env["PIXELCACHE_NAMED_TEMPORARIES"] = "1"
    out = tmp_path / "big.bmp"
    out.write_bytes(b"old")
    # 600 x 400 RGB BMP: 720 KB, above the limit (451 x 300: 407 KB, below).
    p = run(exe, "run", data / "coffee.png", "-o", out, preexec_fn=limit_file_size, env=env)
    assert p.returncode == 1, p.stderr
    assert str(out) in p.stderr and "File too large" in p.stderr, p.stderr
    assert out.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["big.bmp"]
    # In a batch: that input fails, the small one is written, no temporary is left.
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(data / "coffee.png", src / "big.png")
    shutil.copyfile(data / "chelsea.png", src / "small.png")
    p = run(exe, "batch", src, "-o", tmp_path / "out", "--format", "bmp", preexec_fn=limit_file_size, env=env)
    assert p.returncode == 1 and "1 written" in p.stdout and "1 failed" in p.stdout, p.stdout + p.stderr
    assert str(tmp_path / "out" / "big.bmp") in p.stderr and "File too large" in p.stderr, p.stderr
    assert files_below(tmp_path / "out") == ["small.bmp"]


def test_second_sigint_removes_the_named_temporary_being_written(exe, data, tmp_path):
    """Named temporaries only (as on file systems without O_TMPFILE): once one shows in OUTDIR, two SIGINTs stop
    the batch at once, and the handler removes the temporary it was writing. A few attempts, until the signals
    arrive while the write is still going on (nothing renamed into place after the temporary was seen)."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        shutil.copyfile(data / "chelsea.png", src / f"c{i}.png")
    env = dict(os.environ, PIXELCACHE_NAMED_TEMPORARIES="1",
               TSAN_OPTIONS=os.environ.get("TSAN_OPTIONS", "") + " report_thread_leaks=0")
    caught_in_flight = 0
    for attempt in range(6):
        out = tmp_path / f"out{attempt}"
        # 6000 x 4000 BMPs: 72 MB, written for long enough to be caught.
        proc = subprocess.Popen([exe, "batch", str(src), "-o", str(out), "--format", "bmp", "-j", "1",
                                 "resize:6000x4000,nearest"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        seen, outputs_then = None, None
        try:
            deadline = time.monotonic() + 120
            while seen is None and time.monotonic() < deadline and proc.poll() is None:
                if out.is_dir():
                    names = os.listdir(out)
                    seen = next((n for n in names if TEMPORARY.fullmatch(n)), None)
                    outputs_then = sorted(n for n in names if n.endswith(".bmp"))
            assert seen is not None, "no temporary file was ever seen"
            proc.send_signal(signal.SIGINT)
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 128 + signal.SIGINT
        names = os.listdir(out)
        assert not [n for n in names if TEMPORARY.fullmatch(n)], f"attempt {attempt}: left behind: {names}"
        for n in names:  # whatever was renamed into place is whole
            with Image.open(out / n) as im:
                im.load()
                assert im.size == (6000, 4000)
        if sorted(names) == outputs_then:
            caught_in_flight += 1
            break
    if caught_in_flight == 0:
        pytest.skip("the signals never arrived while a temporary file was being written")
