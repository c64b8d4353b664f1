"""Shared fixtures of the Python tests: the test photos, loaded once, and a
local HTTP server of them."""
import functools
import http.server
import pathlib
import threading

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


@pytest.fixture(scope="session")
def http_url(data):
    """http://127.0.0.1:PORT serving tests/data (a real server on a free
    loopback port, stopped at the end of the session)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(data))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def pytest_configure(config):
    # Tests that run threads or processes against one cache: a ThreadSanitizer
    # build can pick them with `-m threaded` (the `python` ctest is labelled
    # `threaded` as a whole).
    config.addinivalue_line("markers", "threaded: runs threads or processes against shared state")
