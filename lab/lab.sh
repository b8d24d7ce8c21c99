#!/usr/bin/env bash
# MailCheck hermetic test lab.
#
# Runs a small, self-contained DNS world (signed root, nz., co.nz. and one
# zone per test scenario) inside a private network namespace that has only a
# loopback interface, so nothing can leave the machine:
#   127.53.0.1   NSD  root server            (.)
#   127.53.0.2   NSD  TLD server             (nz., co.nz.)
#   127.53.0.3   NSD  hosting server         (every lab/zones/*.co.nz.zone)
#   127.53.0.7   NSD  "spf" server: UNSIGNED com., net., org., arpa., xn--zckzah.
#                (the TLDs of the RFC 7208 SPF test suite; delegated from the
#                lab root without DS, so insecure; empty until spf-zones)
#   127.53.0.53  Unbound validating recursor (trust anchor: the lab root DS)
#   127.53.0.54  Unbound, the same, for the SPF suite only (spf-zones restarts it)
#   127.53.0.99  blackhole (lab/blackhole.py, never answers)
#   127.25.x.y, 2001:db8:25::N  SMTP :25 per lab mail host (lab/smtp_server.py;
#                hosts in lab/smtp-hosts.conf, certificates in $LAB_DIR/pki)
#   127.43.0.N, 2001:db8:43::N  HTTPS :443 per lab web host, the MTA-STS policy
#                hosts (lab/https_server.py; hosts in lab/https-hosts.conf,
#                policy files in lab/mta-sts/, certificates in $LAB_DIR/pki)
# Keys are generated and all zones signed afresh on every start; zone
# templates may contain {{tlsa ...}} placeholders (see expand_template).
#
# Usage: lab/lab.sh start|stop|status|exec CMD...   (needs root)
#        lab/lab.sh republish ZONE TEMPLATE   re-sign ZONE from TEMPLATE (its
#            keys and DS unchanged), reload it in NSD, wait until it is served
#        lab/lab.sh serve-cert HOST CERT      make HOST's SMTP listeners present
#            pki/CERT.chain.pem (a key rollover), wait until they do
#        lab/lab.sh spf-zones [DIR]           replace the contents of the spf
#            server's zones with DIR/<zone>.zone (records only; no DIR: empty
#            zones), reload that NSD, wait until it serves them, restart the
#            spf recursor (so it remembers nothing of the previous zones)
# Environment:
#   MAILCHECK_LAB_NS   network namespace name   (default: mailcheck-lab)
#   MAILCHECK_LAB_DIR  state directory          (default: <repo>/build/lab)
# After start, $MAILCHECK_LAB_DIR/env holds LAB_NS, LAB_DIR, LAB_RESOLVER,
# LAB_TRUST_ANCHOR, LAB_CA, LAB_PKI, LAB_SMTP_CONFIG, LAB_HTTPS_CONFIG, LAB_SPF_SERVER,
# LAB_SPF_RESOLVER, LAB_SPF_ZONES (comma-separated), LAB_BLACKHOLE_NS and LAB_BLACKHOLE in
# shell-sourceable form. See lab/README.md.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$SCRIPT_DIR")
ZONE_TEMPLATES="$SCRIPT_DIR/zones"

LAB_NS=${MAILCHECK_LAB_NS:-mailcheck-lab}
LAB_DIR=${MAILCHECK_LAB_DIR:-$REPO_ROOT/build/lab}

readonly ROOT_ADDR=127.53.0.1
readonly TLD_ADDR=127.53.0.2
readonly HOSTING_ADDR=127.53.0.3
readonly SPF_ADDR=127.53.0.7
readonly RESOLVER_ADDR=127.53.0.53
readonly SPF_RESOLVER_ADDR=127.53.0.54 # the SPF suite's own recursor (see restart_spf_resolver)
readonly BLACKHOLE_ADDR=127.53.0.99

readonly ROOT_NS_NAME=a.root-servers.lab.
readonly TLD_NS_NAME=ns1.nic.nz.
readonly HOSTING_NS_NAME=ns1.labhost.nz.
# The spf server serves every zone that lab/zones/root.zone delegates to it.
readonly SPF_NS_NAME=ns1.spf.lab.
readonly BLACKHOLE_NS_NAME=ns.blackhole.nz.
# Leaves delegated from nz. rather than co.nz.: public suffixes of their own, such as a
# government suffix whose operator publishes DMARC with psd=y (lab/zones/govt.nz.zone).
readonly NZ_LEAF_ZONES=(govt.nz)

readonly SMTP_HOSTS_FILE="$SCRIPT_DIR/smtp-hosts.conf"
readonly SMTP_READY_ADDR=127.25.1.1 # a "normal" listener: answers with a 220 banner
readonly HTTPS_HOSTS_FILE="$SCRIPT_DIR/https-hosts.conf"
readonly MTA_STS_DIR="$SCRIPT_DIR/mta-sts" # the policy files the HTTPS hosts serve
readonly HTTPS_READY_ADDR=127.43.0.1       # a "normal" listener: GET of the policy -> 200
readonly HTTPS_READY_HOST=mta-sts.sts-enforce.co.nz

readonly READY_TIMEOUT=20  # seconds
readonly PKI_MAX_AGE=86400 # seconds; older PKI is reissued (keeps "expires in 5 days" honest)
readonly PKI_VERSION=1     # bump when the issuing code changes, to force a reissue
readonly DNSSEC_ALG=ECDSAP256SHA256

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    cat >&2 <<EOF
usage: $0 start|stop|status|exec CMD...|republish ZONE TEMPLATE|serve-cert HOST CERT|spf-zones [DIR]
  start       (re)create namespace '$LAB_NS', sign zones, start servers
  stop        kill everything in the namespace and delete it
  status      report whether the lab is running (exit 0 if so, 1 if not)
  exec        run CMD inside the namespace (LAB_* variables exported)
  republish   re-sign test-domain ZONE from zone template TEMPLATE (same keys)
              and wait until the lab's NSD serves it
  serve-cert  make HOST's SMTP listeners present certificate CERT (a name in
              lab/smtp-hosts.conf) and wait until they do
  spf-zones   replace the records of the spf server's unsigned zones with
              DIR/<zone>.zone (no file, or no DIR: empty zone), reload it,
              wait until it serves them and restart the spf recursor
state dir: $LAB_DIR
EOF
    exit 2
}

in_ns() { ip netns exec "$LAB_NS" "$@"; }

ns_exists() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qxF -- "$LAB_NS"
}

# ---------------------------------------------------------------------------
# Namespace lifecycle

cmd_stop() {
    if ! ns_exists; then
        return 0
    fi
    local pids deadline
    pids=$(ip netns pids "$LAB_NS" 2>/dev/null || true)
    if [[ -n $pids ]]; then
        # shellcheck disable=SC2086 # word splitting of the pid list is intended
        kill -TERM $pids 2>/dev/null || true
        deadline=$((SECONDS + 5))
        while [[ -n $(ip netns pids "$LAB_NS" 2>/dev/null) ]] && ((SECONDS < deadline)); do
            sleep 0.05
        done
        pids=$(ip netns pids "$LAB_NS" 2>/dev/null || true)
        if [[ -n $pids ]]; then
            log "processes still alive after SIGTERM, sending SIGKILL: $pids"
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
        fi
    fi
    ip netns delete "$LAB_NS"
    rm -rf "/etc/netns/$LAB_NS"
    log "stopped (namespace $LAB_NS deleted)"
}

# use_lab_resolver - `ip netns exec` bind-mounts /etc/netns/NAME/resolv.conf over
# /etc/resolv.conf, so libc lookups of programs run in the lab (posttls-finger,
# openssl) go to the lab recursor too. trust-ad: they may use its AD bit, which
# is safe here because the recursor is on the namespace's own loopback.
use_lab_resolver() {
    mkdir -p "/etc/netns/$LAB_NS"
    printf 'nameserver %s\noptions edns0 trust-ad\n' "$RESOLVER_ADDR" \
        >"/etc/netns/$LAB_NS/resolv.conf"
}

create_namespace() {
    ip netns add "$LAB_NS"
    in_ns ip link set lo up
}

# ---------------------------------------------------------------------------
# Lab CA (kept across restarts; later used for SMTP/HTTPS server certs)

ensure_ca() {
    local dir="$LAB_DIR/ca"
    if [[ -s $dir/ca.key && -s $dir/ca.pem ]]; then
        return 0
    fi
    mkdir -p "$dir"
    cat >"$dir/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = MailCheck Lab CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
    (
        umask 077
        openssl req -x509 -new -config "$dir/ca.cnf" -newkey ec \
            -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>"$dir/openssl.log"
    ) || die "creating the lab CA failed (see $dir/openssl.log)"
    chmod 644 "$dir/ca.pem"
    rm -f "$dir/openssl.log"
    log "created lab CA $dir/ca.pem"
}

# ---------------------------------------------------------------------------
# Lab PKI for the mail and web hosts ($LAB_DIR/pki): lab CA -> "MailCheck Lab
# Issuing CA" (EC P-256) -> one leaf per lab/smtp-hosts.conf and
# lab/https-hosts.conf entry. Reused across
# starts while the host tables, the CA and PKI_VERSION are unchanged and it is
# less than PKI_MAX_AGE old; otherwise reissued from scratch (in parallel).
# Per certificate NAME: NAME.key, NAME.pem (leaf only), NAME.chain.pem (leaf +
# issuing CA; just the certificate when self-signed) and, for the mail hosts'
# certificates (the ones zone templates may publish TLSA records for),
# NAME.tlsa (cached association data: "SELECTOR MTYPE HEX" lines from
# lab/tlsa.sh --all).

# host_table: the lab/smtp-hosts.conf lines without comments and blank lines.
host_table() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SMTP_HOSTS_FILE"; }
# https_table: the same for lab/https-hosts.conf.
https_table() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HTTPS_HOSTS_FILE"; }

# pki_leaves: "NAME PROFILE SAN KIND" for every certificate to issue (names are
# unique); KIND is mail (smtp-hosts.conf, with TLSA data) or web (https-hosts.conf).
pki_leaves() {
    local smtp https
    smtp=$(host_table | awk '
        $1 == "host" && NF != 5 { print "smtp-hosts.conf: bad host line: " $0 > "/dev/stderr"; exit 1 }
        $1 == "cert" && NF != 4 { print "smtp-hosts.conf: bad cert line: " $0 > "/dev/stderr"; exit 1 }
        $1 != "host" && $1 != "cert" { print "smtp-hosts.conf: bad line: " $0 > "/dev/stderr"; exit 1 }
        function san(profile, name) {
            if (profile == "wrong-name") return "other.example.net"
            if (profile == "domain-name") { sub(/^[^.]*\./, "", name); return name }
            return name
        }
        $1 == "host" && $5 != "none" { print $2, $5, san($5, $2), "mail" }
        $1 == "cert" { print $2, $4, san($4, $3), "mail" }') || return 1
    https=$(https_table | awk '
        NF != 4 && NF != 5 || $4 == "none" { print "https-hosts.conf: bad line: " $0 > "/dev/stderr"; exit 1 }
        { print $1, $4, ($4 == "wrong-name" ? "other.example.net" : $1), "web" }') || return 1
    printf '%s\n%s\n' "$smtp" "$https" | awk '
        NF && seen[$1]++ { print "certificate name used twice: " $1 > "/dev/stderr"; exit 1 }
        NF'
}

write_pki_config() {
    cat >"$PKI_DIR/pki.cnf" <<'EOF'
# Generated by lab/lab.sh: "openssl ca" settings for the lab PKI. The work
# directory, the signing CA and the SAN come from LAB_PKI_* variables.
[ca]
default_ca = lab
[lab]
database = $ENV::LAB_PKI_TMP/index
new_certs_dir = $ENV::LAB_PKI_TMP
serial = $ENV::LAB_PKI_TMP/serial
certificate = $ENV::LAB_PKI_CA_CERT
private_key = $ENV::LAB_PKI_CA_KEY
default_md = sha256
policy = policy_cn
unique_subject = no
email_in_dn = no
copy_extensions = none
[policy_cn]
commonName = supplied
[issuer_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$ENV::LAB_PKI_SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[self_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$ENV::LAB_PKI_SAN
subjectKeyIdentifier = hash
EOF
}

# pki_date DAYS: now + DAYS (may be negative) as GeneralizedTime for openssl ca.
pki_date() { date -u -d "@$((NOW + $1 * 86400))" +%Y%m%d%H%M%SZ; }

# pki_workdir NAME SAN: per-certificate "openssl ca" state (parallel-safe).
pki_workdir() {
    export LAB_PKI_TMP="$PKI_DIR/tmp-$1" LAB_PKI_SAN=$2
    mkdir -p "$LAB_PKI_TMP"
    : >"$LAB_PKI_TMP/index"
    printf '%04X%04X%04X%04X\n' $((RANDOM | 0x4000)) $RANDOM $RANDOM $RANDOM >"$LAB_PKI_TMP/serial"
}

# pki_new_key NAME ALG CN: NAME.key and $LAB_PKI_TMP/csr.
pki_new_key() {
    local -a opt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    [[ $2 == rsa2048 ]] && opt=(-newkey rsa:2048)
    (umask 077 && openssl req -new "${opt[@]}" -nodes -keyout "$PKI_DIR/$1.key" \
        -subj "/CN=$3" -out "$LAB_PKI_TMP/csr")
}

# pki_sign NAME EXTENSIONS FROM_DAYS TO_DAYS CA_CERT CA_KEY: NAME.pem from the csr.
pki_sign() {
    LAB_PKI_CA_CERT=$5 LAB_PKI_CA_KEY=$6 openssl ca -config "$PKI_DIR/pki.cnf" -batch \
        -notext -extensions "$2" -startdate "$(pki_date "$3")" -enddate "$(pki_date "$4")" \
        -in "$LAB_PKI_TMP/csr" -out "$PKI_DIR/$1.pem"
}

# pki_issue NAME PROFILE SAN KIND: one leaf certificate (run as a background job).
pki_issue() {
    local name=$1 profile=$2 san=$3 kind=$4 from=-1 to=90 alg=ec
    pki_workdir "$name" "$san"
    case $profile in
    ec | wrong-name | domain-name) ;;
    rsa2048) alg=rsa2048 ;;
    expired) from=-100 to=-10 ;;
    expiring) to=5 ;;
    self-signed) ;;
    *)
        echo "unknown certificate profile '$profile' for $name" >&2
        return 1
        ;;
    esac
    pki_new_key "$name" "$alg" "$san"
    if [[ $profile == self-signed ]]; then
        LAB_PKI_CA_CERT=unused LAB_PKI_CA_KEY=unused openssl req -x509 \
            -config "$PKI_DIR/pki.cnf" -extensions self_ext -days 90 \
            -key "$PKI_DIR/$name.key" -in "$LAB_PKI_TMP/csr" -out "$PKI_DIR/$name.pem"
        cp "$PKI_DIR/$name.pem" "$PKI_DIR/$name.chain.pem"
    else
        pki_sign "$name" leaf_ext "$from" "$to" "$PKI_DIR/issuer.pem" "$PKI_DIR/issuer.key"
        cat "$PKI_DIR/$name.pem" "$PKI_DIR/issuer.pem" >"$PKI_DIR/$name.chain.pem"
    fi
    if [[ $kind == mail ]]; then
        "$SCRIPT_DIR/tlsa.sh" --all "$PKI_DIR/$name.pem" >"$PKI_DIR/$name.tlsa"
    fi
    rm -rf "$LAB_PKI_TMP"
}

# pki_issue_ca: the issuing CA (signed by the lab CA), plus the unused key.
pki_issue_ca() {
    pki_workdir issuer unused
    pki_new_key issuer ec "MailCheck Lab Issuing CA"
    pki_sign issuer issuer_ext -1 365 "$LAB_DIR/ca/ca.pem" "$LAB_DIR/ca/ca.key"
    "$SCRIPT_DIR/tlsa.sh" --all "$PKI_DIR/issuer.pem" >"$PKI_DIR/issuer.tlsa"
    rm -rf "$LAB_PKI_TMP"
    "$SCRIPT_DIR/tlsa.sh" --all "$LAB_DIR/ca/ca.pem" >"$PKI_DIR/ca.tlsa"
    # A key that no server uses, for {{tlsa-wrong}}.
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$PKI_DIR/unused.key")
    "$SCRIPT_DIR/tlsa.sh" --all "$PKI_DIR/unused.key" >"$PKI_DIR/unused.tlsa"
}

ensure_pki() {
    PKI_DIR="$LAB_DIR/pki"
    local manifest leaves
    leaves=$(pki_leaves) || die "bad line in $SMTP_HOSTS_FILE or $HTTPS_HOSTS_FILE"
    manifest=$(
        printf 'version %s\n' "$PKI_VERSION"
        sha256sum "$LAB_DIR/ca/ca.pem" | cut -d' ' -f1
        printf '%s\n' "$leaves"
    )
    if [[ -f $PKI_DIR/manifest && $(<"$PKI_DIR/manifest") == "$manifest" ]] &&
        (($(date +%s) - $(stat -c %Y "$PKI_DIR/manifest") < PKI_MAX_AGE)); then
        return 0
    fi
    local t0=$EPOCHREALTIME
    rm -rf "$PKI_DIR"
    mkdir -p "$PKI_DIR"
    NOW=$(date +%s)
    write_pki_config
    (pki_issue_ca) 2>"$PKI_DIR/openssl-issuer.log" ||
        die "creating the issuing CA failed (see $PKI_DIR/openssl-issuer.log)"

    local name profile san kind pid failed=0
    local -a pids=()
    while read -r name profile san kind; do
        pki_issue "$name" "$profile" "$san" "$kind" 2>"$PKI_DIR/openssl-$name.log" &
        pids+=($!)
    done <<<"$leaves"
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    if ((failed)); then
        tail -n 5 "$PKI_DIR"/openssl-*.log >&2 || true
        die "issuing the host certificates failed (logs in $PKI_DIR)"
    fi
    rm -f "$PKI_DIR"/openssl-*.log
    chmod 644 "$PKI_DIR"/*.pem
    printf '%s\n' "$manifest" >"$PKI_DIR/manifest"
    log "issued $(wc -l <<<"$leaves") host certificates into $PKI_DIR ($(elapsed_ms "$t0") ms)"
}

# ---------------------------------------------------------------------------
# Zone template placeholders, expanded by write_zone (so before signing):
#   {{tlsa U S M CERT}}           association data (hex) for selector S and
#                                 matching type M of CERT: a certificate name
#                                 from smtp-hosts.conf, @issuer (the issuing
#                                 CA) or @ca (the lab CA). U is not used for
#                                 the data, only written for readability.
#   {{tlsa-prefix N U S M CERT}}  the same, cut to its first N bytes
#   {{tlsa-wrong}}                a well-formed SHA-256 that matches no lab
#                                 certificate (SPKI of an unused key)

# tlsa_data SELECTOR MTYPE CERT
tlsa_data() {
    local sel=$1 mt=$2 cert=$3 file
    case $cert in
    @issuer | @ca | @unused) file="$PKI_DIR/${cert#@}.tlsa" ;;
    @* | */* | '') file= ;;
    *) file="$PKI_DIR/$cert.tlsa" ;;
    esac
    if [[ -z $file || ! -s $file ]]; then
        echo "no certificate '$cert' (see lab/smtp-hosts.conf)" >&2
        return 1
    fi
    local s m hex
    while read -r s m hex; do
        if [[ $s == "$sel" && $m == "$mt" ]]; then
            echo "$hex"
            return 0
        fi
    done <"$file"
    echo "no TLSA data for selector '$sel' matching type '$mt' of $cert" >&2
    return 1
}

# placeholder_value WORDS...: the text that replaces {{WORDS}}.
placeholder_value() {
    case "$1 $#" in
    "tlsa 5") tlsa_data "$3" "$4" "$5" ;;
    "tlsa-prefix 6")
        local hex
        hex=$(tlsa_data "$4" "$5" "$6") || return 1
        [[ $2 =~ ^[1-9][0-9]*$ ]] || return 1
        echo "${hex:0:$((2 * $2))}"
        ;;
    "tlsa-wrong 1") tlsa_data 1 1 @unused ;;
    *)
        echo "unknown placeholder {{$*}}" >&2
        return 1
        ;;
    esac
}

# expand_template FILE: FILE with every {{...}} replaced, on stdout.
expand_template() {
    local line value
    while IFS= read -r line || [[ -n $line ]]; do
        while [[ $line =~ \{\{([^}]*)\}\} ]]; do
            # shellcheck disable=SC2086 # the placeholder's words are its arguments
            value=$(placeholder_value ${BASH_REMATCH[1]}) || {
                echo "$1: bad placeholder {{${BASH_REMATCH[1]}}}" >&2
                return 1
            }
            line=${line/"${BASH_REMATCH[0]}"/"$value"}
        done
        printf '%s\n' "$line"
    done <"$1"
}

# ---------------------------------------------------------------------------
# Zones and DNSSEC

# File-name label of a zone: "." -> root, else the zone name (no final dot).
zone_label() {
    if [[ $1 == . ]]; then echo root; else echo "$1"; fi
}
zone_file_name() { echo "$(zone_label "$1").zone"; }

# The "; lab-dnssec: MODE [ARGS]" line of a template (default: nsec).
template_dnssec_mode() {
    local mode
    mode=$(sed -n 's/^;[[:space:]]*lab-dnssec:[[:space:]]*//p;T;q' "$1")
    echo "${mode:-nsec}"
}

# write_zone ZONE NS_NAME OUTFILE [TEMPLATE]: TEMPLATE (default: the zone's
# file in lab/zones) with an $ORIGIN/$TTL/SOA/NS header.
write_zone() {
    local zone=$1 ns_name=$2 out=$3 origin rname
    local template=${4:-$ZONE_TEMPLATES/$(zone_file_name "$1")}
    origin=$zone
    [[ $origin == . ]] || origin="$zone."
    rname="hostmaster.${origin#.}"
    [[ $zone == . ]] && rname=hostmaster.root-servers.lab.
    {
        # shellcheck disable=SC2016 # literal zone-file directives
        printf '$ORIGIN %s\n$TTL 3600\n' "$origin"
        printf '@ IN SOA %s %s %s 3600 900 604800 300\n' "$ns_name" "$rname" "$SERIAL"
        printf '@ IN NS %s\n' "$ns_name"
        expand_template "$template"
    } >"$out"
}

# gen_key ZONE KEYDIR [-k]: prints the key base path.
gen_key() {
    local zone=$1 keydir=$2 base
    shift 2
    base=$(cd "$keydir" && ldns-keygen -a "$DNSSEC_ALG" "$@" "$zone")
    echo "$keydir/$base"
}

# sign_zone ZONE MODE [MODE ARGS...]: signs $ZONES_DIR/<zone>.zone into
# <zone>.zone.signed and writes the DS for the parent to $DS_DIR/<zone>.ds
# (nothing for unsigned zones). With RESIGN=1 it signs with the keys of the
# previous signing and leaves the DS alone (lab.sh republish).
sign_zone() {
    local zone=$1 mode=$2
    shift 2
    local file keydir ksk zsk ds_key label
    label=$(zone_label "$zone")
    file="$ZONES_DIR/$label.zone"
    keydir="$KEYS_DIR/$label"
    local -a opts=(-o "$zone" -f "$file.signed")
    local inception=$((NOW - 3600)) expiration=$((NOW + 30 * 86400))

    if [[ $mode == unsigned ]]; then
        cp "$file" "$file.signed"
        return 0
    fi
    mkdir -p "$keydir"
    if [[ ${RESIGN:-} == 1 ]]; then
        ksk=$(<"$keydir/ksk") && zsk=$(<"$keydir/zsk") || return 1
    else
        ksk=$(gen_key "$zone" "$keydir" -k)
        zsk=$(gen_key "$zone" "$keydir")
        printf '%s\n' "$ksk" >"$keydir/ksk"
        printf '%s\n' "$zsk" >"$keydir/zsk"
    fi
    ds_key=$ksk
    case $mode in
    nsec) ;;
    nsec3)
        opts+=(-n -t "${1:-0}")
        if [[ ${2:--} != - ]]; then opts+=(-s "$2"); fi
        ;;
    expired)
        # Valid DS in the parent, but every signature expired long ago.
        inception=$((NOW - 60 * 86400))
        expiration=$((NOW - 30 * 86400))
        ;;
    wrong-ds)
        # The parent gets the DS of a KSK that is never published.
        [[ ${RESIGN:-} == 1 ]] || ds_key=$(gen_key "$zone" "$keydir" -k)
        ;;
    *) die "unknown lab-dnssec mode '$mode' for zone $zone" ;;
    esac
    opts+=(-i "$inception" -e "$expiration")
    ldns-signzone "${opts[@]}" "$file" "$ksk" "$zsk"
    [[ ${RESIGN:-} == 1 ]] || ldns-key2ds -n -2 "$ds_key.key" >"$DS_DIR/$label.ds"
}

# build_leaf ZONE: one test-domain zone (run in parallel).
build_leaf() {
    local zone=$1 mode
    mode=$(template_dnssec_mode "$ZONE_TEMPLATES/$zone.zone")
    write_zone "$zone" "$HOSTING_NS_NAME" "$ZONES_DIR/$zone.zone"
    # shellcheck disable=SC2086 # mode carries its arguments
    sign_zone "$zone" $mode
}

build_zones() {
    ZONES_DIR="$LAB_DIR/zones"
    KEYS_DIR="$LAB_DIR/keys"
    DS_DIR="$LAB_DIR/ds"
    NOW=$(date +%s)
    SERIAL=$NOW
    rm -rf "$ZONES_DIR" "$KEYS_DIR" "$DS_DIR"
    mkdir -p "$ZONES_DIR" "$KEYS_DIR" "$DS_DIR"

    # Leaves: every lab/zones/*.co.nz.zone and the NZ_LEAF_ZONES, built and signed in parallel.
    LEAF_ZONES=()
    local tmpl zone pid failed=0
    for tmpl in "$ZONE_TEMPLATES"/*.co.nz.zone; do
        zone=$(basename "$tmpl" .zone)
        LEAF_ZONES+=("$zone")
    done
    LEAF_ZONES+=("${NZ_LEAF_ZONES[@]}")
    ((${#LEAF_ZONES[@]} > 0)) || die "no zone templates in $ZONE_TEMPLATES"
    local -a pids=()
    for zone in "${LEAF_ZONES[@]}"; do
        build_leaf "$zone" 2>"$LAB_DIR/sign-$zone.log" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    if ((failed)); then
        local f
        for f in "$LAB_DIR"/sign-*.log; do
            if [[ -s $f ]]; then printf '==> %s <==\n' "$f" >&2 && tail -n 5 "$f" >&2; fi
        done
        die "building/signing the test-domain zones failed"
    fi
    rm -f "$LAB_DIR"/sign-*.log

    # co.nz.: delegations (+ DS) for every leaf, then sign.
    write_zone co.nz "$TLD_NS_NAME" "$ZONES_DIR/co.nz.zone"
    {
        printf '\n; --- delegations added by lab.sh ---\n'
        for zone in "${LEAF_ZONES[@]}"; do
            [[ $zone == *.co.nz ]] || continue
            printf '%s. IN NS %s\n' "$zone" "$HOSTING_NS_NAME"
            if [[ -s $DS_DIR/$zone.ds ]]; then cat "$DS_DIR/$zone.ds"; fi
        done
    } >>"$ZONES_DIR/co.nz.zone"
    sign_zone co.nz "$(template_dnssec_mode "$ZONE_TEMPLATES/co.nz.zone")"

    # nz.: DS for co.nz., delegations (+ DS) for the NZ_LEAF_ZONES, then sign.
    write_zone nz "$TLD_NS_NAME" "$ZONES_DIR/nz.zone"
    {
        cat "$DS_DIR/co.nz.ds"
        for zone in "${NZ_LEAF_ZONES[@]}"; do
            printf '%s. IN NS %s\n' "$zone" "$HOSTING_NS_NAME"
            if [[ -s $DS_DIR/$zone.ds ]]; then cat "$DS_DIR/$zone.ds"; fi
        done
    } >>"$ZONES_DIR/nz.zone"
    sign_zone nz "$(template_dnssec_mode "$ZONE_TEMPLATES/nz.zone")"

    # Root: DS for nz., then sign; its KSK DS is the resolver's trust anchor.
    write_zone . "$ROOT_NS_NAME" "$ZONES_DIR/root.zone"
    cat "$DS_DIR/nz.ds" >>"$ZONES_DIR/root.zone"
    sign_zone . "$(template_dnssec_mode "$ZONE_TEMPLATES/root.zone")"
    cp "$DS_DIR/root.ds" "$LAB_DIR/root.key"

    printf '.\t3600000\tIN\tNS\t%s\n%s\t3600000\tIN\tA\t%s\n' \
        "$ROOT_NS_NAME" "$ROOT_NS_NAME" "$ROOT_ADDR" >"$LAB_DIR/root.hints"
}

# ---------------------------------------------------------------------------
# The spf server's zones ($SPF_ZONES_DIR/<zone>.zone): the zones that
# lab/zones/root.zone delegates to $SPF_NS_NAME (com., net., org., arpa.,
# xn--zckzah.: the TLDs of the RFC 7208 SPF test suite). Unsigned and delegated
# without DS, so they validate as insecure; TTL 0 and SOA minimum 0, so no
# recursor keeps an answer (positive or negative) from one load to the next.
# `start` serves them empty (SOA + NS); `spf-zones DIR` puts records in them
# and restarts the spf recursor (restart_spf_resolver).

# spf_zone_names: the zones root.zone delegates to the spf server, one a line.
spf_zone_names() {
    sed -e 's/;.*//' "$ZONE_TEMPLATES/root.zone" | awk -v ns="$SPF_NS_NAME" '
        toupper($2) == "NS" && tolower($3) == ns { name = tolower($1); sub(/\.$/, "", name); print name }'
}

# write_spf_zone ZONE SERIAL OUTFILE [RECORDS]: SOA + NS, then the records in
# file RECORDS (written relative to the zone's origin, or absolute).
write_spf_zone() {
    local zone=$1 serial=$2 out=$3 records=${4:-}
    {
        # shellcheck disable=SC2016 # literal zone-file directives
        printf '; Generated by lab/lab.sh: spf zone %s.\n$ORIGIN %s.\n$TTL 0\n' "$zone" "$zone"
        printf '@ IN SOA %s hostmaster.spf.lab. %s 3600 900 604800 0\n' "$SPF_NS_NAME" "$serial"
        printf '@ IN NS %s\n' "$SPF_NS_NAME"
        if [[ -n $records ]]; then
            printf '; --- records from %s ---\n' "$records"
            cat "$records"
            printf '\n'
        fi
    } >"$out"
}

init_spf_zones() {
    SPF_ZONES_DIR="$LAB_DIR/spf-zones"
    rm -rf "$SPF_ZONES_DIR"
    mkdir -p "$SPF_ZONES_DIR"
    mapfile -t SPF_ZONES < <(spf_zone_names)
    ((${#SPF_ZONES[@]} > 0)) || die "$ZONE_TEMPLATES/root.zone delegates no zone to $SPF_NS_NAME"
    local zone
    for zone in "${SPF_ZONES[@]}"; do
        write_spf_zone "$zone" "$SERIAL" "$SPF_ZONES_DIR/$zone.zone"
    done
    printf '%s\n' "${SPF_ZONES[@]}" >"$SPF_ZONES_DIR/zones"
    printf '%s\n' "$SERIAL" >"$SPF_ZONES_DIR/serial"
}

# ---------------------------------------------------------------------------
# Servers. One start_* function per server kind; each runs the server inside
# the namespace, with config, pid and log files under $LAB_DIR/<name>/ (SMTP
# and HTTPS: $LAB_DIR/{smtp,https}.{json,pid,log}, certificates from $LAB_DIR/pki).

# start_nsd NAME ADDRESS ZONE...: serves $ZONES_DIR/<zone>.zone.signed, or
# $NSD_ZONE_DIR/<zone>.zone when NSD_ZONE_DIR is set (the unsigned spf zones).
start_nsd() {
    local name=$1 addr=$2 zone file
    shift 2
    local dir="$LAB_DIR/nsd-$name"
    rm -rf "$dir"
    mkdir -p "$dir/xfr"
    {
        cat <<EOF
# Generated by lab/lab.sh: lab NSD "$name" on $addr
server:
    ip-address: $addr
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    server-count: 1
    reuseport: no
    identity: "lab-$name"
    hide-version: yes
    verbosity: 1
    zonesdir: "$ZONES_DIR"
    database: "$dir/nsd.db"
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir/xfr"
    pidfile: "$dir/nsd.pid"
    logfile: "$dir/nsd.log"

remote-control:
    control-enable: no
EOF
        for zone in "$@"; do
            file="$ZONES_DIR/$(zone_file_name "$zone").signed"
            [[ -n ${NSD_ZONE_DIR:-} ]] && file="$NSD_ZONE_DIR/$zone.zone"
            printf '\nzone:\n    name: "%s"\n    zonefile: "%s"\n' "$zone" "$file"
        done
    } >"$dir/nsd.conf"
    in_ns nsd -c "$dir/nsd.conf" </dev/null >>"$dir/nsd.log" 2>&1 ||
        start_failed "nsd $name failed to start"
}

# start_unbound DIR ADDRESS: a validating recursor on ADDRESS, state in $LAB_DIR/DIR.
start_unbound() {
    local dir="$LAB_DIR/$1" addr=$2
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/unbound.conf" <<EOF
# Generated by lab/lab.sh: lab validating recursor on $addr
server:
    interface: $addr
    port: 53
    do-ip4: yes
    do-ip6: no
    do-udp: yes
    do-tcp: yes
    num-threads: 1
    so-reuseport: no
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    use-syslog: no
    logfile: "$dir/unbound.log"
    log-time-ascii: yes
    log-servfail: yes
    verbosity: 1
    val-log-level: 2
    ede: yes
    # Keep asking the black-holed name server instead of answering SERVFAIL at once once it
    # is marked down, so timeout.co.nz times out the same way on every run.
    infra-keep-probing: yes
    # Forget a server's timeouts after a second: otherwise, for several seconds after any
    # audit of timeout.co.nz, unbound still has probes of the black-holed server in flight and
    # answers every new query for the zone SERVFAIL at once instead of timing out.
    infra-host-ttl: 1
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    # Unbound answers these reverse zones (private and documentation ranges, RFC 6303)
    # itself by default; in the lab they come from arpa. on the spf server, like any other.
    local-zone: "168.192.in-addr.arpa." nodefault
    local-zone: "2.0.192.in-addr.arpa." nodefault
    local-zone: "100.51.198.in-addr.arpa." nodefault
    local-zone: "113.0.203.in-addr.arpa." nodefault
    local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." nodefault
    root-hints: "$LAB_DIR/root.hints"
    trust-anchor-file: "$LAB_DIR/root.key"
    module-config: "validator iterator"

remote-control:
    control-enable: no
EOF
    in_ns unbound -c "$dir/unbound.conf" </dev/null >>"$dir/unbound.log" 2>&1 ||
        "${ON_TIMEOUT:-start_failed}" "unbound ($addr) failed to start"
}

start_blackhole() {
    local dir="$LAB_DIR/blackhole"
    rm -rf "$dir"
    mkdir -p "$dir"
    in_ns setsid python3 "$SCRIPT_DIR/blackhole.py" --address "$BLACKHOLE_ADDR" \
        --port 53 --pidfile "$dir/blackhole.pid" </dev/null >>"$dir/blackhole.log" 2>&1 &
}

# write_smtp_config: $LAB_DIR/smtp.json for lab/smtp_server.py, one listener
# per address of every "host" line in smtp-hosts.conf (except "refused").
# Also sets SMTP_IPV6 (the IPv6 addresses to put on lo).
write_smtp_config() {
    SMTP_CONFIG="$LAB_DIR/smtp.json"
    SMTP_IPV6=()
    local kind name addrs behaviour profile addr tls_min tls_max sep=
    {
        printf '{\n  "idle_timeout": 120,\n  "max_lifetime": 300,\n  "listeners": [\n'
        while read -r kind name addrs behaviour profile; do
            [[ $kind == host ]] || continue
            tls_min=TLSv1.2 tls_max=TLSv1.3
            [[ $behaviour == tls10-only ]] && tls_min=TLSv1 tls_max=TLSv1
            for addr in ${addrs//,/ }; do
                if [[ $addr == *:* ]]; then
                    # Never anything outside the lab's documentation prefix.
                    [[ $addr == 2001:db8:25:* ]] || die "$name: IPv6 address $addr not in 2001:db8:25::/64"
                    SMTP_IPV6+=("$addr")
                else
                    [[ $addr == 127.* ]] || die "$name: IPv4 address $addr not in 127.0.0.0/8"
                fi
                [[ $behaviour == refused ]] && continue
                printf '%s    {"address": "%s", "port": 25, "hostname": "%s", "behaviour": "%s",\n' \
                    "$sep" "$addr" "$name" "$behaviour"
                printf '     "chain": "%s", "key": "%s",\n' \
                    "$PKI_DIR/$name.chain.pem" "$PKI_DIR/$name.key"
                printf '     "tls_min": "%s", "tls_max": "%s"}' "$tls_min" "$tls_max"
                sep=$',\n'
            done
        done < <(host_table)
        printf '\n  ]\n}\n'
    } >"$SMTP_CONFIG"
}

# write_https_config: $LAB_DIR/https.json for lab/https_server.py, one listener
# per address of every line in https-hosts.conf, serving the policy file from
# lab/mta-sts/ named in column 5. Also sets HTTPS_IPV4 and HTTPS_IPV6.
write_https_config() {
    HTTPS_CONFIG="$LAB_DIR/https.json"
    HTTPS_IPV4=() HTTPS_IPV6=()
    local name addrs behaviour profile policy file addr sep=
    {
        printf '{\n  "handshake_timeout": 10,\n  "request_timeout": 10,\n  "max_lifetime": 300,\n'
        printf '  "listeners": [\n'
        while read -r name addrs behaviour profile policy; do
            file=null
            if [[ -n $policy ]]; then
                [[ $policy != */* && -f $MTA_STS_DIR/$policy ]] ||
                    die "$name: no policy file '$policy' in $MTA_STS_DIR"
                file="\"$MTA_STS_DIR/$policy\""
            elif [[ $behaviour != not-found ]]; then
                die "$name: behaviour '$behaviour' needs a policy file (column 5 of $HTTPS_HOSTS_FILE)"
            fi
            for addr in ${addrs//,/ }; do
                if [[ $addr == *:* ]]; then
                    # Never anything outside the lab's documentation prefix.
                    [[ $addr == 2001:db8:43:* ]] || die "$name: IPv6 address $addr not in 2001:db8:43::/64"
                    HTTPS_IPV6+=("$addr")
                else
                    [[ $addr == 127.* ]] || die "$name: IPv4 address $addr not in 127.0.0.0/8"
                    HTTPS_IPV4+=("$addr")
                fi
                printf '%s    {"address": "%s", "port": 443, "hostname": "%s", "behaviour": "%s",\n' \
                    "$sep" "$addr" "$name" "$behaviour"
                printf '     "chain": "%s", "key": "%s",\n' \
                    "$PKI_DIR/$name.chain.pem" "$PKI_DIR/$name.key"
                printf '     "policy": %s}' "$file"
                sep=$',\n'
            done
        done < <(https_table)
        printf '\n  ]\n}\n'
    } >"$HTTPS_CONFIG"
}

# add_lab_addresses: the IPv6 addresses of the SMTP and HTTPS listeners on lo,
# and the HTTPS hosts' IPv4 addresses too. The latter are local without that
# (all of 127/8 is), but glibc's getaddrinfo with AI_ADDRCONFIG, which many
# HTTP clients use (aiohttp, so postfix-mta-sts-resolver), returns no IPv4
# address at all while 127.0.0.1 is the only IPv4 address configured.
add_lab_addresses() {
    {
        if ((${#SMTP_IPV6[@]} + ${#HTTPS_IPV6[@]} > 0)); then
            printf 'address add %s/128 dev lo nodad\n' "${SMTP_IPV6[@]}" "${HTTPS_IPV6[@]}"
        fi
        if ((${#HTTPS_IPV4[@]} > 0)); then
            printf 'address add %s/32 dev lo\n' "${HTTPS_IPV4[@]}"
        fi
    } | in_ns ip -batch - || start_failed "adding the lab addresses to lo failed"
}

start_smtp() {
    rm -f "$LAB_DIR/smtp.pid" "$LAB_DIR/smtp.log"
    # The server logs one line per connection (and any error) to stderr.
    in_ns setsid python3 "$SCRIPT_DIR/smtp_server.py" --config "$SMTP_CONFIG" \
        --pidfile "$LAB_DIR/smtp.pid" </dev/null >>"$LAB_DIR/smtp.log" 2>&1 &
}

start_https() {
    rm -f "$LAB_DIR/https.pid" "$LAB_DIR/https.log"
    # The server logs one line per request (and any error) to stderr.
    in_ns setsid python3 "$SCRIPT_DIR/https_server.py" --config "$HTTPS_CONFIG" \
        --pidfile "$LAB_DIR/https.pid" </dev/null >>"$LAB_DIR/https.log" 2>&1 &
    HTTPS_JOB=$!
}

# ---------------------------------------------------------------------------
# Readiness

# dig_ok SERVER NAME TYPE [extra kdig options]: succeeds on a NOERROR answer.
dig_ok() {
    local server=$1 name=$2 type=$3
    shift 3
    local out
    out=$(in_ns kdig "@$server" +timeout=1 +retry=0 "$@" "$name" "$type" 2>/dev/null) || return 1
    grep -q 'status: NOERROR' <<<"$out"
}

# resolver_ready ADDRESS: the recursor returns a DNSSEC-validated (AD) answer for good.co.nz MX.
resolver_ready() {
    local out
    out=$(in_ns kdig "@$1" +timeout=2 +retry=0 +dnssec good.co.nz. MX 2>/dev/null) || return 1
    grep -q 'status: NOERROR' <<<"$out" && grep -Eq '^;; Flags:[^;]* ad[ ;]' <<<"$out"
}

# wait_for DESCRIPTION COMMAND...: poll until COMMAND succeeds or the deadline.
# wait_for WHAT CMD...: retries CMD until it succeeds or $DEADLINE passes;
# then $ON_TIMEOUT (default start_failed, which stops the lab).
wait_for() {
    local what=$1
    shift
    until "$@"; do
        ((SECONDS < DEADLINE)) || "${ON_TIMEOUT:-start_failed}" "timed out waiting for $what"
        sleep 0.05
    done
}

blackhole_ready() { [[ -s $LAB_DIR/blackhole/blackhole.pid ]]; }

# Every listener is bound (pid file) and the first normal host sends "220 ".
smtp_ready() {
    [[ -s $LAB_DIR/smtp.pid ]] || return 1
    # shellcheck disable=SC2016 # expanded by the inner bash
    in_ns timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/25" && IFS= read -r -t 1 line <&3 &&
        [[ $line == "220 "* ]] && printf "QUIT\r\n" >&3' _ "$SMTP_READY_ADDR" 2>/dev/null
}

# Every listener is bound (pid file) and the first normal host answers a GET of
# its policy with 200. A server that exits early (bad config) fails the start.
https_ready() {
    if [[ ! -s $LAB_DIR/https.pid ]]; then
        kill -0 "$HTTPS_JOB" 2>/dev/null || start_failed "the HTTPS server exited"
        return 1
    fi
    local out
    out=$(printf 'GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' \
        "$HTTPS_READY_HOST" | in_ns timeout 2 openssl s_client -quiet -connect "$HTTPS_READY_ADDR:443" \
        -servername "$HTTPS_READY_HOST" 2>/dev/null) || return 1
    [[ $out == "HTTP/1.1 200 "* ]]
}

start_failed() {
    log "error: $*"
    local f
    for f in "$LAB_DIR"/nsd-*/nsd.log "$LAB_DIR"/unbound*/unbound.log "$LAB_DIR/blackhole/blackhole.log" \
        "$LAB_DIR/smtp.log" "$LAB_DIR/https.log"; do
        [[ -f $f ]] || continue
        printf '==> %s <==\n' "$f" >&2
        tail -n 20 "$f" >&2
    done
    cmd_stop || true
    exit 1
}

# elapsed_ms START: milliseconds since START (an $EPOCHREALTIME value).
elapsed_ms() {
    local now=$EPOCHREALTIME
    echo $(((${now/./} - ${1/./}) / 1000))
}

write_env() {
    {
        printf '# MailCheck lab environment (generated by lab/lab.sh start)\n'
        printf 'LAB_NS=%q\n' "$LAB_NS"
        printf 'LAB_DIR=%q\n' "$LAB_DIR"
        printf 'LAB_RESOLVER=%q\n' "$RESOLVER_ADDR"
        printf 'LAB_TRUST_ANCHOR=%q\n' "$LAB_DIR/root.key"
        printf 'LAB_CA=%q\n' "$LAB_DIR/ca/ca.pem"
        printf 'LAB_PKI=%q\n' "$PKI_DIR"
        printf 'LAB_SMTP_CONFIG=%q\n' "$SMTP_CONFIG"
        printf 'LAB_HTTPS_CONFIG=%q\n' "$HTTPS_CONFIG"
        printf 'LAB_SPF_SERVER=%q\n' "$SPF_ADDR"
        printf 'LAB_SPF_RESOLVER=%q\n' "$SPF_RESOLVER_ADDR"
        printf 'LAB_SPF_ZONES=%s\n' "$(IFS=, && echo "${SPF_ZONES[*]}")" # [a-z0-9-] and commas
        printf 'LAB_BLACKHOLE_NS=%q\n' "$BLACKHOLE_NS_NAME"
        printf 'LAB_BLACKHOLE=%q\n' "$BLACKHOLE_ADDR"
    } >"$LAB_DIR/env"
}

cmd_start() {
    local t0=$EPOCHREALTIME
    command -v nsd >/dev/null || die "nsd not installed"
    cmd_stop
    mkdir -p "$LAB_DIR"
    LAB_DIR=$(cd "$LAB_DIR" && pwd)
    rm -f "$LAB_DIR/env"

    ensure_ca
    ensure_pki
    write_smtp_config
    write_https_config
    build_zones
    init_spf_zones
    create_namespace
    DEADLINE=$((SECONDS + READY_TIMEOUT))

    add_lab_addresses
    start_smtp
    start_https
    start_nsd root "$ROOT_ADDR" .
    start_nsd tld "$TLD_ADDR" nz co.nz
    start_nsd hosting "$HOSTING_ADDR" "${LEAF_ZONES[@]}"
    NSD_ZONE_DIR=$SPF_ZONES_DIR start_nsd spf "$SPF_ADDR" "${SPF_ZONES[@]}"
    start_blackhole
    wait_for "root NSD" dig_ok "$ROOT_ADDR" . SOA +norec
    wait_for "TLD NSD" dig_ok "$TLD_ADDR" co.nz. SOA +norec
    wait_for "hosting NSD" dig_ok "$HOSTING_ADDR" good.co.nz. SOA +norec
    wait_for "spf NSD" dig_ok "$SPF_ADDR" "${SPF_ZONES[0]}." SOA +norec
    wait_for "blackhole" blackhole_ready
    start_unbound unbound "$RESOLVER_ADDR"
    start_unbound unbound-spf "$SPF_RESOLVER_ADDR"
    use_lab_resolver
    wait_for "a validated answer for good.co.nz MX" resolver_ready "$RESOLVER_ADDR"
    wait_for "a validated answer from the spf recursor" resolver_ready "$SPF_RESOLVER_ADDR"
    wait_for "the SMTP banner of $SMTP_READY_ADDR:25" smtp_ready
    wait_for "a policy from $HTTPS_READY_HOST ($HTTPS_READY_ADDR:443)" https_ready

    write_env
    log "running in namespace $LAB_NS (ready after $(elapsed_ms "$t0") ms); env: $LAB_DIR/env"
}

# ---------------------------------------------------------------------------
# Changes to a running lab (for tests of changes over time, e.g. key rollovers)

# lab_state: the state variables of the running lab (set by cmd_start).
lab_state() {
    ns_exists || die "lab not running (no namespace $LAB_NS); run '$0 start'"
    LAB_DIR=$(cd "$LAB_DIR" && pwd)
    ZONES_DIR="$LAB_DIR/zones"
    KEYS_DIR="$LAB_DIR/keys"
    DS_DIR="$LAB_DIR/ds"
    PKI_DIR="$LAB_DIR/pki"
    SMTP_CONFIG="$LAB_DIR/smtp.json"
    HTTPS_CONFIG="$LAB_DIR/https.json"
    DEADLINE=$((SECONDS + READY_TIMEOUT))
    ON_TIMEOUT=die
}

# serial_is ZONE SERIAL: the hosting server answers ZONE's SOA with SERIAL.
serial_is() {
    local soa
    soa=$(in_ns kdig +short +norec +time=1 +retry=0 @"$HOSTING_ADDR" "$1." SOA 2>/dev/null) || return 1
    [[ $(awk '{print $3}' <<<"$soa") == "$2" ]]
}

cmd_republish() {
    (($# == 2)) || usage
    local zone=${1%.} template=$2 mode old
    lab_state
    [[ -f $template ]] || die "no zone template '$template'"
    [[ -f $ZONES_DIR/$zone.zone && -f $KEYS_DIR/$zone/ksk ]] ||
        die "'$zone' is not a signed lab test-domain zone"
    # Serial: above the served one and the clock (NSD only loads a newer zone).
    old=$(awk '$3 == "SOA" { print $6; exit }' "$ZONES_DIR/$zone.zone")
    NOW=$(date +%s)
    SERIAL=$((old >= NOW ? old + 1 : NOW))
    mode=$(template_dnssec_mode "$template")
    [[ $mode == unsigned ]] && die "republish is for signed zones ($template is unsigned)"
    write_zone "$zone" "$HOSTING_NS_NAME" "$ZONES_DIR/$zone.zone" "$template" ||
        die "expanding $template failed"
    # shellcheck disable=SC2086 # mode carries its arguments
    RESIGN=1 sign_zone "$zone" $mode >/dev/null || die "re-signing $zone failed"
    # NSD re-reads changed zone files on SIGHUP.
    kill -HUP "$(<"$LAB_DIR/nsd-hosting/nsd.pid")" || die "no hosting NSD to reload"
    wait_for "NSD to serve $zone serial $SERIAL" serial_is "$zone" "$SERIAL"
    log "republished $zone (serial $SERIAL)"
}

# served_fingerprint ADDR HOST: SHA-256 fingerprint of the certificate ADDR:25
# presents after STARTTLS.
served_fingerprint() {
    in_ns timeout 5 openssl s_client -connect "$1:25" -starttls smtp -servername "$2" \
        </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null
}

# serving_cert ADDR HOST FINGERPRINT
serving_cert() { [[ $(served_fingerprint "$1" "$2") == "$3" ]]; }

cmd_serve_cert() {
    (($# == 2)) || usage
    local host=${1%.} cert=$2 addrs want addr
    lab_state
    [[ -s $PKI_DIR/$cert.chain.pem && -s $PKI_DIR/$cert.key ]] ||
        die "no certificate '$cert' in $PKI_DIR (see lab/smtp-hosts.conf)"
    addrs=$(python3 - "$SMTP_CONFIG" "$host" "$PKI_DIR/$cert.chain.pem" "$PKI_DIR/$cert.key" <<'EOF'
import json, os, sys
path, host, chain, key = sys.argv[1:]
with open(path, encoding="utf-8") as f:
    config = json.load(f)
hits = [l for l in config["listeners"] if l["hostname"] == host]
for l in hits:
    l["chain"], l["key"] = chain, key
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(config, f, indent=2)
os.replace(path + ".tmp", path)
print(" ".join(l["address"] for l in hits))
EOF
    ) || die "updating $SMTP_CONFIG failed"
    [[ -n $addrs ]] || die "no SMTP listener for host '$host'"
    kill -HUP "$(<"$LAB_DIR/smtp.pid")" || die "no lab SMTP server to reload"
    want=$(openssl x509 -noout -fingerprint -sha256 -in "$PKI_DIR/$cert.pem")
    for addr in $addrs; do
        wait_for "$addr:25 to present $cert" serving_cert "$addr" "$host" "$want"
    done
    log "$host now presents $cert"
}

# spf_serial_is SERIAL: the spf server answers every zone's SOA with SERIAL.
spf_serial_is() {
    local -a queries=()
    local zone out
    for zone in "${SPF_ZONES[@]}"; do
        queries+=("$zone." SOA)
    done
    out=$(in_ns kdig +short +norec +time=1 +retry=0 @"$SPF_ADDR" "${queries[@]}" 2>/dev/null) || return 1
    [[ $(awk -v s="$1" '$3 == s { n++ } END { print n + 0 }' <<<"$out") == "${#SPF_ZONES[@]}" ]]
}

# pid_alive PID: PID exists and is not a zombie (its reaper may take its time).
pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# restart_spf_resolver: a fresh spf recursor. Unbound keeps working on a query
# whose server never answers long after its client gave up (12-20 s and more
# for a name delegated to the blackhole), hands that query's late SERVFAIL to
# any client asking the same question meanwhile, and then caches the SERVFAIL
# for 5 s. The SPF suite has names that time out in one scenario and exist in
# the next, so every load starts with a recursor that remembers nothing. The
# main recursor is left alone: other tests may be using it.
restart_spf_resolver() {
    local dir="$LAB_DIR/unbound-spf" pid
    if [[ -s $dir/unbound.pid ]]; then
        pid=$(<"$dir/unbound.pid")
        # SIGKILL: nothing to save, and Unbound takes a second or two over SIGTERM.
        kill -KILL "$pid" 2>/dev/null || true
        while pid_alive "$pid"; do
            ((SECONDS < DEADLINE)) || die "the spf recursor (pid $pid) does not stop"
            sleep 0.02
        done
    fi
    start_unbound unbound-spf "$SPF_RESOLVER_ADDR"
    wait_for "a validated answer from the spf recursor" resolver_ready "$SPF_RESOLVER_ADDR"
}

cmd_spf_zones() {
    (($# <= 1)) || usage
    local dir=${1:-} file zone old serial tmp
    lab_state
    SPF_ZONES_DIR="$LAB_DIR/spf-zones"
    [[ -s $SPF_ZONES_DIR/zones && -s $LAB_DIR/nsd-spf/nsd.pid ]] ||
        die "the running lab has no spf server; restart it with '$0 start'"
    mapfile -t SPF_ZONES <"$SPF_ZONES_DIR/zones"
    if [[ -n $dir ]]; then
        [[ -d $dir ]] || die "no directory '$dir'"
        for file in "$dir"/*.zone; do
            [[ -e $file ]] || continue
            zone=$(basename "$file" .zone)
            [[ " ${SPF_ZONES[*]} " == *" $zone "* ]] ||
                die "$file: the spf server does not serve '$zone.' (it serves: ${SPF_ZONES[*]})"
        done
    fi
    old=$(<"$SPF_ZONES_DIR/serial")
    NOW=$(date +%s)
    serial=$((old >= NOW ? old + 1 : NOW))
    # Check every new zone before replacing any, so a bad file leaves the old ones served.
    tmp=$(mktemp -d "$SPF_ZONES_DIR/new.XXXXXX")
    for zone in "${SPF_ZONES[@]}"; do
        file=
        [[ -n $dir && -f $dir/$zone.zone ]] && file="$dir/$zone.zone"
        write_spf_zone "$zone" "$serial" "$tmp/$zone.zone" "$file"
        nsd-checkzone "$zone" "$tmp/$zone.zone" >"$tmp/check.log" 2>&1 || {
            cat "$tmp/check.log" >&2
            rm -rf "$tmp"
            die "zone $zone. from ${file:-(empty)} does not load"
        }
    done
    for zone in "${SPF_ZONES[@]}"; do
        mv -f "$tmp/$zone.zone" "$SPF_ZONES_DIR/$zone.zone"
    done
    rm -rf "$tmp"
    printf '%s\n' "$serial" >"$SPF_ZONES_DIR/serial"
    # NSD re-reads changed zone files on SIGHUP.
    kill -HUP "$(<"$LAB_DIR/nsd-spf/nsd.pid")" || die "no spf NSD to reload"
    wait_for "the spf NSD to serve serial $serial" spf_serial_is "$serial"
    restart_spf_resolver
    log "spf zones loaded from ${dir:-(none: empty zones)} (serial $serial); spf recursor restarted"
}

cmd_status() {
    if ns_exists; then
        local n
        n=$(ip netns pids "$LAB_NS" 2>/dev/null | wc -l)
        echo "lab running: namespace $LAB_NS, $n processes, state $LAB_DIR"
        return 0
    fi
    echo "lab not running (no namespace $LAB_NS)"
    return 1
}

cmd_exec() {
    (($# > 0)) || usage
    ns_exists || die "lab not running (no namespace $LAB_NS); run '$0 start'"
    if [[ -f $LAB_DIR/env ]]; then
        set -a
        # shellcheck source=/dev/null
        . "$LAB_DIR/env"
        set +a
    fi
    exec ip netns exec "$LAB_NS" "$@"
}

main() {
    (($# > 0)) || usage
    local cmd=$1
    shift
    case $cmd in
    start | stop | status | exec | republish | serve-cert | spf-zones) ;;
    *) usage ;;
    esac
    ((EUID == 0)) || die "must run as root (needs ip netns)"
    "cmd_${cmd//-/_}" "$@"
}

main "$@"
