import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import threading
import time

import pytest


def run(exe, *args, timeout=300, **kw):
    """Runs the program with `args` (made strings); fails the test if a signal killed it."""
    p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {p.stderr}"
    return p


def files_below(root):
    """The files below `root`, as sorted relative paths."""
    return sorted(str(p.relative_to(root)) for p in pathlib.Path(root).rglob("*") if p.is_file())


def read_report(path):
    """The rows of a JSON-lines report."""
    return [json.loads(line) for line in pathlib.Path(path).read_text().splitlines()]


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


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url():
    """redis://127.0.0.1:PORT of a redis-server this test starts on a free loopback port (no persistence);
    killed after the test, also when it fails."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--protected-mode", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not redis_ping(port):
            assert proc.poll() is None, "redis-server exited at start"
            assert time.monotonic() < deadline, "redis-server did not answer PING"
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()
