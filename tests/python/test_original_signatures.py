"""The public names and signatures of the Python original (its public API),
checked with inspect.signature: ours must accept every call the original
accepts, with the same defaults.

Each row is (dotted name, the original's parameter list as Python source).
A parameter the table marks positional-only ("x, /") is one the original
shows without a documented name: only its position is checked. A default
of `...` means "has a default" (the original's default is an object we do
not share, e.g. a torchvision enum). Rules, per parameter of the original:
  * ours has it (same name unless positional-only), at the same position if
    the original takes it positionally;
  * ours accepts it the same ways (by position and / or by keyword);
  * if the original has a default, ours has the same one.
Parameters only we have must have defaults (or be *args / **kwargs), so
code written for the original cannot tell them apart.

test_operation_signatures covers the image operations and the grid / text
functions, which other branches of issue 9 rewrite; it passes once those
are merged.
"""
from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

import pixelcache

P = inspect.Parameter
POSITIONAL = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)

ORIGINAL_EXPORTS = {"DEFAULT_VERBOSITY", "BoundingBox", "HashableDict", "HashableImage", "HashableList", "ImageCrop",
                    "ImageSize", "LoggingRich", "Points", "display_string", "get_logger", "pseudo_hash",
                    "seed_everything", "__version__"}

# The image class (methods take `self`), containers, types, functions, tools.
SURFACE = [
    ("HashableImage", "image"),
    ("HashableImage.from_base64", "s"),
    ("HashableImage.decode_bytes", "data, *, unchanged=False"),
    ("HashableImage.zeros_from_size", "size"),
    ("HashableImage.get_filename", "self"),
    ("HashableImage.get_local_filename", "self"),
    ("HashableImage.set_filename", "self, filename"),
    ("HashableImage.save", "self, path, transparency=None"),
    ("HashableImage.show", "self"),
    ("HashableImage.bytes", "self"),
    ("HashableImage.b64", "self, *, open_rb=False"),
    ("HashableImage.pil", "self"),
    ("HashableImage.pil_view", "self"),
    ("HashableImage.numpy", "self"),
    ("HashableImage.numpy_view", "self"),
    ("HashableImage.tensor", "self"),
    ("HashableImage.tensor_view", "self"),
    ("HashableImage.raw", "self"),
    ("HashableImage.raw_view", "self"),
    ("HashableImage.dtype", "self"),
    ("HashableImage.size", "self"),
    ("HashableImage.is_rgb", "self"),
    ("HashableImage.is_binary", "self"),
    ("HashableImage.mean", "self"),
    ("HashableImage.std", "self"),
    ("HashableImage.min", "self"),
    ("HashableImage.max", "self"),
    ("HashableImage.sum", "self"),
    ("HashableImage.unique_values", "self"),
    ("HashableImage.summary", "self"),
    ("HashableImage.copy", "self"),
    ("HashableImage.zeros_like", "self"),
    ("HashableImage.ones_like", "self"),
    ("HashableDict", "data"),
    ("HashableDict.to_dict", "self"),
    ("HashableDict.copy", "self"),
    ("HashableList", "data"),
    ("HashableList.to_list", "self"),
    ("HashableList.copy", "self"),
    ("ImageSize", "*, height, width"),
    ("ImageSize.area", "self"),
    ("ImageSize.product", "self"),
    ("ImageSize.min", "self"),
    ("ImageSize.max", "self"),
    ("ImageSize.from_image", "x, /"),
    ("BoundingBox", "xmin, ymin, xmax, ymax, image_size=None"),
    ("BoundingBox.is_normalized", "self"),
    ("BoundingBox.size", "self"),
    ("ImageCrop", "*, left, top, right, bottom"),
    ("ImageCrop.is_normalized", "self"),
    ("ImageCrop.__call__", "self, image, /"),
    ("Points", "points, is_normalized, image_size"),
    ("Points.to_mask", "self"),
    ("Points.clip_to_image_bounds", "self, image_size"),
    ("Points.shift_points", "self, shift, /"),
    ("Points.list_tuple_int", "self"),
    ("Points.list_tuple_float", "self, *, normalized"),
    ("Points.min_x", "self"),
    ("Points.min_y", "self"),
    ("Points.max_x", "self"),
    ("Points.max_y", "self"),
    ("pseudo_hash", "idx, length=6"),
    ("seed_everything", "seed=None, *, workers=False, verbose=True, cuda_deterministic=True"),
    ("tools.image.read_image", "fname, /"),
    ("tools.image.save_image",
     "img, /, *, path, nrow=8, padding=2, normalize=True, scale_each=False, pad_value=0.0"),
    ("tools.image.numpy2tensor", "x, /"),
    ("tools.image.pil2tensor", "x, /"),
    ("tools.image.tensor2numpy", "tensor, *, output_type=np.uint8, min_max=(0, 1), padding=2"),
    ("tools.image.tensor2pil", "tensor, *, min_max=(0, 1), padding=2"),
    ("tools.image.make_image_grid", "images, rows, cols, resize=None"),
    ("tools.image.center_pad", "image, size, fill=(0, 0)"),
    ("tools.image.to_binary", "rgb, threshold=0.0"),
    ("tools.image.to_rgb", "x, /"),
    ("tools.image.resize_image", "tensor, /, resolution, mode, resize_min_max='min', modulo=16"),
    ("tools.image.rgb2gray", "rgb"),
    ("tools.image.tile", "image, mode='RxC'"),
    ("tools.image.ImageSize", "*, height, width"),
    ("tools.mask.mask2bbox", "binary_mask, /, margin, *, normalized=False, merge=False, verbose=True, "
                             "closing=(0, 0), opening=(0, 0), area_threshold=0.0, number_of_objects=-1"),
    ("tools.mask.mask2squaremask", "mask, margin, *, merge=False, verbose=True, closing=(0, 0), opening=(0, 0), "
                                   "area_threshold=0.0, number_of_objects=-1"),
    ("tools.mask.bbox2mask", "bbox, image_size"),
    ("tools.mask.resize_squaremask", "mask, size, **kw"),
    ("tools.mask.crop_from_mask", "image, mask, margin=0.0, *, normalized=False, merge=False, verbose=True, "
                                  "closing=(0, 0), opening=(0, 0), area_threshold=0.0, number_of_objects=-1"),
    ("tools.mask.morphologyEx", "mask, mode, kernel, /, *, struct=None"),
    ("tools.mask.remove_disconnected_regions", "masks, area_thresh=0.0, /"),
    ("tools.mask.mask_blend", "image, mask, alpha, *, with_bbox=True, merge_bbox=True"),
    # closing / opening / area_threshold have no defaults in the original's reduce_masks (mask2bbox passes them);
    # ours default to mask2bbox's, so every call of the original still works.
    ("tools.mask.reduce_masks", "mask, *, number_of_objects=-1, closing=(0, 0), opening=(0, 0), area_threshold=0.0, "
                                "merge=False, verbose=True"),
    ("tools.mask.keep_n_largest_components", "mask, n"),
    ("tools.mask.remove_small_regions", "mask, area_thresh, mode, connectivity=8"),
    ("tools.mask.mask_to_polygon", "mask, *, min_area=100.0"),
    ("tools.mask.polygon_to_mask", "polygons, image_shape"),
    ("tools.mask.refine_masks", "masks, min_area=100.0"),
    ("tools.mask.contour_from_mask", "mask"),
    ("tools.mask.mask_iou", "m1, m2, /, *, just_intersection=False"),
    ("tools.mask.mask_intersection", "m1, m2, target=None"),
    ("tools.mask.align_masks", "base, anchors"),
    ("tools.bbox.crop_from_bbox", "image_np, /, bboxes, *, is_normalized"),
    ("tools.bbox.uncrop_from_bbox", "base_image, image, bboxes, *, is_normalized, resize=False, blend_width=0"),
    ("tools.bbox.increase_bbox", "bboxes, image_size, /, *, is_normalized, margin"),
    ("tools.bbox.bbox_iou", "boxes1, boxes2, /, *, just_intersection=False"),
    ("tools.bbox.bbox_intersection", "box1, box2"),
    ("tools.bbox.align_bounding_boxes", "base, anchors"),
    ("tools.bbox.points2bbox", "list_points"),
    ("tools.draw.draw_bbox", "image, bbox, *, is_normalized=False, color='red', width=3, text=None"),
    ("tools.keypoints.kpts2bbox", "kpts, *, normalized, image_size=None"),
    ("tools.cache.lru_cache", "maxsize=128"),
    ("tools.cache.get_cache_dir", ""),
    ("tools.cache.sha256sum", "filename"),
    ("tools.cache.pseudo_hash", "idx, length=6"),
    ("tools.text.get_font_path", "font='JetBrainsMono-Regular', /"),
    ("tools.text.get_font", "font_path, text_size"),
    ("tools.text.textsize", "text, font"),
    ("tools.text.remove_white_text", "img"),
    ("tools.text.draw_text", "image, text, position, font_path=None, font_size=20.0, color=(255, 255, 255)"),
    ("tools.text.create_text", "img_path, texts, background='white', orientation='horizontal', font_path=None"),
    ("tools.utils.seed_everything", "seed=None, *, workers=False, verbose=True, cuda_deterministic=True"),
]

# The operations, make_image_grid and display_string: the operation
# catalogue and the grid / text branches of issue 9.
OPERATIONS = [
    ("HashableImage.to_rgb", "self"),
    ("HashableImage.to_gray", "self"),
    ("HashableImage.to_binary", "self, threshold=0.0, area_min=0, connectivity=8"),
    ("HashableImage.invert_binary", "self"),
    ("HashableImage.invert_rgb", "self"),
    ("HashableImage.rgb2bgr", "self"),
    ("HashableImage.bgr2rgb", "self"),
    ("HashableImage.apply_palette", "self, palette=..., /"),
    ("HashableImage.equalize_hist", "self"),
    ("HashableImage.resize", "self, size, mode='bilinear'"),
    ("HashableImage.downsample", "self, factor"),
    ("HashableImage.resize_min_size", "self, min_size, modulo=16"),
    ("HashableImage.rotate", "self, rotation, mode=..., *, expand=True"),
    ("HashableImage.center_pad", "self, image_size, fill=0"),
    ("HashableImage.concat", "self, other, mode"),
    ("HashableImage.mask2bbox", "self, margin, *, normalized=False, merge=False, verbose=True, closing=(0, 0), "
                                "opening=(0, 0), area_threshold=0.0, number_of_objects=-1"),
    ("HashableImage.crop_from_bbox", "self, bboxes"),
    ("HashableImage.uncrop_from_bbox", "self, base, bboxes, *, resize=False, blend_width=10"),
    ("HashableImage.crop_from_mask", "self, mask, *args, **kwargs"),
    ("HashableImage.crop_from_points", "self, points, *args, **kwargs"),
    # The original forwards *args / **kwargs to tools.mask.mask2squaremask(mask, margin, *, ...).
    ("HashableImage.mask2squaremask", "self, margin, *, merge=False, verbose=True, closing=(0, 0), opening=(0, 0), "
                                      "area_threshold=0.0, number_of_objects=-1"),
    ("HashableImage.morphologyEx", "self, operation, kernel"),
    ("HashableImage.logical_or_reduce", "self, other"),
    ("HashableImage.__setitem__", "self, mask, value, /"),
    ("HashableImage.set_minmax", "self, min, max, /"),
    ("HashableImage.blend", "self, mask, alpha, *, with_bbox, merge_bbox=True"),
    ("HashableImage.make_image_grid",
     "images, *, orientation='horizontal', with_text=False, verbose=False, output=None"),
    ("display_string", "*, text, size, font_path=None, justification='center', force_size=None, "
                       "background=(255, 255, 255), foreground=(0, 0, 0), words_per_line=None, scale_font_size=0.5"),
]


def resolve(dotted: str):
    """pixelcache.<dotted>, importing pixelcache.tools.<module> when needed."""
    parts = dotted.split(".")
    if parts[0] == "tools":
        obj = importlib.import_module(f"pixelcache.tools.{parts[1]}")
        parts = parts[2:]
    else:
        obj = pixelcache
    for p in parts:
        obj = getattr(obj, p)
    return obj


def original_signature(params: str) -> inspect.Signature:
    ns = {"np": np}
    exec(f"def f({params}): pass", ns)  # noqa: S102 - the table is ours
    return inspect.signature(ns["f"])


def incompatibilities(ours: inspect.Signature, original: inspect.Signature) -> list[str]:
    """Why a call the original accepts could fail (or differ) on ours."""
    problems = []
    mine = list(ours.parameters.values())
    by_name = {p.name: p for p in mine}
    positional_mine = [p for p in mine if p.kind in POSITIONAL]
    covered = set()
    for i, o in enumerate(original.parameters.values()):
        if o.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            continue
        if o.kind == P.POSITIONAL_ONLY:
            if i >= len(positional_mine):
                problems.append(f"no positional parameter at {i} for {o.name}")
                continue
            p = positional_mine[i]
        else:
            p = by_name.get(o.name)
            if p is None:
                if any(q.kind == P.VAR_KEYWORD for q in mine):
                    continue
                problems.append(f"missing parameter {o.name!r}")
                continue
            if o.kind == P.POSITIONAL_OR_KEYWORD:
                if p.kind != P.POSITIONAL_OR_KEYWORD:
                    problems.append(f"{o.name!r} must be positional-or-keyword, is {p.kind.description}")
                elif mine.index(p) != i:
                    problems.append(f"{o.name!r} must be at position {i}, is at {mine.index(p)}")
            elif p.kind not in (P.KEYWORD_ONLY, P.POSITIONAL_OR_KEYWORD):
                problems.append(f"{o.name!r} must accept a keyword, is {p.kind.description}")
        covered.add(p.name)
        if o.default is not P.empty:
            if p.default is P.empty:
                problems.append(f"{o.name!r} needs a default")
            elif o.default is not Ellipsis and not _same_default(p.default, o.default):
                problems.append(f"{o.name!r} default {p.default!r}, the original's is {o.default!r}")
    for p in mine:
        if p.name not in covered and p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD) and p.default is P.empty:
            problems.append(f"extra parameter {p.name!r} without a default")
    return problems


def _same_default(a, b) -> bool:
    if isinstance(a, type) or isinstance(b, type):
        return a is b or (isinstance(a, type) and isinstance(b, type) and np.dtype(a) == np.dtype(b))
    return type(a) in (type(b), int, float) and a == b


def check(rows):
    failures = []
    for dotted, params in rows:
        try:
            obj = resolve(dotted)
        except AttributeError as e:
            failures.append(f"{dotted}: missing ({e})")
            continue
        try:
            ours = inspect.signature(obj)
        except (TypeError, ValueError) as e:
            failures.append(f"{dotted}: no inspectable signature ({e})")
            continue
        problems = incompatibilities(ours, original_signature(params))
        if problems:
            failures.append(f"{dotted}{ours}: " + "; ".join(problems))
    assert not failures, "\n".join(failures)


def test_all_holds_every_export_of_the_original():
    assert ORIGINAL_EXPORTS <= set(pixelcache.__all__)
    for name in pixelcache.__all__:
        assert hasattr(pixelcache, name), name


def test_signatures_of_the_original_surface():
    check(SURFACE)


def test_operation_signatures():
    check(OPERATIONS)


def test_the_checker_catches_incompatible_signatures():
    def ours(a, b=2, *, c=None):
        pass

    sig = inspect.signature(ours)
    assert incompatibilities(sig, original_signature("a, b=2, *, c=None")) == []
    assert incompatibilities(sig, original_signature("a, b=3")) != []       # other default
    assert incompatibilities(sig, original_signature("a, c")) != []         # c not positional
    assert incompatibilities(sig, original_signature("a, b, d=1")) != []    # d missing
    assert incompatibilities(sig, original_signature("x, /")) == []         # position only
    assert incompatibilities(inspect.signature(lambda a, z: 0), original_signature("a")) != []  # extra required


def test_public_callables_of_this_surface_have_docstrings():
    generic = {inspect.getdoc(object.__init__), inspect.getdoc(object)}
    missing = [dotted for dotted, _ in SURFACE
               if not (doc := inspect.getdoc(resolve(dotted))) or doc in generic or len(doc) < 12]
    assert not missing, missing
