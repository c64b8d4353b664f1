"""Usage example 1 of the original README: blend an image with a mask and
compare the three in a labelled grid. Uses the bundled sample images
instead of URLs.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/blending.py [OUT_DIR]
"""
import pathlib
import sys

from pixelcache import HashableImage

ASSETS = pathlib.Path(__file__).resolve().parents[1] / "assets"
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")

image = HashableImage(ASSETS / "chelsea.png")
mask = HashableImage(ASSETS / "chelsea_eyes_mask.png")

# Darken everything outside the mask and frame its regions in red.
blended = image.blend(mask, alpha=0.5, with_bbox=True)

grid = HashableImage.make_image_grid(
    {"Image": [image], "Mask": [mask], "Blended": [blended]},
    orientation="horizontal",
    with_text=True,
)
grid.save(out_dir / "blending.png")
print(f"blended {image.size()} with a {mask.dtype()} mask -> {out_dir / 'blending.png'} ({grid.size()})")
