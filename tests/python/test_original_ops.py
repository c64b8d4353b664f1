"""The image operations of the Python original's API (and tools.mask where the
methods reach it), called as code written for the Python original calls
them: the original's argument names, positional / keyword-only rules and
defaults, checked against the documented result. Where a deliberate difference fixes a
bug of the original the test says so and checks the fix (doc/differences.md
lists each difference)."""
import inspect

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

import pixelcache
from pixelcache import BoundingBox, HashableImage, HashableList, ImageSize


def params(method):
    """{name: (kind, default)} of a HashableImage method, self excluded."""
    sig = inspect.signature(getattr(HashableImage, method))
    return {p.name: (p.kind.name, p.default) for p in list(sig.parameters.values())[1:]}


E = inspect.Parameter.empty
PK, KW, PO = "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY", "POSITIONAL_ONLY"
MASK_KW = {"normalized": (KW, False), "merge": (KW, False), "closing": (KW, (0, 0)), "opening": (KW, (0, 0)),
           "area_threshold": (KW, 0.0), "number_of_objects": (KW, -1)}

# The original's signatures, parameter by parameter.
ORIGINAL = {
    "to_rgb": {}, "to_gray": {}, "invert_binary": {}, "invert_rgb": {}, "rgb2bgr": {}, "bgr2rgb": {},
    "equalize_hist": {}, "zeros_like": {}, "ones_like": {},
    "to_binary": {"threshold": (PK, 0.0), "area_min": (PK, 0), "connectivity": (PK, 8)},
    "apply_palette": {"palette": (PO, "default")},
    "resize": {"size": (PK, E), "mode": (PK, "bilinear")},
    "downsample": {"factor": (PK, E)},
    "resize_min_size": {"min_size": (PK, E), "modulo": (PK, 16)},
    "rotate": {"rotation": (PK, E), "mode": (PK, "bilinear"), "expand": (KW, True)},
    "center_pad": {"image_size": (PK, E), "fill": (PK, 0)},
    "concat": {"other": (PK, E), "mode": (PK, E)},
    "mask2bbox": {"margin": (PK, E), **MASK_KW, "verbose": (KW, True)},
    "crop_from_bbox": {"bboxes": (PK, E)},
    "uncrop_from_bbox": {"base": (PK, E), "bboxes": (PK, E), "resize": (KW, False), "blend_width": (KW, 10)},
    "crop_from_mask": {"mask": (PK, E), "margin": (PK, 0.0), **MASK_KW, "verbose": (KW, False)},
    "crop_from_points": {"points": (PK, E), "margin": (PK, 0.0), **MASK_KW, "verbose": (KW, False)},
    "mask2squaremask": {"margin": (PK, E), **{k: v for k, v in MASK_KW.items() if k != "normalized"},
                        "verbose": (KW, True)},
    "morphologyEx": {"operation": (PK, E), "kernel": (PK, E)},
    "logical_or_reduce": {"other": (PK, E)},
    "set_minmax": {"min": (PO, E), "max": (PO, E)},
    "blend": {"mask": (PK, E), "alpha": (PK, E), "with_bbox": (KW, E), "merge_bbox": (KW, True)},
}


@pytest.mark.parametrize("method", sorted(ORIGINAL))
def test_signature_is_the_originals(method):
    got = params(method)
    assert set(got) == set(ORIGINAL[method]), method
    for name, (kind, default) in ORIGINAL[method].items():
        assert got[name][0] == kind, (method, name)
        # 0 and 0.0 are the same default to a caller.
        assert got[name][1] == default, (method, name, got[name][1], default)


@pytest.fixture(scope="module")
def rgb():
    rng = np.random.default_rng(7)
    return HashableImage(rng.integers(0, 256, (31, 45, 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def gray(rgb):
    return rgb.to_gray()


@pytest.fixture(scope="module")
def mask():
    m = np.zeros((40, 60), bool)
    m[5:15, 10:30] = True
    m[25:38, 45:55] = True  # 13 rows, 130 px
    return HashableImage(m)


# ---------------------------------------------------------------- colour and type

def test_to_rgb_and_to_gray(rgb, gray):
    assert rgb.to_rgb() is rgb  # the original returns self for RGB arrays and tensors
    out = gray.to_rgb()
    assert out.shape == (31, 45, 3) and np.array_equal(out.numpy()[..., 0], gray.numpy())
    assert np.array_equal(gray.numpy(), np.asarray(rgb.pil().convert("L")))  # Pillow's formula (a deliberate difference: one formula)
    assert gray.dtype() == "L" and gray.shape == (31, 45)


def test_to_binary_thresholds_any_channel_strictly(rgb):
    a = rgb.numpy()
    for threshold in (0.0, 0.5, 1.0):
        assert np.array_equal(rgb.to_binary(threshold).numpy(), (a > threshold * 255).any(axis=2))
    assert rgb.to_binary().dtype() == "1"
    binary = rgb.to_binary(0.5)
    assert binary.to_binary() is binary and binary.to_binary(0.9) is binary  # self if already binary
    with pytest.raises(ValueError):
        rgb.to_binary(1.5)
    with pytest.raises(ValueError):
        rgb.to_binary(0.5, area_min=2)


def test_to_binary_area_min_fills_holes_then_removes_islands():
    a = np.zeros((20, 20), np.uint8)
    a[5:15, 5:15] = 255
    a[10, 10] = 0  # a one-pixel hole
    a[1, 1:3] = 255  # a two-pixel island
    out = HashableImage(a).to_binary(0.5, area_min=5 / 400, connectivity=8).numpy()
    assert out[10, 10] and not out[1, 1] and out.sum() == 100
    # Every island small: the largest stays (the original's remove_small_regions).
    assert HashableImage(a).to_binary(0.5, area_min=150 / 400).numpy().sum() == 100
    # Background regions under the threshold are holes too, border or not (a known bug of the original).
    assert HashableImage(a).to_binary(0.5, area_min=0.9).numpy().all()


def test_inversions_and_channel_swaps(rgb, mask):
    assert np.array_equal(mask.invert_binary().numpy(), ~mask.numpy())
    assert np.array_equal(rgb.invert_rgb().numpy(), 255 - rgb.numpy())
    with pytest.raises(ValueError):
        mask.invert_rgb()  # the original fails too (bool arithmetic)
    assert np.array_equal(rgb.rgb2bgr().numpy(), rgb.numpy()[..., ::-1])
    assert rgb.bgr2rgb() == rgb.rgb2bgr()


def test_apply_palette_positional_only_and_gray_only(gray, rgb):
    with pytest.raises(TypeError):
        gray.apply_palette(palette="viridis")  # positional-only, as `/` in the original
    table = np.random.default_rng(1).integers(0, 256, (256, 3), dtype=np.uint8)
    assert np.array_equal(gray.apply_palette(table).numpy(), table[gray.numpy()])
    assert gray.apply_palette().dtype() == "RGB"  # PALETTE_DEFAULT
    # RGB with gray content is accepted; real colours are not.
    assert gray.to_rgb().apply_palette("viridis") == gray.apply_palette("viridis")
    with pytest.raises(ValueError, match="grayscale"):
        rgb.apply_palette()
    with pytest.raises(ValueError, match="viridis"):
        gray.apply_palette("no-such-map")  # lists the valid names


def test_equalize_hist_per_channel_for_rgb(rgb, gray, data):
    """The docstring's "per channel for RGB" (the original's PIL storage; a known bug of the original)."""
    out = rgb.equalize_hist()
    assert out.dtype() == "RGB"
    a = rgb.numpy()
    want = np.dstack([cv2.equalizeHist(np.ascontiguousarray(a[..., c])) for c in range(3)])
    assert np.array_equal(out.numpy(), want)
    assert np.array_equal(gray.equalize_hist().numpy(), cv2.equalizeHist(gray.numpy()))
    # The original's per-channel path was ImageOps.equalize, whose table differs from OpenCV's (a
    # listed difference): same shape and mode, values apart by a few levels on a photo.
    cat = HashableImage(data / "chelsea.png")
    d = np.abs(cat.equalize_hist().numpy().astype(int) - np.asarray(ImageOps.equalize(cat.pil())))
    assert d.mean() < 3 and d.max() <= 8
    assert "per channel for RGB" in HashableImage.equalize_hist.__doc__


# ---------------------------------------------------------------- geometry

def test_resize_same_size_returns_self_and_keeps_mode(rgb, gray, mask):
    for img in (rgb, gray, mask):
        assert img.resize(img.size()) is img
        assert img.resize(ImageSize(10, 12), mode="nearest").dtype() == img.dtype()  # a deliberate difference: mode kept
    out = rgb.resize(ImageSize(height=20, width=30), "lanczos")
    ref = rgb.pil().resize((30, 20), Image.Resampling.LANCZOS)
    assert np.abs(out.numpy().astype(int) - np.asarray(ref)).mean() < 0.5


def test_downsample_is_floor_division(data):
    cat = HashableImage(data / "chelsea.png")
    assert cat.size() == ImageSize(300, 451)
    assert cat.downsample(2).size() == ImageSize(150, 225)  # 451 // 2, not 226
    assert cat.downsample(3).size() == ImageSize(100, 150)
    assert cat.downsample(1) is cat
    with pytest.raises(ValueError):
        cat.downsample(0)  # the original: ZeroDivisionError


def test_resize_min_size_formula(rgb):
    # h=31 < w=45: h -> min_size, w -> round(45 * 20 / 31) = 29, floored to modulo 4: 20 x 28.
    assert rgb.resize_min_size(20, modulo=4).size() == ImageSize(20, 28)
    assert rgb.resize_min_size(20, 1).size() == ImageSize(20, round(45 * 20 / 31))
    square = HashableImage(np.zeros((10, 10), np.uint8))
    assert square.resize_min_size(8, 1).size() == ImageSize(8, 8)
    tall = HashableImage(np.zeros((10, 4), np.uint8))
    assert tall.resize_min_size(2, 1).size() == ImageSize(round(10 * 2 / 4), 2)  # round(5.0)
    with pytest.raises(ValueError):
        rgb.resize_min_size(3)  # 3 floors to 0 with modulo 16


def test_rotate_counter_clockwise_with_keyword_only_expand(rgb):
    assert np.array_equal(rgb.rotate(90).numpy(), np.rot90(rgb.numpy()))
    assert rgb.rotate(90.0, "bilinear", expand=True).size() == ImageSize(45, 31)
    assert rgb.rotate(30, expand=False).size() == rgb.size()
    assert rgb.rotate(30, mode="nearest").size() == rgb.rotate(30).size()
    with pytest.raises(TypeError):
        rgb.rotate(30, "bilinear", False)  # expand is keyword-only
    ref = rgb.pil().rotate(30, Image.Resampling.BILINEAR, expand=True)
    assert rgb.rotate(30).size() == ImageSize(ref.height, ref.width)

    class InterpolationMode:  # torchvision's enum, as the original's default
        value = "nearest"

    assert rgb.rotate(30, InterpolationMode()) == rgb.rotate(30, "nearest")


def test_center_pad_places_at_half_minus_half(gray):
    h, w = gray.size()
    H, W = 40, 56
    out = gray.center_pad(ImageSize(H, W), fill=9).numpy()
    top, left = H // 2 - h // 2, W // 2 - w // 2  # the original's rows [H//2 - h//2, H//2 + h//2 + h%2)
    assert np.array_equal(out[top:top + h, left:left + w], gray.numpy())
    assert out[0, 0] == 9 and (out == 9).sum() == H * W - h * w
    assert gray.center_pad(image_size=ImageSize(h, w)) is gray


def test_concat_is_an_instance_method(rgb):
    assert rgb.concat([rgb], "horizontal").shape == (31, 90, 3)
    out = rgb.concat([rgb, rgb], mode="vertical")
    assert np.array_equal(out.numpy(), np.concatenate([rgb.numpy()] * 3, axis=0))
    with pytest.raises(TypeError):
        rgb.concat([rgb])  # mode has no default
    with pytest.raises(ValueError):
        rgb.concat([rgb.resize(ImageSize(10, 10))], "horizontal")


# ---------------------------------------------------------------- masks, boxes, crops

def test_mask2bbox_margin_required_and_keyword_only_options(mask):
    with pytest.raises(TypeError):
        mask.mask2bbox()
    with pytest.raises(TypeError):
        mask.mask2bbox(0.0, True)  # normalized is keyword-only
    boxes = mask.mask2bbox(0.0)
    assert isinstance(boxes, HashableList) and all(isinstance(b, BoundingBox) for b in boxes)
    # a deliberate difference: exclusive ends, stable order (the original: inclusive ends, any order).
    assert [b.xyxy for b in boxes] == [(10, 5, 30, 15), (45, 25, 55, 38)]
    assert all(b.image_size == ImageSize(40, 60) for b in boxes)
    norm = mask.mask2bbox(0.0, normalized=True)
    assert norm[0].xyxyn == pytest.approx((10 / 60, 5 / 40, 30 / 60, 15 / 40))
    assert len(mask.mask2bbox(margin=0.0, merge=True)) == 1  # one union box
    assert mask.mask2bbox(0.5, verbose=False)[0].xyxy == (0, 0, 40, 20)  # half the size on each side, clipped
    assert len(mask.mask2bbox(0.0, number_of_objects=1)) == 1
    # A 1 x 30 closing (np.ones((1, 30))): OpenCV's default border keeps the dilation that reaches the
    # left edge, as in the original's cv2.morphologyEx.
    closed = mask.mask2bbox(0.0, closing=(1, 30))
    assert len(closed) == 2 and closed[0].xyxy[0] == 0 and closed[0].xyxy[1:] != (5, 15, 30)
    assert len(mask.mask2bbox(0.0, opening=(11, 1))) == 1  # the 10-row region opens away, 13 rows stay
    assert len(mask.mask2bbox(0.0, area_threshold=0.07)) == 1  # 130 px < 0.07 * 2400 <= 200 px
    assert HashableImage(np.zeros((8, 8), bool)).mask2bbox(0.1) == HashableList([])


def test_crops(mask, rgb):
    base = HashableImage(np.random.default_rng(3).integers(0, 256, (40, 60, 3), dtype=np.uint8))
    boxes = mask.mask2bbox(0.0)
    union = base.numpy()[5:38, 10:55]
    assert np.array_equal(base.crop_from_bbox(boxes).numpy(), union)
    assert np.array_equal(base.crop_from_mask(mask).numpy(), union)
    assert base.crop_from_mask(mask, 0.0, normalized=True, verbose=True) == base.crop_from_mask(mask)
    assert np.array_equal(base.crop_from_points([(10, 5), (54, 37)]).numpy(), union)
    with pytest.raises(ValueError, match="empty"):
        base.crop_from_mask(HashableImage(np.zeros((40, 60), bool)))
    square = mask.mask2squaremask(0.0)
    assert np.array_equal(square.numpy(), mask.numpy())  # rectangles already
    # uncrop: resize and blend_width are keyword-only.
    patch = base.crop_from_bbox(boxes).invert_rgb()
    out = patch.uncrop_from_bbox(base, boxes, resize=False, blend_width=0)
    assert np.array_equal(out.numpy()[5:38, 10:55], patch.numpy())
    with pytest.raises(TypeError):
        patch.uncrop_from_bbox(base, boxes, False)


def test_crop_outside_says_which_side_and_names_the_function(rgb):
    with pytest.raises(pixelcache.InvalidArgument, match=r"crop_from_bbox: .*xmax 50 is beyond the right edge "
                                                         r"\(x = 45\) of the 45x31 \(WxH\) image"):
        rgb.crop_from_bbox([BoundingBox(0, 0, 50, 10, normalized=False)])
    with pytest.raises(ValueError, match=r"^crop: .*ymax 40 is below the bottom edge"):
        rgb.crop(BoundingBox(0, 0, 10, 40, normalized=False))


@pytest.mark.parametrize("operation, cv_op", [("erode", cv2.MORPH_ERODE), ("dilate", cv2.MORPH_DILATE),
                                              ("open", cv2.MORPH_OPEN), ("close", cv2.MORPH_CLOSE)])
def test_morphologyEx_matches_cv2(mask, operation, cv_op):
    kernel = np.ones((5, 3), np.uint8)  # this OpenCV refuses the original's float kernels
    kernel[0, 0] = 0
    want = cv2.morphologyEx(mask.numpy().astype(np.uint8) * 255, cv_op, kernel).astype(bool)
    out = mask.morphologyEx(operation, kernel.astype(np.float32))
    assert out.dtype() == "1" and np.array_equal(out.numpy(), want)


def test_logical_or_reduce_includes_self(mask):
    other = HashableImage(np.eye(40, 60, dtype=bool))
    assert np.array_equal(mask.logical_or_reduce([other]).numpy(), mask.numpy() | other.numpy())
    assert mask.logical_or_reduce([]) is mask  # to_binary() of a mask: itself
    gray = HashableImage(mask.numpy().astype(np.uint8) * 200)
    assert gray.logical_or_reduce([]) == gray.to_binary()


def test_setitem_points_to_masked_fill(rgb, mask):
    with pytest.raises(TypeError, match="masked_fill"):
        rgb[mask] = 0.5


def test_set_minmax_positional_only_in_the_unit_range(gray):
    out = gray.set_minmax(0.0, 1.0)
    assert out.min() == 0 and out.max() == 255
    a = gray.numpy().astype(float)
    want = 0.2 + (a - a.min()) / (a.max() - a.min()) * (0.8 - 0.2)
    assert np.abs(gray.set_minmax(0.2, 0.8).numpy() - want * 255).max() <= 0.5 + 1e-9
    with pytest.raises(TypeError):
        gray.set_minmax(min=0.0, max=1.0)
    with pytest.raises(TypeError):
        gray.set_minmax()
    with pytest.raises(ValueError):
        gray.set_minmax(0, 255)  # levels are not the original's scale


# ---------------------------------------------------------------- compositing

def test_blend_with_a_bool_mask_scales_the_outside(rgb):
    m = np.zeros((31, 45), bool)
    m[5:20, 10:30] = True
    out = rgb.blend(HashableImage(m), 0.5, with_bbox=False).numpy().astype(int)
    a = rgb.numpy().astype(int)
    assert np.array_equal(out[m], a[m])
    assert np.abs(out[~m] - a[~m] * 0.5).max() <= 1  # the original truncates, we round
    with pytest.raises(TypeError):
        rgb.blend(HashableImage(m), 0.5)  # with_bbox is required and keyword-only
    boxed = rgb.blend(HashableImage(m), 1.0, with_bbox=True).numpy()
    assert tuple(boxed[5, 10]) == (255, 0, 0)  # red frame along the box


def test_blend_with_a_colour_mask_weights_it(rgb):
    other = rgb.flip_horizontal()
    out = rgb.blend(other, 0.25, with_bbox=False).numpy().astype(float)
    want = 0.25 * other.numpy() + 0.75 * rgb.numpy()
    assert np.abs(out - want).max() <= 1
    assert rgb.blend(other, 0.25, with_bbox=True, merge_bbox=False).dtype() == "RGB"


def test_arithmetic_without_reflected_number_forms(rgb):
    assert np.array_equal((rgb + 10).numpy(), np.clip(rgb.numpy().astype(int) + 10, 0, 255))  # a deliberate difference: saturating
    for reflected in (lambda: 5 + rgb, lambda: 2 * rgb, lambda: 5 - rgb):
        with pytest.raises(TypeError):
            reflected()


def test_constant_images(rgb, mask):
    assert rgb.zeros_like().max() == 0 and rgb.zeros_like().shape == rgb.shape
    assert rgb.ones_like().min() == 255  # a deliberate difference: white, not 1
    assert mask.ones_like().numpy().all()


def test_save_and_encode_take_lossless(rgb, tmp_path):
    """EncodeOptions::lossless of the C++ API, as keyword-only `lossless`."""
    data = rgb.encode("WEBP", lossless=True)
    assert HashableImage(data) == rgb
    assert HashableImage(rgb.encode("WEBP", 90)) != rgb  # lossy by default
    rgb.save(tmp_path / "x.webp", lossless=True)
    assert HashableImage(tmp_path / "x.webp") == rgb
