#!/usr/bin/env bash
# Runs the Stan side of the speed suite (bench/stan/run_stan.R: rstan, the suite's models written
# in Stan, 4 chains x 1000 warm-up x 1000 draws one chain at a time) and prints Hypatia/Stan
# ratios for compile time, gradient time and ESS per second against bench/results/suite.json.
#
# Usage: bash bench/compare-stan.sh [--no-run] [MODEL ...]
#   MODEL ...  run only these models (their entries in bench/results/stan.json are replaced,
#              the others kept); default: all ten.
#   --no-run   do not run Stan, compare the existing bench/results/stan.json.
# Results: bench/results/stan.json (Stan side), bench/results/compare-stan.json (ratios).
set -euo pipefail
cd "$(dirname "$0")/.."

run_stan=1
if [[ ${1:-} == --no-run ]]; then
  run_stan=0
  shift
fi

packages=(g++ make r-base-core r-cran-rstan r-cran-posterior r-cran-jsonlite)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "compare-stan: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

mkdir -p bench/results
if ((run_stan)); then
  Rscript bench/stan/run_stan.R bench/results/stan.json "$@"
fi
/usr/bin/python3 bench/stan/compare.py bench/results/stan.json bench/results/suite.json \
  bench/results/compare-stan.json
