#!/usr/bin/env python3
"""rollover_e2e_test.py - a complete DANE key rollover, end to end, in the lab.

rollover.co.nz starts with its mail host on key A (the host's certificate) and one TLSA record,
3 1 1(A), with a 5-second TTL. The test walks the rollover of docs/rollover.md, changing the real
zone (lab.sh republish: re-signed, reloaded into NSD) and the real server (lab.sh serve-cert):

  1. publish 3 1 1(B) next to 3 1 1(A); `rollover check --cert B` refuses until the RRset's TTL
     has passed since the record was first seen, then accepts;
  2. deploy B on the server;
  3. retire 3 1 1(A); `rollover check --cert A` now refuses.

`mailcheck check` must find DANE authenticating the host at every step. As a control, deploying
B before its record is published must make the same audit fail.
"""
import json
import os
import subprocess
import tempfile
import time
import unittest

import labenv

ARGS = None
ZONE = "rollover.co.nz"
HOST = f"mx.{ZONE}"
KEY_A = HOST  # lab/smtp-hosts.conf: the host's own certificate
KEY_B = "next-rollover"
TTL = 5  # lab/zones/rollover.co.nz.zone
LAB_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab", "lab.sh")
HEADER = "@ MX 10 mx\nmx A 127.25.1.19\n"


def tlsa_line(cert):
    return f"_25._tcp.mx {TTL} TLSA 3 1 1 {{{{tlsa 3 1 1 {cert}}}}}\n"


class RolloverEndToEnd(unittest.TestCase):
    def setUp(self):
        self.env = labenv.lab_env(ARGS.lab_dir)
        self.tmp = tempfile.TemporaryDirectory()
        # The renewal hook's state file (first-seen times); polling uses its own, so that the
        # hook's first look at a new record is its own.
        self.state = os.path.join(self.tmp.name, "seen.json")
        self.poll_state = os.path.join(self.tmp.name, "poll.json")
        self.dns = ["--resolver", self.env["LAB_RESOLVER"], "--trust-anchor",
                    self.env["LAB_TRUST_ANCHOR"]]
        self.pki = os.path.join(ARGS.lab_dir, "pki")
        self.start_state()

    def tearDown(self):
        self.start_state()  # leave the lab as lab.sh start made it
        self.tmp.cleanup()

    def start_state(self):
        """Key A on the server, 3 1 1(A) alone in the zone (as lab/zones/rollover.co.nz.zone)."""
        self.lab("serve-cert", HOST, KEY_A)
        self.publish(KEY_A)

    # -- the lab's moving parts ---------------------------------------------------------------
    def lab(self, *args):
        p = subprocess.run([LAB_SH, *args], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, f"lab.sh {' '.join(args)}: {p.stderr}")

    def publish(self, *certs):
        """Re-publish the zone with one 3 1 1 record per certificate name."""
        path = os.path.join(self.tmp.name, "rollover.zone")
        with open(path, "w") as f:
            f.write(HEADER + "".join(tlsa_line(c) for c in certs))
        self.lab("republish", ZONE, path)

    # -- mailcheck ----------------------------------------------------------------------------
    def run_mc(self, *args):
        return subprocess.run([ARGS.mailcheck, *args], capture_output=True, text=True, timeout=60)

    def status(self):
        p = self.run_mc("rollover", "status", "--host", HOST, "--format", "json", "--state",
                        self.poll_state, *self.dns)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def wait_for_records(self, n):
        """Poll until the validating resolver's cache has let go of the old RRset (<= TTL)."""
        deadline = time.time() + 6 * TTL
        while True:
            s = self.status()
            if len(s["records"]) == n:
                return s
            self.assertLess(time.time(), deadline, f"still {len(s['records'])} records: {s}")
            time.sleep(0.5)

    def check_cert(self, cert):
        return self.run_mc("rollover", "check", "--host", HOST, "--cert",
                           os.path.join(self.pki, f"{cert}.pem"), "--state", self.state, *self.dns)

    def audit(self):
        p = self.run_mc("check", ZONE, "--format", "json", "--ca-file", self.env["LAB_CA"],
                        *self.dns)
        return p.returncode, json.loads(p.stdout)

    def assert_dane_authenticates(self, step, expect_status):
        rc, report = self.audit()
        dane = report["checks"]["dane"]
        addrs = [a for h in dane["hosts"] for a in h["addresses"]]
        self.assertTrue(addrs, step)
        for a in addrs:
            self.assertTrue(a["authenticated"], f"{step}: {a}")
        self.assertEqual(dane["status"], expect_status, f"{step}: {dane['summary']}")
        self.assertEqual(report["checks"]["starttls"]["status"], "pass", step)
        self.assertEqual(rc, 0, step)
        return report

    # -- the walkthrough ----------------------------------------------------------------------
    def test_key_rollover(self):
        # 0. Key A live, 3 1 1(A) alone: authenticated (pass), and not ready for a rollover.
        s = self.wait_for_records(1)
        self.assertEqual(s["ttl"], TTL)
        self.assertTrue(s["records"][0]["matches_live_chain"])
        report = self.assert_dane_authenticates("key A only", "pass")
        self.assertIn("dane.rollover_single", [f["id"] for f in report["findings"]])
        self.assertEqual(report["checks"]["dane"]["rollover"]["status"], "not_ready")
        p = self.check_cert(KEY_B)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("no published TLSA record matches", p.stderr)

        # Control: deploying B now, before its record is published, breaks DANE delivery.
        self.lab("serve-cert", HOST, KEY_B)
        rc, report = self.audit()
        self.assertEqual(report["checks"]["dane"]["status"], "fail")
        self.assertEqual(rc, 1)
        self.lab("serve-cert", HOST, KEY_A)
        self.assert_dane_authenticates("key A restored", "pass")

        # 1. Publish 3 1 1(B) beside 3 1 1(A). check refuses until the TTL has passed.
        self.publish(KEY_A, KEY_B)
        self.wait_for_records(2)
        report = self.assert_dane_authenticates("A and B published", "pass")
        self.assertEqual(report["checks"]["dane"]["rollover"]["status"], "ready")
        p = self.check_cert(KEY_B)  # the hook sees B's record for the first time
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("UNSAFE", p.stderr)
        self.assertIn("s more", p.stderr)
        with open(self.state) as f:
            first_seen = max(t for records in json.load(f).values() for t in records.values())
        time.sleep(max(0.0, first_seen + TTL + 1 - time.time()))
        p = self.check_cert(KEY_B)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("SAFE", p.stdout)

        # 2. Deploy B. Both records are still published; B's is now the one in use.
        self.lab("serve-cert", HOST, KEY_B)
        s = self.status()
        live = [r["record"] for r in s["records"] if r["matches_live_chain"]]
        self.assertEqual(len(live), 1)
        self.assertIn(live[0], tlsa_of(self, KEY_B))
        self.assert_dane_authenticates("B deployed, A not yet retired", "pass")

        # 3. Retire 3 1 1(A) (after a TTL, so no cache still holds only A's record).
        self.publish(KEY_B)
        s = self.wait_for_records(1)
        self.assertTrue(s["records"][0]["matches_live_chain"])
        report = self.assert_dane_authenticates("A retired", "pass")
        self.assertEqual(report["checks"]["dane"]["rollover"]["status"], "not_ready")
        p = self.check_cert(KEY_A)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)


def tlsa_of(test, cert):
    """The 3 1 1 record of a lab certificate, as mailcheck tlsa prints its data."""
    p = test.run_mc("tlsa", os.path.join(test.pki, f"{cert}.pem"), "--name", HOST)
    test.assertEqual(p.returncode, 0, p.stderr)
    return " ".join(p.stdout.split()[-4:])


if __name__ == "__main__":
    labenv.main(globals())
