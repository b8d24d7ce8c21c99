#!/usr/bin/env bash
# probe_bench.sh [ROUNDS] - SMTP STARTTLS probe throughput against the lab's normal mail hosts,
# compared in the same run with (a) the same probes one at a time and (b) a plain OpenSSL loop:
# `openssl s_client -starttls smtp` per connection, as an administrator would script it.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
bash scripts/setup.sh
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
bench=$PWD/build/release/bench/smtp_probe_bench
export MAILCHECK_LAB_NS=mailcheck-bench MAILCHECK_LAB_DIR=$PWD/build/release/lab-bench
trap 'lab/lab.sh stop >/dev/null 2>&1 || true' EXIT
lab/lab.sh start >/dev/null 2>&1

# The lab hosts with the 'normal' behaviour and an IPv4 address: NAME=ADDRESS.
mapfile -t targets < <(awk '$1 == "host" && $4 == "normal" { split($3, a, ","); if (a[1] ~ /^127\./) print $2 "=" a[1] }' lab/smtp-hosts.conf)
n=${#targets[@]}
total=$((n * rounds))
echo "targets: $n lab MX hosts, $rounds rounds = $total STARTTLS handshakes each way"

concurrent=$(lab/lab.sh exec "$bench" "$n" "$rounds" "${targets[@]}")
sequential=$(lab/lab.sh exec "$bench" 1 "$rounds" "${targets[@]}")
t0=$(date +%s.%N)
# One shell inside the namespace runs the whole loop, so only openssl's own start-up is counted.
lab/lab.sh exec bash -c '
  rounds=$1; shift
  for _ in $(seq "$rounds"); do
    for t in "$@"; do
      openssl s_client -brief -starttls smtp -connect "${t#*=}:25" -servername "${t%%=*}" \
        </dev/null >/dev/null 2>&1 || true
    done
  done' _ "$rounds" "${targets[@]}"
t1=$(date +%s.%N)
rate() { sed -n 's/.*handshakes_per_second=\([0-9.]*\).*/\1/p' <<<"$1"; }
c=$(rate "$concurrent") s=$(rate "$sequential")
o=$(awk -v n="$total" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
echo "mailcheck probe, $n at once:      $concurrent"
echo "mailcheck probe, one at a time:   $sequential"
echo "openssl s_client loop:            handshakes_per_second=$o"
awk -v c="$c" -v s="$s" -v o="$o" 'BEGIN {
  printf "ratio concurrent / one-at-a-time: %.2f\nratio concurrent / openssl loop:  %.2f\n", c / s, c / o }'
