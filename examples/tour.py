"""The original README's quick tour against pixelcache: construct from an
ndarray, a tensor and a path; convert with .pil() .numpy() .tensor() and the
views; binarise; use images as dict keys; the transformations grid.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/tour.py [OUT_DIR]
"""
import pathlib
import sys

import numpy as np
import torch

from pixelcache import HashableDict, HashableImage, HashableList, ImageSize

ASSETS = pathlib.Path(__file__).resolve().parents[1] / "assets"
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")

# Construct from a path (or URL), a NumPy array and a torch tensor.
image = HashableImage(ASSETS / "chelsea.png")
from_numpy = HashableImage(np.zeros((256, 256, 3), dtype=np.uint8))
from_torch = HashableImage(torch.rand(1, 3, 256, 256))

# Convert on demand: independent copies ...
pil_image = image.pil()
numpy_array = image.numpy()
tensor = image.tensor()
# ... or zero-copy, read-only views.
view = image.numpy_view()
print("pil", pil_image.size, "numpy", numpy_array.shape, "tensor", tuple(tensor.shape),
      "view writeable:", view.flags.writeable)

# Binary masks.
mask = image.to_binary(threshold=0.5)
print("mask", mask.dtype(), mask.size(), "true pixels:", int(mask.sum()))

# Images are hashable by content: the same pixels are the same key.
cache = {image: "processed result"}
assert cache[HashableImage(tensor)] == "processed result"
print("digest", image.digest(), "found by a tensor copy:", cache[HashableImage(tensor)])

# The transformations grid.
size = ImageSize(300, 451)
transformations = HashableDict({
    "Original": HashableList([image]),
    "Resize": [image.resize(ImageSize(150, 225)).center_pad(size)],
    "Rotate": [image.rotate(30, expand=False)],
    "Gray": [image.to_gray()],
    "Binary": [mask],
    "Palette": [image.to_gray().apply_palette("viridis")],
    "Equalize": [image.equalize_hist()],
    "Padding": [image.downsample(2).center_pad(size, fill=0)],
})
grid = HashableImage.make_image_grid(transformations, orientation="vertical", with_text=True)
grid.save(out_dir / "transformations.png")
print(f"transformations grid {grid.size()} -> {out_dir / 'transformations.png'}")
print("numpy input", from_numpy.mode, "torch input", from_torch.mode, from_torch.is_float())
