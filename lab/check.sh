#!/usr/bin/env bash
# MailCheck lab self-check: asks the lab recursor (inside the lab namespace,
# via lab.sh exec) about every scenario domain and compares RCODE and the AD
# flag with what the scenario is meant to produce, then probes a few lab SMTP
# servers (banner, STARTTLS, PKIX and DANE verification with openssl
# s_client) and MTA-STS policy hosts (HTTPS GET with openssl s_client). Needs a
# running lab (lab/lab.sh start). Exit status: number of failed checks (0 = all
# good).

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB="$SCRIPT_DIR/lab.sh"
RESOLVER=127.53.0.53
failures=0

result() { # OK LABEL DETAIL
    if (($1)); then
        printf 'ok    %s\n' "$2"
    else
        printf 'FAIL  %s\n      got: %s\n' "$2" "$3"
        failures=$((failures + 1))
    fi
}

# banner ADDR EXPECT: the first line from ADDR:25 (or the connect error)
# matches the extended regex EXPECT.
banner() {
    local addr=$1 expect=$2 out
    # shellcheck disable=SC2016 # expanded by the inner bash
    out=$("$LAB" exec timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/25" && IFS= read -r -t 2 l <&3 &&
        printf "%s\n" "$l" && printf "QUIT\r\n" >&3' _ "$addr" 2>&1 | tr -d '\r' | head -n 1) || true
    local ok=0
    grep -Eq -- "$expect" <<<"$out" && ok=1
    result "$ok" "$(printf 'smtp  %-28s banner    /%s/' "$addr" "$expect")" "$out"
}

# tls ADDR HOST EXPECT [s_client options]: STARTTLS to ADDR:25 with SNI HOST;
# the "openssl s_client -brief" output must match the extended regex EXPECT.
tls() {
    local addr=$1 host=$2 expect=$3 out
    shift 3
    out=$(echo QUIT | "$LAB" exec timeout 5 openssl s_client -brief -starttls smtp \
        -connect "$addr" -servername "$host" "$@" 2>&1) || true
    local ok=0
    grep -Eq -- "$expect" <<<"$out" && ok=1
    local opts="$*"
    ((${#opts} <= 70)) || opts="${opts:0:67}..."
    result "$ok" "$(printf 'smtp  %-28s %-9s /%s/ %s' "$addr" starttls "$expect" "$opts")" \
        "$(grep -Ei 'verif|error|protocol' <<<"$out" | head -n 3 | tr '\n' ' ')"
}

# dane ADDR HOST EXPECT: like tls, with the TLSA records of _25._tcp.HOST
# (from the lab recursor) as the DANE policy.
dane() {
    local addr=$1 host=$2 expect=$3 rr
    local -a args=(-dane_tlsa_domain "$host")
    while read -r rr; do
        [[ -n $rr ]] && args+=(-dane_tlsa_rrdata "$rr")
    done < <("$LAB" exec kdig "@$RESOLVER" +short +timeout=2 +retry=0 "_25._tcp.$host" TLSA 2>/dev/null)
    tls "$addr" "$host" "$expect" "${args[@]}"
}

# https ADDR HOST PATH EXPECT [s_client options]: GET PATH from ADDR (host:port)
# with SNI and Host HOST. The response, on one line (line ends as spaces, each
# CR as the two characters \r) after "openssl s_client -brief" output, must
# match the extended regex EXPECT.
https() {
    local addr=$1 host=$2 path=$3 expect=$4 out
    shift 4
    out=$(printf 'GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lab-check\r\nConnection: close\r\n\r\n' \
        "$path" "$host" | "$LAB" exec timeout 5 openssl s_client -brief -ign_eof -connect "$addr" \
        -servername "$host" "$@" 2>&1 | sed 's/\r/\\r/g' | tr '\n' ' ') || true
    local ok=0
    grep -Eq -- "$expect" <<<"$out" && ok=1
    result "$ok" "$(printf 'https %-28s %-24s /%s/' "$addr" "$path" "${expect:0:60}")" \
        "$(grep -Eo '(Verification[^:]*|verify error:num=[0-9]+):[^ ]+( [^ ]+){0,3}|HTTP/1\.1 [0-9]{3}' <<<"$out" | head -n 2 | tr '\n' ' ')"
}

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
# The spf server's zones (empty unless lab.sh spf-zones loaded some): delegated
# from the lab root without DS, so insecure; also through the spf recursor.
check com. SOA insecure
check arpa. SOA insecure
check com. SOA insecure @127.53.0.54
check good.co.nz. MX secure @127.53.0.54


# DANE, STARTTLS and MTA-STS scenario zones, and their TLSA and MTA-STS records.
for z in "$SCRIPT_DIR"/zones/dane-*.co.nz.zone "$SCRIPT_DIR"/zones/smtp-*.co.nz.zone \
    "$SCRIPT_DIR"/zones/sts-*.co.nz.zone; do
    d=$(basename "$z" .zone)
    case $d in
    dane-unsigned.co.nz | sts-unsigned.co.nz | dane-insecure-mx.co.nz) check "$d." MX insecure ;;
    dane-bogus.co.nz) check "$d." MX servfail ;;
    *) check "$d." MX secure ;;
    esac
done
check _25._tcp.mx.dane-ok.co.nz. TLSA secure
check _25._tcp.mx.dane-unsigned.co.nz. TLSA insecure
check _25._tcp.mx.dane-bogus.co.nz. TLSA servfail
check _25._tcp.mx.dane-tlsa-servfail.co.nz. TLSA servfail
check _25._tcp.mx.dane-mx-host.co.nz. TLSA secure
# govt.nz: a signed public suffix delegated from nz. with a psd=y DMARC policy.
check _dmarc.govt.nz. TXT secure
check agency.govt.nz. MX secure
check mx.dane-ipv6.co.nz. AAAA secure
check _mta-sts.sts-enforce.co.nz. TXT secure
check mta-sts.sts-enforce.co.nz. A secure
check mta-sts.sts-ipv6.co.nz. AAAA secure
check mta-sts.sts-no-host.co.nz. A nxdomain
check _mta-sts.sts-no-txt.co.nz. TXT nxdomain
check _mta-sts.sts-unsigned.co.nz. TXT insecure

# SMTP servers (lab/smtp_server.py) and the lab PKI.
LAB_CA=$("$LAB" exec printenv LAB_CA)
banner 127.25.1.1 '^220 mx\.dane-ok\.co\.nz '
banner 2001:db8:25::16 '^220 mx\.dane-ipv6\.co\.nz '
banner 127.25.2.6 '^421 '
banner 127.25.2.20 '^220-'
banner 127.25.2.14 'Connection refused'
tls 127.25.1.1:25 mx.dane-ok.co.nz 'Verification: OK' -CAfile "$LAB_CA" \
    -verify_hostname mx.dane-ok.co.nz -verify_return_error
tls '[2001:db8:25::17]:25' mx.dane-multi-addr.co.nz 'Verification: OK' -CAfile "$LAB_CA" \
    -verify_hostname mx.dane-multi-addr.co.nz -verify_return_error
tls 127.25.2.16:25 mx.smtp-expired-cert.co.nz 'certificate has expired' -CAfile "$LAB_CA" \
    -verify_return_error
tls 127.25.2.15:25 mx.smtp-self-signed.co.nz 'self-signed' -CAfile "$LAB_CA" -verify_return_error
tls 127.25.2.18:25 mx.smtp-name-mismatch.co.nz 'hostname mismatch' -CAfile "$LAB_CA" \
    -verify_hostname mx.smtp-name-mismatch.co.nz -verify_return_error
tls 127.25.2.12:25 mx.smtp-tls10-only.co.nz 'Protocol version: TLSv1$' -cipher 'DEFAULT:@SECLEVEL=0'
tls 127.25.2.12:25 mx.smtp-tls10-only.co.nz 'unsupported protocol|alert protocol version' -tls1_2
tls 127.25.2.2:25 mx.smtp-no-starttls.co.nz "STARTTLS not supported|Didn't find STARTTLS"
dane 127.25.1.1:25 mx.dane-ok.co.nz 'DANE TLSA 3 1 1 .* matched EE'
dane 127.25.1.4:25 mx.dane-stale.co.nz 'DANE TLSA 3 1 1 .* matched EE'
dane 127.25.1.5:25 mx.dane-expired.co.nz 'DANE TLSA 3 1 1 .* matched EE'
dane 127.25.1.14:25 mx.dane-301.co.nz 'DANE TLSA 3 0 1 .* matched EE'
dane 127.25.1.15:25 mx.dane-312.co.nz 'DANE TLSA 3 1 2 .* matched EE'
dane 127.25.1.6:25 mx.dane-ta.co.nz 'DANE TLSA 2 1 1 .* matched TA'
dane 127.25.1.3:25 mx.dane-mismatch.co.nz 'no matching DANE TLSA records'
dane 127.25.1.7:25 mx.dane-ta-badname.co.nz 'hostname mismatch'

# MTA-STS policy hosts (lab/https_server.py): one GET each, the lab CA trusted.
P=/.well-known/mta-sts.txt
verify=(-CAfile "$LAB_CA" -verify_return_error)
https 127.43.0.1:443 mta-sts.sts-enforce.co.nz $P \
    'HTTP/1.1 200 OK.*Content-Type: text/plain; charset=utf-8.* version: STSv1 mode: enforce mx: ' \
    "${verify[@]}" -verify_hostname mta-sts.sts-enforce.co.nz
https '[2001:db8:43::25]:443' mta-sts.sts-ipv6.co.nz $P 'HTTP/1.1 200 OK.* mode: enforce ' \
    "${verify[@]}" -verify_hostname mta-sts.sts-ipv6.co.nz
https 127.43.0.10:443 mta-sts.sts-not-found.co.nz $P 'HTTP/1.1 404 ' "${verify[@]}"
https 127.43.0.11:443 mta-sts.sts-redirect.co.nz $P \
    'HTTP/1.1 301 .*Location: https://mta-sts\.sts-redirect\.co\.nz/mta-sts/policy\.txt' "${verify[@]}"
https 127.43.0.11:443 mta-sts.sts-redirect.co.nz /mta-sts/policy.txt 'HTTP/1.1 200 OK.* mode: enforce ' \
    "${verify[@]}"
https 127.43.0.12:443 mta-sts.sts-wrong-type.co.nz $P 'HTTP/1.1 200 OK.*Content-Type: text/html' "${verify[@]}"
https 127.43.0.13:443 mta-sts.sts-oversized.co.nz $P 'HTTP/1.1 200 OK.* x-lab-padding-00500: ' "${verify[@]}"
https 127.43.0.22:443 mta-sts.sts-crlf.co.nz $P 'version: STSv1\\r mode: enforce\\r ' "${verify[@]}"
https 127.43.0.15:443 mta-sts.sts-cert-expired.co.nz $P 'certificate has expired' "${verify[@]}"
https 127.43.0.16:443 mta-sts.sts-self-signed.co.nz $P 'self-signed' "${verify[@]}"
https 127.43.0.17:443 mta-sts.sts-wrong-name.co.nz $P 'hostname mismatch' "${verify[@]}" \
    -verify_hostname mta-sts.sts-wrong-name.co.nz
LAB_DIR=$("$LAB" exec printenv LAB_DIR)
bad=$(grep -E 'internal error|Traceback' "$LAB_DIR/https.log" "$LAB_DIR/smtp.log" | head -n 2) || true
result "$([[ -z $bad ]] && echo 1 || echo 0)" "logs  smtp.log, https.log without internal errors" "$bad"

echo "$failures failure(s)"
exit "$failures"
