#!/usr/bin/env python3
"""posttls_finger_test.py - cross-check mailcheck's DANE verdicts with Postfix's posttls-finger.

For every DANE lab domain, run both against the same lab (inside its network namespace, where
/etc/resolv.conf points at the lab's validating recursor) and compare the verdict for the first
MX host. posttls-finger -l dane is the reference DANE SMTP client (RFC 7672 as Postfix
implements it). Its output is mapped to our verdicts:

  "Verified TLS connection established"            -> deliver_authenticated
  "server certificate verification failed"         -> defer (DANE said no; Postfix's smtp(8)
                                                      at level dane defers such mail)
  "unsupported TLSA ..." / "malformed TLSA ..."    -> deliver_encrypted_unauthenticated when no
   and then an unauthenticated TLS connection          record is left (RFC 7672 §2.2 (b))
  another TLS connection established               -> deliver_without_dane
  "Destination address lookup failed"              -> defer (the MX lookup itself failed)
  "TLSA lookup error"                              -> defer (RFC 7672 §2.2 (d))
  "MX RRset insecure" + "Matched DANE" + "Trusted   -> deliver_authenticated_host_only: DANE
   TLS connection"                                     authenticates the host but not the MX
                                                       step (§2.2.1; mailcheck: insecure_mx)
  no TLS session at all                            -> no_tls

Documented difference: with usable TLSA but no STARTTLS, posttls-finger only shows the cleartext
session and QUITs (it is a probe, not a sender); Postfix's smtp(8) at security level dane treats
TLS as mandatory and defers (RFC 7672 §2.2 (a)), which is mailcheck's verdict. That pair
(defer, no_tls) is accepted and named in the output.
"""
import json
import os
import subprocess
import tempfile
import unittest

import labenv

ARGS = None
DOMAINS = [
    "dane-ok.co.nz", "dane-single.co.nz", "dane-mismatch.co.nz", "dane-stale.co.nz",
    "dane-expired.co.nz", "dane-ta.co.nz", "dane-ta-badname.co.nz", "dane-unusable.co.nz",
    "dane-malformed.co.nz", "dane-unsigned.co.nz", "dane-bogus.co.nz", "dane-nostarttls.co.nz",
    "dane-mixed.co.nz", "dane-301.co.nz", "dane-312.co.nz", "dane-ipv6.co.nz",
    "dane-multi-addr.co.nz", "dane-cname.co.nz", "dane-tlsa-bogus.co.nz", "smtp-ok.co.nz",
    "dane-tlsa-servfail.co.nz", "dane-ta-domain.co.nz", "dane-insecure-mx.co.nz",
    "mx-bogus-host.co.nz",
]
# Pairs (mailcheck, posttls-finger) that mean the same thing; see the module docstring.
EQUIVALENT = {("defer", "no_tls"): "posttls-finger does not enforce TLS; smtp(8) at level dane defers"}


def lab_env():
    return labenv.lab_env(ARGS.lab_dir)


def mailcheck_verdict(domain):
    env = lab_env()
    p = subprocess.run([ARGS.mailcheck, "check", domain, "--format", "json", "--resolver",
                        env["LAB_RESOLVER"], "--trust-anchor", env["LAB_TRUST_ANCHOR"],
                        "--smtp-timeout", "5"], capture_output=True, text=True, timeout=120)
    report = json.loads(p.stdout)
    dane = report["checks"]["dane"]
    if any(f["id"] == "dane.mx_bogus" for f in report["findings"]):
        return "defer"
    host = dane["hosts"][0]
    if host["insecure_mx"] and host["verdict"] == "deliver_authenticated":
        return "deliver_authenticated_host_only"
    return host["verdict"]


def finger_verdict(domain, config_dir):
    p = subprocess.run(["posttls-finger", "-c", "-l", "dane", "-t", "5", "-T", "10", domain],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "MAIL_CONFIG": config_dir})
    out = p.stdout + p.stderr
    if "Destination address lookup failed" in out or "TLSA lookup error" in out:
        return "defer", out
    if ("MX RRset insecure" in out and "Matched DANE" in out
            and "Trusted TLS connection established" in out):
        return "deliver_authenticated_host_only", out
    if "Verified TLS connection established" in out:
        return "deliver_authenticated", out
    if "server certificate verification failed" in out:
        return "defer", out
    if "TLS connection established" in out:
        if "unsupported TLSA" in out or "malformed TLSA" in out:
            return "deliver_encrypted_unauthenticated", out
        return "deliver_without_dane", out
    return "no_tls", out


class PosttlsFinger(unittest.TestCase):
    def test_verdicts_agree(self):
        with tempfile.TemporaryDirectory() as config_dir:
            open(os.path.join(config_dir, "main.cf"), "w").close()  # defaults only
            rows = []
            for domain in DOMAINS:
                ours = mailcheck_verdict(domain)
                theirs, out = finger_verdict(domain, config_dir)
                note = "agree" if ours == theirs else EQUIVALENT.get((ours, theirs))
                rows.append((domain, ours, theirs, note))
                with self.subTest(domain=domain):
                    self.assertIsNotNone(note, f"{domain}: mailcheck {ours}, posttls-finger "
                                               f"{theirs}\n{out}")
            for domain, ours, theirs, note in rows:
                print(f"{domain:<24} mailcheck={ours:<34} posttls-finger={theirs:<34} {note}")


if __name__ == "__main__":
    labenv.main(globals())
