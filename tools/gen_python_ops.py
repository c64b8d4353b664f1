#!/usr/bin/python3
"""Generates, from the C++ operation catalogue (include/pixelcache/catalogue.hpp),
the operation methods of HashableImage (python/pixelcache/_ops.py) and the
operation list of doc/operations.md (between its GENERATED markers).

    PYTHONPATH=build/release/python /usr/bin/python3 tools/gen_python_ops.py [--check]

The catalogue is read from the built extension (_pixelcache.operations()),
loaded on its own so that a stale _ops.py cannot stop the generator. With
--check nothing is written; the exit status is 1 when a file is out of date
(tests/python/test_generated.py runs the same comparison).
"""
from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import math
import pathlib
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[1]
OPS_PY = ROOT / "python" / "pixelcache" / "_ops.py"
OPERATIONS_DOC = ROOT / "doc" / "operations.md"
BEGIN = "<!-- BEGIN GENERATED: operations (tools/gen_python_ops.py; do not edit) -->"
END = "<!-- END GENERATED: operations -->"

# Per argument type: the Python annotation and the converter in _opargs.py.
HINTS = {
    "bool": ("bool", "_bool"),
    "int": ("int", "_int"),
    "float": ("float", "_float"),
    "str": ("str", "_choice"),
    "size": ("ImageSize | tuple[int, int]", "_size"),
    "kernel_shape": ("int | tuple[int, int]", "_kernel_shape"),
    "kernel": ("int | np.ndarray[Any, Any]", "_kernel"),
    "palette": ("str | np.ndarray[Any, Any]", "_palette"),
    "image": ("HashableImage", "_core"),
    "images": ("Sequence[HashableImage]", "_cores"),
    "bbox": ("BoundingBox", "_bbox"),
    "bboxes": ("BoundingBox | Sequence[BoundingBox]", "_bboxes"),
    "points": ("Points | Sequence[tuple[float, float]]", "_points"),
    "grid": ("Mapping[str, Sequence[HashableImage]]", "_grid"),
}


def load_catalogue() -> list:
    """_pixelcache.operations() from the extension found on sys.path."""
    for entry in sys.path:
        for path in sorted(pathlib.Path(entry or ".").glob("pixelcache/_pixelcache*.so")):
            loader = importlib.machinery.ExtensionFileLoader("_pixelcache", str(path))
            spec = importlib.util.spec_from_file_location("_pixelcache", path, loader=loader)
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
            return module.operations()
    raise SystemExit("gen_python_ops: no pixelcache/_pixelcache*.so on sys.path (set PYTHONPATH=build/release/python)")


def hint(arg: dict) -> str:
    if arg["type"] == "str" and arg["choices"]:
        text = "Literal[" + ", ".join(repr(c) for c in arg["choices"]) + "]"
    else:
        text = HINTS[arg["type"]][0]
    return text + " | None" if not arg["required"] and arg["default"] is None else text


def bounds(arg: dict) -> str:
    """The accepted range in words, or ""."""
    lo, hi = arg["min"], arg["max"]
    if arg["type"] not in ("int", "float") or (math.isinf(lo) and math.isinf(hi)):
        return ""
    num = (lambda v: str(int(v))) if arg["type"] == "int" else (lambda v: repr(float(v)))
    if math.isinf(hi):
        return f"{'>' if arg['min_exclusive'] else '>='} {num(lo)}"
    return f"within [{num(lo)}, {num(hi)}]"


def signature(op: dict, *, self_name: str | None = "self", hints: bool = True) -> str:
    """The Python parameter list, with the original's `/` and `*`."""
    return ", ".join(parameters(op, self_name=self_name, hints=hints))


def parameters(op: dict, *, self_name: str | None = "self", hints: bool = True) -> list:
    """The Python parameters, with the original's `/` and `*`."""
    params = [self_name] if self_name else []
    kinds = [a["kind"] for a in op["args"]]
    for i, arg in enumerate(op["args"]):
        if arg["kind"] == "keyword_only" and (i == 0 or kinds[i - 1] != "keyword_only"):
            params.append("*")
        text = arg["name"] + (": " + hint(arg) if hints else "")
        if not arg["required"]:
            text += (" = " if hints else "=") + repr(arg["default"])
        params.append(text)
        if arg["kind"] == "positional_only" and (i + 1 == len(kinds) or kinds[i + 1] != "positional_only"):
            params.append("/")
    return params


def docstring(op: dict, indent: str) -> str:
    lines = [op["doc"]]
    if op["args"]:
        lines += ["", "Args:"]
        for arg in op["args"]:
            extra = [bounds(arg)] if bounds(arg) else []
            if not arg["required"]:
                extra.append(f"default {arg['default']!r}")
            lines.append(f"    {arg['name']}: {arg['doc']}" + (f" ({'; '.join(extra)})" if extra else "") + ".")
    result = "a HashableList of BoundingBox" if op["result"] == "bboxes" else "a new HashableImage"
    lines += ["", f"Returns {result}. C++: pixelcache::{op['cpp']}" +
              (f"; CLI step: {op['usage']}." if op["step"] else ".")]
    width = 112 - len(indent)
    wrapped = []
    for line in lines:
        hang = " " * (8 if line.startswith("    ") else 0)
        wrapped += textwrap.wrap(line, width, subsequent_indent=hang, break_on_hyphens=False,
                                 break_long_words=False) or [""]
    body = "\n".join((indent + line) if line else "" for line in wrapped)
    return f'{indent}"""{body.lstrip()}\n{indent}"""'


def render_ops(catalogue: list) -> str:
    out = [
        '"""The image operations of HashableImage, generated from the C++ operation',
        "catalogue (include/pixelcache/catalogue.hpp) by tools/gen_python_ops.py.",
        "Do not edit: change the catalogue, rebuild, and run the generator.",
        '"""',
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING, Any, Literal, Sequence",
        "",
        "from ._opargs import (_bbox, _bboxes, _bool, _choice, _core, _cores, _float, _int, _kernel, _kernel_shape,",
        "                      _palette, _points, _run, _run_boxes, _run_static, _size)",
        "",
        "if TYPE_CHECKING:",
        "    import numpy as np",
        "",
        "    from . import _pixelcache",
        "    from ._containers import HashableList",
        "    from ._image import HashableImage",
        "    from ._pixelcache import BoundingBox, ImageSize, Points",
        "",
        "__all__ = [\"Operations\"]",
        "",
        "",
        "class Operations:",
        '    """The catalogue\'s operations as methods; HashableImage inherits them."""',
        "",
        "    __slots__ = ()",
        "",
        "    if TYPE_CHECKING:  # what HashableImage, the only subclass, provides",
        "        _img: _pixelcache.Image",
        "",
        "        def _new(self, img: _pixelcache.Image) -> HashableImage: ...",
    ]
    for op in catalogue:
        if not op["python"]:
            continue
        names = [a["name"] for a in op["args"]]
        # Each converter names the operation and argument in its errors.
        converted = [f"{HINTS[a['type']][1]}({a['name']}, {op['name'] + ': argument ' + repr(a['name'])!r})"
                     for a in op["args"]]
        args_list = f"[{', '.join(converted)}]"
        boxes = op["result"] == "bboxes"
        assert op["method"] or not boxes, op["name"]  # _run_static makes images only
        result = "HashableList[BoundingBox]" if boxes else "HashableImage"
        out.append("")
        if not op["method"]:
            out.append("    @staticmethod")
        params = parameters(op, self_name="self" if op["method"] else None)
        line = f"    def {op['name']}({', '.join(params)}) -> {result}:"
        if len(line) > 120:  # one parameter a line
            line = f"    def {op['name']}(\n" + "".join(f"        {p},\n" for p in params) + f"    ) -> {result}:"
        out.append(line)
        out.append(docstring(op, " " * 8))
        run = "_run_boxes" if boxes else "_run"
        call = f"{run}(self, {op['name']!r}, " if op["method"] else f"_run_static({op['name']!r}, "
        line = f"        return {call}{args_list})"
        if len(line) > 120:
            line = f"        return {call}[\n" + "".join(f"            {a},\n" for a in converted) + "        ])"
        out.append(line)
        assert len(set(names)) == len(names), op["name"]
    return "\n".join(out) + "\n"


def render_readme_block(catalogue: list) -> str:
    rows = [
        BEGIN,
        "",
        "| Python (`HashableImage`) | C++ (`pixelcache::`) | `pixelcache run` step | what it does |",
        "| --- | --- | --- | --- |",
    ]
    for op in catalogue:
        prefix = "" if op["method"] else "HashableImage."
        py = f"`{prefix}{op['name']}({signature(op, self_name=None, hints=False)})`"
        step = f"`{op['usage']}`" if op["step"] else "—"
        doc = op["doc"].replace("|", "\\|")
        rows.append(f"| {py} | `{op['cpp']}` | {step} | {doc} |")
    rows += ["", END]
    return "\n".join(rows)


def render_readme(text: str, catalogue: list) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < 0:
        raise SystemExit(f"gen_python_ops: doc/operations.md lacks the markers {BEGIN!r} ... {END!r}")
    return text[:start] + render_readme_block(catalogue) + text[end + len(END):]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args()
    catalogue = load_catalogue()
    wanted = {OPS_PY: render_ops(catalogue), OPERATIONS_DOC: render_readme(OPERATIONS_DOC.read_text(), catalogue)}
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
