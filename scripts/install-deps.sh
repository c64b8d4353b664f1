#!/usr/bin/env bash
# Installs every Debian package pixelcache needs to build, test and benchmark.
# Idempotent: packages already present are skipped by apt. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-format
  # fuzzing (scripts/fuzz.sh, the fuzz preset): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # pixel kernels, codecs, hashing, network, text, CLI
  libopencv-core-dev libopencv-imgproc-dev
  libturbojpeg0-dev libspng-dev libwebp-dev libheif-dev libtiff-dev libgif-dev
  libexif-dev libxxhash-dev libcurl4-openssl-dev libdeflate-dev libisal-dev
  libfreetype-dev fonts-dejavu-core fonts-jetbrains-mono
  libfmt-dev libcli11-dev
  # the cache tiers: LMDB on disk, Redis (client library; the server for tests), zstd
  liblmdb-dev libhiredis-dev libzstd-dev redis-server
  # signatures of cache entries that run code when loaded (HMAC-SHA256, libcrypto)
  libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  libjpeg62-turbo-dev   # tests/cpp/test_jpeg_dc.cpp writes restart intervals through libjpeg's own API
  python3 python3-pytest python3-numpy python3-pil python3-opencv python3-xxhash
  python3-scipy   # tests/tools/imagehash_ref.py: imagehash's phash (scipy.fftpack.dct)
  python3-matplotlib libvips-tools
  time   # /usr/bin/time -v: a child's own peak RSS (tests/tools/stream_peak_rss.py, bench/thumbnail_compare.py)
  python3-cachetools
  python3-zstandard   # tests/tools/cache_entry_spec.py reads compressed cache entries
  # batch work: tqdm progress bars, Dask distributed (LocalCluster tests, examples/dask_batch.py)
  python3-tqdm python3-distributed
  # the Python cache's benchmark peers (bench/cache_compare.py)
  python3-joblib python3-diskcache
  # Python bindings, PyTorch in and out, the pip route (offline, in a venv)
  python3-dev pybind11-dev python3-torch
  # reference of pixelcache.data and center_crop (torchvision transforms, ImageFolder)
  python3-torchvision
  python3-pip python3-venv python3-setuptools python3-wheel
  # type information: mypy checks the examples and the public names (ctest python_mypy*)
  mypy
  # libtorch C++ component (optional in CMake; built and tested when present)
  libtorch-dev
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
