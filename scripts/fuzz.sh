#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer + ASan + UBSan; the library and
# the harnesses only) and runs every harness tests/fuzz/fuzz_*.cpp for
# SECONDS each (default 60), one after the other.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      e.g. scripts/fuzz.sh 600 fuzz_decode_tiff
#
# Seeds: tests/fuzz/make_corpus.py (tests/data, Pillow variants, the
# generated conformance corpus when tests/tools/gen_conformance.py exists,
# tests/fuzz/seeds/, tests/fuzz/regressions/). Inputs libFuzzer finds are
# kept in build/fuzz/corpus/<harness>/ for the next run. Crashes, leaks,
# time-outs (-timeout) and out-of-memory inputs (-rss_limit_mb) are saved
# under the run directory the script prints; exit status 1 if there are any.
# Each one becomes a regression input under tests/fuzz/regressions/<harness>/
# before it is fixed (tests/fuzz/README.md).
#
# Environment: FUZZ_TIMEOUT (s per input, default 10), FUZZ_RSS_MB (default
# 2048), FUZZ_JOBS (parallel harnesses, default 1), FUZZ_SEED (libFuzzer's
# -seed; unset: a new random seed each run; scripts/test.sh sets 1 so that CI
# runs repeat the same search instead of failing on whatever a new seed finds).
set -euo pipefail
cd "$(dirname "$0")/.."
main() {
  root=$PWD
  seconds=${1:-60}
  shift || true
  timeout=${FUZZ_TIMEOUT:-10}
  rss_mb=${FUZZ_RSS_MB:-2048}
  jobs=${FUZZ_JOBS:-1}
  seed=${FUZZ_SEED:+-seed=$FUZZ_SEED}

  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz

  build=$root/build/fuzz
  harnesses=("$@")
  if [ ${#harnesses[@]} -eq 0 ]; then
    mapfile -t harnesses < <(find "$build/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -executable -printf '%f\n' | sort)
  fi
  run=$build/runs/$(date +%Y%m%d-%H%M%S)
  seeds=$run/seeds
  mkdir -p "$run"
  /usr/bin/python3 tests/fuzz/make_corpus.py --out "$seeds" "${harnesses[@]}" >"$run/corpus.log"
  # The sniffing harness gets every format's dictionary.
  cat tests/fuzz/dict/fuzz_decode_*.dict >"$seeds/fuzz_decode.dict"

  # Longest input per harness: 64 KiB for files (issue 10's bound for "small
  # input, quick answer"), less for text and value programs.
  max_len() {
    case $1 in
      fuzz_parse_step) echo 512 ;;
      fuzz_exif | fuzz_value) echo 4096 ;;
      fuzz_lmdb_check) echo 262144 ;;  # store files: 3-51 pages of 4 KiB
      *) echo 65536 ;;
    esac
  }

  fuzz_one() {
    local h=$1 dict=""
    local out=$run/$h
    mkdir -p "$out" "$build/corpus/$h"
    if [ -f "$seeds/$h.dict" ]; then dict=-dict=$seeds/$h.dict; fi
    if [ -f "tests/fuzz/dict/$h.dict" ]; then dict=-dict=$root/tests/fuzz/dict/$h.dict; fi
    local status=0
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
      LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp} \
      "$build/tests/fuzz/$h" -max_total_time="$seconds" -max_len="$(max_len "$h")" -timeout="$timeout" \
      -rss_limit_mb="$rss_mb" -artifact_prefix="$out/" -print_final_stats=1 $dict $seed \
      "$build/corpus/$h" "$seeds/$h" >"$out/log" 2>&1 || status=$?
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | tail -1)
    if [ "$status" -eq 0 ]; then
      echo "fuzz: $h: ${execs:-?} inputs in ${seconds} s, no failure"
    else
      echo "fuzz: $h: FAILED (status $status) after ${execs:-?} inputs; log $out/log"
      grep -m3 -E "^==[0-9]+==ERROR|runtime error|fuzz invariant|ERROR: libFuzzer" "$out/log" | sed 's/^/  /' || true
    fi
  }

  echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each; run directory $run"
  export -f fuzz_one max_len
  export run seeds build root seconds timeout rss_mb seed
  printf '%s\n' "${harnesses[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one {}'

  mapfile -t found < <(find "$run" -mindepth 2 -maxdepth 2 -type f \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
  if [ ${#found[@]} -gt 0 ]; then
    echo "fuzz: ${#found[@]} failing input(s) saved under $run:"
    printf '  %s\n' "${found[@]}"
    echo "fuzz: reproduce with build/fuzz/tests/fuzz/<harness> <file>; add each to tests/fuzz/regressions/<harness>/"
    exit 1
  fi
  echo "fuzz: no failures (run directory $run)"
}
main "$@"
