#!/usr/bin/env bash
# The main job: installs what is needed, builds, and runs the demo on the
# bundled sample photos, writing its pictures to demo-output/: the command
# line's demo (transformations.png, mask_workflow.png), then the Python usage
# examples against the package in the build tree (tour: transformations grid;
# blending.png; crop_uncrop.png).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release --target pixelcache_cli _pixelcache
build/release/cli/pixelcache demo -o demo-output "$@"
mkdir -p demo-output/python
for example in tour blending crop_uncrop; do
  PYTHONPATH=build/release/python /usr/bin/python3 "examples/$example.py" demo-output/python
done
