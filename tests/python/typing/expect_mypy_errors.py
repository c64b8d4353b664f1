"""Runs mypy on a known-bad file and passes only when mypy reports an error
on exactly the lines marked "# error:" (and nowhere else).

    expect_mypy_errors.py MYPY FILE [mypy options...]
"""
import re
import subprocess
import sys


def main() -> int:
    mypy, path, *options = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        expected = {i for i, line in enumerate(f, 1) if "# error:" in line}
    run = subprocess.run([mypy, *options, path],
                         capture_output=True, text=True)
    print(run.stdout, run.stderr, sep="")
    reported = {int(m.group(1)) for m in re.finditer(r":(\d+): error:", run.stdout)}
    if run.returncode == 0 or reported != expected:
        print(f"expected mypy errors on lines {sorted(expected)}, got {sorted(reported)} (exit {run.returncode})")
        return 1
    print(f"mypy reported the {len(expected)} wrong types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
