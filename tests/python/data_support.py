"""Helpers of the pixelcache.data tests: a small ImageFolder tree of JPEG
photos made from the bundled test photos (deterministic), and thread counts."""
import os
import pathlib

from PIL import Image

ROOT = pathlib.Path(__file__).parents[2]
PHOTOS = ["assets/chelsea.png", "assets/astronaut.png", "assets/coffee.png", "assets/rocket.jpg", "assets/camera.png"]
# (width, height): landscape, portrait, odd sides; long sides whose 256-scale
# rounds (resize_min_size) and truncates (torchvision) alike, and unlike.
SIZES = [(1200, 800), (800, 1203), (1601, 1067), (640, 480), (1024, 1024), (999, 701)]


def make_tree(root, per_photo=(4, 3, 4, 3, 4)):
    """root/class{0,1,2}/<photo>_<k>.jpg: 18 JPEGs (quality 90) of 0.3-1.7 MP,
    camera ones gray; returns root."""
    root = pathlib.Path(root)
    k = 0
    for i, (photo, n) in enumerate(zip(PHOTOS, per_photo)):
        im = Image.open(ROOT / photo)
        im = im.convert("L") if "camera" in photo else im.convert("RGB")
        for j, size in enumerate(SIZES[:n]):
            folder = root / f"class{k % 3}"
            folder.mkdir(parents=True, exist_ok=True)
            im.resize(size, Image.BICUBIC).save(folder / f"{pathlib.Path(photo).stem}_{j}.jpg", quality=90)
            k += 1
    return root


def thread_count():
    """Threads of this process (Python's and C++'s alike)."""
    return len(os.listdir("/proc/self/task"))
