#!/usr/bin/env bash
# The pip route, offline: installs the source tree with
#   python -m pip install --no-build-isolation --no-index .
# into a fresh venv over Debian's /usr/bin/python3 (system site packages for
# NumPy, Pillow, torch), then runs the Python test suite and the tour example
# against the installed package, from outside the source tree.
# Usage: pip_install.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
py="$work/venv/bin/python"
PIXELCACHE_BUILD_DIR="$work/cmake" "$py" -m pip install -q --no-build-isolation --no-deps --no-index "$src"
cd "$work"
unset PYTHONPATH
"$py" -c "import pixelcache, sys; assert pixelcache.__file__.startswith(sys.prefix), pixelcache.__file__; print('installed:', pixelcache.__file__)"
"$py" -m pytest -q -p no:cacheprovider "$src/tests/python"
"$py" "$src/examples/tour.py" "$work/out"
echo "pip install route: ok"
