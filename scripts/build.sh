#!/usr/bin/env bash
# Configures and builds into build/ (or $HYPATIA_BUILD_DIR) with the given build type; further
# arguments name the targets to build (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${1:-RelWithDebInfo}
shift || true
build_dir=${HYPATIA_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"
