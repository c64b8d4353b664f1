"""The image operations of HashableImage, generated from the C++ operation
catalogue (include/pixelcache/catalogue.hpp) by tools/gen_python_ops.py.
Do not edit: change the catalogue, rebuild, and run the generator.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Sequence

from ._opargs import (_bbox, _bboxes, _bool, _choice, _core, _cores, _float, _int, _kernel, _kernel_shape,
                      _palette, _points, _run, _run_boxes, _run_static, _size)

if TYPE_CHECKING:
    import numpy as np

    from . import _pixelcache
    from ._containers import HashableList
    from ._image import HashableImage
    from ._pixelcache import BoundingBox, ImageSize, Points

__all__ = ["Operations"]


class Operations:
    """The catalogue's operations as methods; HashableImage inherits them."""

    __slots__ = ()

    if TYPE_CHECKING:  # what HashableImage, the only subclass, provides
        _img: _pixelcache.Image

        def _new(self, img: _pixelcache.Image) -> HashableImage: ...

    def resize(
        self,
        size: ImageSize | tuple[int, int],
        mode: Literal['bilinear', 'lanczos', 'nearest', 'bicubic', 'area'] = 'bilinear',
    ) -> HashableImage:
        """Resampled to `size` with Pillow's filters, antialiased when shrinking; the pixel mode is kept, and the
        current size returns the image itself. A side of 0 (steps: `256x`, `x256`) follows the other's scale,
        keeping the aspect ratio.

        Args:
            size: the new size (height, width); one side may be 0.
            mode: the filter: bilinear, lanczos, nearest, bicubic or area (default 'bilinear').

        Returns a new HashableImage. C++: pixelcache::resize(img, size, interpolation); CLI step:
        resize:SIZE[,mode=bilinear].
        """
        return _run(self, 'resize', [_size(size, "resize: argument 'size'"), _choice(mode, "resize: argument 'mode'")])

    def downsample(self, factor: int) -> HashableImage:
        """Shrunk to (height // factor, width // factor), bilinear; factor 1 returns the image itself.

        Args:
            factor: the integer divisor of both sides (>= 1).

        Returns a new HashableImage. C++: pixelcache::downsample(img, factor); CLI step: downsample:FACTOR.
        """
        return _run(self, 'downsample', [_int(factor, "downsample: argument 'factor'")])

    def resize_min_size(self, min_size: int, modulo: int = 16) -> HashableImage:
        """The shorter side (the width when square) resized to `min_size`, the other in proportion (Python round),
        both then rounded down to a multiple of `modulo`; bilinear.

        Args:
            min_size: the new length of the shorter side, pixels (>= 1).
            modulo: both sides become multiples of this (>= 1; default 16).

        Returns a new HashableImage. C++: pixelcache::resize_min_size(img, min_size, modulo); CLI step:
        resize_min_size:MIN_SIZE[,modulo=16].
        """
        return _run(self, 'resize_min_size', [
            _int(min_size, "resize_min_size: argument 'min_size'"),
            _int(modulo, "resize_min_size: argument 'modulo'"),
        ])

    def center_crop(self, size: ImageSize | tuple[int, int]) -> HashableImage:
        """The central `size` region, placed as torchvision's CenterCrop (offsets rounded half to even; a smaller
        image is first padded with black).

        Args:
            size: the size of the crop (height, width).

        Returns a new HashableImage. C++: pixelcache::center_crop(img, size); CLI step: center_crop:SIZE.
        """
        return _run(self, 'center_crop', [_size(size, "center_crop: argument 'size'")])

    def rotate(
        self,
        rotation: float,
        mode: Literal['bilinear', 'nearest', 'bicubic'] = 'bilinear',
        *,
        expand: bool = True,
    ) -> HashableImage:
        """Rotated counter-clockwise by `rotation` degrees around the centre, black fill; `expand` grows the canvas
        to hold the whole result (binary images: nearest).

        Args:
            rotation: the angle in degrees, counter-clockwise positive.
            mode: the interpolation: bilinear, nearest or bicubic (default 'bilinear').
            expand: grow the canvas to hold the whole rotated image (default True).

        Returns a new HashableImage. C++: pixelcache::rotate(img, degrees, expand, interpolation); CLI step:
        rotate:ROTATION[,mode=bilinear][,expand=true].
        """
        return _run(self, 'rotate', [
            _float(rotation, "rotate: argument 'rotation'"),
            _choice(mode, "rotate: argument 'mode'"),
            _bool(expand, "rotate: argument 'expand'"),
        ])

    def flip_horizontal(self) -> HashableImage:
        """Mirrored left-right.

        Returns a new HashableImage. C++: pixelcache::flip_horizontal(img); CLI step: flip_horizontal.
        """
        return _run(self, 'flip_horizontal', [])

    def flip_vertical(self) -> HashableImage:
        """Mirrored top-bottom.

        Returns a new HashableImage. C++: pixelcache::flip_vertical(img); CLI step: flip_vertical.
        """
        return _run(self, 'flip_vertical', [])

    def center_pad(self, image_size: ImageSize | tuple[int, int], fill: int = 0) -> HashableImage:
        """Placed on a canvas of `image_size` filled with `fill`, at row H // 2 - h // 2 and column W // 2 - w //
        2; the pixel mode is kept.

        Args:
            image_size: the canvas size (height, width), at least the image's.
            fill: the canvas level 0..255 (0 or 1 for binary images) (within [0, 255]; default 0).

        Returns a new HashableImage. C++: pixelcache::center_pad(img, size, fill); CLI step:
        center_pad:IMAGE_SIZE[,fill=0].
        """
        return _run(self, 'center_pad', [
            _size(image_size, "center_pad: argument 'image_size'"),
            _int(fill, "center_pad: argument 'fill'"),
        ])

    def crop(self, bbox: BoundingBox) -> HashableImage:
        """The pixels inside one box (pixel boxes: exclusive ends; normalised boxes: fractions of the image).

        Args:
            bbox: the box; it must lie inside the image.

        Returns a new HashableImage. C++: pixelcache::crop(img, box); CLI step: crop:BBOX.
        """
        return _run(self, 'crop', [_bbox(bbox, "crop: argument 'bbox'")])

    def concat(self, other: Sequence[HashableImage], mode: Literal['horizontal', 'vertical']) -> HashableImage:
        """The image followed by `other`, side by side (horizontal) or stacked (vertical); modes and the shared
        side must agree.

        Args:
            other: the images to append, in order.
            mode: horizontal or vertical.

        Returns a new HashableImage. C++: pixelcache::concat({img, other...}, horizontal); CLI step:
        concat:OTHER,MODE.
        """
        return _run(self, 'concat', [
            _cores(other, "concat: argument 'other'"),
            _choice(mode, "concat: argument 'mode'"),
        ])

    def to_rgb(self) -> HashableImage:
        """RGB: gray replicated to three channels, binary as 0 / 255; RGB returns itself.

        Returns a new HashableImage. C++: pixelcache::to_rgb(img); CLI step: to_rgb.
        """
        return _run(self, 'to_rgb', [])

    def to_gray(self) -> HashableImage:
        """Gray (L) with Pillow's convert("L") formula; binary as 0 / 255; L returns itself.

        Returns a new HashableImage. C++: pixelcache::to_gray(img); CLI step: to_gray.
        """
        return _run(self, 'to_gray', [])

    def to_binary(self, threshold: float = 0.0, area_min: float = 0.0, connectivity: int = 8) -> HashableImage:
        """A binary mask, true where any channel > threshold * 255; optionally without small holes and islands. A
        binary image returns itself.

        Args:
            threshold: the threshold as a fraction of white (within [0.0, 1.0]; default 0.0).
            area_min: remove holes, then islands, smaller than this fraction of the image area (the largest
                island stays) (within [0.0, 1.0]; default 0.0).
            connectivity: 4 or 8: how regions connect for area_min (within [4, 8]; default 8).

        Returns a new HashableImage. C++: pixelcache::to_binary(img, threshold, area_min, connectivity); CLI
        step: to_binary[:threshold=0][,area_min=0][,connectivity=8].
        """
        return _run(self, 'to_binary', [
            _float(threshold, "to_binary: argument 'threshold'"),
            _float(area_min, "to_binary: argument 'area_min'"),
            _int(connectivity, "to_binary: argument 'connectivity'"),
        ])

    def invert_binary(self) -> HashableImage:
        """A binary image with true and false swapped.

        Returns a new HashableImage. C++: pixelcache::invert_binary(img); CLI step: invert_binary.
        """
        return _run(self, 'invert_binary', [])

    def invert_rgb(self) -> HashableImage:
        """255 - value for RGB and L images (binary images: use invert_binary).

        Returns a new HashableImage. C++: pixelcache::invert_rgb(img); CLI step: invert_rgb.
        """
        return _run(self, 'invert_rgb', [])

    def rgb2bgr(self) -> HashableImage:
        """The first and third channels swapped (RGB images).

        Returns a new HashableImage. C++: pixelcache::rgb2bgr(img); CLI step: rgb2bgr.
        """
        return _run(self, 'rgb2bgr', [])

    def bgr2rgb(self) -> HashableImage:
        """The first and third channels swapped (the same swap as rgb2bgr).

        Returns a new HashableImage. C++: pixelcache::bgr2rgb(img); CLI step: bgr2rgb.
        """
        return _run(self, 'bgr2rgb', [])

    def set_minmax(self, min: float, max: float, /) -> HashableImage:
        """Values stretched linearly so that the minimum becomes `min` and the maximum `max` (fractions of the full
        range; a constant image becomes `min`).

        Args:
            min: the new minimum, 0..1 (within [0.0, 1.0]).
            max: the new maximum, 0..1, above min (within [0.0, 1.0]).

        Returns a new HashableImage. C++: pixelcache::set_minmax(img, min, max); CLI step: set_minmax:MIN,MAX.
        """
        return _run(self, 'set_minmax', [
            _float(min, "set_minmax: argument 'min'"),
            _float(max, "set_minmax: argument 'max'"),
        ])

    def equalize_hist(self) -> HashableImage:
        """Histogram equalisation (OpenCV's equalizeHist), per channel for RGB; L stays L, binary becomes L.

        Returns a new HashableImage. C++: pixelcache::equalize_hist(img); CLI step: equalize_hist.
        """
        return _run(self, 'equalize_hist', [])

    def apply_palette(self, palette: str | np.ndarray[Any, Any] = 'default', /) -> HashableImage:
        """A gray image's levels mapped through a 256-colour palette, giving RGB.

        Args:
            palette: "default" (the original's label colours), a matplotlib colormap name (viridis, magma, jet,
                ...) or a 256 x 3 uint8 table (default 'default').

        Returns a new HashableImage. C++: pixelcache::apply_palette(img, palette); CLI step:
        apply_palette[:palette=default].
        """
        return _run(self, 'apply_palette', [_palette(palette, "apply_palette: argument 'palette'")])

    def mask2bbox(
        self,
        margin: float,
        *,
        normalized: bool = False,
        merge: bool = False,
        verbose: bool = True,
        closing: int | tuple[int, int] = (0, 0),
        opening: int | tuple[int, int] = (0, 0),
        area_threshold: float = 0.0,
        number_of_objects: int = -1,
    ) -> HashableList[BoundingBox]:
        """The bounding boxes of the mask's 8-connected regions (exclusive ends), grown by `margin`, overlapping
        boxes merged; top to bottom then left to right; an empty mask gives an empty list.

        Args:
            margin: grow each box by this fraction of its width / height on every side (>= 0.0).
            normalized: boxes normalised to [0, 1] instead of pixels (default False).
            merge: one box, the union of all regions (overlapping boxes merge anyway) (default False).
            verbose: accepted for compatibility; pixelcache does not log here (default True).
            closing: morphological closing (after the opening) with a ones kernel of this (height, width); 0 =
                off (default (0, 0)).
            opening: morphological opening (after the area filter) with a ones kernel of this (height, width); 0
                = off (default (0, 0)).
            area_threshold: first remove holes and islands smaller than this fraction of the image area (within
                [0.0, 1.0]; default 0.0).
            number_of_objects: keep only the largest N regions (of equal areas, the first in reading order); -1
                keeps all (>= -1; default -1).

        Returns a HashableList of BoundingBox. C++: pixelcache::mask2bbox(img, Mask2BboxOptions).
        """
        return _run_boxes(self, 'mask2bbox', [
            _float(margin, "mask2bbox: argument 'margin'"),
            _bool(normalized, "mask2bbox: argument 'normalized'"),
            _bool(merge, "mask2bbox: argument 'merge'"),
            _bool(verbose, "mask2bbox: argument 'verbose'"),
            _kernel_shape(closing, "mask2bbox: argument 'closing'"),
            _kernel_shape(opening, "mask2bbox: argument 'opening'"),
            _float(area_threshold, "mask2bbox: argument 'area_threshold'"),
            _int(number_of_objects, "mask2bbox: argument 'number_of_objects'"),
        ])

    def mask2squaremask(
        self,
        margin: float,
        *,
        merge: bool = False,
        verbose: bool = True,
        closing: int | tuple[int, int] = (0, 0),
        opening: int | tuple[int, int] = (0, 0),
        area_threshold: float = 0.0,
        number_of_objects: int = -1,
    ) -> HashableImage:
        """A binary mask with each box of mask2bbox filled.

        Args:
            margin: grow each box by this fraction of its width / height on every side (>= 0.0).
            merge: one box, the union of all regions (overlapping boxes merge anyway) (default False).
            verbose: accepted for compatibility; pixelcache does not log here (default True).
            closing: morphological closing (after the opening) with a ones kernel of this (height, width); 0 =
                off (default (0, 0)).
            opening: morphological opening (after the area filter) with a ones kernel of this (height, width); 0
                = off (default (0, 0)).
            area_threshold: first remove holes and islands smaller than this fraction of the image area (within
                [0.0, 1.0]; default 0.0).
            number_of_objects: keep only the largest N regions (of equal areas, the first in reading order); -1
                keeps all (>= -1; default -1).

        Returns a new HashableImage. C++: pixelcache::mask2squaremask(img, Mask2BboxOptions); CLI step:
        mask2squaremask:MARGIN[,merge=false][,closing=0x0][,opening=0x0][,area_threshold=0][,number_of_objects=-1].
        """
        return _run(self, 'mask2squaremask', [
            _float(margin, "mask2squaremask: argument 'margin'"),
            _bool(merge, "mask2squaremask: argument 'merge'"),
            _bool(verbose, "mask2squaremask: argument 'verbose'"),
            _kernel_shape(closing, "mask2squaremask: argument 'closing'"),
            _kernel_shape(opening, "mask2squaremask: argument 'opening'"),
            _float(area_threshold, "mask2squaremask: argument 'area_threshold'"),
            _int(number_of_objects, "mask2squaremask: argument 'number_of_objects'"),
        ])

    def crop_from_mask(
        self,
        mask: HashableImage,
        margin: float = 0.0,
        *,
        normalized: bool = False,
        merge: bool = False,
        verbose: bool = False,
        closing: int | tuple[int, int] = (0, 0),
        opening: int | tuple[int, int] = (0, 0),
        area_threshold: float = 0.0,
        number_of_objects: int = -1,
    ) -> HashableImage:
        """The pixels inside the union of the boxes of `mask`'s regions (see mask2bbox); an empty mask is an error.

        Args:
            mask: the mask (any mode; nonzero = in), the image's size.
            margin: grow each box by this fraction of its width / height on every side (>= 0.0; default 0.0).
            normalized: accepted for compatibility; the crop is the same (default False).
            merge: one box, the union of all regions (overlapping boxes merge anyway) (default False).
            verbose: accepted for compatibility; pixelcache does not log here (default False).
            closing: morphological closing (after the opening) with a ones kernel of this (height, width); 0 =
                off (default (0, 0)).
            opening: morphological opening (after the area filter) with a ones kernel of this (height, width); 0
                = off (default (0, 0)).
            area_threshold: first remove holes and islands smaller than this fraction of the image area (within
                [0.0, 1.0]; default 0.0).
            number_of_objects: keep only the largest N regions (of equal areas, the first in reading order); -1
                keeps all (>= -1; default -1).

        Returns a new HashableImage. C++: pixelcache::crop_from_mask(img, mask, Mask2BboxOptions); CLI step:
        crop_from_mask:MASK[,margin=0][,merge=false][,closing=0x0][,opening=0x0][,area_threshold=0][,number_of_objects=-1].
        """
        return _run(self, 'crop_from_mask', [
            _core(mask, "crop_from_mask: argument 'mask'"),
            _float(margin, "crop_from_mask: argument 'margin'"),
            _bool(normalized, "crop_from_mask: argument 'normalized'"),
            _bool(merge, "crop_from_mask: argument 'merge'"),
            _bool(verbose, "crop_from_mask: argument 'verbose'"),
            _kernel_shape(closing, "crop_from_mask: argument 'closing'"),
            _kernel_shape(opening, "crop_from_mask: argument 'opening'"),
            _float(area_threshold, "crop_from_mask: argument 'area_threshold'"),
            _int(number_of_objects, "crop_from_mask: argument 'number_of_objects'"),
        ])

    def crop_from_bbox(self, bboxes: BoundingBox | Sequence[BoundingBox]) -> HashableImage:
        """The pixels inside the union of `bboxes` (pixel or normalised boxes).

        Args:
            bboxes: one or more boxes inside the image.

        Returns a new HashableImage. C++: pixelcache::crop_from_bbox(img, bboxes); CLI step:
        crop_from_bbox:BBOXES.
        """
        return _run(self, 'crop_from_bbox', [_bboxes(bboxes, "crop_from_bbox: argument 'bboxes'")])

    def crop_from_points(
        self,
        points: Points | Sequence[tuple[float, float]],
        margin: float = 0.0,
        *,
        normalized: bool = False,
        merge: bool = False,
        verbose: bool = False,
        closing: int | tuple[int, int] = (0, 0),
        opening: int | tuple[int, int] = (0, 0),
        area_threshold: float = 0.0,
        number_of_objects: int = -1,
    ) -> HashableImage:
        """crop_from_mask with a mask of the points (each point a 1 x 1 region).

        Args:
            points: (x, y) pixel coordinates inside the image.
            margin: grow each box by this fraction of its width / height on every side (>= 0.0; default 0.0).
            normalized: accepted for compatibility; the crop is the same (default False).
            merge: one box, the union of all regions (overlapping boxes merge anyway) (default False).
            verbose: accepted for compatibility; pixelcache does not log here (default False).
            closing: morphological closing (after the opening) with a ones kernel of this (height, width); 0 =
                off (default (0, 0)).
            opening: morphological opening (after the area filter) with a ones kernel of this (height, width); 0
                = off (default (0, 0)).
            area_threshold: first remove holes and islands smaller than this fraction of the image area (within
                [0.0, 1.0]; default 0.0).
            number_of_objects: keep only the largest N regions (of equal areas, the first in reading order); -1
                keeps all (>= -1; default -1).

        Returns a new HashableImage. C++: pixelcache::crop_from_points(img, points, Mask2BboxOptions); CLI step:
        crop_from_points:POINTS[,margin=0][,merge=false][,closing=0x0][,opening=0x0][,area_threshold=0][,number_of_objects=-1].
        """
        return _run(self, 'crop_from_points', [
            _points(points, "crop_from_points: argument 'points'"),
            _float(margin, "crop_from_points: argument 'margin'"),
            _bool(normalized, "crop_from_points: argument 'normalized'"),
            _bool(merge, "crop_from_points: argument 'merge'"),
            _bool(verbose, "crop_from_points: argument 'verbose'"),
            _kernel_shape(closing, "crop_from_points: argument 'closing'"),
            _kernel_shape(opening, "crop_from_points: argument 'opening'"),
            _float(area_threshold, "crop_from_points: argument 'area_threshold'"),
            _int(number_of_objects, "crop_from_points: argument 'number_of_objects'"),
        ])

    def uncrop_from_bbox(
        self,
        base: HashableImage,
        bboxes: BoundingBox | Sequence[BoundingBox],
        *,
        resize: bool = False,
        blend_width: int = 10,
    ) -> HashableImage:
        """This crop pasted into `base` at the union of `bboxes`, its edges feathered over `blend_width` pixels.

        Args:
            base: the image to paste into.
            bboxes: the boxes whose union receives the crop.
            resize: resize the crop to the box (otherwise the sizes must agree) (default False).
            blend_width: feathering width in pixels; 0 = hard edge (>= 0; default 10).

        Returns a new HashableImage. C++: pixelcache::uncrop_from_bbox(img, base, bboxes, resize, blend_width);
        CLI step: uncrop_from_bbox:BASE,BBOXES[,resize=false][,blend_width=10].
        """
        return _run(self, 'uncrop_from_bbox', [
            _core(base, "uncrop_from_bbox: argument 'base'"),
            _bboxes(bboxes, "uncrop_from_bbox: argument 'bboxes'"),
            _bool(resize, "uncrop_from_bbox: argument 'resize'"),
            _int(blend_width, "uncrop_from_bbox: argument 'blend_width'"),
        ])

    def morphologyEx(
        self,
        operation: Literal['erode', 'dilate', 'open', 'close'],
        kernel: int | np.ndarray[Any, Any],
    ) -> HashableImage:
        """Erosion, dilation, opening or closing of the mask with a structuring element (OpenCV's morphologyEx,
        default border); returns a binary mask.

        Args:
            operation: erode, dilate, open or close.
            kernel: a 2-D array (nonzero = in the element) or k for a k x k square.

        Returns a new HashableImage. C++: pixelcache::morphology(img, op, kernel); CLI step:
        morphologyEx:OPERATION,KERNEL.
        """
        return _run(self, 'morphologyEx', [
            _choice(operation, "morphologyEx: argument 'operation'"),
            _kernel(kernel, "morphologyEx: argument 'kernel'"),
        ])

    def morphology(self, op: Literal['erode', 'dilate', 'open', 'close'], kernel: int = 3) -> HashableImage:
        """morphologyEx with a square kernel of `kernel` pixels.

        Args:
            op: erode, dilate, open or close.
            kernel: the side of the square kernel (>= 1; default 3).

        Returns a new HashableImage. C++: pixelcache::morphology(img, op, kernel); CLI step:
        morphology:OP[,kernel=3].
        """
        return _run(self, 'morphology', [
            _choice(op, "morphology: argument 'op'"),
            _int(kernel, "morphology: argument 'kernel'"),
        ])

    def dilate(self, kernel: int = 3) -> HashableImage:
        """The mask dilated by a square kernel.

        Args:
            kernel: the side of the square kernel (>= 1; default 3).

        Returns a new HashableImage. C++: pixelcache::morphology(img, Morphology::Dilate, kernel); CLI step:
        dilate[:kernel=3].
        """
        return _run(self, 'dilate', [_int(kernel, "dilate: argument 'kernel'")])

    def erode(self, kernel: int = 3) -> HashableImage:
        """The mask eroded by a square kernel.

        Args:
            kernel: the side of the square kernel (>= 1; default 3).

        Returns a new HashableImage. C++: pixelcache::morphology(img, Morphology::Erode, kernel); CLI step:
        erode[:kernel=3].
        """
        return _run(self, 'erode', [_int(kernel, "erode: argument 'kernel'")])

    def logical_or_reduce(self, other: Sequence[HashableImage]) -> HashableImage:
        """The union of this mask and `other` (every image binarised: any channel > 0); an empty list gives
        to_binary().

        Args:
            other: masks of the same size.

        Returns a new HashableImage. C++: pixelcache::logical_or_reduce({img, other...}); CLI step:
        logical_or_reduce:OTHER.
        """
        return _run(self, 'logical_or_reduce', [_cores(other, "logical_or_reduce: argument 'other'")])

    def masked_fill(self, mask: HashableImage, value: int) -> HashableImage:
        """A new image with the pixels under `mask` set to `value` (what the original's img[mask] = v meant).

        Args:
            mask: the mask (nonzero = set), the image's size.
            value: the level 0..255 (0 or 1 for binary images) (within [0, 255]).

        Returns a new HashableImage. C++: pixelcache::masked_fill(img, mask, value); CLI step:
        masked_fill:MASK,VALUE.
        """
        return _run(self, 'masked_fill', [
            _core(mask, "masked_fill: argument 'mask'"),
            _int(value, "masked_fill: argument 'value'"),
        ])

    @staticmethod
    def points_to_mask(
        points: Points | Sequence[tuple[float, float]],
        size: ImageSize | tuple[int, int],
    ) -> HashableImage:
        """A binary mask of `size` with the points set.

        Args:
            points: (x, y) pixel coordinates.
            size: the mask size (height, width).

        Returns a new HashableImage. C++: pixelcache::points_to_mask(points, size).
        """
        return _run_static('points_to_mask', [
            _points(points, "points_to_mask: argument 'points'"),
            _size(size, "points_to_mask: argument 'size'"),
        ])

    def blend(self, mask: HashableImage, alpha: float, *, with_bbox: bool, merge_bbox: bool = True) -> HashableImage:
        """With a binary mask: pixels outside it scaled by `alpha`; with an image: alpha * mask + (1 - alpha) *
        image. `with_bbox` draws red boxes around the mask's regions.

        Args:
            mask: a binary mask, or an image of the same mode to mix in.
            alpha: outside scale (mask) or weight of the image (within [0.0, 1.0]).
            with_bbox: draw red 3-pixel boxes around the mask's regions (result RGB).
            merge_bbox: one box around all regions (mask2bbox's merge) (default True).

        Returns a new HashableImage. C++: pixelcache::blend(img, other, alpha, with_bbox, merge_bbox); CLI step:
        blend:MASK,ALPHA,WITH_BBOX[,merge_bbox=true].
        """
        return _run(self, 'blend', [
            _core(mask, "blend: argument 'mask'"),
            _float(alpha, "blend: argument 'alpha'"),
            _bool(with_bbox, "blend: argument 'with_bbox'"),
            _bool(merge_bbox, "blend: argument 'merge_bbox'"),
        ])

    def zeros_like(self) -> HashableImage:
        """A black image of the same size and mode.

        Returns a new HashableImage. C++: pixelcache::zeros_like(img); CLI step: zeros_like.
        """
        return _run(self, 'zeros_like', [])

    def ones_like(self) -> HashableImage:
        """A white image of the same size and mode (255; true for binary).

        Returns a new HashableImage. C++: pixelcache::ones_like(img); CLI step: ones_like.
        """
        return _run(self, 'ones_like', [])
