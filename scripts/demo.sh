#!/usr/bin/env bash
# The main job: installs what is needed, builds, and runs the demo on the
# bundled sample photos, writing its pictures to demo-output/: the command
# line's demo (transformations.png, mask_workflow.png), then the Python usage
# examples against the package in the build tree (tour: transformations grid;
# blending.png; crop_uncrop.png). Then the cache: the same `pixelcache batch`
# over assets/ twice with --cache=demo-output/cache (the first run computes
# and stores, the second is served by the cache without decoding, and its
# summary says so), the same for one `pixelcache run`, and the cache's
# statistics. The cache lives in demo-output/, never in the user's home.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release --target pixelcache_cli _pixelcache
pixelcache=build/release/cli/pixelcache
$pixelcache demo -o demo-output "$@"
mkdir -p demo-output/python
for example in tour blending crop_uncrop; do
  PYTHONPATH=build/release/python /usr/bin/python3 "examples/$example.py" demo-output/python
done

echo "== the cache: the same batch twice (the second run is served by the cache)"
rm -rf demo-output/cache demo-output/thumbnails
for pass in first second; do
  $pixelcache batch assets -o demo-output/thumbnails --format png --report "demo-output/thumbnails-$pass.jsonl" \
    --cache=demo-output/cache resize:256x256 equalize_hist
done
for pass in first second; do
  $pixelcache run assets/coffee.png -o demo-output/coffee_mask.png --cache=demo-output/cache \
    to_gray to_binary:0.7 morphology:close,25 morphology:open,9
done
$pixelcache cache stats --dir demo-output/cache
