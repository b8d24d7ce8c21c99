#!/usr/bin/env bash
# serve_load.sh [DURATION] [CONNECTIONS] - load test of `mailcheck serve` (release build) against
# the bundled lab, on loopback inside the lab's network namespace: wrk on cached results (with
# /healthz as the baseline) and every lab mail domain audited fresh, CONNECTIONS at a time (with
# the same audits run one after another by the CLI as the baseline). See bench/serve_load.py.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
bash scripts/setup.sh
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
bin=$PWD/build/release/apps/mailcheck/mailcheck
export MAILCHECK_LAB_NS=mailcheck-load MAILCHECK_LAB_DIR=$PWD/build/release/lab-load
trap 'lab/lab.sh stop >/dev/null 2>&1 || true' EXIT
lab/lab.sh start >/dev/null 2>&1
# shellcheck disable=SC1091
. "$MAILCHECK_LAB_DIR/env"
export LAB_RESOLVER LAB_TRUST_ANCHOR LAB_CA
# Every lab domain that has mail servers or mail policies (the .co.nz scenario zones).
mapfile -t domains < <(ls lab/zones | sed -n 's/^\(.*\.co\.nz\)\.zone$/\1/p' | grep -v '^co\.nz$')
lab/lab.sh exec python3 bench/serve_load.py "$bin" 18080 "$duration" "$connections" "${domains[@]}"
