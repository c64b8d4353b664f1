"""Loads a script of tests/tools (the reference definitions and corpus
writers the tests share with the benchmarks) as a module."""
import importlib.util
import pathlib
import sys

TOOLS = pathlib.Path(__file__).parents[1] / "tools"


def load_tool(name):
    """tests/tools/NAME.py as module NAME (registered in sys.modules, so its
    dataclasses and pickles resolve)."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod
