"""Every input kind (PIL modes, URLs), every accessor's type / shape /
dtype, views versus copies, encoding helpers."""
import base64
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

import pixelcache
from pixelcache import HashableImage, ImageSize


@pytest.mark.parametrize("mode, expected", [
    ("RGBA", "RGB"), ("P", "RGB"), ("CMYK", "RGB"), ("YCbCr", "RGB"), ("LAB", "RGB"), ("HSV", "RGB"),
    ("L", "L"), ("LA", "L"), ("I", "L"), ("F", "L"), ("I;16", "L"), ("1", "1")])
def test_every_pil_mode_normalises(chelsea, mode, expected):
    src = chelsea.pil().convert(mode) if mode not in ("I;16", "F", "I") else chelsea.pil().convert("L").convert(mode)
    img = HashableImage(src)
    assert img.dtype() == expected and img.mode == "pil" and img.size() == ImageSize(300, 451)
    if expected == "RGB":  # PIL's own conversion back to RGB is the reference
        assert np.array_equal(img.numpy(), np.asarray(src.convert("RGB")))
    elif mode in ("L", "LA", "I", "F"):
        assert np.array_equal(img.numpy(), np.asarray(chelsea.pil().convert("L")))


def test_pil_16_bit_gray_png_matches_the_file(tmp_path):
    v = (np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)
    Image.fromarray(v).save(tmp_path / "g16.png")
    opened = Image.open(tmp_path / "g16.png")
    assert opened.mode == "I"  # how Pillow opens 16-bit gray PNGs
    img = HashableImage(opened)
    assert img == HashableImage(tmp_path / "g16.png")
    assert np.array_equal(img.numpy(), np.floor(v / 257 + 0.5).astype(np.uint8))


def test_pil_exif_orientation_is_applied(data):
    upright = HashableImage(data / "exif_orient1.jpg")
    for k in range(2, 9):
        assert HashableImage(Image.open(data / f"exif_orient{k}.jpg")).size() == upright.size()


def test_url_input_and_errors(http_url, chelsea):
    img = HashableImage(f"{http_url}/chelsea.png")
    assert img == chelsea and repr(img).endswith("src=chelsea.png)")
    assert HashableImage(img.get_filename()) == chelsea  # a URL materialises a local temp PNG
    with pytest.raises(pixelcache.NetworkError, match="404"):
        HashableImage(f"{http_url}/missing.png")
    with pytest.raises(OSError):  # NetworkError is an OSError too
        HashableImage("http://127.0.0.1:9/refused.png")


def test_accessor_types_shapes_dtypes(chelsea):
    import torch

    cases = {
        "RGB": (chelsea, (300, 451, 3), np.uint8, "RGB", (1, 3, 300, 451), torch.float32),
        "L": (chelsea.to_gray(), (300, 451), np.uint8, "L", (1, 1, 300, 451), torch.float32),
        "1": (chelsea.to_binary(0.5), (300, 451), bool, "1", (1, 1, 300, 451), torch.bool),
    }
    for img, shape, dtype, pil_mode, tshape, tdtype in cases.values():
        for arr in (img.numpy(), img.numpy_view(), np.asarray(img)):
            assert arr.shape == shape and arr.dtype == dtype and img.shape == shape
        for pil in (img.pil(), img.pil_view()):
            assert pil.mode == pil_mode and pil.size == (451, 300)
        for t in (img.tensor(), img.tensor_view()):
            assert tuple(t.shape) == tshape and t.dtype == tdtype


def test_copies_never_change_the_image(chelsea):
    before = chelsea.digest()
    chelsea.numpy()[:] = 0
    chelsea.tensor().zero_()
    chelsea.pil().paste((0, 0, 0), (0, 0, 451, 300))
    chelsea.raw().zero_()  # a tensor: paths load as the original's torch storage
    assert HashableImage(chelsea.numpy()).digest() == before


def test_views_are_read_only_and_zero_copy(camera):
    v = camera.numpy_view()
    assert not v.flags.writeable and not v.flags.owndata
    with pytest.raises(ValueError):
        v[0, 0] = 1
    pv = camera.pil_view()  # L: a PIL image mapped onto the storage
    assert pv.readonly
    assert np.array_equal(np.asarray(pv), v)
    pv.putpixel((0, 0), 255 - int(v[0, 0]))  # PIL copies on write; the image is untouched
    assert camera.numpy_view()[0, 0] == v[0, 0]
    assert np.shares_memory(HashableImage(camera).numpy_view(), v)  # copying the handle shares pixels
    assert isinstance(HashableImage(Image.open(camera.get_filename())).raw_view(), Image.Image)
    assert HashableImage(camera.numpy()).raw_view().flags.writeable is False


def test_float_storage_views_as_converted_uint8():
    img = HashableImage(np.full((2, 2), 0.41, np.float32))
    assert img.is_float() and img.numpy().tolist() == [[105, 105], [105, 105]]
    v = img.numpy_view()  # as the original's tensor storage: the uint8 conversion, read-only
    assert v.dtype == np.uint8 and v.tolist() == [[105, 105], [105, 105]] and not v.flags.writeable


class _BytesPath:
    """An os.PathLike whose __fspath__ gives bytes."""

    def __init__(self, raw):
        self.raw = raw

    def __fspath__(self):
        return self.raw


@pytest.mark.parametrize("kind", ["str", "bytes", "pathlib", "pathlike_bytes"])
def test_save_refuses_a_nul_byte_never_truncating(tmp_path, chelsea, kind):
    name = str(tmp_path / "a") + "\0b.png"
    path = {"str": name, "bytes": os.fsencode(name), "pathlib": pathlib.Path(name),
            "pathlike_bytes": _BytesPath(os.fsencode(name))}[kind]
    for transparency in (None, "white"):
        with pytest.raises(pixelcache.InvalidArgument, match=r"a\\x00b\.png") as e:
            chelsea.save(path, transparency)
        assert isinstance(e.value, ValueError)
    assert os.listdir(tmp_path) == []  # no file named "a" (the name cut at the NUL)
    # Loading refuses it the same way (not the file the truncated name names).
    (tmp_path / "a").write_bytes(chelsea.bytes())  # what the name cut at the NUL would load
    with pytest.raises(pixelcache.InvalidArgument, match=r"a\\x00b\.png"):
        HashableImage(name)
    with pytest.raises(pixelcache.InvalidArgument):
        HashableImage.load_resized(name, (10, 10))


def test_save_accepts_bytes_and_pathlike_paths(tmp_path, chelsea):
    chelsea.save(os.fsencode(tmp_path / "b.png"))
    chelsea.save(_BytesPath(os.fsencode(tmp_path / "sub" / "c.png")))  # the folder is created
    assert HashableImage(tmp_path / "b.png") == chelsea == HashableImage(tmp_path / "sub" / "c.png")


@pytest.mark.parametrize("transparency", [None, "white"])
def test_save_over_a_symlink_replaces_the_link_target_untouched(tmp_path, chelsea, transparency):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "target.png"
    target.write_bytes(b"not to be written")
    link = tmp_path / "link.png"
    link.symlink_to(target)
    chelsea.save(link, transparency)
    assert not link.is_symlink() and link.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert HashableImage(link).size() == chelsea.size()
    assert target.read_bytes() == b"not to be written"
    assert sorted(os.listdir(tmp_path)) == ["link.png", "outside"]  # no temporary left
    # A planted link at the old fixed temporary name is not followed either.
    old_temporary = tmp_path / "cat.png.pixelcache-tmp"
    old_temporary.symlink_to(target)
    chelsea.save(tmp_path / "cat.png", transparency)
    assert target.read_bytes() == b"not to be written" and old_temporary.is_symlink()


def test_save_above_the_file_size_limit_raises_ioerror_and_leaves_nothing(tmp_path):
    # In a child: RLIMIT_FSIZE stays there (Python ignores SIGXFSZ: the write fails with EFBIG).
    out = tmp_path / "big.bmp"
    out.write_bytes(b"old")
    code = textwrap.dedent("""
        import resource, sys
        import numpy as np
        import pixelcache
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        img = pixelcache.HashableImage(np.full((400, 600, 3), 7, np.uint8))
        for transparency in (None, "white"):
            try:
                img.save(sys.argv[1], transparency)
            except pixelcache.IoError as e:
                assert isinstance(e, OSError) and sys.argv[1] in str(e), e
            else:
                raise SystemExit("no error")
        print("refused")
    """)
    p = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "refused", p.stderr
    assert out.read_bytes() == b"old" and os.listdir(tmp_path) == ["big.bmp"]


def test_save_base64_encode(tmp_path, chelsea):
    chelsea.save(tmp_path / "sub" / "cat.png")
    assert HashableImage(tmp_path / "sub" / "cat.png") == chelsea
    chelsea.save(tmp_path / "cat.jpg", quality=80)
    assert np.abs(HashableImage(tmp_path / "cat.jpg").numpy().astype(int) - chelsea.numpy()).mean() < 3
    b64 = chelsea.to_base64()
    assert HashableImage.from_base64(b64) == chelsea
    assert HashableImage.from_base64("data:image/png;base64," + b64) == chelsea
    assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    assert chelsea.encode("webp")[:4] == b"RIFF"
    with pytest.raises(pixelcache.EncodeError):
        chelsea.save(tmp_path / "cat.xyz")
    with pytest.raises(pixelcache.EncodeError, match="gif"):
        chelsea.encode("gif")  # no GIF writer
    assert chelsea.encode("jpg")[:2] == b"\xff\xd8" and chelsea.encode("TIFF")[:2] in (b"II", b"MM")
    with pytest.raises(ValueError):
        HashableImage.from_base64("not base64!")


def test_filename_and_summary(data, chelsea):
    assert chelsea.get_filename() == str(data / "chelsea.png")
    arr = HashableImage(chelsea.numpy())
    assert HashableImage(arr.get_filename()) == chelsea  # in-memory images materialise a temp PNG
    s = chelsea.summary()
    assert "RGB" in s and "300" in s and chelsea.digest() in s and "max=0.90588" in s  # [0, 1] for torch storage


def test_exceptions_form_one_hierarchy():
    assert issubclass(pixelcache.InvalidArgument, pixelcache.Error) and issubclass(pixelcache.InvalidArgument,
                                                                                   ValueError)
    assert issubclass(pixelcache.NetworkError, pixelcache.IoError) and issubclass(pixelcache.IoError, OSError)
    assert issubclass(pixelcache.DecodeError, pixelcache.Error)
    with pytest.raises(pixelcache.DecodeError):
        HashableImage(b"\x89PNG\r\n\x1a\n garbage")
    png = HashableImage(np.zeros((64, 64), np.uint8)).encode()
    with pytest.raises(pixelcache.LimitError, match=r"64x64 \(WxH\) image exceeds the limit of 100"):
        HashableImage(png, max_pixels=100)
    assert HashableImage(png, max_pixels=4096).size() == (64, 64)


@pytest.mark.parametrize("make", [lambda c: c, lambda c: c.to_gray(), lambda c: c.to_binary(0.5)])
def test_png_writer_output_reads_back_in_pillow(chelsea, make):
    import io

    img = make(chelsea)
    data = img.encode("PNG")
    pil = Image.open(io.BytesIO(data))
    pil.load()  # checks every CRC and the zlib stream
    assert pil.mode == {"RGB": "RGB", "L": "L", "1": "1"}[img.dtype()]
    assert np.array_equal(np.asarray(pil), img.numpy())
