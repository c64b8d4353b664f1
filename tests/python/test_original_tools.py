"""The Python original's API: the helper modules users import (pixelcache.tools.*),
called with the original's argument names and defaults."""
from __future__ import annotations

import hashlib
import pathlib

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

import pixelcache
from pixelcache import HashableImage, ImageSize
from pixelcache.tools import bbox as tbbox
from pixelcache.tools import cache as tcache
from pixelcache.tools import draw as tdraw
from pixelcache.tools import image as timage
from pixelcache.tools import keypoints as tkp
from pixelcache.tools import mask as tmask
from pixelcache.tools import text as ttext
from pixelcache.tools import utils as tutils


@pytest.fixture()
def rgb():
    return np.random.default_rng(3).integers(0, 256, (12, 16, 3), dtype=np.uint8)


# -- tools/image.py ----------------------------------------------------------
def test_read_image(data, chelsea_array):
    t = timage.read_image(data / "chelsea.png")
    assert t.shape == (1, 3, 300, 451) and t.dtype == torch.float32
    assert torch.equal(t, torch.from_numpy(chelsea_array).permute(2, 0, 1)[None].float() / 255)
    assert timage.read_image(str(data / "chelsea_gray.jpg")).shape[1] == 1
    with pytest.raises(OSError):
        timage.read_image(data / "missing.png")


def test_conversions(rgb):
    t = timage.numpy2tensor(rgb)
    assert t.shape == (1, 3, 12, 16) and torch.equal(t, torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255)
    assert timage.numpy2tensor(rgb[..., 0] > 9).dtype == torch.bool
    assert torch.equal(timage.pil2tensor(Image.fromarray(rgb)), t)
    assert np.array_equal(timage.tensor2numpy(t), rgb)
    half = torch.full((1, 1, 2, 2), 0.5 / 255)  # 0.5 levels: ties go to even
    assert timage.tensor2numpy(half).tolist() == [[0, 0], [0, 0]]
    assert timage.tensor2numpy(torch.full((1, 1, 2, 2), 1.5 / 255)).tolist() == [[2, 2], [2, 2]]
    assert timage.tensor2numpy(torch.full((1, 3, 2, 2), 7.0)).max() == 255  # clamped
    assert timage.tensor2numpy(torch.ones(1, 1, 2, 2, dtype=torch.bool)).dtype == bool
    assert timage.tensor2numpy(torch.zeros(3, 3, 4, 4), padding=2).shape == (8, 20, 3)  # a batch is tiled
    assert timage.tensor2numpy(t, output_type=np.float32).dtype == np.float32
    pil = timage.tensor2pil(t)
    assert pil.mode == "RGB" and np.array_equal(np.asarray(pil), rgb)


def test_save_image(tmp_path, rgb):
    timage.save_image(rgb, path=tmp_path / "a.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), rgb)
    t = torch.linspace(0.2, 0.6, 12).reshape(1, 1, 3, 4)
    timage.save_image(t, path=tmp_path / "n.png")  # normalize=True stretches to [0, 1]
    a = np.asarray(Image.open(tmp_path / "n.png"))
    assert a.min() == 0 and a.max() == 255
    timage.save_image(t, path=tmp_path / "raw.png", normalize=False)
    assert np.asarray(Image.open(tmp_path / "raw.png")).max() == round(0.6 * 255)


def test_list_grid(rgb):
    a, b = Image.fromarray(rgb), Image.fromarray(255 - rgb)
    g = timage.make_image_grid([a, b, a], rows=2, cols=2)
    arr = np.asarray(g)
    assert g.mode == "RGB" and g.size == (32, 24)
    assert np.array_equal(arr[:12, :16], rgb) and np.array_equal(arr[:12, 16:], 255 - rgb)
    assert np.array_equal(arr[12:, :16], rgb) and not arr[12:, 16:].any()  # missing cells stay black
    assert timage.make_image_grid([a], rows=1, cols=1, resize=8).size == (8, 8)


def test_center_pad_binary_rgb_gray_tile(rgb):
    padded = timage.center_pad(rgb, ImageSize(20, 30))
    assert padded.shape == (20, 30, 3) and padded.dtype == np.uint8
    y0, x0 = 20 // 2 - 12 // 2, 30 // 2 - 16 // 2  # the original's placement
    assert np.array_equal(padded[y0:y0 + 12, x0:x0 + 16], rgb) and padded.sum() == rgb.astype(int).sum()
    mask = timage.to_binary(rgb, threshold=0.5)
    assert mask.dtype == bool and np.array_equal(mask, (rgb > 0.5 * 255).any(axis=2))
    assert timage.to_binary(Image.fromarray(rgb)).mode == "1"
    tmask_ = timage.to_binary(torch.full((1, 3, 2, 2), 0.4), threshold=0.3)
    assert tmask_.shape == (1, 1, 2, 2) and tmask_.all()  # tensors: channel mean > threshold
    with pytest.raises(ValueError):
        timage.to_binary(rgb, threshold=2.0)
    assert timage.to_rgb(rgb[..., 0]).shape == (12, 16, 3)
    assert timage.to_rgb(torch.zeros(1, 1, 2, 2)).shape == (1, 3, 2, 2)
    assert timage.rgb2gray(rgb).shape == (12, 16)
    tiles = timage.tile(Image.fromarray(rgb), mode="2x3")
    assert list(tiles) == ["0x0", "0x1", "0x2", "1x0", "1x1", "1x2"] and tiles["1x2"].size == (5, 6)
    assert np.array_equal(np.asarray(tiles["1x2"]), rgb[6:12, 10:15])


def test_resize_image():
    t = torch.rand(1, 3, 40, 60)
    assert timage.resize_image(t, None, "bilinear").shape == (1, 3, 32, 64)  # round(h / 16) * 16, ties to even
    assert timage.resize_image(t, 32, "bilinear").shape == (1, 3, 32, 48)
    assert timage.resize_image(t, 32, "nearest", resize_min_max="max", modulo=8).shape == (1, 3, 24, 32)
    assert timage.resize_image(t, ImageSize(10, 20), "bilinear").shape == (1, 3, 10, 20)
    m = timage.resize_image(torch.ones(1, 1, 8, 8, dtype=torch.bool), ImageSize(4, 4), "nearest")
    assert m.dtype == torch.bool and m.shape == (1, 1, 4, 4)


# -- tools/mask.py -----------------------------------------------------------
@pytest.fixture()
def blobs():
    m = np.zeros((40, 50), bool)
    m[5:15, 10:20] = True
    m[25:35, 30:45] = True
    return m


def test_mask2bbox_and_friends(blobs):
    boxes = tmask.mask2bbox(blobs, 0.0)
    assert boxes == [(10.0, 5.0, 20.0, 15.0), (30.0, 25.0, 45.0, 35.0)]  # exclusive ends, top to bottom
    assert tmask.mask2bbox(blobs, 0.0, normalized=True)[0] == pytest.approx((0.2, 0.125, 0.4, 0.375))
    assert tmask.mask2bbox(blobs, margin=0.0, merge=True) == [(10.0, 5.0, 45.0, 35.0)]
    assert tmask.mask2bbox(blobs, 0.0, number_of_objects=1) == [(30.0, 25.0, 45.0, 35.0)]
    assert tmask.mask2bbox(np.zeros((4, 4), bool), 0.0) == []
    sq = tmask.mask2squaremask(blobs, 0.0)
    assert sq.dtype == bool and np.array_equal(sq, blobs)
    back = tmask.bbox2mask(boxes, ImageSize(40, 50))
    assert np.array_equal(back, blobs)
    assert np.array_equal(tmask.bbox2mask([(0.2, 0.125, 0.4, 0.375)], ImageSize(40, 50))[5:15, 10:20],
                          np.ones((10, 10), bool))
    assert tmask.resize_squaremask(blobs, ImageSize(20, 25)).shape == (20, 25)
    img = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    assert np.array_equal(tmask.crop_from_mask(img, blobs, merge=True), img[5:35, 10:45])


def test_morphology_regions_blend(blobs):
    u8 = blobs.astype(np.uint8)
    k = np.ones((3, 3), np.float32)
    assert np.array_equal(tmask.morphologyEx(blobs, cv2.MORPH_DILATE, k), cv2.dilate(u8, np.ones((3, 3))) > 0)
    assert np.array_equal(tmask.morphologyEx(blobs, cv2.MORPH_ERODE, k),
                          cv2.erode(u8, np.ones((3, 3)), borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0)
    with pytest.raises(ValueError):
        tmask.morphologyEx(blobs, cv2.MORPH_OPEN, k, struct="ellipse")
    speck = blobs.copy()
    speck[0, 0] = True
    assert np.array_equal(tmask.remove_disconnected_regions(speck, 0.01), blobs)
    assert np.array_equal(tmask.remove_disconnected_regions([speck], 0.0)[0], speck)
    img = np.full((40, 50, 3), 200, np.uint8)
    out = tmask.mask_blend(img, blobs, 0.5, with_bbox=False)
    assert out[0, 0].tolist() == [100, 100, 100] and out[6, 12].tolist() == [200, 200, 200]


# -- tools/bbox.py -----------------------------------------------------------
def test_bbox_tools(rgb):
    assert np.array_equal(tbbox.crop_from_bbox(rgb, [(2, 1, 6, 5), (4, 3, 8, 9)], is_normalized=False),
                          rgb[1:9, 2:8])
    assert np.array_equal(tbbox.crop_from_bbox(rgb, [(0.25, 0.25, 0.5, 0.5)], is_normalized=True), rgb[3:6, 4:8])
    patch = np.zeros((4, 4, 3), np.uint8)
    out = tbbox.uncrop_from_bbox(rgb, patch, [(2, 2, 6, 6)], is_normalized=False)
    assert not out[2:6, 2:6].any() and np.array_equal(out[0], rgb[0])
    grown = tbbox.increase_bbox([(10, 10, 20, 20)], ImageSize(100, 100), is_normalized=False, margin=0.1)
    assert grown == [(9, 9, 21, 21)]
    iou = tbbox.bbox_iou(np.array([[0, 0, 2, 2], [0, 0, 1, 1]]), np.array([[1, 1, 3, 3]]))
    assert iou.shape == (2, 1) and iou[0, 0] == pytest.approx(1 / 7) and iou[1, 0] == 0  # n x m works
    assert isinstance(tbbox.bbox_iou(torch.tensor([[0, 0, 2, 2]]), torch.tensor([[0, 0, 2, 2]])), torch.Tensor)
    assert tbbox.bbox_intersection((0, 0, 10, 10), (2, 2, 4, 4)) == 1.0
    assert tbbox.bbox_intersection((0, 0, 2, 2), (1, 0, 5, 2)) == pytest.approx(2 / 8)
    assert tbbox.align_bounding_boxes([(0, 0, 2, 2), (5, 5, 8, 8)], [(5, 5, 7, 7), (0, 0, 1, 1)]) == \
        [(0, 0, 1, 1), (5, 5, 7, 7)]
    assert tbbox.points2bbox([[(1, 5), (3, 2)]]) == [(1.0, 2.0, 3.0, 5.0)]


# -- draw, text, keypoints ----------------------------------------------
def test_draw_bbox(rgb):
    out = tdraw.draw_bbox(np.zeros((20, 20, 3), np.uint8), [(2, 2, 10, 10)], width=1)
    assert isinstance(out, np.ndarray) and out[2, 5].tolist() == [255, 0, 0] and not out[5, 5].any()
    pil = tdraw.draw_bbox(Image.new("RGB", (20, 20)), [(0.1, 0.1, 0.5, 0.5)], is_normalized=True, text=["a"])
    assert isinstance(pil, Image.Image) and pil.getpixel((2, 5)) == (255, 0, 0)
    with pytest.raises(ValueError):
        tdraw.draw_bbox(rgb, [(0, 0, 2, 2)], text=["a", "b"])


def test_text_helpers():
    path = ttext.get_font_path()
    assert path.endswith("JetBrainsMono-Regular.ttf") and pathlib.Path(path).is_file()
    assert ttext.get_font_path("JetBrainsMono-ExtraBold").endswith("ExtraBold.ttf")
    with pytest.raises(OSError):
        ttext.get_font_path("NoSuchFont")
    font = ttext.get_font(None, 20.0)
    assert ttext.get_font(path, 20) is font  # cached
    w, h = ttext.textsize("pixel", font)
    assert w > 20 and h > 5
    canvas = np.full((30, 80, 3), 255, np.uint8)
    drawn = ttext.draw_text(canvas, "Hi", (5, 5), color=(0, 0, 0))
    assert drawn.shape == canvas.shape and drawn.min() == 0 and canvas.min() == 255
    img = np.full((20, 5), 255, np.uint8)
    img[8:11] = 0
    assert ttext.remove_white_text(img).shape[0] == 6  # rows 6..11: 2 above, 1 below the ink (rows 8..10)
    assert ttext.display_string is pixelcache.display_string


def test_kpts2bbox():
    k = torch.tensor([[10.0, 20.0], [30.0, 5.0]])
    assert tkp.kpts2bbox(k, normalized=False) == [(10, 5, 30, 20)]
    assert tkp.kpts2bbox(k, normalized=True, image_size=ImageSize(40, 50)) == [(0.2, 0.125, 0.6, 0.5)]
    assert torch.equal(k, torch.tensor([[10.0, 20.0], [30.0, 5.0]]))  # the caller's tensor is untouched
    with pytest.raises(ValueError):
        tkp.kpts2bbox(torch.tensor([[0.1, 0.2]]), normalized=False)


# -- cache and utils ---------------------------------------------------
def test_cache_tools(tmp_path, monkeypatch):
    calls = []

    @tcache.lru_cache(maxsize=4)
    def f(img):
        calls.append(1)
        return img.digest()

    img = HashableImage(np.zeros((2, 2), np.uint8))
    assert f(img) == f(HashableImage(np.zeros((2, 2), np.uint8))) and len(calls) == 1

    @tcache.jaxtyped(typechecker=None)
    def g(x):
        return x + 1

    assert g(1) == 2 and tcache.jaxtyped(g) is g
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert tcache.get_cache_dir() == tmp_path
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert tcache.get_cache_dir() == pathlib.Path.home() / ".cache"
    p = tmp_path / "f.bin"
    p.write_bytes(b"abc")
    assert tcache.sha256sum(p) == hashlib.sha256(b"abc").hexdigest()[:8]
    assert tcache.pseudo_hash(0) == "yWAcqG"
    assert tutils.seed_everything(5, verbose=False) == 5


def test_disable_lru_cache_environment():
    import subprocess
    import sys

    code = ("from pixelcache.tools.cache import lru_cache\n"
            "n = []\n@lru_cache()\ndef f(x):\n    n.append(x)\n    return x\n"
            "f(1); f(1); print(len(n))")
    env = {**__import__("os").environ, "DISABLE_LRU_CACHE": "True"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "2"
