"""ImageCrop, and the Python conveniences of the C++ geometry types
(ImageSize, BoundingBox and Points are the C++ values themselves)."""
from __future__ import annotations

from dataclasses import dataclass

from . import _pixelcache
from ._image import HashableImage
from ._opargs import _bboxes
from ._pixelcache import BoundingBox, ImageSize

ImageSize.from_image = staticmethod(lambda image: HashableImage(image).size())
ImageSize.from_image.__doc__ = "The ImageSize of an image (anything HashableImage accepts)."


@dataclass(frozen=True)
class ImageCrop:
    """A crop that remembers where it came from, so that an edited version
    can be pasted back: `image` (the crop), `bbox` (the union box in the
    original, pixels, exclusive ends) and `original_size`."""

    image: HashableImage
    bbox: BoundingBox
    original_size: ImageSize

    @staticmethod
    def from_bbox(image, bboxes) -> ImageCrop:
        """Crops `image` to the union of `bboxes` (one box or a list)."""
        img = HashableImage(image)
        crop, box, size = _pixelcache.image_crop_from_bbox(img._img, _bboxes(bboxes))
        return ImageCrop(img._new(crop), box, size)

    @staticmethod
    def from_mask(image, mask, margin: float = 0.0, **options) -> ImageCrop:
        """Crops `image` to the union of `mask`'s region boxes; `margin` and
        the keyword `options` are mask2bbox's (an empty mask is an error)."""
        return ImageCrop.from_bbox(image, HashableImage(mask).mask2bbox(margin, **options))

    def uncrop(self, base, edited=None, resize: bool = False, blend_width: int = 10) -> HashableImage:
        """Pastes `edited` (this crop, processed; the crop itself when None)
        back into `base`, which must have `original_size`."""
        crop = self.image if edited is None else HashableImage(edited)
        base = HashableImage(base)
        if base.size() != self.original_size:
            raise ValueError(f"uncrop: base is {base.size()}, the crop came from {self.original_size}")
        return crop.uncrop_from_bbox(base, [self.bbox], resize=resize, blend_width=blend_width)
