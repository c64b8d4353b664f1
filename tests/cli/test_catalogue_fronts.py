"""Every catalogue operation through the three front ends on the same input:
the typed C++ call (the catalogue_cases program, tests/cpp/catalogue_cases.hpp),
the Python method called with the original's argument names, and the CLI
(`pixelcache run` steps; `pixelcache grid`). The digests must agree."""
import subprocess

import numpy as np
import pytest

pixelcache = pytest.importorskip("pixelcache")
from pixelcache import BoundingBox, HashableImage, ImageSize  # noqa: E402

CAT, CAM, JPEG = "chelsea.png", "camera.png", "chelsea_q95.jpg"


def python_calls(data, assets):
    """Case id -> the Python call, in the original's spelling where it has one."""
    cat, jpeg = HashableImage(data / CAT), HashableImage(data / JPEG)
    mask = HashableImage(assets / "chelsea_eyes_mask.png")
    pixel = dict(normalized=False)
    return {
        "resize": lambda i: i.resize(ImageSize(100, 200), mode="lanczos"),
        "resize_aspect": lambda i: i.resize((100, 0)),
        "downsample": lambda i: i.downsample(2),
        "center_crop": lambda i: i.center_crop((201, 224)),
        "resize_min_size": lambda i: i.resize_min_size(100, modulo=8),
        "rotate": lambda i: i.rotate(30.0, "nearest", expand=False),
        "flip_horizontal": lambda i: i.flip_horizontal(),
        "flip_vertical": lambda i: i.flip_vertical(),
        "center_pad": lambda i: i.center_pad(ImageSize(311, 460), fill=7),
        "crop": lambda i: i.crop(BoundingBox(10, 20, 110, 221, **pixel)),
        "concat": lambda i: i.concat([cat], "vertical"),
        "to_rgb": lambda i: i.to_rgb(),
        "to_gray": lambda i: i.to_gray(),
        "to_binary": lambda i: i.to_binary(threshold=0.5, area_min=0.001, connectivity=4),
        "invert_binary": lambda i: i.invert_binary(),
        "invert_rgb": lambda i: i.invert_rgb(),
        "rgb2bgr": lambda i: i.rgb2bgr(),
        "bgr2rgb": lambda i: i.bgr2rgb(),
        "set_minmax": lambda i: i.set_minmax(0.2, 0.8),
        "equalize_hist": lambda i: i.equalize_hist(),
        "apply_palette": lambda i: i.apply_palette("viridis"),
        "mask2bbox": lambda i: i.mask2bbox(margin=0.1),
        "mask2squaremask": lambda i: i.mask2squaremask(0.05, closing=(5, 3)),
        "crop_from_mask": lambda i: i.crop_from_mask(mask, 0.1, merge=True, opening=(3, 3)),
        "crop_from_bbox": lambda i: i.crop_from_bbox([BoundingBox(10, 20, 110, 120, **pixel),
                                                      BoundingBox(200, 30, 260, 90, **pixel)]),
        "crop_from_points": lambda i: i.crop_from_points([(10, 20), (130, 40), (60, 90)]),
        "uncrop_from_bbox": lambda i: i.uncrop_from_bbox(cat, [BoundingBox(100, 50, 200, 150, **pixel)],
                                                         resize=True, blend_width=5),
        "morphologyEx": lambda i: i.morphologyEx("close", np.ones((5, 9), dtype=np.float32)),
        "morphology": lambda i: i.morphology("open", 5),
        "dilate": lambda i: i.dilate(4),
        "erode": lambda i: i.erode(),
        "logical_or_reduce": lambda i: i.logical_or_reduce([cat]),
        "masked_fill": lambda i: i.masked_fill(mask, 200),
        "points_to_mask": lambda _: HashableImage.points_to_mask([(1, 2), (30, 4.5)], ImageSize(20, 40)),
        "blend": lambda i: i.blend(mask, 0.3, with_bbox=True),
        "blend_image": lambda i: i.blend(jpeg, 0.25, with_bbox=False),
        "zeros_like": lambda i: i.zeros_like(),
        "ones_like": lambda i: i.ones_like(),
        "make_image_grid": lambda _: HashableImage.make_image_grid(
            {"cat": [cat, HashableImage(data / CAM)], "camera": [HashableImage(data / CAM)]},
            orientation="vertical", with_text=False),
    }


@pytest.fixture(scope="module")
def cpp_cases(catalogue_cases, data, assets):
    p = subprocess.run([catalogue_cases, str(data), str(assets)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    rows = [line.split("\t") for line in p.stdout.splitlines()]
    return {row[0]: {"input": row[1], "step": row[2], "digest": row[3]} for row in rows}


def digest_of(result):
    if isinstance(result, HashableImage):
        return result.digest()
    return pixelcache.HashableList(list(result)).digest()  # boxes: the C++ HashableList digest


def cli_digest(exe, tmp_path, case, data):
    """The CLI's result digest, or None when the operation has no CLI front."""
    out = tmp_path / f"{case['step'].split(':')[0]}.png"
    if case["step"] == "make_image_grid":
        cmd = [exe, "grid", "-o", out, "--label", "cat", data / CAT, data / CAM, "--label", "camera", data / CAM,
               "--orientation", "vertical"]
    elif case["step"].split(":")[0] in {op["name"] for op in pixelcache._pixelcache.operations() if op["step"]}:
        cmd = [exe, "run", case["input"], "-o", out, case["step"]]
    else:
        return None
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    h = subprocess.run([exe, "hash", str(out)], capture_output=True, text=True, timeout=60)
    return h.stdout.split()[0]


def test_every_operation_has_a_case(cpp_cases):
    ops = {op["name"] for op in pixelcache._pixelcache.operations()}
    covered = {case["step"].split(":")[0] for case in cpp_cases.values()}
    assert covered == ops


def test_cpp_python_and_cli_agree(exe, cpp_cases, data, assets, tmp_path):
    calls = python_calls(data, assets)
    assert set(calls) == set(cpp_cases)
    without_cli = []
    for case_id, case in cpp_cases.items():
        image = HashableImage(case["input"]) if case["input"] else None
        py = digest_of(calls[case_id](image))
        assert py == case["digest"], f"{case_id}: Python {py} != C++ {case['digest']} ({case['step']})"
        cli = cli_digest(exe, tmp_path, case, data)
        if cli is None:
            without_cli.append(case_id)
        else:
            assert cli == case["digest"], f"{case_id}: CLI {cli} != C++ {case['digest']} ({case['step']})"
    # Only what has no image result, or no input image, lacks a CLI step.
    assert sorted(without_cli) == ["mask2bbox", "points_to_mask"]
