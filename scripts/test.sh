#!/usr/bin/env bash
# From a fresh Debian 12 machine to a passing test suite: installs the
# Debian packages, builds the release preset (warnings are errors) and runs
# every test (GoogleTest, pytest, fuzz smoke and regression replays,
# packaging) through ctest; then fuzzes every harness for a bounded time
# (libFuzzer + ASan + UBSan, PIXELCACHE_FUZZ_SECONDS each, default 20) and
# runs the threaded tests under ThreadSanitizer (the tsan preset).
# Each step prints the seconds elapsed since the start.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "== test.sh: $* (at ${SECONDS} s)"; }
step "Debian packages"
bash scripts/install-deps.sh
step "release build"
cmake --preset release
cmake --build --preset release
step "release tests"
ctest --preset release
step "fuzzing"
FUZZ_SEED=${FUZZ_SEED:-1} bash scripts/fuzz.sh "${PIXELCACHE_FUZZ_SECONDS:-20}"
step "ThreadSanitizer build"
cmake --preset tsan
cmake --build --preset tsan
step "ThreadSanitizer tests"
ctest --preset tsan
step "all passed"
