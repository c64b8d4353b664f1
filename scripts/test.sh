#!/usr/bin/env bash
# From a fresh Debian 12 machine to a passing test suite: installs the
# Debian packages, builds the release preset (warnings are errors) and runs
# every test (GoogleTest, pytest, fuzz smoke and regression replays,
# packaging) through ctest; then fuzzes every harness deterministically
# (`scripts/fuzz.sh --fixed`: libFuzzer + ASan + UBSan, a fixed number of
# inputs from a fixed seed and seed corpus, then the regression inputs; the
# same commit gives the same result on every machine) and runs the threaded
# tests under ThreadSanitizer (the tsan preset).
# Each step prints the seconds elapsed since the start.
# Open-ended fuzzing (a time budget, a new seed each run) is not part of it:
# `scripts/fuzz.sh SECONDS`, run by developers before each submission.
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
step "fuzzing (fixed inputs)"
bash scripts/fuzz.sh --fixed
step "ThreadSanitizer build"
cmake --preset tsan
cmake --build --preset tsan
step "ThreadSanitizer tests"
ctest --preset tsan
step "all passed"
