#!/usr/bin/env bash
# test.sh - install what is needed, build, and run every test: unit tests, fuzz replays and short
# libFuzzer runs, and the lab integration tests (ctest starts and stops the hermetic lab).
# Usage: scripts/test.sh [extra ctest arguments]. Needs root (packages, network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# Playwright (playwright-core, pinned by tests/browser/package-lock.json) drives Debian's chromium.
if [ ! -d tests/browser/node_modules/playwright-core ] ||
   [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# The clang/libFuzzer build of the parsers, run briefly by ctest (fuzz.run.*).
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# The debug build: ASan + UBSan.
cmake --preset debug -DMAILCHECK_FUZZ_BIN_DIR="$PWD/build/fuzz" >/dev/null
cmake --build --preset debug

# Stop the lab however ctest ends (ctest's cleanup fixture does this too).
lab_env=(MAILCHECK_LAB_NS="$(cat build/debug/lab-namespace)" MAILCHECK_LAB_DIR="$PWD/build/debug/lab")
trap 'env "${lab_env[@]}" lab/lab.sh stop >/dev/null 2>&1 || true' EXIT

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --preset debug -j2 "$@"
