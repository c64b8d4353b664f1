#!/usr/bin/env bash
# Builds the release preset, runs every benchmark script with its peers in
# the same run, and writes each script's tables into doc/benchmarks.md (its
# generated block): the published figures are always one run of a script.
#
#   bash scripts/bench.sh [NAME...]     NAME: core cache-cpp cache-python hits-python batch python data dups shrink-quality thumbnail
#
# Needs a quiet machine for figures worth publishing (see doc/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
export PYTHONPATH=$PWD/build/release/python
out=doc/benchmarks.md
declare -A scripts=(
  [core]="bench/compare.py --build build/release"
  [cache-cpp]="bench/cache_bench.py --build build/release"
  [cache-python]="bench/cache_compare.py"
  [hits-python]="bench/hit_compare.py"
  [batch]="bench/batch_compare.py"
  [python]="bench/python_compare.py"
  [data]="bench/data_compare.py"
  [dups]="bench/dups_compare.py"
  [shrink-quality]="bench/shrink_quality.py"
  [thumbnail]="bench/thumbnail_compare.py"
)
order=(core cache-cpp cache-python hits-python batch python data dups shrink-quality thumbnail)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${order[@]}")
for name in "${names[@]}"; do
  [ -n "${scripts[$name]:-}" ] || { echo "bench.sh: unknown benchmark '$name' (${order[*]})" >&2; exit 2; }
  echo "== bench.sh: $name"
  # shellcheck disable=SC2086
  /usr/bin/python3 ${scripts[$name]} --write "$out"
done
echo "== bench.sh: wrote $out"
