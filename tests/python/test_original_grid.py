"""The Python original's HashableImage.make_image_grid and display_string.

The reference is a small Pillow implementation of the original's
tools/text.py rules (display_string, create_text, remove_white_text) written
from the original's API, with the original's font (JetBrains Mono Regular,
Debian fonts-jetbrains-mono). Tolerances: font sizes within 1 point (and
mostly exact); ink boxes and label-strip sizes within 3 pixels (glyph
rasterisation is FreeType in both, positions are not promised identical);
grid geometry (canvas size without labels, cell positions, padding) exact.
"""
import inspect
import logging
import os
import pathlib
import random
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import pixelcache
from pixelcache import HashableDict, HashableImage, HashableList, ImageSize, display_string

FONT = "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf"
ROOT = pathlib.Path(__file__).resolve().parents[2]
PIXEL_TOL = 3


# -- the reference: the original's text rules in Pillow -----------------------
_fonts = {}


def _font(size):
    if size not in _fonts:
        _fonts[size] = ImageFont.truetype(FONT, size)
    return _fonts[size]


def ref_textsize(text, font):
    _, _, right, bottom = font.getbbox(text)
    return round(right), round(bottom)


def ref_fit(lines, height, width, scale=0.5):
    longest = max(lines, key=len)
    size = 5
    while True:
        w, h = ref_textsize(longest, _font(size))
        if w > width or h > height:
            break
        size += 1
    return round(size * scale)


def ref_display_string(text, height, width, force_size=None, justification="center"):
    lines = text.split("\n")
    size = force_size or ref_fit(lines, height, width)
    font = _font(size)
    wrapped = []
    for line in lines:
        current = None
        for word in line.split(" "):
            candidate = word if current is None else current + " " + word
            if ref_textsize(candidate, font)[0] <= width:
                current = candidate
            else:
                wrapped.append(current or "")
                current = word
        wrapped.append(current or "")
    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    y = (height - len(wrapped) * ref_textsize(wrapped[0], font)[1]) // 2
    for line in wrapped:
        w, h = ref_textsize(line, font)
        x = (width - w) // 2 if justification == "center" else width - w if justification == "right" else 0
        draw.text((x, y), line, font=font, fill=(0, 0, 0))
        y += h
    return img, size


def ref_create_text(grid, texts, orientation):
    """create_text: the label strip stacked on the (rotated) grid."""
    img, texts = grid, list(texts)
    if orientation == "horizontal":
        img, texts = np.rot90(img, k=-1), texts[::-1]  # 90 degrees clockwise
    height, width = img.shape[:2]
    cell = width // len(texts)
    best = min(ref_display_string(t, height, cell)[1] for t in texts)
    strip = np.concatenate([np.asarray(ref_display_string(t, height, cell, force_size=best)[0]) for t in texts],
                           axis=1)
    rows = np.nonzero(~(strip == 255).all(axis=(1, 2)))[0]
    strip = strip[max(rows[0] - 2, 0):min(rows[-1] + 2, height - 1)]
    out = np.concatenate([strip, img], axis=0)
    if orientation == "horizontal":
        out = np.rot90(out, k=1)
    return np.ascontiguousarray(out), best


def ref_grid(images, orientation):
    """Steps 1-4 of the original's grid layout (cells centre-padded with the library's center_pad)."""
    lists = {k: list(v) for k, v in images.items()}
    longest = max(len(v) for v in lists.values())
    for v in lists.values():
        v += [v[0].zeros_like()] * (longest - len(v))
    h = max(i.size().height for v in lists.values() for i in v)
    w = max(i.size().width for v in lists.values() for i in v)
    keys = list(lists)
    rows, cols = (longest, len(keys)) if orientation == "vertical" else (len(keys), longest)
    canvas = np.zeros((rows * h, cols * w, 3), np.uint8)
    for k, key in enumerate(keys):
        for i, img in enumerate(lists[key]):
            cell = img if img.size() == ImageSize(h, w) else img.center_pad(ImageSize(h, w))
            r, c = (i, k) if orientation == "vertical" else (k, i)
            canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = np.asarray(cell.to_rgb().numpy())
    return canvas


def ink_box(a, x0=0, y0=0, x1=None, y1=None):
    """(x0, y0, x1, y1), ends exclusive, of dark pixels (< 128) in a region of an RGB array; None if none."""
    region = np.asarray(a)[y0:y1, x0:x1, 0] < 128
    ys, xs = np.nonzero(region)
    if len(xs) == 0:
        return None
    return (x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1)


def assert_boxes_close(ours, ref, tol=PIXEL_TOL):
    assert (ours is None) == (ref is None), (ours, ref)
    if ours is not None:
        assert max(abs(int(a) - int(b)) for a, b in zip(ours, ref)) <= tol, (ours, ref)


def solid(h, w, v):
    return HashableImage(np.full((h, w, 3), v, np.uint8))


# -- make_image_grid: signature, defaults, layout -----------------------------
def test_make_image_grid_signature_is_the_originals():
    sig = inspect.signature(HashableImage.make_image_grid)
    params = sig.parameters
    assert list(params) == ["images", "orientation", "with_text", "verbose", "output"]
    assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in list(params)[1:])
    assert [params[n].default for n in list(params)[1:]] == ["horizontal", False, False, None]
    assert isinstance(inspect.getattr_static(HashableImage, "make_image_grid"), staticmethod)


def test_defaults_one_row_per_key_without_labels():
    a, b = solid(20, 30, 10), solid(20, 30, 20)
    grid = HashableImage.make_image_grid({"a": [a, a, a], "b": [b]})
    assert grid.mode == "pil" and grid.dtype() == "RGB"
    assert grid.size() == ImageSize(2 * 20, 3 * 30)
    arr = grid.numpy()
    assert (arr[:20] == 10).all()                           # row 0: key "a", three cells
    assert (arr[20:, :30] == 20).all()                      # row 1: key "b" ...
    assert (arr[20:, 30:] == 0).all()                       # ... padded with black cells


@pytest.mark.parametrize("orientation", ["horizontal", "vertical"])
def test_layout_matches_the_original_exactly(chelsea, camera, orientation):
    images = {"cat": [chelsea, chelsea.to_gray()], "camera": [camera], "small": [chelsea.downsample(3)]}
    grid = HashableImage.make_image_grid(images, orientation=orientation)
    expected = ref_grid(images, orientation)
    assert grid.numpy().shape == expected.shape
    assert np.array_equal(grid.numpy(), expected)
    rows, cols = (2, 3) if orientation == "vertical" else (3, 2)
    assert grid.size() == ImageSize(rows * 512, cols * 512)  # cells are the largest (h, w): camera's 512 x 512


def test_centring_of_smaller_images():
    # Even sizes: the offset is (H - h) / 2 under any rounding convention.
    grid = HashableImage.make_image_grid({"big": [solid(40, 60, 9)], "small": [solid(20, 30, 200)]},
                                         orientation="vertical")
    arr = grid.numpy()
    assert (arr[10:30, 60 + 15:60 + 45] == 200).all()
    assert arr[:, 60:].sum() == 200 * 20 * 30 * 3             # a black border, nothing else


def test_input_is_not_mutated(chelsea, camera):
    lists = {"a": [chelsea, camera], "b": [camera]}
    before = {k: list(v) for k, v in lists.items()}
    HashableImage.make_image_grid(lists, orientation="vertical", with_text=True)
    assert list(lists) == ["a", "b"] and all(lists[k] == before[k] for k in lists)
    assert all(x is y for k in lists for x, y in zip(lists[k], before[k]))
    hd = HashableDict({"a": HashableList([chelsea]), "b": HashableList([camera, chelsea])})
    digest = hd.digest()
    HashableImage.make_image_grid(hd, with_text=True)
    assert hd.digest() == digest and len(hd["a"]) == 1


def test_accepts_dicts_and_hashable_containers(chelsea, camera):
    plain = HashableImage.make_image_grid({"a": [chelsea], "b": [camera]}, orientation="vertical")
    hashable = HashableImage.make_image_grid(HashableDict({"a": HashableList([chelsea]), "b": [camera]}),
                                             orientation="vertical")
    assert plain == hashable


# -- labels ----------------------------------------------------------------------
@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_labels_match_the_pillow_reference(chelsea, camera, orientation):
    images = {"Image": [chelsea], "Mask": [camera], "blend + boxes": [chelsea.to_gray()]}
    grid = HashableImage.make_image_grid(images, orientation=orientation, with_text=True)
    plain = ref_grid(images, orientation)
    ref, best = ref_create_text(plain, list(images), orientation)
    ours = grid.numpy()
    h, w = plain.shape[:2]
    if orientation == "vertical":
        strip = ours.shape[0] - h
        assert ours.shape[1] == w and abs(strip - (ref.shape[0] - h)) <= PIXEL_TOL
        assert np.array_equal(ours[strip:], plain)           # the grid below the strip, untouched
        cell, ref_strip = w // 3, ref.shape[0] - h
        for k in range(3):
            assert_boxes_close(ink_box(ours[:strip], k * cell, 0, (k + 1) * cell),
                               ink_box(ref[:ref_strip], k * cell, 0, (k + 1) * cell))
    else:
        strip = ours.shape[1] - w
        assert ours.shape[0] == h and abs(strip - (ref.shape[1] - w)) <= PIXEL_TOL
        assert np.array_equal(ours[:, strip:], plain)        # the grid right of the strip, untouched
        cell, ref_strip = h // 3, ref.shape[1] - w
        for k in range(3):
            assert_boxes_close(ink_box(ours[:, :strip], 0, k * cell, None, (k + 1) * cell),
                               ink_box(ref[:, :ref_strip], 0, k * cell, None, (k + 1) * cell))
    # Black text on a white strip.
    label = ours[:strip] if orientation == "vertical" else ours[:, :strip]
    assert label.min() == 0 and np.median(label) == 255
    assert (label[..., 0] == label[..., 1]).all() and (label[..., 1] == label[..., 2]).all()


def test_one_font_size_for_all_labels_and_no_label_cut():
    a = solid(60, 400, 90)
    long = "a rather long label, cut no more"
    grid = HashableImage.make_image_grid({"x": [a], long: [a]}, orientation="vertical", with_text=True).numpy()
    strip = grid.shape[0] - 60
    short_box, long_box = ink_box(grid[:strip], 0, 0, 400), ink_box(grid[:strip], 400, 0, 800)
    # Both labels at the long label's size: "x" is as tall as Pillow draws
    # it at that size (alone, it would be drawn far larger).
    best = min(ref_fit(["x"], 60, 400), ref_fit([long], 60, 400))  # label canvas: the grid's height x a column
    assert best == ref_fit([long], 60, 400) < ref_fit(["x"], 60, 400)
    x_height = ref_textsize("x", _font(best))[1] - _font(best).getbbox("x")[1]
    assert abs((short_box[3] - short_box[1]) - x_height) <= 1
    # The long label is whole: inside its column with white on both sides,
    # as wide as Pillow draws it at the shared size.
    assert long_box[0] > 400 and long_box[2] < 800
    ref_w = ref_textsize(long, _font(best))[0]
    assert abs((long_box[2] - long_box[0]) - ref_w) <= PIXEL_TOL
    assert abs(short_box[0] + short_box[2] - 400) <= 2        # centred


def test_horizontal_labels_sit_left_and_read_bottom_to_top():
    horizontal = HashableImage.make_image_grid({"Rotated": [solid(40, 90, 7)]}, with_text=True).numpy()
    vertical = HashableImage.make_image_grid({"Rotated": [solid(90, 40, 7)]}, orientation="vertical",
                                             with_text=True).numpy()
    strip = horizontal.shape[1] - 90
    assert strip == vertical.shape[0] - 90 > 0
    assert (horizontal[:, strip:] == 7).all()
    # Turned 90 degrees clockwise, the left strip is the vertical grid's top strip.
    assert np.array_equal(np.rot90(horizontal[:, :strip], k=-1), vertical[:strip])
    # First key on the top row.
    grid = HashableImage.make_image_grid({"top": [solid(40, 90, 1)], "": [solid(40, 90, 2)]}, with_text=True).numpy()
    s = grid.shape[1] - 90
    assert ink_box(grid[:40, :s]) is not None and ink_box(grid[40:, :s]) is None


def test_empty_label_draws_nothing_and_never_hangs():
    a = solid(30, 40, 50)
    grid = HashableImage.make_image_grid({"": [a], "b": [a]}, orientation="vertical", with_text=True).numpy()
    strip = grid.shape[0] - 30
    assert strip > 0 and (grid[:strip, :40] == 255).all() and ink_box(grid[:strip, 40:]) is not None
    only_empty = HashableImage.make_image_grid({"": [a]}, with_text=True)
    assert only_empty == HashableImage.make_image_grid({"": [a]})  # no strip at all


def test_errors():
    a = solid(8, 8, 1)
    with pytest.raises(pixelcache.InvalidArgument, match="'b' is empty"):  # the original: IndexError
        HashableImage.make_image_grid({"a": [a], "b": []})
    with pytest.raises(pixelcache.InvalidArgument, match="empty"):
        HashableImage.make_image_grid({})
    with pytest.raises(ValueError, match="orientation"):
        HashableImage.make_image_grid({"a": [a]}, orientation="diagonal")
    with pytest.raises(TypeError, match="labels must be str"):
        HashableImage.make_image_grid({1: [a]})
    with pytest.raises(TypeError):
        HashableImage.make_image_grid([a])
    with pytest.raises(TypeError):
        HashableImage.make_image_grid({"a": 3})


def test_output_and_verbose(tmp_path, caplog):
    out = tmp_path / "sub" / "grid.png"
    with caplog.at_level(logging.INFO, logger="pixelcache"):
        grid = HashableImage.make_image_grid({"a": [solid(8, 8, 1)]}, output=str(out), verbose=True)
    assert HashableImage(out) == grid
    assert "grid saved to" in caplog.text and str(out) in caplog.text


@pytest.mark.parametrize("script", ["blending.py", "crop_uncrop.py"])
def test_examples_run_unchanged(script, tmp_path):
    env_path = str(pathlib.Path(pixelcache.__file__).parents[1])
    run = subprocess.run([sys.executable, ROOT / "examples" / script, tmp_path], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=env_path), timeout=120)  # keeps sanitizer preloads
    assert run.returncode == 0, run.stderr
    written = list(tmp_path.glob("*.png"))
    assert len(written) == 1
    grid = HashableImage(written[0]).numpy()
    # orientation="horizontal", with_text=True: labels on the left, in a white strip.
    assert (grid[:, :2] == 255).all() and ink_box(grid[:, :40]) is not None


# -- display_string ------------------------------------------------------------
LABELS = ["Original", "Resize", "blend + boxes", "edited crop, uncropped", "x", "MiXeD 123 !?",
          "a much longer label with several words", "Équalize ünïcode", "two\nlines"]
SIZES = [(300, 451), (256, 256), (512, 100), (40, 200), (1000, 64), (64, 1000), (20, 20)]


def test_display_string_signature_is_the_originals():
    params = inspect.signature(display_string).parameters
    assert list(params) == ["text", "size", "font_path", "justification", "force_size", "background", "foreground",
                            "words_per_line", "scale_font_size"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert [params[n].default for n in list(params)[2:]] == [None, "center", None, (255, 255, 255), (0, 0, 0), None,
                                                              0.5]


def test_display_string_font_size_matches_pillow():
    """Stated tolerance: +-1 point per case; in practice nearly all are exact."""
    exact = total = 0
    for text in LABELS:
        for h, w in SIZES:
            _, ours = display_string(text=text, size=ImageSize(h, w))
            ref = ref_fit(text.split("\n"), h, w)
            assert abs(ours - ref) <= 1, (text, h, w, ours, ref)
            exact += ours == ref
            total += 1
    assert exact >= 0.9 * total, f"{exact}/{total} exact"


def test_display_string_font_size_matches_pillow_on_random_strings():
    rng = random.Random(9)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?()[]{}+-*/=<>_gjpqyÉüöß"
    for _ in range(60):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        h, w = rng.randint(5, 600), rng.randint(5, 600)
        assert display_string(text=text, size=ImageSize(h, w))[1] == ref_fit([text], h, w), (text, h, w)


def test_display_string_pixels_close_to_pillow():
    for text, h, w in [("Hello", 40, 200), ("blend + boxes", 300, 451), ("two\nlines", 256, 256)]:
        img, size = display_string(text=text, size=ImageSize(h, w))
        ref, _ = ref_display_string(text, h, w, force_size=size)
        diff = np.abs(np.asarray(img, np.int16) - np.asarray(ref, np.int16))
        assert diff.mean() < 0.05 and (diff > 64).mean() < 0.001, (text, diff.mean())


@pytest.mark.parametrize("justification", ["center", "left", "right"])
def test_display_string_placement_matches_pillow(justification):
    for text in LABELS:
        for h, w in [(300, 451), (64, 1000), (120, 200)]:
            img, size = display_string(text=text, size=ImageSize(h, w), justification=justification)
            ref, ref_size = ref_display_string(text, h, w, force_size=size, justification=justification)
            assert img.mode == "RGB" and img.size == (w, h)
            assert_boxes_close(ink_box(img), ink_box(ref))


def test_display_string_options():
    img, size = display_string(text="hi there", size=(40, 200), force_size=14, background=(0, 0, 255),
                               foreground=(255, 255, 0))
    a = np.asarray(img)
    assert size == 14 and tuple(a[0, 0]) == (0, 0, 255)
    ys, xs = np.nonzero(a[..., 0] > 128)
    assert len(xs) and (a[ys, xs, 2] < 128).all()                    # yellow text on blue
    # words_per_line: one word a line, stacked like Pillow's.
    img, size = display_string(text="one two six", size=(150, 200), words_per_line=1)
    ref, _ = ref_display_string("one\ntwo\nsix", 150, 200)
    assert size == ref_fit(["one", "two", "six"], 150, 200)
    assert_boxes_close(ink_box(img), ink_box(ref))
    # scale_font_size and colour names (Pillow's).
    assert display_string(text="abc", size=(100, 100), scale_font_size=1.0)[1] == ref_fit(["abc"], 100, 100, 1.0)
    assert np.asarray(display_string(text="a", size=(9, 9), background="red")[0])[0, 0].tolist() == [255, 0, 0]
    assert display_string(text="abc", size=(40, 100), font_path=FONT) == display_string(text="abc", size=(40, 100))


def test_display_string_word_wrap_like_the_original():
    # A word too wide on its own breaks the line, leaving an empty first line.
    img, _ = display_string(text="tiny enormousword", size=ImageSize(80, 60), force_size=12)
    ref, _ = ref_display_string("tiny enormousword", 80, 60, force_size=12)
    assert_boxes_close(ink_box(img), ink_box(ref))
    img, _ = display_string(text="enormousword", size=ImageSize(60, 40), force_size=12)
    ref, _ = ref_display_string("enormousword", 60, 40, force_size=12)
    assert_boxes_close(ink_box(img), ink_box(ref))


def test_display_string_empty_text_returns():
    img, size = display_string(text="", size=ImageSize(30, 40))   # the original loops forever
    assert (np.asarray(img) == 255).all() and size >= 1


def test_display_string_errors():
    with pytest.raises(pixelcache.InvalidArgument, match="justification"):
        display_string(text="a", size=(10, 10), justification="middle")
    with pytest.raises(pixelcache.InvalidArgument, match="force_size"):
        display_string(text="a", size=(10, 10), force_size=0)
    with pytest.raises(pixelcache.InvalidArgument, match="words_per_line"):
        display_string(text="a", size=(10, 10), words_per_line=0)
    with pytest.raises(pixelcache.InvalidArgument, match="scale_font_size"):
        display_string(text="a", size=(10, 10), scale_font_size=float("nan"))
    with pytest.raises(pixelcache.InvalidArgument, match="background"):
        display_string(text="a", size=(10, 10), background=(0, 0, 300))
    with pytest.raises(pixelcache.IoError, match="font"):
        display_string(text="a", size=(10, 10), font_path="/nonexistent.ttf")
    with pytest.raises(ValueError):
        display_string(text="a", size=(0, 10))
    with pytest.raises(TypeError):
        display_string(text=3, size=(10, 10))
    with pytest.raises(TypeError):
        display_string("a", (10, 10))  # keyword-only, as the original
