#!/usr/bin/env bash
# Configures and builds into build/ (or $HYPATIA_BUILD_DIR) with the given build type.
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${1:-RelWithDebInfo}
build_dir=${HYPATIA_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
