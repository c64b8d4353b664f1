"""The pixelcache command line, end to end: real files, a real local HTTP
server, Pillow as the reference, and python3-xxhash recomputing the digest
from the canonical form documented in include/pixelcache/digest.hpp."""
import json
import socket
import struct
import subprocess

import pytest
import xxhash
from PIL import Image


def run(exe, *args, timeout=60):
    p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {p.stderr}"
    return p


def canonical_digest(path):
    """The documented canonical form, computed independently of the C++ code."""
    im = Image.open(path)
    im = im.convert("L") if im.mode in ("L", "LA") else im.convert("RGB")
    mode = b"R" if im.mode == "RGB" else b"L"
    w, h = im.size
    header = b"PXC1" + mode + bytes([1, 3 if im.mode == "RGB" else 1, 0]) + struct.pack("<II", w, h)
    return xxhash.xxh3_128(header + im.tobytes()).hexdigest()


SAME = ["chelsea.png", "chelsea.bmp", "chelsea.tiff", "chelsea.webp", "chelsea_rgba.png", "chelsea_16bit.png"]


def test_hash_same_pixels_same_digest(exe, data):
    p = run(exe, "hash", *[data / n for n in SAME], data / "chelsea_q95.jpg")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == len(SAME) + 1
    digests = [line.split("  ")[0] for line in lines]
    assert all(len(d) == 32 and int(d, 16) >= 0 for d in digests)
    assert len(set(digests[:-1])) == 1
    assert digests[-1] != digests[0]
    assert lines[0].endswith("  " + str(data / SAME[0]))  # sha256sum format


@pytest.mark.parametrize("name", ["chelsea.png", "camera.png", "coffee.png", "chelsea_gray.jpg"])
def test_digest_matches_documented_canonical_form(exe, data, name):
    p = run(exe, "hash", data / name)
    assert p.stdout.split()[0] == canonical_digest(data / name)


def test_info_json_reports_upright_sizes(exe, data):
    files = [data / f"exif_orient{i}.jpg" for i in range(1, 9)] + [data / "chelsea.heic"]
    p = run(exe, "info", "--json", *files)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(rows) == 9
    for i, row in enumerate(rows):
        assert (row["width"], row["height"]) == (451, 300), row
        assert row["mode"] == "RGB"
        assert set(row) == {"file", "width", "height", "mode", "format", "digest", "orientation"}
    assert [r["orientation"] for r in rows[:8]] == list(range(1, 9))
    assert rows[8]["format"] == "HEIF"
    assert rows[0]["format"] == "JPEG"


def test_info_modes(exe, data):
    p = run(exe, "info", "--json", data / "camera.png", data / "chelsea_gray.jpg", data / "chelsea_palette.png")
    modes = [json.loads(line)["mode"] for line in p.stdout.splitlines()]
    assert modes == ["L", "L", "RGB"]


def test_info_header_reads_headers_only(exe, data, tmp_path):
    """--header: what probe() reads from the headers, no digest, the frame
    count instead; the default output (decoded, with the digest) is unchanged."""
    files = [data / "exif_orient6.jpg", data / "camera.png", data / "chelsea.heic", data / "chelsea.gif"]
    p = run(exe, "info", "--json", "--header", *files)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    full = [json.loads(line) for line in run(exe, "info", "--json", *files).stdout.splitlines()]
    for row, decoded in zip(rows, full):
        assert set(row) == {"file", "width", "height", "mode", "format", "orientation", "frames"}
        assert {k: row[k] for k in row if k != "frames"} == {k: decoded[k] for k in decoded if k != "digest"}
        assert row["frames"] == 1
    first, *rest = (Image.new("RGB", (8, 6), c) for c in ("red", "green", "blue"))
    first.save(tmp_path / "anim.gif", save_all=True, append_images=rest)
    p = run(exe, "info", "--header", tmp_path / "anim.gif", data / "exif_orient6.jpg")
    assert p.stdout.splitlines() == [f"{tmp_path / 'anim.gif'}: GIF 8x6 (WxH) RGB orientation=1 frames=3",
                                     f"{data / 'exif_orient6.jpg'}: JPEG 451x300 (WxH) RGB orientation=6 frames=1"]
    # A body cut short behind a good header: --header answers, the default decodes and fails.
    raw = (data / "exif_orient6.jpg").read_bytes()
    cut = write(tmp_path, "cut.jpg", raw[:len(raw) * 3 // 5])
    assert run(exe, "info", "--header", cut).returncode == 0
    p = run(exe, "info", cut)
    assert p.returncode == 1 and "truncated" in p.stderr


def test_run_converts(exe, data, tmp_path):
    out = tmp_path / "out.webp"
    p = run(exe, "run", data / "chelsea.png", "-o", out, "--lossless")
    assert p.returncode == 0, p.stderr
    assert run(exe, "hash", out).stdout.split()[0] == run(exe, "hash", data / "chelsea.png").stdout.split()[0]
    with Image.open(out) as im:
        assert im.size == (451, 300)


def test_run_unknown_step_is_an_error(exe, data, tmp_path):
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "x.png", "frobnicate")
    assert p.returncode != 0
    assert "frobnicate" in p.stderr


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.fixture
def bad_inputs(tmp_path, data):
    bomb = bytearray(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 65536, 65536) + bytes([8, 2, 0, 0, 0]))
    import zlib

    bomb += struct.pack(">I", zlib.crc32(bytes(bomb[12:])))
    return {
        "truncated": data / "truncated.jpg",
        "empty": write(tmp_path, "empty.png", b""),
        "random": write(tmp_path, "random.jpg", bytes(range(256)) * 16),
        "bomb": write(tmp_path, "bomb.png", bytes(bomb)),
        "missing": tmp_path / "missing.png",
        "directory": tmp_path,
    }


@pytest.mark.parametrize("kind", ["truncated", "empty", "random", "bomb", "missing", "directory"])
@pytest.mark.parametrize("command", ["info", "hash", "info --header"])
def test_bad_input_exits_nonzero_with_message(exe, bad_inputs, kind, command):
    path = bad_inputs[kind]
    p = run(exe, *command.split(), path, timeout=30)
    assert p.returncode == 1
    assert p.stdout == ""
    assert str(path) in p.stderr
    assert p.stderr.startswith("pixelcache: ")


def test_hash_url(exe, data, server):
    p = run(exe, "hash", server + "/chelsea.png")
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[0] == run(exe, "hash", data / "chelsea.png").stdout.split()[0]


def test_url_404_and_unreachable(exe, server):
    p = run(exe, "hash", server + "/nope.png")
    assert p.returncode == 1 and "404" in p.stderr and "/nope.png" in p.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    p = run(exe, "info", f"http://127.0.0.1:{port}/x.png")
    assert p.returncode == 1 and f"127.0.0.1:{port}" in p.stderr


def test_demo_writes_both_pictures(exe, tmp_path):
    p = run(exe, "demo", "-o", tmp_path, timeout=120)
    assert p.returncode == 0, p.stderr
    with Image.open(tmp_path / "transformations.png") as t, Image.open(tmp_path / "mask_workflow.png") as m:
        assert t.mode == "RGB" and m.mode == "RGB"
        # Five labelled columns each, as wide as the widest cell (the rotated cat).
        assert t.width == 5 * 541 and m.width == 5 * 600
        # Labels are drawn: the strip above the first cell is not all black.
        assert max(t.crop((0, 0, 451, 20)).convert("L").getdata()) > 128
    assert "(same pixels, same digest)" in p.stdout and "(lossy" in p.stdout


def test_grid_command(exe, data, tmp_path):
    out = tmp_path / "g.png"
    p = run(exe, "grid", "-o", out, "--label", "cats", data / "chelsea.png", data / "chelsea_gray.jpg",
            "--label", "astronaut", data / "astronaut.png", "--vertical", "--text")
    assert p.returncode == 0, p.stderr
    with Image.open(out) as g:
        assert g.width == 2 * 512  # two columns of the widest cell
        assert g.height > 2 * 512  # two rows plus the label strip
    p = run(exe, "grid", "-o", out, "--label", "rows", data / "chelsea.png")
    assert p.returncode == 0
    with Image.open(out) as g:
        assert g.size == (451, 300)  # horizontal, no text by default
    p = run(exe, "grid", "-o", out, "--label", "two", data / "chelsea.png", data / "chelsea.png", "--no-text")
    assert p.returncode == 0
    with Image.open(out) as g:
        assert g.size == (2 * 451, 300)  # one row per label: make_image_grid's catalogue default
    p = run(exe, "grid", "-o", out, "--label", "x", data / "chelsea.png", "--orientation", "diagonal")
    assert p.returncode == 1 and "make_image_grid: argument 'orientation' must be one of horizontal, vertical" in p.stderr
    p = run(exe, "grid", "-o", out, "--label", "lonely")
    assert p.returncode != 0 and "lonely" in p.stderr
    p = run(exe, "grid", "-o", out, "--label", "x", data / "truncated.jpg")
    assert p.returncode == 1 and "truncated.jpg" in p.stderr


def test_usage_errors(exe):
    assert run(exe).returncode != 0
    assert run(exe, "hash").returncode != 0
    assert run(exe, "--version").stdout.startswith("pixelcache ")


def mean_abs_diff(a, b):
    import numpy as np

    return float(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).mean())


def test_run_pipeline_matches_pillow(exe, data, tmp_path):
    out = tmp_path / "small.png"
    p = run(exe, "run", data / "chelsea.png", "-o", out, "resize:200x133,bicubic", "to_gray")
    assert p.returncode == 0, p.stderr
    with Image.open(data / "chelsea.png") as src, Image.open(out) as got:
        ref = src.resize((200, 133), Image.Resampling.BICUBIC).convert("L")
        assert got.mode == "L" and got.size == (200, 133)
        assert mean_abs_diff(got, ref) < 0.5


def test_run_chain_to_binary_and_pad(exe, data, tmp_path):
    out = tmp_path / "mask.png"
    p = run(exe, "run", data / "chelsea.png", "-o", out, "resize:256x256", "rotate:45", "to_gray", "to_binary:0.5",
            "center_pad:512x400,1", "downsample:2")
    assert p.returncode == 0, p.stderr
    info = json.loads(run(exe, "info", "--json", out).stdout)
    assert (info["width"], info["height"], info["mode"]) == (256, 200, "1")


def test_run_shrink_on_load_jpeg(exe, data, tmp_path):
    # A pipeline starting with a downscale decodes the JPEG at reduced DCT
    # scale; the result stays close to full decode + resize.
    out = tmp_path / "thumb.png"
    assert run(exe, "run", data / "rocket.jpg", "-o", out, "resize:100x67").returncode == 0
    with Image.open(data / "rocket.jpg") as src, Image.open(out) as got:
        assert got.size == (100, 67)
        assert mean_abs_diff(got, src.convert("RGB").resize((100, 67), Image.Resampling.BILINEAR)) < 3


def test_run_streams_a_first_resize_past_max_pixels(exe, tmp_path):
    # 13,400 x 13,400 gray (179.6 Mpx, above the 178,956,970 of max_pixels)
    # in a small PNG: refused whole, thumbnailed when --max-stream-pixels
    # allows it (the decode streams into resize), same pixels as Pillow's
    # decode + resize of a smaller image of the same content (all zeros).
    import zlib
    side = 13_400
    row = b"\x00" * (side + 1)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(side)) + z.flush()

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    src = tmp_path / "huge.png"
    src.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                    + chunk(b"tEXt", b"padding\x00" + b"x" * 40_000)  # within max_expansion (1024)
                    + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    out = tmp_path / "thumb.png"
    p = run(exe, "run", src, "-o", out, "resize:64x64")
    assert p.returncode != 0 and "max_pixels" in p.stderr, p.stderr
    p = run(exe, "run", src, "-o", out, "resize:64x64", "--max-stream-pixels", "200000000")
    assert p.returncode == 0, p.stderr
    with Image.open(out) as im:
        assert im.size == (64, 64) and im.mode == "L" and im.getextrema() == (0, 0)
    p = run(exe, "run", src, "-o", out, "flip_horizontal", "--max-stream-pixels", "200000000")
    assert p.returncode != 0 and "max_pixels" in p.stderr, p.stderr  # not a first resize: decoded whole
    # batch takes the same option.
    assert run(exe, "batch", src, "-o", tmp_path / "b1", "resize:64x64").returncode != 0
    p = run(exe, "batch", src, "-o", tmp_path / "b2", "resize:64x64", "--max-stream-pixels", "200000000")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "b2" / "huge.png").exists()


@pytest.mark.parametrize("step, message", [
    ("resize:0x0", "resize: argument 'size' must be positive (one side may be 0 to keep the aspect ratio), got 0x0 (WxH)"),
    ("resize:10", "resize: argument 'size' '10' is not WIDTHxHEIGHT"),
    ("rotate:abc", "rotate: argument 'rotation' 'abc' is not a number"),
    ("to_binary:2", "to_binary: argument 'threshold' must be >= 0 and <= 1, got 2"),
    ("crop:1,2,3", "crop: argument 'bbox' '1' is not a box X0:Y0:X1:Y1"),
    ("crop:0:0:500:10", "crop: BoundingBox(xmin=0, ymin=0, xmax=500, ymax=10, normalized=false): xmax 500 is beyond "
                        "the right edge (x = 451) of the 451x300 (WxH) image"),
    ("center_pad:1x1,x", "center_pad: argument 'fill' 'x' is not a number"),
    ("center_pad:100x100", "center_pad: target 100x100 (WxH) is smaller than the image 451x300 (WxH)"),
    ("resize:10x10,cubic", "resize: argument 'mode' must be one of bilinear, lanczos, nearest, bicubic, area, "
                           "got 'cubic'"),
    ("resize:10x10,mode=nearest,mode=area", "resize: argument 'mode' given twice"),
    ("blend:{data}/chelsea_gray.jpg,0.5", "blend: argument 'with_bbox' is required"),
    ("downsample:2.5", "downsample: argument 'factor' expects an int, got 2.5"),
])
def test_run_bad_step_arguments(exe, data, tmp_path, step, message):
    """The library's checks and messages (one per problem, naming the operation), not the CLI's own."""
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "x.png", step.format(data=data))
    assert p.returncode == 1
    assert message in p.stderr and p.stderr.startswith("pixelcache: ") and p.stderr.count("\n") == 1, p.stderr
    assert not (tmp_path / "x.png").exists()


def test_run_unknown_step_points_to_help(exe, data, tmp_path):
    # One line naming the step and where the list is, not the ~40 steps.
    p = run(exe, "run", data / "chelsea.png", "-o", tmp_path / "x.png", "sharpen")
    assert p.returncode == 1
    assert p.stderr == "pixelcache: unknown step 'sharpen' (--help lists the steps)\n"
    # --help does list them (image -> image steps only).
    h = run(exe, "run", "--help")
    assert "resize:SIZE[,mode=bilinear]" in h.stdout + h.stderr and "equalize_hist" in h.stdout + h.stderr
    assert "\n  mask2bbox" not in h.stdout + h.stderr


def test_run_palette(exe, data, tmp_path):
    out = tmp_path / "v.png"
    assert run(exe, "run", data / "camera.png", "-o", out, "equalize_hist", "apply_palette:viridis").returncode == 0
    with Image.open(out) as im:
        assert im.mode == "RGB" and im.size == (512, 512)
    p = run(exe, "run", data / "camera.png", "-o", out, "apply_palette:virdis")
    assert p.returncode == 1 and "viridis" in p.stderr


def test_mask_workflow_from_the_shell(exe, tmp_path):
    """The mask -> blend -> crop workflow with run steps and grid only."""
    import pathlib

    coffee = pathlib.Path(__file__).parents[2] / "assets" / "coffee.png"
    mask, blended, cropped, grid = (tmp_path / n for n in ("mask.png", "blend.png", "crop.png", "grid.png"))
    assert run(exe, "run", coffee, "-o", mask, "to_gray", "to_binary:0.7", "morphology:close,25",
               "morphology:open,9").returncode == 0
    assert run(exe, "run", coffee, "-o", blended, "blend:" + str(mask) + ",0.3,with_bbox").returncode == 0
    assert run(exe, "run", coffee, "-o", cropped, "crop_from_mask:" + str(mask) + ",0.05").returncode == 0
    assert run(exe, "grid", "-o", grid, "--label", "image", coffee, "--label", "mask", mask, "--label", "blend",
               blended, "--label", "crop", cropped, "--orientation", "vertical", "--text").returncode == 0
    with Image.open(mask) as m, Image.open(blended) as b, Image.open(grid) as g:
        assert m.mode == "1"
        assert b.mode == "RGB" and (255, 0, 0) in set(b.getdata())  # red boxes drawn
        assert g.width == 4 * 600
    empty = tmp_path / "empty.png"
    Image.new("1", (600, 400)).save(empty)
    p = run(exe, "run", coffee, "-o", tmp_path / "x.png", "crop_from_mask:" + str(empty))
    assert p.returncode == 1 and "empty" in p.stderr


def test_untrusted_bytes_are_escaped_on_stderr(exe, data, tmp_path):
    # A PNG with a chunk named b"\x8fBad", in a file whose name is not ASCII.
    import zlib

    png = (data / "chelsea.png").read_bytes()
    chunk = struct.pack(">I", 3) + b"\x8fBad" + b"xyz" + struct.pack(">I", zlib.crc32(b"\x8fBadxyz"))
    path = write(tmp_path, "caf\u00e9\x01.png", png[:33] + chunk + png[33:])
    for command in ("info", "hash"):
        p = subprocess.run([exe, command, str(path)], capture_output=True, timeout=30)
        assert p.returncode == 1 and p.stdout == b""
        err = p.stderr
        text = err.rstrip(b"\n").decode("utf-8")  # valid UTF-8, printable: no control characters
        assert text.isprintable(), err
        assert "\\x8fBad" in text and "caf\u00e9\\x01.png" in text, err  # é kept, \x01 and \x8f escaped
