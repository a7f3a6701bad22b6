#!/usr/bin/env bash
# Builds the evaluation benchmark (Release) and runs it; results in bench/results/eval.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
if ! dpkg-query -W -f='${Status}' nlohmann-json3-dev 2>/dev/null | grep -q "install ok installed"; then
  apt-get install -y -qq nlohmann-json3-dev
fi
HYPATIA_BUILD_DIR=build-release bash scripts/build.sh Release hypatia-bench-eval
shared=${HYPATIA_SHARED_DIR:-../shared}
build-release/hypatia-bench-eval "$shared" bench/results/eval.json
