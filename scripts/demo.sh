#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
HYPATIA_BUILD_DIR=${HYPATIA_BUILD_DIR:-build-release} bash scripts/build.sh Release hypatia-demo
"${HYPATIA_BUILD_DIR:-build-release}/hypatia-demo"
