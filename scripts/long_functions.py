#!/usr/bin/env python3
"""Lists functions longer than N lines (definition line to closing brace, inclusive), via universal-ctags.
Lambdas (ctags' __anon names) are skipped: they count within their enclosing function.
Usage: scripts/long_functions.py 80 src cli python/src"""
import subprocess, sys
limit = int(sys.argv[1]); paths = sys.argv[2:]
out = subprocess.run(["ctags", "-R", "--languages=C++", "--c++-kinds=f", "--fields=+ne", "-o", "-", *paths],
                     capture_output=True, text=True, check=True).stdout
rows = []
for line in out.splitlines():
    parts = line.split("\t")
    name, path = parts[0], parts[1]
    f = dict(p.split(":", 1) for p in parts[3:] if ":" in p)
    if name.startswith("__anon") or "end" not in f: continue
    n = int(f["end"]) - int(f["line"]) + 1
    if n > limit: rows.append((n, path, int(f["line"]), name))
for n, path, line, name in sorted(rows, reverse=True): print(f"{n:5d}  {path}:{line}  {name}")
