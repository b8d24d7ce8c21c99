#!/usr/bin/env bash
# tlsa.sh - TLSA certificate association data (RFC 6698 2.1) with openssl.
#
# Usage: lab/tlsa.sh USAGE SELECTOR MTYPE FILE
#        lab/tlsa.sh --all FILE
#   FILE      a PEM certificate (selector 0 or 1), or a PEM private/public
#             key (selector 1 only: SubjectPublicKeyInfo of that key)
#   USAGE     0-255; only echoed back: the data depend on selector and mtype
#   SELECTOR  0 = full certificate (DER), 1 = SubjectPublicKeyInfo (DER)
#   MTYPE     0 = raw bytes, 1 = SHA-256, 2 = SHA-512
# Prints "USAGE SELECTOR MTYPE HEX" (lower-case hex), i.e. the TLSA RDATA in
# presentation format. --all prints "SELECTOR MTYPE HEX" for every
# selector/mtype pair the file supports (used by lab.sh to cache the values).
#
# Example: lab/tlsa.sh 3 1 1 build/lab/pki/mx.dane-ok.co.nz.pem

set -euo pipefail

die() {
    echo "tlsa.sh: $*" >&2
    exit 2
}

# der SELECTOR FILE: the DER bytes that SELECTOR covers, on stdout.
der() {
    local sel=$1 file=$2
    if grep -q -- '-----BEGIN CERTIFICATE-----' "$file"; then
        case $sel in
        0) openssl x509 -in "$file" -outform DER ;;
        1) openssl x509 -in "$file" -noout -pubkey | openssl pkey -pubin -outform DER ;;
        esac
    elif grep -q -- '-----BEGIN PUBLIC KEY-----' "$file"; then
        [[ $sel == 1 ]] || die "$file: a public key only supports selector 1"
        openssl pkey -pubin -in "$file" -outform DER
    elif grep -q -- 'PRIVATE KEY-----' "$file"; then
        [[ $sel == 1 ]] || die "$file: a key only supports selector 1"
        openssl pkey -in "$file" -pubout -outform DER
    else
        die "$file: no PEM certificate or key"
    fi
}

hexdump_() { od -An -v -tx1 | tr -d ' \n'; }

# data SELECTOR MTYPE FILE
data() {
    local sel=$1 mt=$2 file=$3
    case $mt in
    0) der "$sel" "$file" | hexdump_ ;;
    1) der "$sel" "$file" | openssl dgst -sha256 -binary | hexdump_ ;;
    2) der "$sel" "$file" | openssl dgst -sha512 -binary | hexdump_ ;;
    esac
}

if [[ ${1:-} == --all ]]; then
    (($# == 2)) || die "usage: $0 --all FILE"
    file=$2
    [[ -r $file ]] || die "cannot read $file"
    sels="0 1"
    grep -q -- '-----BEGIN CERTIFICATE-----' "$file" || sels=1
    tmp=$(mktemp)
    trap 'rm -f "$tmp"' EXIT
    for s in $sels; do
        # One DER extraction per selector, then raw/SHA-256/SHA-512.
        der "$s" "$file" >"$tmp"
        printf '%s 0 %s\n' "$s" "$(hexdump_ <"$tmp")"
        printf '%s 1 %s\n' "$s" "$(openssl dgst -sha256 -binary "$tmp" | hexdump_)"
        printf '%s 2 %s\n' "$s" "$(openssl dgst -sha512 -binary "$tmp" | hexdump_)"
    done
    exit 0
fi

(($# == 4)) || die "usage: $0 USAGE SELECTOR MTYPE FILE (see the header)"
usage=$1 sel=$2 mt=$3 file=$4
[[ -r $file ]] || die "cannot read $file"
if [[ $sel == 0 ]] && ! grep -q -- '-----BEGIN CERTIFICATE-----' "$file"; then
    die "$file: selector 0 needs a certificate"
fi
if ! [[ $usage =~ ^[0-9]+$ ]] || ((usage > 255)); then die "bad usage '$usage'"; fi
[[ $sel == 0 || $sel == 1 ]] || die "bad selector '$sel' (0 or 1)"
[[ $mt == 0 || $mt == 1 || $mt == 2 ]] || die "bad matching type '$mt' (0, 1 or 2)"
hex=$(data "$sel" "$mt" "$file") # (set -e: a failed extraction must not hash "nothing")
printf '%s %s %s %s\n' "$usage" "$sel" "$mt" "$hex"
