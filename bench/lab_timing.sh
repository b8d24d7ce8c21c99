#!/usr/bin/env bash
# lab_timing.sh [RUNS] - scripted timing of the lab and of audits against it (release build).
#   1. lab start time, RUNS starts, median;
#   2. the first audit after a start (cold recursor cache), RUNS times, median;
#   3. warm audits of several lab domains (bench/audit_timing.py), with the concurrency ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
bash scripts/setup.sh
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
bin=$PWD/build/release/apps/mailcheck/mailcheck
export MAILCHECK_LAB_NS=mailcheck-bench MAILCHECK_LAB_DIR=$PWD/build/release/lab-bench
trap 'lab/lab.sh stop >/dev/null 2>&1 || true' EXIT

median() { sort -n | awk '{a[NR]=$1} END {m=int((NR+1)/2); if (NR%2) print a[m]; else printf "%.1f\n", (a[m]+a[m+1])/2}'; }
now_ms() { date +%s%3N; }

starts=() colds=()
for _ in $(seq "$runs"); do
  t0=$(now_ms); lab/lab.sh start >/dev/null 2>&1; t1=$(now_ms)
  starts+=($((t1 - t0)))
  # shellcheck disable=SC1091
  . "$MAILCHECK_LAB_DIR/env"
  t0=$(now_ms)
  lab/lab.sh exec "$bin" check good.co.nz --resolver "$LAB_RESOLVER" --trust-anchor "$LAB_TRUST_ANCHOR" >/dev/null
  t1=$(now_ms)
  colds+=($((t1 - t0)))
done
echo "lab start:            median $(printf '%s\n' "${starts[@]}" | median) ms over $runs runs (${starts[*]})"
echo "cold audit good.co.nz: median $(printf '%s\n' "${colds[@]}" | median) ms over $runs runs (${colds[*]})"
lab/lab.sh exec python3 bench/audit_timing.py "$bin" "$runs" good.co.nz mx-duplicate.co.nz \
  mx-unsigned-host.co.nz bogus.co.nz xn--mller-kva.co.nz
