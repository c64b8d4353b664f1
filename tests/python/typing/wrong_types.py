"""Known-bad user code (ctest python_mypy_rejects_wrong_types): mypy must
report each marked line as an error. Never run."""
from pixelcache import BoundingBox, HashableImage, ImageSize, Points

img = HashableImage("x.png")
size: str = img.size()  # error: ImageSize is not a str
img.save(42)  # error: a path, not an int
ImageSize("300", 451)  # error: height is an int
BoundingBox(0, 0, 1, 1, image_size=(10, 10))  # error: image_size is an ImageSize
Points([[1.0, 2.0]], is_normalized="no")  # error: is_normalized is a bool
img.dtype().lower(5)  # error: str.lower takes no argument
