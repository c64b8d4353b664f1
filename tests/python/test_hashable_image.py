"""HashableImage over the C++ core: inputs, copies versus views, digest,
hash and equality, bad input."""
import os
import pathlib
import subprocess

import numpy as np
import pytest
from PIL import Image

import pixelcache
from pixelcache import HashableImage

DATA = pathlib.Path(__file__).parents[1] / "data"
CHELSEA = "ed65aa01c3f6aae80ccb80578f5bcd11"  # the C++ golden value


def test_same_pixels_same_digest_from_every_source():
    arr = np.asarray(Image.open(DATA / "chelsea.png"))
    sources = [
        DATA / "chelsea.png",                         # pathlib.Path
        str(DATA / "chelsea.bmp"),                     # str
        (DATA / "chelsea.webp").read_bytes(),          # bytes
        arr,                                           # ndarray uint8
        arr.astype(np.float32) / 255,                  # float32 of exact k/255
        arr / 255.0,                                   # float64 of exact k/255
        Image.open(DATA / "chelsea_rgba.png"),         # PIL RGBA, alpha dropped
        Image.open(DATA / "chelsea_palette.png").convert("RGB"),
    ]
    images = [HashableImage(s) for s in sources[:7]]
    assert {im.digest() for im in images} == {CHELSEA}
    assert len({hash(im) for im in images}) == 1
    assert all(im == images[0] for im in images)
    assert HashableImage(sources[7]) != images[0]  # 64 colours: other pixels


def test_digest_matches_the_command_line(tmp_path):
    # The CLI of the build under test (ctest sets PIXELCACHE_CLI), else the release one.
    cli = pathlib.Path(os.environ.get("PIXELCACHE_CLI") or
                       pathlib.Path(__file__).parents[2] / "build" / "release" / "cli" / "pixelcache")
    if not cli.exists():
        pytest.skip(f"CLI not built: {cli}")
    out = subprocess.run([cli, "hash", DATA / "coffee.png"], capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == HashableImage(DATA / "coffee.png").digest()


def test_modes_shapes_and_accessor_types():
    rgb = HashableImage(DATA / "chelsea.png")
    assert rgb.dtype() == "RGB" and rgb.size() == (300, 451) and rgb.shape == (300, 451, 3)
    assert rgb.numpy().dtype == np.uint8 and rgb.numpy().shape == (300, 451, 3)
    gray = HashableImage(DATA / "camera.png")
    assert gray.dtype() == "L" and gray.numpy().shape == (512, 512)
    mask = HashableImage(np.array([[True, False], [False, True]]))
    assert mask.dtype() == "1" and mask.is_binary()
    assert mask.numpy().dtype == bool and mask.numpy().tolist() == [[True, False], [False, True]]
    assert rgb.pil().mode == "RGB" and mask.pil().mode == "1"
    assert HashableImage(np.zeros((2, 2), np.uint8)).mode == "numpy"
    assert rgb.mode == "torch"  # paths load as the original's torch storage


def test_copies_are_independent_views_are_read_only_and_shared():
    img = HashableImage(DATA / "chelsea.png")
    before = img.digest()
    copy = img.numpy()
    copy[:] = 0  # mutating a copy never changes the image
    assert img.numpy()[0, 0].tolist() != [0, 0, 0]
    view = img.numpy_view()
    assert not view.flags.writeable
    with pytest.raises(ValueError):
        view[0, 0, 0] = 1
    assert np.shares_memory(view, img.numpy_view())  # zero-copy onto one storage
    assert not np.shares_memory(view, img.numpy())
    del img
    assert view.sum() > 0  # the view keeps the storage alive
    assert HashableImage(DATA / "chelsea.png").digest() == before


def test_input_array_is_copied_in():
    arr = np.zeros((4, 4), np.uint8)
    img = HashableImage(arr)
    arr[0, 0] = 255
    assert img.numpy()[0, 0] == 0


def test_usable_as_dict_key_and_immutable():
    a, b = HashableImage(DATA / "chelsea.png"), HashableImage(DATA / "chelsea.tiff")
    assert {a: "cat"}[b] == "cat"
    with pytest.raises(TypeError, match="masked_fill"):
        a[0, 0] = 1


@pytest.mark.parametrize("bad, exc", [
    (np.zeros((2, 2, 5), np.uint8), ValueError),      # channels
    (np.zeros((2,), np.uint8), ValueError),           # rank
    (np.zeros((2, 2), np.int64), TypeError),          # dtype
    (np.full((2, 2), np.nan, np.float32), ValueError),
    (np.full((2, 2), 2.0, np.float32), ValueError),   # out of [0, 1]
    (np.zeros((0, 3), np.uint8), ValueError),         # empty
    (3.5, TypeError),
])
def test_bad_arrays_and_types(bad, exc):
    with pytest.raises(exc):
        HashableImage(bad)


def test_bad_files_raise_typed_errors(tmp_path):
    with pytest.raises(pixelcache.Error, match="truncated.jpg"):
        HashableImage(DATA / "truncated.jpg")
    with pytest.raises(OSError, match="missing.png"):
        HashableImage(tmp_path / "missing.png")
    with pytest.raises(pixelcache.Error):
        HashableImage(b"not an image")


def test_pil_16_bit_and_gray_modes_normalise():
    v = np.arange(12, dtype=np.uint16).reshape(3, 4) * 257
    i16 = Image.fromarray(v)
    assert i16.mode == "I;16"
    img = HashableImage(i16)
    assert img.dtype() == "L" and img.numpy().tolist() == (v // 257).tolist()
    gray = Image.fromarray((v // 257).astype(np.uint8))
    la = Image.merge("LA", (gray, Image.new("L", (4, 3), 7)))  # alpha dropped
    assert HashableImage(la) == HashableImage((v // 257).astype(np.uint8))
