"""Every HashableImage operation against Pillow / OpenCV / NumPy, with the
tolerance stated per test (levels, 0..255)."""
import pathlib

import cv2
import numpy as np
import pytest
from PIL import Image

import pixelcache
from pixelcache import BoundingBox, HashableImage, HashableList, ImageCrop, ImageSize, Points

ROCKET = pathlib.Path(__file__).parents[1] / "data" / "rocket.jpg"


def diff(a, b):
    d = np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16))
    return d.mean(), d.max()


PIL_FILTERS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
               "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
               "area": Image.Resampling.BOX}


@pytest.mark.parametrize("interp, mean_tol, max_tol", [
    ("nearest", 0, 0), ("bilinear", 0.25, 2), ("area", 0.25, 2), ("bicubic", 0.3, 8), ("lanczos", 0.3, 8)])
@pytest.mark.parametrize("size", [(128, 200), (600, 900), (77, 451)])
def test_resize_matches_pillow(chelsea, interp, mean_tol, max_tol, size):
    out = chelsea.resize(ImageSize(*size), mode=interp)
    ref = chelsea.pil().resize((size[1], size[0]), PIL_FILTERS[interp])
    assert out.size() == ImageSize(*size) and out.dtype() == "RGB"
    m, mx = diff(out.numpy(), ref)
    assert m <= mean_tol and mx <= max_tol, (m, mx)


def test_resize_keeps_gray_and_binary_and_takes_tuples(camera):
    assert camera.resize((100, 100)).dtype() == "L"  # the original returned RGB
    mask = camera.to_binary(0.5)
    assert mask.resize((64, 64)).dtype() == "1"
    assert camera.downsample(2).size() == ImageSize(256, 256)
    m, _ = diff(camera.downsample(2).numpy(), camera.pil().resize((256, 256), Image.Resampling.BILINEAR))
    assert m < 0.25


def test_resize_min_size(chelsea):
    out = chelsea.resize_min_size(100, modulo=16)
    assert out.size().height == 96 and out.size().width % 16 == 0


@pytest.mark.parametrize("angle, expand", [(30, True), (45, False), (-10, True)])
def test_rotate_matches_pillow(chelsea, angle, expand):
    out = chelsea.rotate(angle, expand=expand)
    ref = chelsea.pil().rotate(angle, Image.Resampling.BILINEAR, expand=expand)
    assert out.size() == ImageSize(ref.height, ref.width)
    assert diff(out.numpy(), ref)[0] < 1.0  # rotated border blends differently


def test_right_angles_and_flips_are_exact(chelsea, chelsea_array):
    assert np.array_equal(chelsea.rotate(90).numpy(), np.rot90(chelsea_array))
    assert np.array_equal(chelsea.rotate(180, expand=False).numpy(), np.rot90(chelsea_array, 2))
    assert np.array_equal(chelsea.flip_horizontal().numpy(), chelsea_array[:, ::-1])
    assert np.array_equal(chelsea.flip_vertical().numpy(), chelsea_array[::-1])


def test_center_pad_exact(camera):
    out = camera.center_pad(ImageSize(520, 530), fill=7)
    ref = np.full((520, 530), 7, np.uint8)
    ref[4:516, 9:521] = camera.numpy()
    assert np.array_equal(out.numpy(), ref)


def test_colour_conversions_exact(chelsea, chelsea_array):
    assert np.array_equal(chelsea.to_gray().numpy(), np.asarray(chelsea.pil().convert("L")))
    gray = chelsea.to_gray()
    assert np.array_equal(gray.to_rgb().numpy(), np.asarray(gray.pil().convert("RGB")))
    assert np.array_equal(chelsea.invert_rgb().numpy(), 255 - chelsea_array)
    assert np.array_equal(chelsea.rgb2bgr().numpy(), chelsea_array[..., ::-1])
    assert chelsea.rgb2bgr().bgr2rgb() == chelsea
    mask = chelsea.to_binary(0.5)
    assert np.array_equal(mask.numpy(), (chelsea_array > 127.5).any(axis=2))
    assert np.array_equal(mask.invert_binary().numpy(), ~mask.numpy())


def test_equalize_hist_matches_opencv(camera):
    assert np.array_equal(camera.equalize_hist().numpy(), cv2.equalizeHist(camera.numpy()))


@pytest.mark.parametrize("name", ["viridis", "jet", "magma"])
def test_apply_palette_matches_matplotlib(camera, name):
    from matplotlib import colormaps

    ref = np.round(colormaps[name](camera.numpy() / 255.0)[..., :3] * 255).astype(np.uint8)
    assert diff(camera.apply_palette(name).numpy(), ref)[1] <= 1


def test_default_palette_is_the_original_table(data):
    table = np.loadtxt(data.parents[1] / "assets" / "default_palette.txt", dtype=np.uint8).reshape(-1, 3)
    levels = HashableImage(np.arange(256, dtype=np.uint8).reshape(16, 16))
    assert np.array_equal(levels.apply_palette().numpy().reshape(-1, 3), table[:256])
    custom = levels.apply_palette(np.stack([np.arange(256)] * 3, axis=1).astype(np.uint8))
    assert np.array_equal(custom.numpy()[..., 0], levels.numpy())


def test_set_minmax_formula():
    a = np.array([[10, 20], [30, 110]], np.uint8)
    out = HashableImage(a).set_minmax(0.0, 200 / 255).numpy()  # the original's scale: fractions of white
    assert out.tolist() == np.floor((a.astype(int) - 10) * 200 / 100 + 0.5).astype(np.uint8).tolist()


def test_blend_image_matches_pil(chelsea):
    other = chelsea.flip_horizontal()
    ref = Image.blend(chelsea.pil(), other.pil(), 0.3)
    assert diff(chelsea.blend(other, 0.3, with_bbox=False).numpy(), ref)[1] <= 1


def test_blend_mask_scales_outside_and_draws_boxes(blob_mask):
    gray = HashableImage(np.full(blob_mask.shape, 200, np.uint8))
    mask = HashableImage(blob_mask)
    out = gray.blend(mask, alpha=0.5, with_bbox=False).numpy()
    assert np.array_equal(out, np.where(blob_mask, 200, 100))
    boxed = gray.blend(mask, alpha=0.5, with_bbox=True).numpy()
    assert boxed.shape == (120, 160, 3) and boxed[20, 20].tolist() == [255, 0, 0]


def test_mask2bbox_boxes_and_options(blob_mask):
    mask = HashableImage(blob_mask)
    boxes = mask.mask2bbox(0.0)
    assert isinstance(boxes, HashableList) and hash(boxes) == hash(mask.mask2bbox(0.0))  # usable as a cache key
    assert [b.xyxy for b in boxes] == [(150, 5, 151, 6), (20, 10, 60, 40), (90, 70, 150, 110)]
    n, _, stats, _ = cv2.connectedComponentsWithStats(blob_mask.astype(np.uint8), connectivity=8)
    assert len(boxes) == n - 1
    assert [b.xyxy for b in mask.mask2bbox(0.0, area_threshold=0.001)] == [(20, 10, 60, 40), (90, 70, 150, 110)]
    assert len(mask.mask2bbox(0.0, number_of_objects=1)) == 1
    grown = mask.mask2bbox(margin=0.1, area_threshold=0.001)[0]
    assert grown.xyxy == (16, 7, 64, 43)
    assert all(b.normalized for b in mask.mask2bbox(0.0, normalized=True))
    assert len(mask.mask2bbox(margin=2.0, merge=True)) == 1
    assert mask.mask2bbox(0.0, closing=(3, 3)) == mask.mask2bbox(0.0, closing=3)
    assert HashableImage(np.zeros((5, 5), bool)).mask2bbox(0.1) == []
    assert len(mask.mask2bbox(0.0, closing=(3, 5))) == 3  # (height, width) kernels, as np.ones(closing)
    with pytest.raises(TypeError):
        mask.mask2bbox(0.0, closing=(3, 5, 1))


def test_crops_and_uncrop_exact(chelsea, chelsea_array):
    box = BoundingBox(100, 50, 200, 150, image_size=chelsea.size(), normalized=False)
    crop = chelsea.crop_from_bbox([box])
    assert np.array_equal(crop.numpy(), chelsea_array[50:150, 100:200])
    assert chelsea.crop_from_bbox(box) == crop == chelsea.crop(box)
    edited = crop.invert_rgb()
    back = edited.uncrop_from_bbox(chelsea, [box], blend_width=0).numpy()
    ref = chelsea_array.copy()
    ref[50:150, 100:200] = 255 - ref[50:150, 100:200]
    assert np.array_equal(back, ref)
    feathered = edited.uncrop_from_bbox(chelsea, [box]).numpy()  # blend_width 10
    assert np.array_equal(feathered[100, 150], ref[100, 150]) and not np.array_equal(feathered, ref)
    small = crop.resize((50, 50)).uncrop_from_bbox(chelsea, [box], resize=True, blend_width=0)
    assert small.size() == chelsea.size()


def test_crop_from_mask_and_image_crop(chelsea_array):
    img = HashableImage(chelsea_array)
    m = np.zeros(chelsea_array.shape[:2], bool)
    m[40:60, 70:100] = True
    assert np.array_equal(img.crop_from_mask(HashableImage(m)).numpy(), chelsea_array[40:60, 70:100])
    ic = ImageCrop.from_mask(img, m)
    assert ic.bbox.xyxy == (70, 40, 100, 60) and ic.original_size == img.size()
    assert ic.uncrop(img, blend_width=0) == img
    ib = ImageCrop.from_bbox(img, BoundingBox(0, 0, 10, 10, normalized=False))
    assert ib.image.size() == ImageSize(10, 10)
    with pytest.raises(ValueError):
        ic.uncrop(img.resize((10, 10)))
    with pytest.raises(ValueError, match="empty"):
        img.crop_from_mask(HashableImage(np.zeros_like(m)))


def test_mask_helpers_match_opencv(blob_mask):
    mask = HashableImage(blob_mask)
    k = np.ones((5, 5), np.uint8)
    u8 = blob_mask.astype(np.uint8)
    assert np.array_equal(mask.dilate(5).numpy(), cv2.dilate(u8, k).astype(bool))
    assert np.array_equal(mask.erode(5).numpy(), cv2.erode(u8, k).astype(bool))  # OpenCV's default border
    sq = mask.mask2squaremask(0.0).numpy()
    assert sq[10:40, 20:60].all() and sq.sum() == blob_mask.sum()  # rectangles already
    a, b = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
    a[0, 0], b[3, 3] = True, True
    assert HashableImage(a).logical_or_reduce([HashableImage(b)]).numpy().sum() == 2
    pm = HashableImage.points_to_mask(Points([(1, 2), (3, 0)]), ImageSize(4, 5)).numpy()
    assert pm[2, 1] and pm[0, 3] and pm.sum() == 2
    assert mask.crop_from_points(Points([(20, 10), (59, 39)])).size() == ImageSize(30, 40)


def test_masked_fill_and_setitem(chelsea_array, blob_mask):
    img = HashableImage(np.full((120, 160), 9, np.uint8))
    out = img.masked_fill(HashableImage(blob_mask), 255).numpy()
    assert np.array_equal(out, np.where(blob_mask, 255, 9))
    with pytest.raises(TypeError, match="masked_fill"):
        img[blob_mask] = 255


def test_arithmetic_saturates_like_opencv(chelsea, chelsea_array):
    other = chelsea.flip_vertical()
    o = other.numpy()
    assert np.array_equal((chelsea + other).numpy(), cv2.add(chelsea_array, o))
    assert np.array_equal((chelsea - other).numpy(), cv2.subtract(chelsea_array, o))
    assert np.array_equal((chelsea + 100).numpy(), np.minimum(chelsea_array.astype(int) + 100, 255))
    with pytest.raises(TypeError):
        10 + chelsea  # the original has no reflected forms
    assert diff((chelsea * 0.5).numpy(), cv2.multiply(chelsea_array, (0.5, 0.5, 0.5, 0)))[1] <= 1
    with pytest.raises(TypeError):
        2 * chelsea
    assert chelsea.zeros_like().max() == 0 and chelsea.ones_like().numpy().min() == 255
    with pytest.raises(TypeError):
        chelsea + "x"


def test_statistics(chelsea, chelsea_array):
    levels = HashableImage(chelsea_array)  # numpy storage: levels 0..255, rounded to 5 decimals
    assert levels.mean() == pytest.approx(chelsea_array.mean(), abs=1e-5)
    assert levels.std() == pytest.approx(chelsea_array.std(), abs=1e-5)
    assert levels.min() == chelsea_array.min() and levels.max() == chelsea_array.max()
    assert levels.sum() == chelsea_array.sum()
    assert chelsea.mean() == pytest.approx(chelsea_array.mean() / 255, abs=1e-5)  # torch storage: [0, 1]
    assert np.array_equal(chelsea.unique(), np.unique(chelsea_array))


@pytest.mark.parametrize("call, exc", [
    (lambda i: i.resize((0, 0)), ValueError),
    (lambda i: i.resize((10, 10), mode="cubic-ish"), ValueError),
    (lambda i: i.rotate(float("nan")), ValueError),
    (lambda i: i.to_binary(2.0), ValueError),
    (lambda i: i.crop_from_bbox([BoundingBox(0, 0, 900, 900, normalized=False)]), ValueError),
    (lambda i: i.crop_from_bbox([]), ValueError),
    (lambda i: i.blend(i.resize((10, 10)), 0.5, with_bbox=False), ValueError),
    (lambda i: i.apply_palette("no-such-map"), ValueError),
    (lambda i: i.center_pad((10, 10)), ValueError),
    (lambda i: i.morphology("melt"), ValueError),
    (lambda i: i.masked_fill(i.to_binary(0.5), 300), ValueError),
    (lambda i: i.resize("big"), TypeError),
    (lambda i: i.resize((10.5, 20)), ValueError),
    (lambda i: i.resize((float("nan"), 20)), ValueError),
    (lambda i: i.resize((-4, 20)), ValueError),
    (lambda i: i.resize((100000, 100000)), pixelcache.LimitError),  # 30 GB: refused before allocating
    (lambda i: i.center_pad((60000, 60000)), pixelcache.LimitError),
])
def test_bad_arguments_raise_clear_errors(chelsea, call, exc):
    with pytest.raises(exc):
        call(chelsea)


def test_load_resized_shrinks_on_load_within_a_level(tmp_path):
    big = HashableImage(ROCKET).resize((1200, 1800), mode="bicubic")
    path = tmp_path / "big.jpg"
    big.save(path, quality=95)
    full = HashableImage(path).resize((150, 225))
    fast = HashableImage.load_resized(path, (150, 225))  # decoded at 1/8 scale in the DCT domain
    assert fast.size() == full.size() == ImageSize(150, 225)
    assert diff(fast.numpy(), full.numpy())[0] < 1.0
    assert HashableImage.load_resized(path.read_bytes(), ImageSize(150, 225)) == fast
    png = tmp_path / "big.png"
    big.save(png)
    assert HashableImage.load_resized(png, (150, 225)) == HashableImage(png).resize((150, 225))  # no DCT: exact


def test_load_resized_keeps_the_aspect_ratio_with_a_side_of_zero(tmp_path):
    # Odd sides: the 1/2, 1/4 and 1/8 scale decodes have other aspect ratios
    # (ceil(side / n)); the free side is computed from the full-scale image.
    big = HashableImage(ROCKET).resize((1201, 803), mode="bicubic")
    path = tmp_path / "odd.jpg"
    big.save(path, quality=95)
    for size in [(0, 100), (100, 0), (0, 256), (301, 0), (0, 803)]:
        fast = HashableImage.load_resized(path, size)
        full = HashableImage(path).resize(size)
        assert fast.size() == full.size(), size
        assert diff(fast.numpy(), full.numpy())[0] < 2.0, size  # the DCT scaling's rounding and filtering
        assert HashableImage.load_resized(path.read_bytes(), size) == fast
    with pytest.raises(pixelcache.InvalidArgument):
        HashableImage.load_resized(path, (0, 0))
    with pytest.raises(pixelcache.InvalidArgument):
        HashableImage.load_resized(path, (-5, 10))


def test_load_resized_streams_above_max_pixels_with_max_stream_pixels(tmp_path):
    # PNG, TIFF and BMP stream into the resize: max_stream_pixels lets them
    # past max_pixels, with the pixels of a whole decode + resize; a JPEG
    # (decoded whole) keeps max_pixels.
    big = HashableImage(ROCKET).resize((600, 500))  # 300,000 pixels
    for ext in ("png", "tif", "bmp"):
        path = tmp_path / f"big.{ext}"
        big.save(path)
        expected = HashableImage(path).resize((60, 50))
        with pytest.raises(pixelcache.LimitError):
            HashableImage.load_resized(path, (60, 50), max_pixels=100_000)
        got = HashableImage.load_resized(path, (60, 50), max_pixels=100_000, max_stream_pixels=300_000)
        assert got == expected
        assert HashableImage.load_resized(path.read_bytes(), (60, 50), max_pixels=100_000,
                                          max_stream_pixels=300_000) == expected
        with pytest.raises(pixelcache.LimitError):
            HashableImage.load_resized(path, (60, 50), max_pixels=100_000, max_stream_pixels=299_999)
    jpg = tmp_path / "big.jpg"
    big.save(jpg)
    with pytest.raises(pixelcache.LimitError):
        HashableImage.load_resized(jpg, (60, 50), max_pixels=100_000, max_stream_pixels=300_000)


def test_load_resized_truncated_file_raises_decode_error(tmp_path):
    png = tmp_path / "big.png"
    HashableImage(ROCKET).resize((300, 200)).save(png)
    cut = tmp_path / "cut.png"
    cut.write_bytes(png.read_bytes()[: png.stat().st_size // 2])
    with pytest.raises(pixelcache.DecodeError):
        HashableImage.load_resized(cut, (30, 20))


def test_image_size_limit_is_adjustable(camera):
    assert pixelcache.max_image_bytes() == 2**32
    try:
        pixelcache.set_max_image_bytes(10_000)
        with pytest.raises(pixelcache.LimitError, match="set_max_image_bytes"):
            camera.resize((200, 200))  # 40,000 bytes
        assert camera.resize((100, 100)).size() == (100, 100)
    finally:
        pixelcache.set_max_image_bytes(2**32)
    assert camera.resize((200, 200)).size() == (200, 200)


def test_argument_errors_name_the_operation_and_argument(chelsea):
    # Python-side conversion and the catalogue's binding: pixelcache errors that are
    # also the built-in a caller catches, each naming the operation and argument.
    with pytest.raises(pixelcache.InvalidType, match=r"to_binary: argument 'threshold' expects a float, got str"):
        chelsea.to_binary("x")
    with pytest.raises(TypeError, match=r"resize: argument 'size' expects an ImageSize"):
        chelsea.resize("ab")
    with pytest.raises(pixelcache.InvalidType, match=r"mask2bbox: argument 'merge' expects a bool, got int"):
        chelsea.mask2bbox(0.0, merge=1)
    with pytest.raises(pixelcache.InvalidArgument, match=r"rotate: argument 'mode' must be one of"):
        chelsea.rotate(10.0, mode="cubic")
    with pytest.raises(ValueError, match=r"to_binary: argument 'threshold' must be >= 0 and <= 1, got 1.5"):
        chelsea.to_binary(1.5)


def test_center_crop_is_torchvisions():
    """center_crop against torchvision's CenterCrop on every parity of image and crop, smaller images padded
    (exact: the same pixels)."""
    F = pytest.importorskip("torchvision.transforms.functional")
    rng = np.random.default_rng(0)
    for h in range(1, 30, 3):
        for w in range(1, 30, 4):
            a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            for th, tw in [(5, 5), (8, 3), (20, 25), (1, 1), (h, w), (h + 3, w), (h, w + 1)]:
                ref = np.asarray(F.center_crop(Image.fromarray(a), [th, tw]))
                ours = HashableImage(a).center_crop((th, tw)).numpy()
                assert ours.shape == ref.shape and np.array_equal(ours, ref), (h, w, th, tw)
    with pytest.raises(pixelcache.InvalidArgument):
        HashableImage(a).center_crop((0, 3))


def test_resize_keeps_the_aspect_ratio_for_a_zero_side():
    img = HashableImage(np.zeros((300, 451, 3), np.uint8))
    assert img.resize((0, 100)).size() == ImageSize(67, 100)  # 300 * 100 / 451 = 66.5 -> 67
    assert img.resize((150, 0)).size() == ImageSize(150, 226)  # 451 / 2 = 225.5 -> 226 (ties to even)
    assert img.resize((0, 451)) is img or img.resize((0, 451)).size() == img.size()
    with pytest.raises(pixelcache.InvalidArgument, match="one side may be 0"):
        img.resize((0, 0))
    with pytest.raises(pixelcache.InvalidArgument):
        img.resize((-1, 10))
