"""The Python original's API: the original's component, region, polygon and
comparison helpers of tools.mask, and tools.text.create_text, on small
hand-made inputs whose answers are known, with direct cv2 calls as the
reference where the original uses cv2."""
from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

import pixelcache
from pixelcache import HashableImage
from pixelcache.tools import mask as tmask
from pixelcache.tools import text as ttext


@pytest.fixture()
def three():
    """Three 8-connected components: 2x2 (4 px) at the top left, 4x4 (16 px)
    at the bottom right, 3x3 (9 px) at the top right."""
    m = np.zeros((20, 20), bool)
    m[1:3, 1:3] = True
    m[12:16, 12:16] = True
    m[2:5, 14:17] = True
    return m


def cv2_labels(mask, connectivity=8):
    return cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=connectivity)


# -- components --------------------------------------------------------------------
def test_keep_n_largest_components(three):
    before = three.copy()
    assert np.array_equal(tmask.keep_n_largest_components(three, 1), np.pad(np.ones((4, 4), bool), ((12, 4), (12, 4))))
    two = tmask.keep_n_largest_components(three, 2)
    assert two.sum() == 16 + 9 and not two[1:3, 1:3].any()
    for n in (3, 7, -1):
        assert np.array_equal(tmask.keep_n_largest_components(three, n), three)
    assert not tmask.keep_n_largest_components(three, 0).any()
    # uint8 0/255 input (the original hands a bool array to cv2, a known bug of the original), the caller's mask untouched
    assert tmask.keep_n_largest_components(three.astype(np.uint8) * 255, 1).sum() == 16
    assert np.array_equal(three, before)
    # 8-connectivity: two diagonal squares are one component
    diag = np.zeros((6, 6), bool)
    diag[0:2, 0:2] = diag[2:4, 2:4] = True
    assert tmask.keep_n_largest_components(diag, 1).sum() == 8
    with pytest.raises(pixelcache.InvalidArgument, match="keep_n_largest_components: argument 'n'"):
        tmask.keep_n_largest_components(three, -2)
    with pytest.raises(TypeError, match="keep_n_largest_components: argument 'n'"):
        tmask.keep_n_largest_components(three, 1.5)


def test_reduce_masks_splits_by_component(three, caplog):
    parts = tmask.reduce_masks(three)
    _, labels, _, _ = cv2_labels(three)
    assert len(parts) == 3 and all(p.dtype == bool and p.shape == three.shape for p in parts)
    assert [int(p.sum()) for p in parts] == [4, 9, 16]  # raster order of the first pixel, as cv2 labels
    for k, p in enumerate(parts, start=1):
        assert np.array_equal(p, labels == k)
    largest = tmask.reduce_masks(three, number_of_objects=2)
    assert [int(p.sum()) for p in largest] == [9, 16]
    merged = tmask.reduce_masks(three, merge=True)
    assert len(merged) == 1 and np.array_equal(merged[0], three)
    assert tmask.reduce_masks(np.zeros((5, 5), bool)) == []
    assert tmask.reduce_masks(np.zeros((5, 5), bool), merge=True) == []
    with caplog.at_level(logging.ERROR, logger="pixelcache"):
        assert len(tmask.reduce_masks(three, number_of_objects=5)) == 3
    assert "asked for 5 objects" in caplog.text


def test_reduce_masks_morphology_and_area(three):
    # a 1-pixel line joined to a blob: opening with a 3x3 ones kernel removes it (cv2 reference)
    m = np.zeros((20, 20), bool)
    m[5:12, 5:12] = True
    m[8, 12:19] = True
    ref = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    opened = tmask.reduce_masks(m, opening=(3, 3))
    assert len(opened) == 1 and np.array_equal(opened[0], ref) and not opened[0][8, 13:].any()
    assert np.array_equal(tmask.reduce_masks(m, opening=3)[0], ref)  # an int k is k x k
    # a 1-pixel gap between two bars: closing with (1, 3) joins them into one component
    gap = np.zeros((10, 20), bool)
    gap[3:6, 2:9] = gap[3:6, 10:18] = True
    assert len(tmask.reduce_masks(gap)) == 2
    closed = tmask.reduce_masks(gap, closing=(1, 3))
    ref = cv2.morphologyEx(gap.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, 3), np.uint8)) > 0
    assert len(closed) == 1 and np.array_equal(closed[0], ref)
    # area_threshold: the 4-px square is below 1.5 % of 400 px, the 9-px one is not
    assert [int(p.sum()) for p in tmask.reduce_masks(three, area_threshold=0.015)] == [9, 16]
    with pytest.raises(ValueError):
        tmask.reduce_masks(three, area_threshold=1.0)


# -- remove_small_regions ----------------------------------------------------------------
def test_remove_small_regions_holes_include_the_border():
    m = np.ones((10, 10), bool)
    m[4:6, 4:6] = False  # an interior hole of 4 px
    m[0, 7:10] = False  # background touching the border, 3 px
    m[7:10, 0:4] = False  # a larger border region, 12 px
    out, changed = tmask.remove_small_regions(m, 0.05, "holes")  # threshold 5 px
    expected = m.copy()
    expected[4:6, 4:6] = expected[0, 7:10] = True
    assert changed and np.array_equal(out, expected)
    same, changed = tmask.remove_small_regions(m, 0.02, "holes")  # 2 px: nothing that small
    assert not changed and np.array_equal(same, m)
    assert m[4, 4] == False  # noqa: E712  (the caller's mask is untouched)


def test_remove_small_regions_islands_and_connectivity(three):
    out, changed = tmask.remove_small_regions(three, 0.015, "islands")  # 6 px: the 4-px square goes
    assert changed and out.sum() == 25 and not out[1:3, 1:3].any()
    out, changed = tmask.remove_small_regions(three, 0.5, "islands")  # all small: the largest stays
    assert changed and np.array_equal(out, tmask.keep_n_largest_components(three, 1))
    one = np.zeros((8, 8), bool)
    one[2:4, 2:4] = True
    out, changed = tmask.remove_small_regions(one, 0.9, "islands")  # its only island is small and kept
    assert not changed and np.array_equal(out, one)
    diag = np.zeros((6, 6), bool)
    diag[0:2, 0:2] = diag[2:4, 2:4] = True
    assert tmask.remove_small_regions(diag, 5 / 36, "islands", 8)[0].sum() == 8  # one 8-px island
    assert tmask.remove_small_regions(diag, 5 / 36, "islands", 4)[0].sum() == 4  # two 4-px ones: largest kept
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match="remove_small_regions: argument 'area_thresh'"):
            tmask.remove_small_regions(three, bad, "holes")
    with pytest.raises(pixelcache.InvalidArgument, match="'mode'"):
        tmask.remove_small_regions(three, 0.1, "dots")
    with pytest.raises(pixelcache.InvalidArgument, match="'connectivity'"):
        tmask.remove_small_regions(three, 0.1, "holes", 6)


# -- polygons ------------------------------------------------------------------------
def test_polygon_round_trip_rectangle_and_disc():
    rect = np.zeros((40, 50), bool)
    rect[5:25, 10:40] = True
    poly = tmask.mask_to_polygon(rect, min_area=10)
    assert sorted(map(tuple, poly)) == [(10, 5), (10, 24), (39, 5), (39, 24)]  # corners, inclusive pixels
    assert np.array_equal(tmask.polygon_to_mask(poly, (40, 50)), rect)  # exact
    disc = cv2.circle(np.zeros((64, 64), np.uint8), (32, 30), 20, 1, -1) > 0
    back = tmask.polygon_to_mask(tmask.mask_to_polygon(disc), pixelcache.ImageSize(64, 64))
    # CHAIN_APPROX_SIMPLE keeps every bend of a disc's outline: the round trip is within 1 % of the area
    assert np.count_nonzero(back ^ disc) <= 0.01 * disc.sum()
    assert tmask.mask_to_polygon(rect, min_area=601) == []  # contour area 29 x 19 = 551 < 601
    assert tmask.mask_to_polygon(np.zeros((5, 5), bool)) == []  # the original raises ValueError (a known bug of the original)
    # a list of polygons, and nothing
    two = tmask.polygon_to_mask([[(0, 0), (2, 0), (2, 2), (0, 2)], [(5, 5), (7, 5), (7, 7)]], (10, 10))
    assert two[0:3, 0:3].all() and two[5, 5] and two[7, 7] and two.sum() == 9 + 6
    assert not tmask.polygon_to_mask([], (4, 4)).any()


def test_contour_from_mask_is_cv2s():
    m = np.zeros((20, 20), bool)
    m[2:8, 3:9] = True
    m[12:15, 12:18] = True
    ref, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    ours = tmask.contour_from_mask(m)
    assert len(ours) == 2 and all(np.array_equal(a, b) for a, b in zip(ours, ref))
    assert len(ours[0]) + len(ours[1]) == 2 * (5 + 5) + 2 * (2 + 5)  # every boundary pixel
    assert tmask.contour_from_mask(np.zeros((4, 4), bool)) == []


def test_refine_masks():
    batch = np.zeros((2, 1, 32, 32), bool)
    batch[0, 0, 4:28, 4:28] = True
    batch[0, 0, 10:14, 10:14] = False  # a hole: filled
    batch[0, 0, 30, 30] = True  # a speck: dropped
    batch[1, 0, 1:4, 1:4] = True  # below min_area: all False
    before = batch.copy()
    out = tmask.refine_masks(batch, 50.0)
    assert out.shape == batch.shape and out.dtype == bool
    expected = np.zeros((32, 32), bool)
    expected[4:28, 4:28] = True
    assert np.array_equal(out[0, 0], expected) and not out[1, 0].any()
    assert np.array_equal(batch, before)
    t = tmask.refine_masks(torch.from_numpy(batch), 50.0)
    assert isinstance(t, torch.Tensor) and torch.equal(t, torch.from_numpy(out))
    with pytest.raises(ValueError, match="refine_masks: argument 'masks'"):
        tmask.refine_masks(batch[:, 0], 50.0)


# -- comparisons ------------------------------------------------------------------------
def test_mask_iou_and_intersection():
    a = np.zeros((10, 10), bool)
    a[0:4, 0:4] = True  # 16 px
    b = np.zeros((10, 10), bool)
    b[2:6, 0:4] = True  # 16 px, 8 shared with a
    c = np.zeros((10, 10), bool)
    c[8:10, 8:10] = True  # 4 px, disjoint
    iou = tmask.mask_iou(np.stack([a, b]), np.stack([a, b, c]))
    assert isinstance(iou, np.ndarray) and iou.shape == (2, 3)  # works on ndarrays (a known bug of the original)
    assert iou == pytest.approx(np.array([[1, 8 / 24, 0], [8 / 24, 1, 0]]))
    assert tmask.mask_iou(a, b, just_intersection=True) == pytest.approx(np.array([[8.0]]))
    assert tmask.mask_iou(np.zeros((3, 3)), np.zeros((3, 3)))[0, 0] == 0.0  # empty union
    t = tmask.mask_iou(torch.from_numpy(np.stack([a, b]))[:, None], [b])  # (m, 1, h, w) tensor, list of masks
    assert isinstance(t, torch.Tensor) and t[:, 0].tolist() == pytest.approx([8 / 24, 1.0])
    with pytest.raises(pixelcache.InvalidArgument, match="mask_iou"):
        tmask.mask_iou(a, np.zeros((5, 5), bool))

    assert tmask.mask_intersection(a, b) == 0.5  # 8 / min(16, 16)
    assert tmask.mask_intersection(a, a[:, :] & (np.arange(10) < 2)) == 1.0  # 8 / min(16, 8)
    assert tmask.mask_intersection(a, b, target=c) == 2.0  # 8 / 4
    assert tmask.mask_intersection(a, c) == 0.0
    assert tmask.mask_intersection(a, np.zeros_like(a)) == 0.0  # zero denominator
    with pytest.raises(pixelcache.InvalidArgument, match="mask_intersection"):
        tmask.mask_intersection(a, np.zeros((5, 5), bool))


def test_align_masks():
    a = np.zeros((10, 10), bool)
    a[0:4, 0:4] = True
    b = np.zeros((10, 10), bool)
    b[6:10, 6:10] = True
    a2, b2 = np.roll(a, 1, axis=1), np.roll(b, -1, axis=0)  # nearly a, nearly b
    aligned = tmask.align_masks([a, b], [b2, a2])
    assert aligned[0] is a2 and aligned[1] is b2
    stacked = np.stack([b2, a2])
    out = tmask.align_masks(np.stack([a, b]), stacked)
    assert np.array_equal(out, np.stack([a2, b2])) and np.array_equal(stacked[0], b2)
    assert tmask.align_masks([], [a]) == [a]


# -- create_text ---------------------------------------------------------------------------
@pytest.fixture()
def cells():
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, (24, 40, 3), dtype=np.uint8) for _ in range(3)]


@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_create_text_draws_the_grid_strip(cells, orientation):
    labels = {"cat": [HashableImage(cells[0])], "dog and cow": [HashableImage(cells[1])], "x": [HashableImage(cells[2])]}
    plain = HashableImage.make_image_grid(labels, orientation=orientation).numpy()
    drawn = HashableImage.make_image_grid(labels, orientation=orientation, with_text=True).numpy()
    texts = list(labels)
    before = plain.copy()
    out = ttext.create_text(plain, texts, orientation=orientation)
    assert texts == ["cat", "dog and cow", "x"]  # the original reverses it in place (horizontal)
    assert np.array_equal(plain, before)
    assert out.dtype == np.uint8 and np.array_equal(out, drawn)
    h, w = plain.shape[:2]
    if orientation == "vertical":  # the strip above, the image below
        strip = out.shape[0] - h
        assert out.shape[1] == w and 0 < strip < h and np.array_equal(out[strip:], plain)
        band = out[:strip]
    else:  # the strip on the left
        strip = out.shape[1] - w
        assert out.shape[0] == h and 0 < strip < w and np.array_equal(out[:, strip:], plain)
        band = out[:, :strip]
    assert (band == band[..., :1]).all() and (band.min() < 200) and (band.max() == 255)  # dark text on white
    assert np.array_equal(ttext.create_text(plain, tuple(texts), "white", orientation), out)


def test_create_text_remainder_background_path_and_errors(cells, tmp_path):
    img = np.concatenate(cells, axis=1)[:, :119]  # 119 = 3 * 39 + 2
    out = ttext.create_text(img, ["a", "b", "c"], orientation="vertical")
    strip = out.shape[0] - img.shape[0]
    assert out.shape[1] == 119 and (out[:strip, 117:] == 255).all()  # the remainder is plain background
    blue = ttext.create_text(img, ["a", "b", "c"], background=(0, 0, 255), orientation="vertical")
    assert blue.shape == out.shape and tuple(blue[0, 0]) == (0, 0, 255)
    assert set(map(tuple, blue[:strip].reshape(-1, 3))) <= {(0, 0, v) for v in range(256)}  # black text on blue
    tall = ttext.create_text(np.concatenate([img, img])[:40], ["a", "b", "c"])  # horizontal: 40 = 3 * 13 + 1, the remainder at the top
    band = tall[:, : tall.shape[1] - 119]
    ink = np.nonzero((band < 200).any(axis=(1, 2)))[0]
    assert band.shape[1] > 0 and (band[0] == 255).all()
    assert [sorted({(r - 1) // 13 for r in ink})] == [[0, 1, 2]]  # one label in each cell of rows 1 + 13k ..
    assert all(3 <= (r - 1) % 13 <= 10 for r in ink)  # .. centred in it
    Image.fromarray(img).save(tmp_path / "img.png")
    assert np.array_equal(ttext.create_text(tmp_path / "img.png", ["a", "b", "c"]), ttext.create_text(img, ["a", "b", "c"]))
    assert np.array_equal(ttext.create_text(img, ["", ""], orientation="vertical"), img)  # no ink, no strip

    with pytest.raises(pixelcache.InvalidType):
        ttext.create_text(torch.zeros(1, 3, 8, 8), ["a"])
    with pytest.raises(TypeError, match="create_text"):
        ttext.create_text(img, "abc")
    with pytest.raises(TypeError, match="create_text"):
        ttext.create_text(img, ["a", 3])
    with pytest.raises(pixelcache.InvalidArgument, match="create_text.*shape"):
        ttext.create_text(img[..., 0], ["a"])
    with pytest.raises(ValueError, match="create_text: texts is empty"):
        ttext.create_text(img, [])
    with pytest.raises(ValueError, match="create_text: 8 texts do not fit"):
        ttext.create_text(img[:7], ["a"] * 8)
    with pytest.raises(ValueError, match="orientation"):
        ttext.create_text(img, ["a"], orientation="diagonal")
    with pytest.raises(ValueError, match="create_text: background"):
        ttext.create_text(img, ["a"], background="no-such-colour")
    with pytest.raises(OSError):
        ttext.create_text(img, ["a"], font_path=tmp_path / "missing.ttf")
