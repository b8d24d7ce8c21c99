#!/usr/bin/env bash
# audit.sh - install, build (release) and run a domain audit.
#   scripts/audit.sh                     audit the bundled lab's showcase domain (no network needed)
#   scripts/audit.sh --lab DOMAIN [OPTS] audit another lab domain (see lab/README.md)
#   scripts/audit.sh DOMAIN [OPTS]       audit a real domain on the internet
# OPTS are passed to `mailcheck check` (e.g. --format json). Exit code: mailcheck's.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
bin=$PWD/build/release/apps/mailcheck/mailcheck

if [ $# -ge 1 ] && [ "$1" != "--lab" ] && [[ "$1" != -* ]]; then
  exec "$bin" check "$@"
fi

lab_domain=showcase.co.nz
if [ "${1:-}" = "--lab" ]; then
  [ $# -ge 2 ] || { echo "audit.sh: --lab needs a lab domain, e.g. --lab bogus.co.nz" >&2; exit 2; }
  lab_domain=$2
  shift 2
fi

export MAILCHECK_LAB_NS=mailcheck-demo MAILCHECK_LAB_DIR=$PWD/build/release/lab
trap 'lab/lab.sh stop >/dev/null 2>&1 || true' EXIT
lab/lab.sh start >/dev/null
# shellcheck disable=SC1091
. "$MAILCHECK_LAB_DIR/env"
echo "(auditing $lab_domain in the bundled lab: lab/README.md lists the other lab domains)" >&2
rc=0
lab/lab.sh exec "$bin" check "$lab_domain" --resolver "$LAB_RESOLVER" \
  --trust-anchor "$LAB_TRUST_ANCHOR" --ca-file "$LAB_CA" "$@" || rc=$?
exit "$rc"
