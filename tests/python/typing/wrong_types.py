"""Known-bad user code (ctest python_mypy_rejects_wrong_types): mypy must
report each marked line as an error. Never run."""
from pixelcache import BoundingBox, Cache, HashableImage, ImageSize, Points, memoize, probe

img = HashableImage("x.png")
size: str = img.size()  # error: ImageSize is not a str
img.save(42)  # error: a path, not an int
ImageSize("300", 451)  # error: height is an int
BoundingBox(0, 0, 1, 1, image_size=(10, 10))  # error: image_size is an ImageSize
Points([[1.0, 2.0]], is_normalized="no")  # error: is_normalized is a bool
img.dtype().lower(5)  # error: str.lower takes no argument
Cache(max_bytes="1G")  # error: a size is an int
Cache(redis_url=6379)  # error: a URL is a str
Cache(tiers=[256])  # error: a tier spec is a str
probe(42)  # error: a path, URL or bytes, not an int
orientation: str = probe("x.png").orientation  # error: an int


@memoize(version=2)  # error: version is a str
def f(x: int) -> int:
    return x


memoized_str: str = memoize(lambda x: x)  # error: a Memoized, not a str
