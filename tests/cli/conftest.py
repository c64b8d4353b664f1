import os
import pathlib

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
