#!/usr/bin/env bash
# scan_bench.sh [LIST] - `mailcheck scan` against the lab, measured in one run against the same
# domains audited one after another with `mailcheck check` (release build): wall time, domains/s,
# CPU milliseconds (user+sys of the mailcheck processes) per audit, SMTP connections made against
# distinct (MX host, address) pairs seen, and peak RSS of the scanner.
# LIST defaults to every lab domain except the ones built to time out or stall (they measure the
# deadlines, not the scanner).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null && cmake --build --preset release --target mailcheck >/dev/null
mc=$PWD/build/release/apps/mailcheck/mailcheck
export MAILCHECK_LAB_NS=mailcheck-bench MAILCHECK_LAB_DIR=$PWD/build/release/lab-bench
work=$(mktemp -d)
trap 'lab/lab.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
lab/lab.sh start >/dev/null 2>&1
# shellcheck disable=SC1091
source "$MAILCHECK_LAB_DIR/env"
list=${1:-$work/domains.txt}
if [[ -z ${1:-} ]]; then
  grep -v '^#' tests/lab/golden/verdicts.tsv | cut -f1 | sort -u |
    grep -v -E '^(timeout|smtp-no-banner|smtp-slow-drip|smtp-slow-replies|sts-slow)[.]' >"$list"
fi
n=$(grep -c . "$list")
args=(--resolver "$LAB_RESOLVER" --trust-anchor "$LAB_TRUST_ANCHOR" --ca-file "$LAB_CA"
      --timeout 20)
echo "domains: $n"

# (a) one `check` process per domain, one after another (as a shell loop would run them).
t0=$(date +%s.%N)
lab/lab.sh exec /usr/bin/time -f '%U %S' -o "$work/check.cpu" bash -c '
  mc=$1; list=$2; shift 2
  while read -r d; do "$mc" check "$d" "$@" --format json >/dev/null || true; done <"$list"
' _ "$mc" "$list" "${args[@]}"
t1=$(date +%s.%N)

# (b) one scan at default settings (concurrency 32, one connection at a time per address, 0.2 s
# apart), but for the retry delay: a first result that may be transient is asked again at once,
# not 60 s later, which on a list this short would be most of the run.
lab/lab.sh exec /usr/bin/time -f '%U %S %M' -o "$work/scan.cpu" \
  "$mc" scan "$list" --db "$work/scan.db" --quiet --ehlo-name scanner.lab.test --allow-private \
  --retry-after 0 "${args[@]}" >"$work/scan.out"
cat "$work/scan.out"
scan_s=$(sed -n 's/.* audited in \([0-9.]*\) s.*/\1/p' "$work/scan.out")
connections=$(sed -n 's/.*, \([0-9]*\) SMTP connections.*/\1/p' "$work/scan.out")
pairs=$(python3 - "$work/scan.db" <<'PY'
import json, sqlite3, sys
pairs = set()
for (r,) in sqlite3.connect(sys.argv[1]).execute("SELECT report FROM results"):
    for h in json.loads(r)["checks"].get("starttls", {}).get("hosts", []):
        pairs.update((h["name"], a["address"]) for a in h.get("addresses", []))
print(len(pairs))
PY
)
read -r cu cs <"$work/check.cpu"
read -r su ss srss <"$work/scan.cpu"
awk -v n="$n" -v a="$t0" -v b="$t1" -v s="$scan_s" -v cu="$cu" -v cs="$cs" -v su="$su" \
    -v ss="$ss" -v rss="$srss" -v c="$connections" -v p="$pairs" 'BEGIN {
  check = b - a
  printf "check, one after another: %.1f s, %.1f domains/s, %.1f CPU-ms per audit\n", check, n / check, 1000 * (cu + cs) / n
  printf "scan:                     %.1f s, %.1f domains/s, %.1f CPU-ms per audit, peak RSS %.1f MiB\n", s, n / s, 1000 * (su + ss) / n, rss / 1024
  printf "ratio scan / check: %.1fx throughput, %.2fx CPU per audit\n", check / s, (su + ss) / (cu + cs)
  printf "SMTP connections: %d for %d distinct (MX host, address) pairs\n", c, p }'
