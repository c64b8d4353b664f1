"""Shared fixtures of the Python tests: the test photos, loaded once."""
import pathlib

import numpy as np
import pytest
from PIL import Image

from pixelcache import HashableImage

DATA = pathlib.Path(__file__).parents[1] / "data"


@pytest.fixture(scope="session")
def data():
    return DATA


@pytest.fixture(scope="session")
def chelsea():
    return HashableImage(DATA / "chelsea.png")


@pytest.fixture(scope="session")
def chelsea_array():
    return np.array(Image.open(DATA / "chelsea.png").convert("RGB"))


@pytest.fixture(scope="session")
def camera():
    return HashableImage(DATA / "camera.png")


@pytest.fixture(scope="session")
def blob_mask():
    """A 120 x 160 mask with two rectangles and a one-pixel speck."""
    m = np.zeros((120, 160), bool)
    m[10:40, 20:60] = True
    m[70:110, 90:150] = True
    m[5, 150] = True
    return m


def pytest_configure(config):
    # Tests that run threads or processes against one cache: a ThreadSanitizer
    # build can pick them with `-m threaded` (the `python` ctest is labelled
    # `threaded` as a whole).
    config.addinivalue_line("markers", "threaded: runs threads or processes against shared state")
