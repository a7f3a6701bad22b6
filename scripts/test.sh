#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CTest). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh --tests
bash scripts/build.sh RelWithDebInfo
ctest --test-dir "${HYPATIA_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
