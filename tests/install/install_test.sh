#!/usr/bin/env bash
# The installed package, moved: installs the build tree into a temporary prefix, moves the prefix
# elsewhere, builds a small program against it with find_package(hypatia), and runs it. The program
# compiles a native function calling the runtime library, so the generated code must find the
# runtime headers and library inside the moved prefix. The installed command-line tool runs too.
# Usage: install_test.sh CMAKE BUILD_DIR GENERATOR CXX_COMPILER
set -uo pipefail
cmake=$1 build_dir=$2 generator=$3 cxx=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

"$cmake" --install "$build_dir" --prefix "$scratch/installed" >"$scratch/install.log" 2>&1 ||
  fail "install: $(cat "$scratch/install.log")"
mv "$scratch/installed" "$scratch/moved"
prefix=$scratch/moved
[ -f "$prefix/include/hypatia/runtime/hypatia_runtime.h" ] || fail "runtime headers not installed"

mkdir "$scratch/consumer"
cat >"$scratch/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(consumer LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(hypatia 0.1 REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE hypatia::hypatia)
CMAKE
cat >"$scratch/consumer/main.cpp" <<'CPP'
#include <cstdio>

#include "hypatia/hypatia.hpp"

// sum(lgamma([1, 2, 3])) = log 2, by generated code that calls the runtime library's lgamma.
int main() {
  using namespace hypatia;
  Expr x = input("x", {DType::float64, {3}});
  Function f({x.node()}, {sum(lgamma(x)).node()}, {.backend = Backend::native});
  const Tensor result = f({Tensor::from_doubles({1.0, 2.0, 3.0}, {3})})[0];
  std::printf("%.17g\n", result.to_doubles()[0]);
}
CPP
"$cmake" -S "$scratch/consumer" -B "$scratch/consumer/build" -G "$generator" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" >"$scratch/configure.log" 2>&1 ||
  fail "find_package(hypatia) against the moved prefix: $(cat "$scratch/configure.log")"
"$cmake" --build "$scratch/consumer/build" >"$scratch/build.log" 2>&1 ||
  fail "building the consumer: $(cat "$scratch/build.log")"

export HYPATIA_CACHE_DIR=$scratch/cache
value=$("$scratch/consumer/build/consumer" 2>&1) || fail "the consumer failed: $value"
awk -v v="$value" 'BEGIN { d = v - log(2); exit !(d < 1e-15 && d > -1e-15) }' ||
  fail "the consumer printed '$value', expected log 2 = 0.69314718055994531"

# The generated code linked the moved prefix's runtime library, not the build tree's.
mapfile -t objects < <(find "$HYPATIA_CACHE_DIR" -name '*.so')
[ "${#objects[@]}" -ge 1 ] || fail "no compiled object in the cache"
runpath=$(readelf -d "${objects[0]}" | grep -E 'RUNPATH|RPATH')
grep -qF "$prefix/lib" <<<"$runpath" || fail "generated code's run path is not the prefix's: $runpath"

out=$("$prefix/bin/hypatia" list 2>&1) || fail "the installed hypatia tool failed: $out"
grep -q "^eight_schools" <<<"$out" || fail "hypatia list: $out"
echo "installed, moved, found and run: $value"
