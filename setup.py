"""Builds the _pixelcache extension with CMake for pip (see pyproject.toml).

The core library is linked statically into the extension, so the wheel
holds one shared object and the pure-Python modules. Set PIXELCACHE_CMAKE_ARGS
to pass more options to CMake, PIXELCACHE_BUILD_DIR to choose its build folder.
"""
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(os.environ.get("PIXELCACHE_BUILD_DIR") or pathlib.Path(self.build_temp) / "cmake").resolve()
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), *generator,
                        "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF",
                        "-DPIXELCACHE_BUILD_TESTS=OFF", "-DPIXELCACHE_BUILD_BENCH=OFF",
                        "-DPIXELCACHE_BUILD_CLI=OFF", "-DPIXELCACHE_BUILD_PYTHON=ON", "-DPIXELCACHE_WITH_TORCH=OFF",
                        f"-DPython3_EXECUTABLE={sys.executable}",
                        *shlex.split(os.environ.get("PIXELCACHE_CMAKE_ARGS", ""))], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "_pixelcache", "--parallel"], check=True)
        built = next((build / "python" / "pixelcache").glob("_pixelcache*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(ext_modules=[Extension("pixelcache._pixelcache", sources=[])], cmdclass={"build_ext": CMakeBuild})
