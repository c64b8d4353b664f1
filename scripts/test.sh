#!/usr/bin/env bash
# From a fresh Debian 12 machine to a passing test suite: installs the
# Debian packages, builds the release preset (warnings are errors) and runs
# every test (GoogleTest, pytest, fuzz smoke and regression replays,
# packaging) through ctest; then fuzzes every harness for a bounded time
# (libFuzzer + ASan + UBSan, PIXELCACHE_FUZZ_SECONDS each, default 20) and
# runs the threaded tests under ThreadSanitizer (the tsan preset).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
ctest --preset release
bash scripts/fuzz.sh "${PIXELCACHE_FUZZ_SECONDS:-20}"
cmake --preset tsan
cmake --build --preset tsan
ctest --preset tsan
