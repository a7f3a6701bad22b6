#!/usr/bin/env bash
# Installs what is missing, builds (Release), and runs the demos: the eight-schools model sampled
# with NUTS from C++ (summary printed, InferenceData saved in the build directory), then the same
# model written as in PyMC's documentation and run by Debian's Python with `import hypatia as pm`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
build_dir=${HYPATIA_BUILD_DIR:-build-release}
HYPATIA_BUILD_DIR=$build_dir bash scripts/build.sh Release hypatia-demo hypatia-cli hypatia_python
bash scripts/install-python-path.sh "$build_dir"
(cd "$build_dir" && ./hypatia-demo)
demo="$(pwd)/examples/eight_schools.py"
(cd /tmp && /usr/bin/python3 "$demo")
