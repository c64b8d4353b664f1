import os
import pathlib

import pytest


def pytest_addoption(parser):
    parser.addoption("--pixelcache", required=True, help="path of the pixelcache program under test")


@pytest.fixture(scope="session")
def exe(request):
    return request.config.getoption("--pixelcache")


@pytest.fixture(scope="session")
def data():
    return pathlib.Path(os.environ.get("PIXELCACHE_TEST_DATA", pathlib.Path(__file__).parents[1] / "data"))
