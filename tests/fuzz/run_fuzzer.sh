#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS SECONDS - a short libFuzzer run for CI. The seed corpus is copied so
# the run never writes into the source tree; a crash reproducer is kept next to the fuzzer binary.
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$(dirname "$fuzzer")/crash-" "$work"
