"""Input files shared by the benchmark scripts, made once per folder."""
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
# Test photos the generated inputs are made from (tests/data).
SOURCES = ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"]


def photos_12mp(folder: pathlib.Path, count: int, stem: str = "photo") -> list:
    """`count` 4000x3000 JPEGs (quality 90) in `folder`, named STEM000.jpg
    ...: the test photos upscaled with mild noise, so each compresses like a
    camera photo. Made once; a marker file says the set is complete."""
    import cv2
    import numpy as np

    marker = folder / f".complete-{stem}-{count}"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"writing {count} 12 MP JPEGs into {folder} (once) ...", file=sys.stderr)
        photos = [cv2.imread(str(REPO / "tests" / "data" / s), cv2.IMREAD_COLOR) for s in SOURCES]
        for i in range(count):
            big = cv2.resize(photos[i % len(photos)], (4000, 3000), interpolation=cv2.INTER_CUBIC)
            noise = np.random.default_rng(i).normal(0, 3, big.shape)
            img = np.clip(big + noise, 0, 255).astype(np.uint8)
            cv2.imwrite(str(folder / f"{stem}{i:03d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        marker.touch()
    return sorted(folder.glob(f"{stem}[0-9][0-9][0-9].jpg"))[:count]
