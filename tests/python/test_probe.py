"""pixelcache.probe(): what an image is, from its header, without decoding.

Every test file and a generated file of every mode each format holds
(tests/tools/probe_corpus.py, written here with Pillow and vips) must probe
to what decoding gives (size and mode, from the C++ decoder) and what Pillow
says (format, EXIF orientation); every kind of source gives one answer;
errors are loading's; ImageSize.from_image() probes instead of decoding;
and probing a 12-megapixel file reads little of it, a 100-megapixel one
takes no memory to speak of (measured in child processes: rchar, max RSS).
"""
import os
import pathlib
import pickle
import struct
import subprocess
import sys
import textwrap
import threading
import time
import zlib

import pytest
from PIL import Image

import pixelcache
from pixelcache import HashableImage, ImageInfo, ImageSize, _pixelcache

TOOLS = pathlib.Path(__file__).parents[1] / "tools"
ASSETS = pathlib.Path(__file__).parents[2] / "assets"
sys.path.insert(0, str(TOOLS))
import probe_corpus  # noqa: E402

PIL_ORIENTED = {"JPEG", "PNG", "WEBP", "TIFF"}  # formats whose EXIF orientation loading applies


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return probe_corpus.generate(tmp_path_factory.mktemp("probe_corpus"))


def image_files(data, corpus):
    own = sorted(p for d in (data, ASSETS) for p in d.iterdir() if p.suffix.lower() in
                 {".jpg", ".png", ".webp", ".heic", ".avif", ".tif", ".tiff", ".bmp", ".gif"})
    return own + sorted(corpus)


def pillow_facts(path):
    """(format, EXIF orientation) as Pillow reads them; None for HEIF (no Pillow plugin here)."""
    try:
        with Image.open(path) as im:
            return im.format, im.getexif().get(0x0112, 1) if im.format in PIL_ORIENTED else 1
    except Exception:  # noqa: BLE001
        return None


def test_every_file_probes_as_it_decodes(data, corpus):
    files = image_files(data, corpus)
    assert len(corpus) > 100
    checked = 0
    for path in files:
        name = path.name
        if name.startswith("refused-") or name == "truncated.jpg":
            with pytest.raises(pixelcache.DecodeError):
                pixelcache.probe(path)
            continue
        info = pixelcache.probe(path)
        img = _pixelcache.Image.from_path(str(path))
        assert info.size == ImageSize(img.height, img.width), name
        assert info.mode == img.mode, name
        assert info.size == HashableImage(path).size(), name
        facts = pillow_facts(path)
        if facts is None:
            assert info.format in ("HEIF", "AVIF") and info.orientation == 1, name
        else:
            fmt, orientation = facts
            assert info.format == fmt, name
            if 1 <= orientation <= 8:
                assert info.orientation == orientation, name
        unrotated = pixelcache.probe(path, apply_orientation=False)
        assert unrotated.stored_size == info.stored_size and unrotated.orientation == info.orientation
        plain = _pixelcache.Image.from_path(str(path), apply_orientation=False)
        assert unrotated.size == ImageSize(plain.height, plain.width), name
        checked += 1
    assert checked >= len(files) - 3


def test_known_answers(data, corpus):
    by_name = {p.name: p for p in corpus}
    o6 = pixelcache.probe(data / "exif_orient6.jpg")
    assert (o6.format, o6.size, o6.stored_size, o6.mode, o6.orientation, o6.frames) == \
        ("JPEG", ImageSize(300, 451), ImageSize(451, 300), "RGB", 6, 1)
    assert pixelcache.probe(by_name["gif-frames3.gif"]).frames == 3
    assert pixelcache.probe(by_name["tiff-pages3.tif"]).frames == 3
    assert pixelcache.probe(by_name["png-apng3.png"]).frames == 3
    assert pixelcache.probe(by_name["gif-bw.gif"]).mode == "1"
    assert pixelcache.probe(by_name["bmp-P-gray.bmp"]).mode == "L"
    assert pixelcache.probe(by_name["png-P-gray.png"]).mode == "RGB"  # PNG palettes load as RGB
    assert pixelcache.probe(by_name["png-I16.png"]).mode == "L"
    assert pixelcache.probe(by_name["jpeg-CMYK.jpg"]).mode == "RGB"
    for name, orientation in (("jpeg-exif6-after-128k.jpg", 6), ("png-exif6-after-idat.png", 6),
                              ("tiff-exif7-ifd-at-end.tif", 7), ("webp-exif5-large.webp", 5)):
        assert pixelcache.probe(by_name[name]).orientation == orientation, name
    # Decoding refuses an animated WebP, and so does probing.
    with pytest.raises(pixelcache.DecodeError, match="animated"):
        pixelcache.probe(by_name["refused-webp-animated3.webp"])
    with pytest.raises(pixelcache.DecodeError, match="animated"):
        HashableImage(by_name["refused-webp-animated3.webp"])


class _PathLike:
    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


def test_every_kind_of_source_gives_one_answer(data):
    path = data / "exif_orient8.jpg"
    raw = path.read_bytes()
    expected = pixelcache.probe(str(path))
    for source in (path, _PathLike(str(path)), _PathLike(os.fsencode(path)), raw, bytearray(raw), memoryview(raw),
                   memoryview(bytearray(raw))):
        assert pixelcache.probe(source) == expected, type(source)
    with pytest.raises(pixelcache.InvalidType):
        pixelcache.probe(42)
    with pytest.raises(pixelcache.InvalidArgument):
        pixelcache.probe(memoryview(raw)[::2])  # not contiguous


def test_image_info_is_a_frozen_value(data):
    info = pixelcache.probe(data / "exif_orient6.jpg")
    assert repr(info) == ("ImageInfo(format='JPEG', size=ImageSize(height=300, width=451), mode='RGB', "
                          "orientation=6, frames=1, stored_size=ImageSize(height=451, width=300))")
    with pytest.raises(AttributeError):
        info.size = ImageSize(1, 1)
    with pytest.raises(AttributeError):
        info.extra = 1
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(info, protocol))
        assert back == info and hash(back) == hash(info)
    assert info != pixelcache.probe(data / "exif_orient5.jpg")
    assert info != "JPEG"
    assert len({info, pixelcache.probe(data / "exif_orient6.jpg")}) == 1
    assert isinstance(info, ImageInfo) and "ImageInfo" in pixelcache.__all__ and "probe" in pixelcache.__all__


def test_formats_come_from_the_registry():
    formats = _pixelcache._formats()
    assert [f[0] for f in formats] == ["PNG", "JPEG", "WEBP", "HEIF", "AVIF", "TIFF", "BMP", "GIF"]
    assert formats[1] == ("JPEG", [".jpg", ".jpeg"], [".jpe"], True, False)
    assert [f[0] for f in formats if f[3]] == ["PNG", "JPEG", "WEBP", "TIFF", "BMP"]
    assert [f[0] for f in formats if f[4]] == ["PNG", "HEIF", "AVIF", "TIFF", "BMP", "GIF"]
    # Every format ImageInfo.format may name (pickled states are read back by these names).
    for name, _, _, _, _ in formats:
        state = (name, (1, 1), (1, 1), "RGB", 1, 1)
        assert _pixelcache._image_info(state).format == name
    # pixelcache.find_duplicates walks folders for the extensions the CLI takes.
    from pixelcache import _dups
    assert _dups.IMAGE_EXTENSIONS == {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".avif", ".tif",
                                      ".tiff", ".bmp", ".gif"}


def test_errors_are_loadings(tmp_path, data):
    with pytest.raises(pixelcache.IoError):
        pixelcache.probe(tmp_path / "missing.png")
    with pytest.raises(pixelcache.IoError, match="directory"):
        pixelcache.probe(tmp_path)
    with pytest.raises(pixelcache.InvalidArgument):
        pixelcache.probe("a\0b.png")
    with pytest.raises(pixelcache.DecodeError, match="empty"):
        pixelcache.probe(b"")
    with pytest.raises(pixelcache.DecodeError, match="not a supported image format"):
        pixelcache.probe(b"hello world" * 10)
    # A 60000 x 60000 PNG header: a LimitError, as decoding gives; within a raised max_pixels, the expansion
    # limit (a 60-byte file cannot hold a 10 GB image).
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"\0" * 16) + chunk(b"IEND", b"")
    with pytest.raises(pixelcache.LimitError, match="max_pixels"):
        pixelcache.probe(bomb)
    with pytest.raises(pixelcache.LimitError, match="max_pixels"):
        HashableImage(bomb)
    with pytest.raises(pixelcache.LimitError, match="max_expansion"):
        pixelcache.probe(bomb, max_pixels=10**10)
    with pytest.raises(pixelcache.LimitError):
        pixelcache.probe(data / "chelsea.png", max_pixels=1000)
    # Every truncation of a header is a DecodeError.
    raw = (data / "exif_orient6.jpg").read_bytes()
    for n in range(0, 600):
        with pytest.raises(pixelcache.DecodeError):
            pixelcache.probe(raw[:n])
    # A body cut short behind a good header: probing answers, decoding fails.
    # (truncated.jpg is cut inside its header: both refuse it.)
    cut = raw[:len(raw) * 3 // 5]
    assert pixelcache.probe(cut) == pixelcache.probe(raw)
    with pytest.raises(pixelcache.DecodeError, match="truncated"):
        HashableImage(cut)
    with pytest.raises(pixelcache.DecodeError):
        pixelcache.probe(data / "truncated.jpg")


def test_urls(http_url, data):
    assert pixelcache.probe(f"{http_url}/exif_orient6.jpg") == pixelcache.probe(data / "exif_orient6.jpg")
    assert ImageSize.from_image(f"{http_url}/exif_orient6.jpg") == ImageSize(300, 451)
    with pytest.raises(pixelcache.NetworkError, match="404"):
        pixelcache.probe(f"{http_url}/missing.png")


@pytest.mark.threaded
def test_the_gil_is_released_while_reading(tmp_path, data):
    """probe() of a FIFO whose writer (another process) waits 0.5 s: the main
    thread keeps running meanwhile."""
    fifo = tmp_path / "slow.png"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"sleep 0.5; cat '{data / 'camera.png'}' > '{fifo}'"])
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("info", pixelcache.probe(fifo)))
    thread.start()
    ticks, start = 0, time.monotonic()
    while thread.is_alive() and time.monotonic() - start < 30:
        ticks += 1
        time.sleep(0.001)
    thread.join()
    writer.wait()
    assert result["info"] == pixelcache.probe(data / "camera.png")
    assert ticks > 50


def test_image_size_from_image_probes_paths(tmp_path, data, corpus):
    for path in [data / "exif_orient6.jpg", data / "chelsea.heic", *corpus]:
        if path.name.startswith("refused-"):
            continue
        expected = HashableImage(path).size()
        assert ImageSize.from_image(path) == expected, path.name  # pathlib.Path
        assert ImageSize.from_image(str(path)) == expected, path.name
        assert ImageSize.from_image(_PathLike(str(path))) == expected, path.name
    # No pixels decoded: a file whose body is cut short still has a size.
    raw = (data / "exif_orient6.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(raw[:len(raw) * 3 // 5])
    assert ImageSize.from_image(tmp_path / "cut.jpg") == ImageSize(300, 451)
    with pytest.raises(pixelcache.DecodeError):
        HashableImage(tmp_path / "cut.jpg")
    # Other inputs as before.
    assert ImageSize.from_image(HashableImage(data / "camera.png")) == ImageSize(512, 512)
    with pytest.raises(pixelcache.InvalidType):
        ImageSize.from_image(42)
    with pytest.raises(pixelcache.IoError):
        ImageSize.from_image(tmp_path / "missing.jpg")


def _child(code: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_probing_a_12_megapixel_file_reads_little_of_it(tmp_path):
    """Bytes read by the process (rchar in /proc/self/io) while probing
    12-megapixel JPEG, PNG and TIFF files written by Pillow: about the first
    64 KiB (and a directory at the end of the TIFF), not the file."""
    if not os.path.exists("/proc/self/io"):
        pytest.skip("no /proc/self/io")
    noise = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    files = {"JPEG": tmp_path / "large.jpg", "PNG": tmp_path / "large.png", "TIFF": tmp_path / "large.tif"}
    noise.save(files["JPEG"], quality=90)
    noise.save(files["PNG"], compress_level=1)
    noise.save(files["TIFF"], compression="tiff_deflate")  # libtiff writes the directory at the end
    out = _child(f"""
        import pixelcache
        def rchar():
            with open("/proc/self/io") as f:
                return int(next(l for l in f if l.startswith("rchar:")).split()[1])
        for path in {[str(p) for p in files.values()]!r}:
            before = rchar()
            info = pixelcache.probe(path)
            print(info.format, info.size.height, info.size.width, rchar() - before)
    """)
    for line, (fmt, path) in zip(out.splitlines(), files.items()):
        got_fmt, h, w, read = line.split()
        assert (got_fmt, int(h), int(w)) == (fmt, 3000, 4000)
        size = path.stat().st_size
        assert size > 5 << 20
        assert int(read) < 256 << 10, f"{fmt}: {read} of {size} bytes read"


def _png_100mp(path):
    """A valid 10000 x 10000 gray PNG: zero rows, every 50th row noise (so
    the file is larger than the expansion limit needs)."""
    w = h = 10000
    comp = zlib.compressobj(1)
    zero = bytes(w + 1)
    parts = []
    for y in range(h):
        parts.append(comp.compress(b"\0" + os.urandom(w) if y % 50 == 0 else zero))
    parts.append(comp.flush())
    z = b"".join(parts)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    idat = b"".join(chunk(b"IDAT", z[i:i + (1 << 20)]) for i in range(0, len(z), 1 << 20))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + idat +
                     chunk(b"IEND", b""))


def test_probing_a_100_megapixel_png_takes_no_memory(tmp_path):
    """The peak RSS of a child that probes a 100-megapixel PNG grows by less
    than 8 MB; of one that decodes it, by the 100 MB of pixels (so the
    measure sees a decode). The peak is reset after the imports, whose own
    peak may be higher (/proc/self/clear_refs, Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pytest.skip("cannot reset the peak RSS (/proc/self/clear_refs)")
    path = tmp_path / "huge.png"
    _png_100mp(path)
    code = """
        import pixelcache
        def peak():
            with open("/proc/self/status") as f:
                return int(next(l for l in f if l.startswith("VmHWM:")).split()[1])
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = peak()
        {action}
        print(peak() - before)
    """
    probed = int(_child(code.format(action=f"assert pixelcache.probe({str(path)!r}).size == (10000, 10000)")))
    decoded = int(_child(code.format(action=f"img = pixelcache.HashableImage({str(path)!r})")))
    assert probed < 8 * 1024, f"probe: max RSS grew by {probed} KiB"
    assert decoded > 90 * 1024, f"decode: max RSS grew by {decoded} KiB"


def test_readme_example_runs(monkeypatch):
    """The probe example of doc/python.md, run from the repository root."""
    root = pathlib.Path(__file__).parents[2]
    readme = (root / "doc" / "python.md").read_text()
    marker = "<!-- probe example: tests/python/test_probe.py runs this block -->\n```python\n"
    assert marker in readme
    block = readme.split(marker, 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    exec(compile(block, "doc/python.md", "exec"), {})
