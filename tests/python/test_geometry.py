"""BoundingBox, ImageSize, Points: fields, properties, arithmetic, equality,
pickling, bad values."""
import pickle

import pytest

from pixelcache import BoundingBox, ImageSize, Points


def test_image_size():
    s = ImageSize(300, 451)
    assert (s.height, s.width) == (300, 451) and s.product() == s.area() == 300 * 451
    h, w = s
    assert (h, w) == (300, 451) and s == (300, 451) and s == ImageSize(300, 451) and s != ImageSize(451, 300)
    assert hash(s) == hash((300, 451)) and {s: 1}[(300, 451)] == 1
    assert pickle.loads(pickle.dumps(s)) == s and repr(s) == "ImageSize(height=300, width=451)"
    with pytest.raises(ValueError):
        ImageSize(0, 5)
    with pytest.raises(AttributeError):
        s.height = 3


def test_bounding_box_formats():
    size = ImageSize(100, 200)
    b = BoundingBox(20, 10, 60, 50, image_size=size, normalized=False)
    assert b.xyxy == (20, 10, 60, 50) and b.xywh == (20, 10, 40, 40)
    assert b.xyxyn == (0.1, 0.1, 0.3, 0.5) and b.xywhn == pytest.approx((0.1, 0.1, 0.2, 0.4))
    n = b.to_normalized()
    assert n.normalized and n.xyxy == b.xyxy and n.to_pixels() == b
    assert (b.width, b.height, b.area, b.center) == (40, 40, 1600, (40, 30))
    # Normalised boxes give normalised xywhn (the original returned pixels).
    assert BoundingBox(0.1, 0.1, 0.3, 0.5, image_size=size, normalized=True).xywhn == pytest.approx((0.1, 0.1, 0.2, 0.4))


def test_bounding_box_arithmetic_equality_pickle():
    size = ImageSize(100, 200)
    b = BoundingBox(20, 10, 60, 50, image_size=size, normalized=False)
    assert (b + 5).xyxy == (15, 5, 65, 55) and (b - 5).xyxy == (25, 15, 55, 45)
    assert (b * 2).xyxy == (40, 20, 120, 100) and (b * 2).image_size == ImageSize(200, 400)
    assert (b / 2).xyxy == (10, 5, 30, 25)
    assert b == BoundingBox(20, 10, 60, 50, size, False) and b != BoundingBox(20, 10, 60, 50, None, False)
    assert b != (20, 10, 60, 50)
    assert pickle.loads(pickle.dumps(b)) == b and hash(pickle.loads(pickle.dumps(b))) == hash(b)
    assert b.union(BoundingBox(0, 0, 1, 1, size, False)).xyxy == (0, 0, 60, 50)
    assert b.overlaps(BoundingBox(50, 40, 70, 60, size, False))


def test_bounding_box_explicit_normalized_flag():
    assert BoundingBox(0, 0, 1, 1).normalized            # the original's guess when omitted
    assert not BoundingBox(0, 0, 1, 1, normalized=False).normalized  # a one-pixel box when said


@pytest.mark.parametrize("args", [
    (float("nan"), 0, 1, 1), (5, 0, 1, 1), (-1, 0, 1, 1), (0, 0, 300, 10, ImageSize(100, 200), False)])
def test_bad_boxes(args):
    with pytest.raises(ValueError):
        BoundingBox(*args)


def test_bbox_without_size_cannot_normalise():
    with pytest.raises(ValueError):
        BoundingBox(1, 2, 30, 40, normalized=False).xyxyn


def test_points():
    p = Points([(1, 2), (5, 7)], image_size=ImageSize(10, 10))
    assert len(p) == 2 and list(p) == [(1, 2), (5, 7)] and p.bbox().xyxy == (1, 2, 6, 8)
    assert pickle.loads(pickle.dumps(p)) == p and hash(p) == hash(Points([(1, 2), (5, 7)], False, ImageSize(10, 10)))
    with pytest.raises(ValueError):  # to_mask refuses points outside the image (the original wrapped or crashed)
        Points([(20, 2)], image_size=ImageSize(10, 10)).to_mask()
