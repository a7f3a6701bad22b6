#!/usr/bin/env bash
# `mpirun -n R hypatia sample MODEL --data-shards K`: the same draws for 1, 2 and 4 ranks, and each
# bad input an error on every rank within a timeout (a hang fails as exit code 124).
# Usage: cli_test.sh PATH_TO_HYPATIA PATH_TO_MPIRUN
set -uo pipefail
hypatia=$1
mpirun=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
limit=300
run() { timeout "$limit" "$mpirun" --oversubscribe "$@"; }
# A short run of radon (919 houses). `--tune=N`, not `--tune N`: mpirun reads a bare --tune as its own.
sample_args=(--chains 2 --draws 40 --tune=40 --seed 5 -q)

# Without mpirun: refused, never a singleton MPI job.
out=$(timeout "$limit" "$hypatia" sample radon --data-shards 2 "${sample_args[@]}" 2>&1) &&
  fail "--data-shards without mpirun exited zero"
grep -q "started by an MPI launcher (mpirun" <<<"$out" || fail "without mpirun: $out"

# The same draws from one rank holding 4 shards, 2 ranks holding 2 and 4 ranks holding 1.
for ranks in 1 2 4; do
  out=$(run -n $ranks "$hypatia" sample radon --data-shards 4 "${sample_args[@]}" \
    --csv "$scratch/r$ranks.csv" 2>&1) || fail "$ranks ranks exited non-zero: $out"
  [ "$(grep -c "^ *mean *sd *hdi_3%" <<<"$out")" = 1 ] ||
    fail "$ranks ranks: not one summary (rank 0's): $out"
done
for chain in 1 2; do
  for ranks in 2 4; do
    if ! cmp -s <(grep -v '^#' "$scratch/r1_$chain.csv") <(grep -v '^#' "$scratch/r${ranks}_$chain.csv"); then
      fail "chain $chain: $ranks ranks drew other values than 1 rank"
    fi
  done
  [ "$(grep -vc '^#' "$scratch/r1_$chain.csv")" = 41 ] || fail "chain $chain: not 40 draws"
done

# More ranks than shards: 4 ranks over 2 shards are 2 groups, one chain each; the same draws as
# one process holding both shards and running both chains.
for ranks in 1 4; do
  run -n $ranks "$hypatia" sample radon --data-shards 2 "${sample_args[@]}" \
    --csv "$scratch/g$ranks.csv" >/dev/null 2>&1 || fail "2 shards on $ranks ranks exited non-zero"
done
for chain in 1 2; do
  cmp -s <(grep -v '^#' "$scratch/g1_$chain.csv") <(grep -v '^#' "$scratch/g4_$chain.csv") ||
    fail "chain $chain: 2 groups of 2 ranks drew other values than 1 rank"
done

# Shards that do not split over the ranks, and more shards than rows: every rank says so.
expect_every_rank() {  # description, pattern, mpirun arguments...
  local description=$1 pattern=$2
  shift 2
  local out status
  out=$(run "$@" 2>&1)
  status=$?
  [ $status = 124 ] && fail "$description: timed out (a hang)"
  [ $status = 0 ] && fail "$description: exited zero"
  for rank in 0 1; do
    grep -q "^rank $rank: error: " <<<"$out" || fail "$description: no error from rank $rank: $out"
  done
  [ "$(grep -c -- "$pattern" <<<"$out")" -ge 2 ] ||
    fail "$description: '$pattern' not reported by every rank: $out"
}
expect_every_rank "3 shards over 2 ranks" "must be a multiple of the number of ranks" \
  -n 2 "$hypatia" sample radon --data-shards 3 "${sample_args[@]}"
expect_every_rank "1000 shards of 919 rows" "1000 shards of 919 rows would leave a shard without rows" \
  -n 2 "$hypatia" sample radon --data-shards 1000 "${sample_args[@]}"
expect_every_rank "ranks running different models" "built different models" \
  -n 1 "$hypatia" sample radon --data-shards 2 "${sample_args[@]}" : \
  -n 1 "$hypatia" sample logreg --data-shards 2 "${sample_args[@]}"
expect_every_rank "ranks with different settings" "started with different settings" \
  -n 1 "$hypatia" sample radon --data-shards 2 "${sample_args[@]}" : \
  -n 1 "$hypatia" sample radon --data-shards 2 --chains 2 --draws 40 --tune=40 --seed 6 -q

# Rank 1 reads a copy of the data with one value changed.
shared=${HYPATIA_SHARED_DIR:-$(dirname "$0")/../../../shared}
mkdir -p "$scratch/shared/bench-data"
/usr/bin/python3 - "$shared/bench-data/radon_mn.json" "$scratch/shared/bench-data/radon_mn.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
data["log_radon"][0] += 0.5
json.dump(data, open(sys.argv[2], "w"))
PY
expect_every_rank "ranks reading different data" "read data version" \
  -n 1 env HYPATIA_SHARED_DIR="$shared" "$hypatia" sample radon --data-shards 2 "${sample_args[@]}" : \
  -n 1 env HYPATIA_SHARED_DIR="$scratch/shared" "$hypatia" sample radon --data-shards 2 "${sample_args[@]}"

# A model without a shard builder: refused on every rank before MPI starts.
out=$(run -n 2 "$hypatia" sample eight_schools --data-shards 2 "${sample_args[@]}" 2>&1) &&
  fail "eight_schools with --data-shards exited zero"
[ "$(grep -c "model 'eight_schools' cannot be split into data shards" <<<"$out")" = 2 ] ||
  fail "eight_schools: not every rank reported: $out"

# A rank that dies mid-run (SIGKILL, as the OOM killer sends): mpirun ends the others.
run -n 2 "$hypatia" sample radon --data-shards 2 --chains 1 --draws 100000000 --tune=1000 -q \
  >"$scratch/killed.out" 2>&1 &
launcher=$!
descendants() { for child in $(pgrep -P "$1"); do echo "$child"; descendants "$child"; done; }
victim=""
for _ in $(seq 100); do
  for pid in $(descendants $launcher); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && victim=$pid
  done
  [ -n "$victim" ] && break
  sleep 0.1
done
if [ -z "$victim" ]; then
  fail "a rank that dies: could not find rank 1 of the job"
  kill "$launcher" 2>/dev/null
else
  sleep 2
  kill -KILL "$victim"
  started=$SECONDS
  wait $launcher
  status=$?
  [ $status = 0 ] && fail "a rank that dies: the job exited zero"
  [ $status = 124 ] && fail "a rank that dies: the other rank hung"
  [ $((SECONDS - started)) -le 60 ] || fail "a rank that dies: took $((SECONDS - started)) s to stop"
fi

if [ $failures -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "sharded command line: all checks passed"
