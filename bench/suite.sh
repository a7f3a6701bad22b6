#!/usr/bin/env bash
# The speed suite (issue 6): builds hypatia-suite (Release, build-release/) and runs it over the
# suite's ten models with the library's default backend: compile time (cold and warm cache), one
# log density + gradient evaluation, NUTS 4 chains x 1000 warm-up x 1000 draws one chain at a time
# on one core.
# Prints a table and writes bench/results/suite.json; bench/compare-stan.sh sets it beside Stan.
#
# Usage: bash bench/suite.sh [--seed N] [MODEL ...]
#   MODEL ...  run only these (suite names as in bench/results/stan.json, or bundled names); their
#              entries in bench/results/suite.json are replaced, the others kept. Default: all.
# A suite model not bundled in this build is reported as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
HYPATIA_BUILD_DIR=build-release bash scripts/build.sh Release hypatia-suite
build-release/hypatia-suite --out bench/results/suite.json "$@"
