"""The package's modules import each other without a circle (issue 19):
every import of a sibling module that runs (at module level or inside a
function; not the `if TYPE_CHECKING:` ones, which only the type checker
follows) makes an edge, and the graph has no cycle."""
from __future__ import annotations

import ast
import pathlib

import pixelcache

PACKAGE = pathlib.Path(pixelcache.__file__).parent


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST, module: str) -> set[str]:
    """The pixelcache modules `module` imports when it runs."""
    package = module.rsplit(".", 1)[0] if module.count(".") else module
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[:len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # from . import a, b
                found.update(f"{target}.{alias.name}" for alias in node.names)
            else:
                found.add(target)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pixelcache"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pixelcache"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = {}
    for name, path in modules.items():
        package_name = name if path.name == "__init__.py" else name
        tree = ast.parse(path.read_text(), str(path))
        own = f"{package_name}.__init__" if path.name == "__init__.py" else name
        edges = _runtime_imports(tree, own)
        graph[name] = {m for m in edges if m in modules and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = walk(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = walk(node)
            if found:
                return found
    return None


def test_the_core_modules_are_layered() -> None:
    graph = _graph()
    # The five modules of the review: each only imports the ones below it.
    # _lazy (NumPy imported on first use) imports nothing of the package.
    assert graph["pixelcache._lazy"] == set()
    assert graph["pixelcache._containers"] <= {"pixelcache._convert", "pixelcache._pixelcache", "pixelcache._lazy"}
    assert "pixelcache._image" not in graph["pixelcache._opargs"]
    assert "pixelcache._containers" in graph["pixelcache._opargs"]
    assert graph["pixelcache._ops"] <= {"pixelcache._opargs"}
    assert "pixelcache._grid" not in graph["pixelcache._image"]


def test_no_import_cycle_between_submodules() -> None:
    graph = _graph()
    # The package's __init__ imports every submodule, which all import from
    # the package: leave it out, as Python resolves `from . import x` by the
    # submodule itself.
    inner = {k: {m for m in v if m != "pixelcache"} for k, v in graph.items() if k != "pixelcache"}
    assert _cycle(inner) is None, " -> ".join(_cycle(inner) or [])



def test_numpy_is_imported_on_first_use(data: pathlib.Path, tmp_path: pathlib.Path) -> None:
    # `import pixelcache`, the thumbnail path (load_resized + save) and the
    # geometry values (which accept NumPy scalars) run without NumPy (its
    # import is ~45 ms and 22 MiB); the first array conversion imports it.
    import subprocess
    import sys
    code = ("import sys, pixelcache\n"
            "print('numpy' in sys.modules)\n"
            "im = pixelcache.HashableImage.load_resized(sys.argv[1], (32, 48))\n"
            "im.save(sys.argv[2])\n"
            "pixelcache.ImageSize(3, 4.0) * 2, pixelcache.BoundingBox(1, 2, 3.5, 4)\n"
            "print('numpy' in sys.modules, im.size().height, im.size().width)\n"
            "print(type(im.numpy()).__module__, 'numpy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(data / "chelsea.png"), str(tmp_path / "t.png")],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "32", "48", "numpy", "True"]
