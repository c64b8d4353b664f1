"""The Python original's API: HashableImage construction,
filenames, saving, accessors, introspection, statistics, constant images,
hash and equality, called with the original's argument names and defaults."""
from __future__ import annotations

import base64
import io
import os
import pickle
import time

import numpy as np
import pytest
import torch
from PIL import Image

import pixelcache
from pixelcache import HashableImage, ImageSize


@pytest.fixture()
def rgb_array():
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)


# -- construction ------------------------------------------------------------
def test_sources_and_their_mode(data, chelsea_array):
    assert HashableImage(str(data / "chelsea.png")).mode == "torch"  # a path is torch storage in the original
    assert HashableImage((data / "chelsea.png").read_bytes()).mode == "pil"
    assert HashableImage(chelsea_array).mode == "numpy"
    assert HashableImage(Image.fromarray(chelsea_array)).mode == "pil"
    assert HashableImage(torch.zeros(1, 3, 2, 2)).mode == "torch"
    # One meaning whatever the source (a deliberate difference from the original): the same pixels are equal.
    assert HashableImage(data / "chelsea.png") == HashableImage(chelsea_array)


def test_from_base64_gives_a_pil_image(chelsea_array):
    png = io.BytesIO()
    Image.fromarray(chelsea_array).save(png, format="PNG")
    img = HashableImage.from_base64(s=base64.b64encode(png.getvalue()).decode())
    assert img.mode == "pil" and np.array_equal(img.numpy(), chelsea_array)


def test_decode_bytes_returns_a_raw_array(data, chelsea_array):
    raw = (data / "chelsea.png").read_bytes()
    rgb = HashableImage.decode_bytes(raw)
    assert isinstance(rgb, np.ndarray) and rgb.dtype == np.uint8 and np.array_equal(rgb, chelsea_array)
    gray = (data / "camera.png").read_bytes()
    assert HashableImage.decode_bytes(gray).shape == (512, 512, 3)              # colour by default
    assert HashableImage.decode_bytes(gray, unchanged=True).shape == (512, 512)  # the file's own layout
    assert HashableImage.decode_bytes(raw, unchanged=True).shape == (300, 451, 3)
    with pytest.raises(ValueError):
        HashableImage.decode_bytes(b"not an image")


def test_zeros_from_size():
    img = HashableImage.zeros_from_size(ImageSize(height=4, width=5))
    assert img.mode == "torch" and img.dtype() == "RGB" and img.shape == (4, 5, 3)
    assert img.tensor().shape == (1, 3, 4, 5) and img.max() == 0


# -- filenames, saving, display --------------------------------------------------
def test_get_filename_follows_the_source_file(tmp_path, chelsea_array):
    path = tmp_path / "cat.png"
    Image.fromarray(chelsea_array).save(path)
    img = HashableImage(str(path))
    assert img.get_filename() == str(path) and img.get_local_filename() == str(path)
    # Overwritten since loading: a temp PNG of the loaded pixels instead.
    Image.fromarray(255 - chelsea_array).save(path)
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a changed mtime even on coarse clocks
    temp = img.get_filename()
    assert temp != str(path) and os.path.basename(temp).startswith("pixelcache_") and temp.endswith(".png")
    assert HashableImage(temp) == img and img.get_filename() == temp  # written once, then reused


def test_in_memory_images_materialise_a_temp_png(rgb_array):
    img = HashableImage(rgb_array)
    name = img.get_filename()
    assert os.path.isfile(name) and np.array_equal(np.asarray(Image.open(name)), rgb_array)
    assert img.get_filename() == name


def test_set_filename(tmp_path, rgb_array):
    img = HashableImage(rgb_array)
    other = tmp_path / "given.png"
    Image.fromarray(rgb_array).save(other)
    img.set_filename(filename=str(other))
    assert img.get_filename() == str(other)


def test_save_with_and_without_transparency(tmp_path, rgb_array):
    a = rgb_array.copy()
    a[0, 0] = (255, 255, 255)
    a[0, 1] = (255, 0, 3)   # one channel at 255: stays opaque (the original made it transparent)
    a[0, 2] = (0, 0, 0)
    img = HashableImage(a)
    img.save(tmp_path / "plain.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "plain.png")), a)
    img.save(path=tmp_path / "white.png", transparency="white")
    rgba = np.asarray(Image.open(tmp_path / "white.png"))
    assert rgba.shape == (6, 8, 4) and rgba[0, 0, 3] == 0 and rgba[0, 1, 3] == 255 and rgba[0, 2, 3] == 255
    img.save(tmp_path / "black.png", transparency="black")
    assert np.asarray(Image.open(tmp_path / "black.png"))[0, 2, 3] == 0
    img.save(tmp_path / "q.jpg", quality=95)
    assert Image.open(tmp_path / "q.jpg").format == "JPEG"
    with pytest.raises(ValueError):
        img.save(tmp_path / "x.png", transparency="red")


def test_bytes_b64_and_open_rb(data):
    img = HashableImage(data / "chelsea_q95.jpg")
    png_img = HashableImage(data / "chelsea.png")
    assert png_img.bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert HashableImage(base64.b64decode(png_img.b64())) == png_img
    assert base64.b64decode(png_img.b64(open_rb=True)) == (data / "chelsea.png").read_bytes()
    assert base64.b64decode(img.b64(open_rb=True)) == (data / "chelsea_q95.jpg").read_bytes()  # the JPEG itself


def test_show_calls_pil_show(monkeypatch, rgb_array):
    shown = []
    monkeypatch.setattr(Image.Image, "show", lambda self, *a, **k: shown.append(self.size))
    HashableImage(rgb_array).show()
    assert shown == [(8, 6)]


# -- accessors -------------------------------------------------------------------
@pytest.mark.parametrize("make", ["numpy", "pil", "torch"])
def test_copies_and_views(make, rgb_array):
    src = {"numpy": rgb_array, "pil": Image.fromarray(rgb_array),
           "torch": torch.from_numpy(rgb_array).permute(2, 0, 1)[None].float() / 255}[make]
    img = HashableImage(src)
    assert isinstance(img.pil(), Image.Image) and img.pil().mode == "RGB"
    assert img.numpy().dtype == np.uint8 and np.array_equal(img.numpy(), rgb_array)
    t = img.tensor()
    assert t.shape == (1, 3, 6, 8) and t.dtype == torch.float32 and float(t.max()) <= 1.0
    assert type(img.raw()).__name__ == {"numpy": "ndarray", "pil": "Image", "torch": "Tensor"}[make]
    v = img.numpy_view()
    assert not v.flags.writeable and np.array_equal(v, rgb_array)
    img.numpy()[:] = 0
    img.tensor().zero_()
    assert np.array_equal(img.numpy(), rgb_array)  # copies are independent


def test_numpy_view_of_float_storage_is_the_uint8_conversion():
    img = HashableImage(torch.full((1, 1, 2, 3), 0.5))
    assert img.is_float()
    v = img.numpy_view()
    assert v.dtype == np.uint8 and v.shape == (2, 3) and (v == 128).all() and not v.flags.writeable


# -- introspection and statistics -----------------------------------------------
def test_dtype_size_shape_flags(rgb_array):
    rgb, gray = HashableImage(rgb_array), HashableImage(rgb_array[..., 0])
    mask = HashableImage(rgb_array[..., 0] > 128)
    assert (rgb.dtype(), gray.dtype(), mask.dtype()) == ("RGB", "L", "1")
    assert rgb.size() == ImageSize(height=6, width=8)
    assert (rgb.shape, gray.shape, mask.shape) == ((6, 8, 3), (6, 8), (6, 8))
    assert rgb.is_rgb() and not gray.is_rgb() and mask.is_binary() and not rgb.is_binary()


def test_statistics_are_in_the_native_scale(rgb_array):
    levels = HashableImage(rgb_array)
    ref = rgb_array.astype(np.float64)
    assert levels.mean() == round(ref.mean(), 5) and levels.std() == round(ref.std(), 5)
    assert (levels.min(), levels.max(), levels.sum()) == (ref.min(), ref.max(), ref.sum())
    unit = HashableImage(torch.from_numpy(rgb_array).permute(2, 0, 1)[None].float() / 255)
    t = torch.from_numpy(rgb_array).double() / 255
    assert unit.mean() == pytest.approx(round(float(t.mean()), 5), abs=1e-5)
    assert unit.max() == pytest.approx(float(t.max()), abs=1e-5) and unit.min() == pytest.approx(float(t.min()), abs=1e-5)
    assert unit.std() == pytest.approx(float(t.std(unbiased=False)), abs=1e-5)  # N, not N - 1 (a deliberate difference from the original)
    mask = HashableImage(rgb_array[..., 0] > 128)
    assert mask.sum() == float((rgb_array[..., 0] > 128).sum()) and mask.max() == 1.0


def test_unique_values_as_torch_unique(rgb_array):
    img = HashableImage(rgb_array[..., 0])
    values, inverse, counts = img.unique_values()
    u, inv, cnt = img.tensor().unique(sorted=True, return_inverse=True, return_counts=True)
    assert values == u.tolist() and torch.equal(inverse, inv) and counts == cnt.tolist()
    assert all(0.0 <= v <= 1.0 for v in values) and sum(counts) == 48


def test_repr_and_summary(data, rgb_array):
    assert repr(HashableImage(data / "chelsea.png")) == \
        "HashableImage(mode=torch, dtype=RGB, size=ImageSize(height=300, width=451), src=chelsea.png)"
    mem = HashableImage(rgb_array)
    assert repr(mem) == "HashableImage(mode=numpy, dtype=RGB, size=ImageSize(height=6, width=8), src=mem)"
    s = mem.summary()
    assert s.startswith("HashableImage(mode=numpy, dtype=RGB, size=ImageSize(height=6, width=8), mean=")
    for key in ("std=", "min=", "max=", "filename="):
        assert key in s
    assert mem.get_filename() in s


def test_copy_is_a_new_equal_image_without_temp_files(rgb_array, tmp_path, monkeypatch):
    img = HashableImage(rgb_array)
    monkeypatch.setattr("tempfile.NamedTemporaryFile", None)  # copy() must not write one
    c = img.copy()
    assert c is not img and c == img and c.mode == img.mode and hash(c) == hash(img)


# -- constant images --------------------------------------------------------------
@pytest.mark.parametrize("make, white", [
    (lambda a: a, 255.0), (lambda a: Image.fromarray(a), 255.0),
    (lambda a: torch.from_numpy(a).permute(2, 0, 1)[None].float() / 255, 1.0)])
def test_zeros_like_and_ones_like(make, white, rgb_array):
    img = HashableImage(make(rgb_array))
    z, o = img.zeros_like(), img.ones_like()
    assert z.mode == o.mode == img.mode and z.shape == o.shape == img.shape
    assert z.max() == 0 and o.min() == white  # ones_like is white for every storage (a deliberate difference from the original)
    mask = HashableImage(rgb_array[..., 0] > 128)
    assert mask.ones_like().numpy().all() and not mask.zeros_like().numpy().any()


# -- hash and equality ------------------------------------------------------------
def test_hash_and_equality(rgb_array):
    a, b = HashableImage(rgb_array), HashableImage(Image.fromarray(rgb_array))
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != HashableImage(255 - rgb_array)
    assert a.__eq__("x") is NotImplemented and (a == "x") is False
    cache = {a: 1}
    assert cache[b] == 1
    assert pickle.loads(pickle.dumps(a)) == a


def test_numpy_defers_to_hashable_image(rgb_array):
    img = HashableImage(rgb_array)
    with pytest.raises(TypeError):
        img + img.numpy()  # the original returned a wrapping uint8 ndarray (255 + 255 = 254)
    with pytest.raises(TypeError):
        img.numpy() + img
    assert (img == img.numpy()) is False and (img.numpy() == img) is False  # not element-wise
    assert isinstance(np.asarray(img), np.ndarray)  # conversion still works


# -- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("bad, builtin, ours", [
    (np.zeros((2, 2), np.int64), TypeError, pixelcache.InvalidType),
    (np.zeros((2, 2, 3), bool), ValueError, pixelcache.InvalidArgument),
    (np.zeros((2, 2, 5), np.uint8), ValueError, pixelcache.InvalidArgument),
    (torch.zeros(2, 3, 4, 4), ValueError, pixelcache.InvalidArgument),
    (torch.zeros(1, 3, 4, 4, dtype=torch.int32), TypeError, pixelcache.InvalidType),
    (object(), TypeError, pixelcache.InvalidType),
    (b"junk", ValueError, pixelcache.DecodeError),
])
def test_every_error_is_a_pixelcache_error_and_the_fitting_builtin(bad, builtin, ours):
    with pytest.raises(ours) as info:
        HashableImage(bad)
    assert isinstance(info.value, pixelcache.Error) and isinstance(info.value, builtin)


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(pixelcache.IoError) as info:
        HashableImage(tmp_path / "missing.png")
    assert isinstance(info.value, OSError) and isinstance(info.value, pixelcache.Error)


def test_get_filename_does_not_trust_a_stale_fingerprint(tmp_path, rgb_array):
    path = tmp_path / "a.png"
    Image.fromarray(rgb_array).save(path)
    img = HashableImage(path)
    time.sleep(0.01)
    path.write_bytes(path.read_bytes() + b"\0")  # same mtime possible on coarse clocks, but the size changes
    assert img.get_filename() != str(path)


def test_temp_files_are_removed_at_exit_by_the_process_that_wrote_them(tmp_path):
    import subprocess
    import sys

    code = ("import numpy as np, os, sys\nfrom pixelcache import HashableImage\n"
            "name = HashableImage(np.zeros((2, 2), np.uint8)).get_filename()\n"
            "pid = os.fork()\n"
            "if pid == 0:\n    sys.exit(0)  # a forked child exiting normally must not remove it\n"
            "os.waitpid(pid, 0)\nassert os.path.exists(name)\nprint(name)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    name = out.stdout.strip()
    assert name.endswith(".png") and not os.path.exists(name)  # gone once the writer exited
