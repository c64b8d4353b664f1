#!/usr/bin/env bash
# The main job: installs what is needed, builds, and runs the demo on the
# bundled sample photos, writing its pictures to demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release --target pixelcache_cli
build/release/cli/pixelcache demo -o demo-output "$@"
