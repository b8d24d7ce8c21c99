#!/usr/bin/env bash
# MailCheck lab self-check: asks the lab recursor (inside the lab namespace,
# via lab.sh exec) about every scenario domain and compares RCODE and the AD
# flag with what the scenario is meant to produce. Needs a running lab
# (lab/lab.sh start). Exit status: number of failed checks (0 = all good).

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB="$SCRIPT_DIR/lab.sh"
RESOLVER=127.53.0.53
failures=0

# check NAME TYPE EXPECT [kdig options]; EXPECT is one of
#   secure    NOERROR/NXDOMAIN with AD
#   insecure  NOERROR without AD
#   servfail  SERVFAIL
#   cd-data   NOERROR with at least one answer record (use with +cd)
#   no-answer SERVFAIL or no response within 2 s
#   nxdomain  NXDOMAIN with AD
check() {
    local name=$1 type=$2 expect=$3
    shift 3
    local out status flags ok=0
    out=$("$LAB" exec kdig "@$RESOLVER" +dnssec +timeout=2 +retry=0 "$@" "$name" "$type" 2>&1) || true
    status=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out")
    flags=$(sed -n 's/^;; Flags: \([^;]*\);.*/\1/p' <<<"$out")
    local ad=no
    [[ " $flags " == *" ad "* ]] && ad=yes
    case $expect in
    secure) [[ $status == NOERROR && $ad == yes ]] && ok=1 ;;
    nxdomain) [[ $status == NXDOMAIN && $ad == yes ]] && ok=1 ;;
    insecure) [[ $status == NOERROR && $ad == no ]] && ok=1 ;;
    servfail) [[ $status == SERVFAIL ]] && ok=1 ;;
    cd-data) [[ $status == NOERROR ]] && grep -q 'ANSWER: [1-9]' <<<"$out" && ok=1 ;;
    no-answer) [[ -z $status || $status == SERVFAIL ]] && ok=1 ;;
    esac
    if ((ok)); then
        printf 'ok    %-28s %-5s %-9s (%s, ad=%s) %s\n' "$name" "$type" "$expect" "${status:-no answer}" "$ad" "$*"
    else
        printf 'FAIL  %-28s %-5s %-9s (%s, ad=%s) %s\n' "$name" "$type" "$expect" "${status:-no answer}" "$ad" "$*"
        failures=$((failures + 1))
    fi
}

"$LAB" status >/dev/null || {
    echo "lab is not running; start it with $LAB start" >&2
    exit 1
}

for d in good nullmx nullmx-mixed nullmx-pref implicit-mx no-mail-host mx-cname \
    mx-noaddr mx-partial mx-duplicate mx-ip-literal mx-unsigned-host \
    mx-bogus-host xn--mller-kva nsec3 nsec3-iter; do
    check "$d.co.nz." MX secure
done
check shop.good.co.nz. MX secure
check mx1.good.co.nz. AAAA secure
check implicit-mx.co.nz. A secure
check mx.mx-noaddr.co.nz. A secure
check gone.mx-partial.co.nz. A nxdomain
check missing.nsec3.co.nz. A nxdomain
check missing.nsec3-iter.co.nz. A nxdomain
check unsigned.co.nz. MX insecure
check mx.unsigned.co.nz. A insecure
for n in bogus.co.nz. bogus-ds.co.nz. mx.bogus.co.nz.; do
    check "$n" MX servfail
    check "$n" A servfail
done
check bogus.co.nz. MX cd-data +cd
check bogus-ds.co.nz. MX cd-data +cd
check mx.bogus.co.nz. A cd-data +cd
check servfail.co.nz. MX servfail
check timeout.co.nz. MX no-answer

echo "$failures failure(s)"
exit "$failures"
