#!/usr/bin/env bash
# Installs what is missing, builds (Release), and runs the demo: the eight-schools model sampled
# with NUTS, its summary printed, its InferenceData saved in the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
build_dir=${HYPATIA_BUILD_DIR:-build-release}
HYPATIA_BUILD_DIR=$build_dir bash scripts/build.sh Release hypatia-demo hypatia-cli
cd "$build_dir" && ./hypatia-demo
