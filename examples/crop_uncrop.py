"""Usage example 2 of the original README: mask -> bounding boxes -> crop ->
edit the crop -> paste it back. Uses the bundled sample images instead of
URLs.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/crop_uncrop.py [OUT_DIR]
"""
import pathlib
import sys

from pixelcache import HashableImage

ASSETS = pathlib.Path(__file__).resolve().parents[1] / "assets"
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")

image = HashableImage(ASSETS / "chelsea.png")
mask = HashableImage(ASSETS / "chelsea_eyes_mask.png")

# One box per connected region of the mask, grown by 10 %.
bboxes = mask.mask2bbox(margin=0.1)
for box in bboxes:
    print("bbox", box.xyxy, "normalized", tuple(round(v, 3) for v in box.xyxyn))

# Crop the union of the boxes, edit the crop, paste it back with feathered edges.
cropped = image.crop_from_bbox(bboxes)
edited = cropped.equalize_hist().invert_rgb()
uncropped = edited.uncrop_from_bbox(image, bboxes, resize=False)

grid = HashableImage.make_image_grid(
    {"Image": [image], "Crop": [cropped], "Edited": [edited], "Uncropped": [uncropped]},
    orientation="horizontal",
    with_text=True,
)
grid.save(out_dir / "crop_uncrop.png")
print(f"crop {cropped.size()} pasted back into {uncropped.size()} -> {out_dir / 'crop_uncrop.png'}")
