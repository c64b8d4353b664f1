"""Benchmark output shared by the comparison scripts: each prints its tables
(Markdown) and, with ``--write FILE``, also puts them into FILE between the
markers of its block, so that the published figures are always one run of
the script, never typed by hand:

    <!-- BEGIN GENERATED: NAME (bench/SCRIPT.py; do not edit) -->
    ...
    <!-- END GENERATED: NAME -->

The block must exist in FILE (doc/benchmarks.md holds one per script); a
missing one is an error, so a renamed block cannot leave stale figures.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import pathlib
import platform
import re
import sys


def add_write_option(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--write", metavar="FILE", type=pathlib.Path,
                    help="also replace this script's generated block in FILE (doc/benchmarks.md)")


def machine_line() -> str:
    """When and where: date, cores, load average at the start, CPU model."""
    cpu = platform.processor() or "?"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"Run {datetime.date.today().isoformat()}, {os.cpu_count()} cores ({cpu}), "
            f"load average {load:.1f} at the start.")


def replace_block(path: pathlib.Path, name: str, script: str, text: str) -> None:
    """Replaces the body of block `name` in `path` with `text`."""
    src = path.read_text()
    pattern = re.compile(r"(<!-- BEGIN GENERATED: " + re.escape(name) + r" \([^)]*\) -->\n)(.*?)(<!-- END GENERATED: "
                         + re.escape(name) + r" -->)", re.S)
    if not pattern.search(src):
        raise SystemExit(f"{path}: no generated block '{name}' (add the BEGIN / END markers first)")
    begin = f"<!-- BEGIN GENERATED: {name} ({script}; do not edit) -->\n"
    src = pattern.sub(lambda m: begin + text.rstrip("\n") + "\n" + m.group(3), src, count=1)
    path.write_text(src)


def emit(args: argparse.Namespace, name: str, script: str, text: str) -> None:
    """Prints `text` and, with --write, puts it into the block `name`."""
    print(text)
    if getattr(args, "write", None):
        replace_block(args.write, name, script, machine_line() + "\n\n" + text)


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, s: str) -> int:
        for st in self.streams:
            st.write(s)
        return len(s)

    def flush(self) -> None:
        for st in self.streams:
            st.flush()


@contextlib.contextmanager
def block(args: argparse.Namespace, name: str, script: str):
    """Everything printed inside goes to stdout as usual and, with --write,
    becomes block `name` of that file."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, buf)):
        yield
    if getattr(args, "write", None):
        replace_block(args.write, name, script, machine_line() + "\n\n" + buf.getvalue().strip("\n"))
