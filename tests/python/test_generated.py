"""The generated files are up to date with the C++ operation catalogue:
python/pixelcache/_ops.py (the HashableImage operation methods) and the
operation list in doc/operations.md, both written by tools/gen_python_ops.py.
Regenerating must change nothing."""
import importlib.util
import inspect
import pathlib

import pytest

import pixelcache
from pixelcache import HashableImage, _pixelcache

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_python_ops", ROOT / "tools" / "gen_python_ops.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def catalogue():
    return _pixelcache.operations()


def test_ops_module_is_regenerated_unchanged(gen, catalogue):
    committed = (ROOT / "python" / "pixelcache" / "_ops.py").read_text()
    assert committed == gen.render_ops(catalogue), (
        "python/pixelcache/_ops.py is stale: run PYTHONPATH=build/release/python /usr/bin/python3 "
        "tools/gen_python_ops.py")


def test_the_package_runs_the_committed_module():
    # The build (or pip) copies _ops.py next to the extension: the same text.
    import pixelcache._ops as ops

    assert pathlib.Path(ops.__file__).read_text() == (ROOT / "python" / "pixelcache" / "_ops.py").read_text()


def test_readme_operation_list_is_regenerated_unchanged(gen, catalogue):
    readme = (ROOT / "doc" / "operations.md").read_text()
    assert readme == gen.render_readme(readme, catalogue), "doc/operations.md's operation list is stale: run the generator"
    for op in catalogue:
        assert f"`{'' if op['method'] else 'HashableImage.'}{op['name']}(" in readme


def test_every_generated_method_has_the_catalogue_signature_and_a_doc(catalogue):
    kinds = {"positional_only": inspect.Parameter.POSITIONAL_ONLY,
             "positional": inspect.Parameter.POSITIONAL_OR_KEYWORD,
             "keyword_only": inspect.Parameter.KEYWORD_ONLY}
    for op in catalogue:
        if not op["python"]:
            continue
        method = getattr(HashableImage, op["name"])
        params = list(inspect.signature(method).parameters.values())
        if op["method"]:
            params = params[1:]  # self
        assert [p.name for p in params] == [a["name"] for a in op["args"]], op["name"]
        for p, a in zip(params, op["args"]):
            assert p.kind == kinds[a["kind"]], (op["name"], a["name"])
            if a["required"]:
                assert p.default is inspect.Parameter.empty, (op["name"], a["name"])
            else:
                assert p.default == a["default"], (op["name"], a["name"])
        doc = inspect.getdoc(method)
        assert doc and doc.startswith(op["doc"][:40]), op["name"]
        for a in op["args"]:
            assert f"{a['name']}: " in doc, (op["name"], a["name"])


def test_operations_left_to_hand_written_code_exist(catalogue):
    for op in catalogue:
        assert hasattr(HashableImage, op["name"]), op["name"]
    assert pixelcache.HashableImage.make_image_grid.__doc__


def test_python_calls_have_the_cli_steps_canonical_keys():
    """_pixelcache.canonical_call binds Python arguments exactly as the CLI's step parser does."""
    assert _pixelcache.canonical_call("to_binary", [0.5]) == "to_binary:threshold=0.5,area_min=0,connectivity=8"
    assert (_pixelcache.canonical_call("resize", [(100, 200)], {"mode": "nearest"})
            == "resize:size=200x100,mode=nearest")  # (height, width) in Python, WIDTHxHEIGHT in keys
    assert (_pixelcache.canonical_call("mask2bbox", [0.1], {"verbose": False})
            == _pixelcache.canonical_call("mask2bbox", [0.1]))  # verbose cannot change the result
