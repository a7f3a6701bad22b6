#!/usr/bin/env bash
# Samples eight schools with the command-line tool (--log-likelihood) and reads the NetCDF file
# as ArviZ users do: `schema` with xarray and scipy, `arviz` with ArviZ itself (exit 77, a skip,
# when ArviZ is not installed). Usage: arviz_test.sh PATH_TO_HYPATIA schema|arviz
set -uo pipefail
hypatia=$1
mode=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

out=$("$hypatia" sample eight_schools --chains 2 --draws 200 --tune 200 --seed 4 -q \
  --log-likelihood -o "$scratch/es.nc" 2>&1) || { echo "FAIL: sample exited non-zero: $out"; exit 1; }
/usr/bin/python3 "$(dirname "$0")/check_arviz.py" "$mode" "$scratch/es.nc"
