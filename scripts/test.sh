#!/usr/bin/env bash
# From a fresh Debian 12 machine to a passing test suite: installs the
# Debian packages, builds the release preset (warnings are errors) and runs
# every test (GoogleTest, pytest, fuzz smoke, packaging) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
ctest --preset release
