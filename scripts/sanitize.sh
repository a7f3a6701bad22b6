#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer: builds the library, the runtime, the tools and the
# tests with both into build-sanitize/ (or $HYPATIA_BUILD_DIR), compiles the generated native code
# with them too (into a fresh compile cache of its own), and runs every test except the long
# `validation` label. Any finding fails its test, so the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh --tests
build_dir=${HYPATIA_BUILD_DIR:-build-sanitize}
start=$SECONDS

# -O1 -g, the sanitizers' usual level: quicker to build than -O2, stack traces stay readable, and
# assertions stay on.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DHYPATIA_SANITIZE=ON >/dev/null
nice cmake --build "$build_dir" -j "$(nproc)"
echo "sanitize: built in $((SECONDS - start)) s"

cache_dir=$(mktemp -d "${TMPDIR:-/tmp}/hypatia-sanitize-cache.XXXXXX")
trap 'rm -rf "$cache_dir"' EXIT
export HYPATIA_CACHE_DIR=$cache_dir
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest_start=$SECONDS
nice ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -LE validation
echo "sanitize: tests passed in $((SECONDS - ctest_start)) s ($((SECONDS - start)) s in all)"
