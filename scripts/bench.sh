#!/usr/bin/env bash
# Builds the release preset and runs every benchmark with its peers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
/usr/bin/python3 bench/compare.py --build build/release "$@"
