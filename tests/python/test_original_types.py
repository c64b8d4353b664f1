"""The Python original's API: ImageSize, BoundingBox, ImageCrop and Points with the
original's constructors, methods and results."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from PIL import Image

import pixelcache
from pixelcache import BoundingBox, HashableImage, ImageCrop, ImageSize, Points


# -- ImageSize ---------------------------------------------------------------
def test_image_size_construction():
    s = ImageSize(height=300, width=451)
    assert s == ImageSize(300, 451) and (s.height, s.width) == (300, 451) and s.is_normalized is False
    assert ImageSize(height=5.0, width=6) == ImageSize(5, 6)  # pydantic lax mode: 5.0 -> 5
    with pytest.raises(ValueError):
        ImageSize(height=5.5, width=6)
    with pytest.raises(ValueError):
        ImageSize(height=0, width=6)
    assert repr(s) == "ImageSize(height=300, width=451)" and hash(s) == hash((300, 451))


def test_image_size_methods_and_order():
    s = ImageSize(height=30, width=40)
    assert (s.area(), s.product(), s.min(), s.max()) == (1200, 1200, 30, 40)
    assert s * 0.5 == ImageSize(15, 20) and ImageSize(5, 5) * 0.5 == ImageSize(2, 2)  # round half to even
    assert ImageSize(10, 10) < ImageSize(20, 20) and ImageSize(10, 10) <= ImageSize(10, 20)
    assert not ImageSize(10, 30) < ImageSize(20, 20) and not ImageSize(10, 30) > ImageSize(20, 20)  # partial order
    assert ImageSize(20, 20) >= ImageSize(20, 10)
    with pytest.raises(TypeError):
        ImageSize(1, 1) < (2, 2)
    assert (ImageSize(1, 1) == "x") is False  # the original raised TypeError


def test_image_size_from_image(data, chelsea_array):
    expected = ImageSize(300, 451)
    assert ImageSize.from_image(str(data / "chelsea.png")) == expected
    assert ImageSize.from_image(Image.fromarray(chelsea_array)) == expected
    assert ImageSize.from_image(chelsea_array) == expected
    assert ImageSize.from_image(torch.zeros(1, 3, 300, 451)) == expected
    with pytest.raises(TypeError):
        ImageSize.from_image(42)


def test_image_size_numeric_edges():
    # NumPy scalars are numbers; an integral float is a whole number, a bool
    # is not a number (InvalidType, also a TypeError); sides beyond a C int
    # are InvalidArgument, as any other refused size.
    assert ImageSize(np.int64(3), np.float32(4.0)) == ImageSize(3, 4)
    assert ImageSize(3, 4) * np.float64(1.5) == ImageSize(4, 6) and ImageSize(3, 4) * 2 == ImageSize(6, 8)
    assert ImageSize(3, 5) * 0.5 == ImageSize(2, 2)  # 1.5 -> 2, 2.5 -> 2: half to even
    for bad in [np.bool_(True), None, "3", [3]]:
        with pytest.raises(pixelcache.InvalidType):
            ImageSize(bad, 4)
    for bad in [2**31, -1, 0, 3.25, float("inf")]:
        with pytest.raises(pixelcache.InvalidArgument):
            ImageSize(bad, 4)
    with pytest.raises(pixelcache.InvalidArgument):
        ImageSize(2, 3) * 2**31
    with pytest.raises(TypeError):  # NotImplemented for what is not a number
        ImageSize(2, 3) * True
    with pytest.raises(TypeError):
        ImageSize(2, 3) * "2"
    with pytest.raises(ValueError):  # Python's round of NaN
        ImageSize(2, 3) * float("nan")
    for op in ("__lt__", "__le__", "__gt__", "__ge__"):
        assert getattr(ImageSize(2, 3), op)((2, 3)) is NotImplemented


def test_geometry_members_belong_to_the_extension():
    # The original's members are the compiled classes' own: loading the
    # extension alone (no package code runs) gives them, with the
    # signatures inspect reads.
    import subprocess
    import sys
    code = (
        "import importlib.util, inspect, sys\n"
        "spec = importlib.util.spec_from_file_location('_pixelcache', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "S, B = m.ImageSize, m.BoundingBox\n"
        "s = S(3.0, 4)\n"
        "print(s.area(), s.product(), s.min(), s.max(), s * 2, s < S(4, 5), s.is_normalized)\n"
        "print(B(1, 2, 3, 5).size(), B(1, 2, 3, 5).is_normalized(), str(B(1, 2, 3, 5)))\n"
        "print(inspect.signature(S), inspect.signature(S.from_image), inspect.signature(B))\n")
    out = subprocess.run([sys.executable, "-c", code, pixelcache._pixelcache.__file__], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == ["12 12 3 4 ImageSize(height=6, width=8) True False",
                   "ImageSize(height=3, width=2) False xmin: 1.0, ymin: 2.0, xmax: 3.0, ymax: 5.0",
                   "(height, width) (image, /) (xmin, ymin, xmax, ymax, image_size=None, normalized=None)"]


# -- BoundingBox -------------------------------------------------------------
def test_bounding_box_construction_and_validation():
    size = ImageSize(100, 200)
    b = BoundingBox(20, 10, 60, 50, size)
    assert b == BoundingBox(xmin=20, ymin=10, xmax=60, ymax=50, image_size=size)
    assert not b.is_normalized() and BoundingBox(0.1, 0.1, 0.5, 0.5).is_normalized()
    for bad in [(5, 0, 1, 1), (-1, 0, 5, 5)]:
        with pytest.raises(ValueError):
            BoundingBox(*bad, image_size=size)
    with pytest.raises(ValueError):
        BoundingBox(0.1, 0.1, 0.5, 0.5, normalized=True).xyxy  # normalised without a size


def test_bounding_box_formats():
    size = ImageSize(100, 200)
    b = BoundingBox(20.7, 10.2, 60.9, 50.5, size, normalized=False)
    assert b.xyxy == (20, 10, 60, 50) and all(isinstance(v, int) for v in b.xyxy)  # truncated, as int()
    assert b.xywh == (20, 10, 40, 40)
    n = BoundingBox(0.1, 0.2, 0.5, 0.6, image_size=size)
    assert n.xyxy == (20, 20, 100, 60) and n.xyxyn == (0.1, 0.2, 0.5, 0.6)
    assert n.xywhn == pytest.approx((0.1, 0.2, 0.4, 0.4))  # normalised values (the original gave pixels)
    assert b.size() == ImageSize(height=40, width=40)


def test_bounding_box_text_forms():
    b = BoundingBox(1, 2, 3, 4, image_size=ImageSize(10, 11), normalized=False)
    assert str(b) == "xmin: 1.0, ymin: 2.0, xmax: 3.0, ymax: 4.0"
    assert repr(b) == ("BoundingBox(xmin=1.0, ymin=2.0, xmax=3.0, ymax=4.0, image_size=ImageSize(height=10, "
                       "width=11), normalized=False)")
    assert eval(repr(b), {"BoundingBox": BoundingBox, "ImageSize": ImageSize}) == b  # valid Python


def test_bounding_box_equality_and_hash():
    size = ImageSize(10, 10)
    a, b = BoundingBox(1, 2, 3, 4, size, False), BoundingBox(1, 2, 3, 4, size, False)
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert (a == BoundingBox(1, 2, 3, 4, normalized=False)) is False  # the original raised TypeError
    assert pickle.loads(pickle.dumps(a)) == a


# -- ImageCrop ---------------------------------------------------------------
def test_image_crop_is_keyword_only_and_validated():
    with pytest.raises(TypeError):
        ImageCrop(0, 0, 1, 1)
    for bad in [dict(left=2, top=0, right=1, bottom=1), dict(left=0, top=1, right=1, bottom=1),
                dict(left=-1, top=0, right=1, bottom=1)]:
        with pytest.raises(ValueError):
            ImageCrop(**bad)
    c = ImageCrop(left=0.25, top=0, right=0.75, bottom=0.5)
    assert c.is_normalized() and not ImageCrop(left=0, top=0, right=10, bottom=10).is_normalized()
    assert repr(c) == "ImageCrop(left=0.25, top=0.0, right=0.75, bottom=0.5)"
    assert c == ImageCrop(left=0.25, top=0.0, right=0.75, bottom=0.5) and hash(c) == hash(
        ImageCrop(left=0.25, top=0.0, right=0.75, bottom=0.5))


def test_image_crop_call(chelsea_array):
    img = HashableImage(chelsea_array)
    out = ImageCrop(left=0.25, top=0.0, right=0.75, bottom=0.5)(img)
    h, w = 300, 451
    top, left = round(0.0 * h), round(0.25 * w)
    hh, ww = round(0.5 * h), round(0.5 * w)
    assert out.mode == "pil" and np.array_equal(out.numpy(), chelsea_array[top:top + hh, left:left + ww])
    px = ImageCrop(left=10, top=20, right=30, bottom=50)(img)
    assert np.array_equal(px.numpy(), chelsea_array[20:50, 10:30])
    outside = ImageCrop(left=440, top=290, right=460, bottom=310)(img)  # black beyond the image
    a = outside.numpy()
    assert a.shape == (20, 20, 3) and np.array_equal(a[:10, :11], chelsea_array[290:, 440:]) and not a[10:].any()


def test_image_crop_extras_round_trip(chelsea_array):
    img = HashableImage(chelsea_array)
    m = np.zeros(chelsea_array.shape[:2], bool)
    m[40:60, 70:100] = True
    ic = ImageCrop.from_mask(img, m)
    assert (ic.left, ic.top, ic.right, ic.bottom) == (70, 40, 100, 60) and not ic.is_normalized()
    assert ic.image.size() == ImageSize(20, 30) and ic.uncrop(img, blend_width=0) == img
    assert ImageCrop.from_bbox(img, BoundingBox(0, 0, 10, 10, normalized=False)).image.size() == ImageSize(10, 10)


# -- Points ------------------------------------------------------------------
def test_points_fields_and_conversions():
    size = ImageSize(height=10, width=20)
    p = Points(points=np.array([[2.0, 3.0], [10.5, 7.9]]), is_normalized=False, image_size=size)
    assert p.num_points == len(p) == 2 and not p.is_normalized and p.image_size == size
    assert np.array_equal(p.xy, [[2.0, 3.0], [10.5, 7.9]])
    assert np.allclose(p.xyn, [[0.1, 0.3], [0.525, 0.79]])
    n = Points(np.array([[0.5, 0.5]]), is_normalized=True, image_size=size)
    assert np.array_equal(n.xy, [[10.0, 5.0]]) and np.array_equal(n.xyn, [[0.5, 0.5]])
    assert p.list_tuple_int() == [(2, 3), (10, 7)]
    assert p.list_tuple_float(normalized=False) == [(2.0, 3.0), (10.5, 7.9)]
    assert p.list_tuple_float(normalized=True)[0] == pytest.approx((0.1, 0.3))
    assert (p.min_x(), p.min_y(), p.max_x(), p.max_y()) == (2, 3, 10, 7)


def test_points_to_mask_clip_and_shift():
    size = ImageSize(height=10, width=20)
    p = Points(np.array([[2.0, 3.0], [10.5, 7.9]]), False, size)
    mask = p.to_mask()
    a = mask.numpy()
    assert mask.dtype() == "L" and mask.mode == "numpy" and a.shape == (10, 20)
    assert a[3, 2] == 255 and a[7, 10] == 255 and a.sum() == 2 * 255
    far = Points(np.array([[25.0, -3.0]]), False, size)
    with pytest.raises(ValueError):
        far.to_mask()  # the original wrapped negatives and raised IndexError at W or H
    clipped = far.clip_to_image_bounds(size)
    assert np.array_equal(clipped.xy, [[19.0, 0.0]]) and not clipped.is_normalized
    shifted = p.shift_points((1, -1))
    assert np.array_equal(shifted.xy, [[3.0, 2.0], [11.5, 6.9]]) and shifted.image_size == size


def test_points_equality_hash_pickle():
    size = ImageSize(4, 4)
    a = Points(np.array([[1.0, 2.0]]), False, size)
    assert a == Points(np.array([[1.0, 2.0]]), False, size) and hash(a) == hash(Points([[1, 2]], False, size))
    assert a != Points(np.array([[1.0, 2.0]]), False, ImageSize(5, 5))
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(pixelcache.InvalidArgument):
        Points(np.zeros((3, 3)), False, size)
    assert HashableImage(np.zeros((4, 4), np.uint8)).crop_from_points(
        Points(np.array([[0.0, 0.0], [2.0, 1.0]]), False, size)).size() == ImageSize(2, 3)


@pytest.mark.parametrize("make", [
    lambda: BoundingBox("a", 0, 1, 1), lambda: ImageCrop(left=None, top=0, right=1, bottom=1),
    lambda: Points([["x", "y"]], False, ImageSize(2, 2)), lambda: ImageSize("3", 4), lambda: ImageSize(True, 4)])
def test_wrong_types_are_invalid_type(make):
    with pytest.raises(pixelcache.InvalidType) as info:
        make()
    assert isinstance(info.value, TypeError)
