#!/usr/bin/env bash
# setup.sh - install every Debian package that the build, the tests and the lab need.
# Idempotent: packages already present are skipped; safe to run on every test run.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy libclang-rt-14-dev
  libunbound-dev libevent-dev libssl-dev libboost1.81-dev libboost-url1.81-dev libexpected-dev
  nlohmann-json3-dev
  libcli11-dev libfmt-dev libpsl-dev libidn2-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libldns-dev python3-jsonschema
  # the hermetic lab: authoritative server, recursor, signing tools, namespaces
  nsd unbound ldnsutils knot-dnsutils dns-root-data iproute2 openssl procps
  # peers the tests cross-check against: Postfix's posttls-finger (DANE SMTP client),
  # hash-slinger's tlsa and ldns-dane (TLSA record generation), postfix-mta-sts-resolver's
  # mta-sts-query and mta-sts-daemon (MTA-STS policy discovery and fetch for Postfix)
  postfix hash-slinger postfix-mta-sts-resolver
  # the RFC 7208 SPF test suite (rfc7208-tests.yml.gz, shipped with pyspf) and pyspf itself,
  # which resolves through dnspython
  python3-spf python3-yaml python3-dnspython
  # the Public Suffix List as a dated file (libpsl prefers it to its built-in copy when newer)
  publicsuffix
  # the web checker's browser tests (headless, driven by Playwright from npm) and load tests
  chromium wrk
)
# Node.js and npm run the browser tests; a machine that has them (e.g. from NodeSource) keeps its
# own, otherwise Debian's are installed.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages (${missing[*]}); run as root or install them" >&2
  exit 2
fi

# The lab runs its own nsd and unbound inside a network namespace; stop the
# packages from starting system-wide daemons on the host while installing.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
# Postfix is installed for posttls-finger only: no mail system configuration.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: installed ${missing[*]}"
