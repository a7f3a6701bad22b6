#!/usr/bin/env bash
# Installs the Debian 12 packages that are missing: those the build and the demo need, and with
# --tests also those only the tests use (pytest, scipy and mpmath as references, netCDF4 to read back the files Hypatia
# writes). Recommended packages are left out: they add nothing Hypatia uses and would more than
# triple the download (Dropbox, paramiko, matplotlib, ...). Does nothing when all are present.
# Usage: setup-debian.sh [--tests]
set -euo pipefail

packages=(g++ cmake ninja-build ccache libeigen3-dev libboost-dev libgtest-dev librandom123-dev
  pkg-config libnetcdf-dev nlohmann-json3-dev libcli11-dev liblbfgspp-dev libsundials-dev libtbb-dev
  libopenmpi-dev openmpi-bin llvm-19-dev clang-19
  pybind11-dev python3-dev python3-numpy python3-pandas python3-xarray)
case "${1:-}" in
  --tests) packages+=(python3-graphviz python3-mpmath python3-netcdf4 python3-pytest python3-scipy) ;;
  "") ;;
  *)
    echo "usage: $0 [--tests]" >&2
    exit 2
    ;;
esac

installed=" $(dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' "${packages[@]}" 2>/dev/null |
  awk '$1 == "ii" { printf "%s ", $2 }' || true) "
missing=()
for package in "${packages[@]}"; do
  [[ $installed == *" $package "* ]] || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
