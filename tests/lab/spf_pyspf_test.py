#!/usr/bin/env python3
"""spf_pyspf_test.py - `mailcheck spf` against pyspf (Debian's python3-spf) on the lab's own
domains: every spf-*, dmarc-*, dkim-* zone and a few others, each evaluated for a set of client
addresses (inside and outside what the records authorise, IPv4 and IPv6), both tools resolving
through the same lab recursor. Every result must agree; an explained exception would be listed in
KNOWN (none is needed today)."""
import concurrent.futures
import glob
import json
import os
import subprocess
import unittest
import warnings

import labenv

labenv.system_python_modules("spf")
import spf  # noqa: E402


ARGS = None
ZONES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab", "zones")
EXTRA_DOMAINS = ["good.co.nz", "nullmx.co.nz", "bogus.co.nz", "sub.dmarc-reject.co.nz"]
ADDRESSES = ["127.25.9.1", "127.25.9.2", "192.0.2.1", "192.0.2.77", "203.0.113.5", "198.51.5.1",
             "2001:db8:5::1", "2001:db8:25::1"]
KNOWN = {}  # (domain, address) -> why the two tools may differ


def lab_domains():
    names = [os.path.basename(p)[:-len(".zone")] for p in glob.glob(os.path.join(ZONES, "*.zone"))]
    prefixes = ("spf-", "dmarc-", "dkim-", "tlsrpt-", "bimi-")
    return sorted(n for n in names if n.startswith(prefixes)) + EXTRA_DOMAINS


class SpfAgainstPyspf(unittest.TestCase):
    def test_lab_domains_agree(self):
        env = labenv.lab_env(ARGS.lab_dir)
        labenv.pyspf_use_resolver(spf, env["LAB_RESOLVER"])
        cases = [(d, a) for d in lab_domains() for a in ADDRESSES]

        def run_mailcheck(case):
            domain, address = case
            p = subprocess.run(
                [ARGS.mailcheck, "spf", "--ip", address, "--sender", f"postmaster@{domain}",
                 "--helo", f"mx.{domain}", "--format", "json", "--resolver", env["LAB_RESOLVER"],
                 "--trust-anchor", env["LAB_TRUST_ANCHOR"], "--timeout", "20"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            out = json.loads(p.stdout)
            return out["result"], out["reason"]

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            ours = list(pool.map(run_mailcheck, cases))
        disagreements = []
        counts = {}
        for (domain, address), (mine, why) in zip(cases, ours):
            with warnings.catch_warnings():  # pyspf 2.0.14 calls dnspython's deprecated query()
                warnings.simplefilter("ignore", DeprecationWarning)
                theirs, _code, _exp = spf.query(i=address, s=f"postmaster@{domain}",
                                                h=f"mx.{domain}", timeout=20).check()
            counts[mine] = counts.get(mine, 0) + 1
            if mine != theirs and (domain, address) not in KNOWN:
                disagreements.append(
                    f"{domain} {address}: mailcheck {mine} ({why}), pyspf {theirs}")
        print(f"\n{len(cases)} evaluations ({len(lab_domains())} domains x {len(ADDRESSES)} "
              f"addresses), results {dict(sorted(counts.items()))}; "
              f"{len(disagreements)} disagreement(s)")
        for line in disagreements:
            print("  " + line)
        self.assertEqual(disagreements, [])
        # The comparison means something only if the lab exercises every kind of result.
        for result in ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"):
            self.assertIn(result, counts, f"no lab case gives {result}")


if __name__ == "__main__":
    labenv.main(globals())
