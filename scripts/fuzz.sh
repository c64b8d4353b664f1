#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer + ASan + UBSan; the library and
# the harnesses only) and runs the harnesses tests/fuzz/fuzz_*.cpp (all of
# them, or those named) one after the other, in one of two modes:
#
#   scripts/fuzz.sh --fixed [HARNESS...]       the test step (scripts/test.sh, CI)
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     open-ended search, e.g. scripts/fuzz.sh 1200 fuzz_decode_heif
#
# --fixed: deterministic, the same commit gives the same result on every
#   machine. Each harness runs a fixed number of inputs (-runs: the table in
#   fixed_runs below, about 20 s each on a 2-core machine) with a fixed
#   -seed, from a fixed seed corpus (make_corpus.py writes the same files on
#   every machine, named by their SHA-1; they are handed to libFuzzer in name
#   order with -seed_inputs, never as a directory, whose listing order
#   depends on the file system) and an empty working corpus
#   in the run directory (build/fuzz/corpus/ is not read); then every input
#   in tests/fuzz/regressions/<harness>/ is replayed whole. The per-input
#   bounds are far above what any input takes (FIXED_TIMEOUT 120 s per input
#   where the slowest takes under 1 s here; the RSS limit 4096 MB where the
#   peak is 523 MB; one malloc above 2048 MB fails at once, on any
#   machine), so a slower machine does not fail where a faster one passes.
#   Each harness prints its inputs, coverage (cov, ft), corpus size and the
#   digest of its seed corpus: all equal on every machine for one commit
#   (and the same Debian packages and CPU features: the digest and colour
#   code choose AVX2 / SSSE3 paths at run time). FUZZ_RUNS=N overrides the
#   table (quick checks).
#
# SECONDS (default 60): open-ended, what a developer runs for longer before
#   each submission. A time budget per harness, a new random libFuzzer seed
#   each run (FUZZ_SEED=N repeats one), and the inputs libFuzzer finds are
#   kept in build/fuzz/corpus/<harness>/ and grow the search of the next run.
#   Environment: FUZZ_TIMEOUT (s per input, default 10), FUZZ_RSS_MB
#   (default 2048), FUZZ_JOBS (parallel harnesses, default 1).
#
# Seeds (both modes): tests/fuzz/make_corpus.py (tests/data, Pillow and vips
# variants, the generated conformance corpus, tests/fuzz/seeds/,
# tests/fuzz/regressions/). Crashes, leaks, time-outs and out-of-memory
# inputs are saved under the run directory the script prints (exit status 1
# if there are any); each becomes a regression input under
# tests/fuzz/regressions/<harness>/ before it is fixed (tests/fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C # sort and glob orders

# Inputs per harness in --fixed mode: about 20 s each on the 2-core
# development machine (scripts/fuzz.sh --fixed prints each one's time).
fixed_runs() {
  case $1 in
    fuzz_cache_entry) echo 800000 ;;
    fuzz_decode) echo 150000 ;;
    fuzz_decode_bmp) echo 40000 ;;
    fuzz_decode_gif) echo 90000 ;;
    fuzz_decode_heif) echo 27000 ;;
    fuzz_decode_jpeg) echo 16000 ;;
    fuzz_decode_png) echo 1100000 ;;
    fuzz_decode_tiff) echo 85000 ;;
    fuzz_decode_webp) echo 20000 ;;
    fuzz_exif) echo 11000000 ;;
    fuzz_lmdb_check) echo 6000 ;;
    fuzz_parse_step) echo 190000 ;;
    fuzz_probe) echo 140000 ;;
    fuzz_regions) echo 60000 ;;
    fuzz_value) echo 300000 ;;
    *) echo 20000 ;; # a new harness: measure it and add it above
  esac
}

# Longest input per harness: 64 KiB for files (issue 10's bound for "small
# input, quick answer"), less for text and value programs.
max_len() {
  case $1 in
    fuzz_parse_step) echo 512 ;;
    fuzz_exif | fuzz_value) echo 4096 ;;
    fuzz_lmdb_check) echo 262144 ;; # store files: 3-51 pages of 4 KiB
    *) echo 65536 ;;
  esac
}

fuzz_env() {
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp} "$@"
}

dict_for() {
  if [ -f "tests/fuzz/dict/$1.dict" ]; then
    echo "-dict=$root/tests/fuzz/dict/$1.dict"
  elif [ -f "$seeds/$1.dict" ]; then
    echo "-dict=$seeds/$1.dict"
  fi
}

# One harness, open-ended.
fuzz_open() {
  local h=$1 out=$run/$1 status=0 execs
  mkdir -p "$out" "$build/corpus/$h"
  fuzz_env "$build/tests/fuzz/$h" -max_total_time="$seconds" -max_len="$(max_len "$h")" -timeout="$timeout" \
    -rss_limit_mb="$rss_mb" -artifact_prefix="$out/" -print_final_stats=1 $(dict_for "$h") $seed \
    "$build/corpus/$h" "$seeds/$h" >"$out/log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | tail -1)
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $h: ${execs:-?} inputs in ${seconds} s, no failure"
  else
    echo "fuzz: $h: FAILED (status $status) after ${execs:-?} inputs; log $out/log"
    grep -m3 -E "^==[0-9]+==ERROR|runtime error|fuzz invariant|ERROR: libFuzzer" "$out/log" | sed 's/^/  /' || true
  fi
}

# One harness, deterministic: fixed runs, seed, seed corpus and bounds.
# ASan fills every allocation (not only its first 4 KiB), so that a read of
# memory nobody wrote gives the same bytes, and coverage, on every run (a
# JPEG decoded into a buffer libjpeg-turbo never wrote made runs differ).
fuzz_fixed() {
  local h=$1 out=$run/$1 status=0 start=$SECONDS runs list digest done_line result
  runs=${FUZZ_RUNS:-$(fixed_runs "$h")}
  mkdir -p "$out/corpus"
  list=$(find "$seeds/$h" -maxdepth 1 -type f -printf '%f\n' | sort)
  digest=$(printf '%s\n' "$list" | sha256sum | cut -c1-16)
  printf '%s\n' "$list" | sed "s|^|$seeds/$h/|" | paste -sd, >"$out/seed_inputs"
  # Two libFuzzer features make runs differ, so they are off here (a third,
  # the stack depth feature, depends on the stack's alignment, which moves
  # with the size of the environment: the fuzz preset is built without it;
  # and tests/fuzz/fuzz_support.hpp runs OpenCV's loops on one thread):
  # -use_cmp=0: the values of the target's integer comparisons steer the
  #   mutations, and some depend on heap addresses (which move with the
  #   length of the paths given to libFuzzer): the same seeds in another
  #   directory diverged after a few hundred inputs;
  # -detect_leaks=0: libFuzzer runs an input again when it made more
  #   mallocs than frees, which depends on other threads' timing, and the
  #   second run changes what later inputs cover (two runs of fuzz_value in
  #   one directory diverged at the 14th input). LeakSanitizer still checks
  #   the whole run at exit (and the regression replay).
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:max_malloc_fill_size=2147483647} \
    fuzz_env "$build/tests/fuzz/$h" -runs="$runs" -seed=1 -seed_inputs=@"$out/seed_inputs" -reload=0 \
    -use_cmp=0 -detect_leaks=0 \
    -max_len="$(max_len "$h")" -timeout="$FIXED_TIMEOUT" -report_slow_units="$FIXED_TIMEOUT" \
    -rss_limit_mb="$FIXED_RSS_MB" -malloc_limit_mb="$FIXED_MALLOC_MB" -artifact_prefix="$out/" \
    -print_final_stats=1 $(dict_for "$h") "$out/corpus" >"$out/log" 2>&1 || status=$?
  # "#N DONE cov: C ft: F corp: K/..." is libFuzzer's last status line.
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$out/log" | tail -1 || true)
  result=$(echo "$done_line" | sed -nE 's/^#([0-9]+).*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 inputs, cov \2, ft \3, corpus \4/p')
  local regressions=0
  if [ "$status" -eq 0 ] && [ -d "tests/fuzz/regressions/$h" ]; then
    mapfile -t files < <(find "$root/tests/fuzz/regressions/$h" -maxdepth 1 -type f | sort)
    regressions=${#files[@]}
    fuzz_env "$build/tests/fuzz/$h" -timeout="$FIXED_TIMEOUT" -rss_limit_mb="$FIXED_RSS_MB" \
      -malloc_limit_mb="$FIXED_MALLOC_MB" -artifact_prefix="$out/" "${files[@]}" >"$out/regressions.log" 2>&1 ||
      status=$?
  fi
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $h: ${result:-? inputs}, $regressions regressions, seeds $(echo "$list" | grep -c .) ($digest): passed [$((SECONDS - start)) s]"
  else
    echo "fuzz: $h: FAILED (status $status) ${result:+after $result}; logs in $out [$((SECONDS - start)) s]"
    grep -h -m3 -E "^==[0-9]+==ERROR|runtime error|fuzz invariant|ERROR: libFuzzer" "$out/log" \
      "$out/regressions.log" 2>/dev/null | sed 's/^/  /' || true
    return 1
  fi
}

main() {
  mode=open
  if [ "${1:-}" = --fixed ]; then
    mode=fixed
    shift
  else
    seconds=${1:-60}
    shift || true
  fi
  root=$PWD
  timeout=${FUZZ_TIMEOUT:-10}
  rss_mb=${FUZZ_RSS_MB:-2048}
  jobs=${FUZZ_JOBS:-1}
  seed=${FUZZ_SEED:+-seed=$FUZZ_SEED}
  FIXED_TIMEOUT=120
  FIXED_RSS_MB=4096
  FIXED_MALLOC_MB=2048

  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz

  build=$root/build/fuzz
  harnesses=("$@")
  if [ ${#harnesses[@]} -eq 0 ]; then
    mapfile -t harnesses < <(find "$build/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -executable -printf '%f\n' | sort)
  fi
  run=$build/runs/$(date +%Y%m%d-%H%M%S)-$mode
  seeds=$run/seeds
  mkdir -p "$run"
  /usr/bin/python3 tests/fuzz/make_corpus.py --out "$seeds" "${harnesses[@]}" >"$run/corpus.log"
  # The sniffing harnesses get every format's dictionary.
  cat tests/fuzz/dict/fuzz_decode_*.dict >"$seeds/fuzz_decode.dict"
  cp "$seeds/fuzz_decode.dict" "$seeds/fuzz_probe.dict"

  export -f fuzz_open fuzz_fixed fuzz_env dict_for fixed_runs max_len
  export run seeds build root timeout rss_mb seed FIXED_TIMEOUT FIXED_RSS_MB FIXED_MALLOC_MB
  if [ "$mode" = fixed ]; then
    echo "fuzz: ${#harnesses[@]} harnesses, fixed runs from -seed=1; run directory $run"
    for h in "${harnesses[@]}"; do fuzz_fixed "$h" || failed=1; done
  else
    export seconds
    echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each; run directory $run"
    printf '%s\n' "${harnesses[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_open {}'
  fi

  mapfile -t found < <(find "$run" -mindepth 2 -maxdepth 2 -type f \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
  if [ ${#found[@]} -gt 0 ]; then
    echo "fuzz: ${#found[@]} failing input(s) saved under $run:"
    printf '  %s\n' "${found[@]}"
    echo "fuzz: reproduce with build/fuzz/tests/fuzz/<harness> <file>; add each to tests/fuzz/regressions/<harness>/"
    exit 1
  fi
  if [ -n "${failed:-}" ]; then
    echo "fuzz: FAILED (run directory $run)"
    exit 1
  fi
  echo "fuzz: no failures (run directory $run)"
}
main "$@"
