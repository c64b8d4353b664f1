import http.server
import os
import pathlib
import threading

import pytest


def pytest_addoption(parser):
    parser.addoption("--pixelcache", required=True, help="path of the pixelcache program under test")
    parser.addoption("--catalogue-cases", default=None,
                     help="path of the catalogue_cases program (the C++ front of test_catalogue_fronts.py)")


@pytest.fixture(scope="session")
def exe(request):
    return request.config.getoption("--pixelcache")


@pytest.fixture(scope="session")
def catalogue_cases(request):
    path = request.config.getoption("--catalogue-cases")
    if not path:
        pytest.skip("--catalogue-cases not given")
    return path


@pytest.fixture(scope="session")
def data():
    return pathlib.Path(os.environ.get("PIXELCACHE_TEST_DATA", pathlib.Path(__file__).parents[1] / "data"))


@pytest.fixture(scope="session")
def assets():
    return pathlib.Path(os.environ.get("PIXELCACHE_ASSETS", pathlib.Path(__file__).parents[2] / "assets"))


class DataHandler(http.server.BaseHTTPRequestHandler):
    """Serves the files of `root` by name (GET /chelsea.png); 404 for anything else."""

    root = pathlib.Path(".")

    def do_GET(self):
        path = self.root / self.path.split("?")[0].lstrip("/")
        if "/" in self.path.split("?")[0].lstrip("/") or not path.is_file():
            self.send_error(404)
            return
        payload = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(data):
    """http://127.0.0.1:PORT serving the test data folder; stopped after the test."""
    handler = type("Handler", (DataHandler,), {"root": data})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        srv.server_close()
