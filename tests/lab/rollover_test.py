#!/usr/bin/env python3
"""rollover_test.py - `mailcheck rollover` against the lab's dane-ok.co.nz, which publishes the
current key (3 1 1) and a pre-published next key (3 1 1 of next-dane-ok)."""
import json
import os
import stat
import subprocess
import tempfile
import time
import unittest

import labenv

ARGS = None
HOST = "mx.dane-ok.co.nz"


class Rollover(unittest.TestCase):
    def setUp(self):
        self.env = labenv.lab_env(ARGS.lab_dir)
        self.tmp = tempfile.TemporaryDirectory()
        self.state = os.path.join(self.tmp.name, "seen.json")
        self.common = ["--resolver", self.env["LAB_RESOLVER"], "--trust-anchor",
                       self.env["LAB_TRUST_ANCHOR"], "--state", self.state]
        self.pki = os.path.join(ARGS.lab_dir, "pki")

    def tearDown(self):
        self.tmp.cleanup()

    def run_mc(self, *args):
        return subprocess.run([ARGS.mailcheck, *args], capture_output=True, text=True, timeout=60)

    def check(self, cert, *extra):
        return self.run_mc("rollover", "check", "--host", HOST, "--cert",
                           os.path.join(self.pki, cert), *self.common, *extra)

    def test_status_sees_current_and_next(self):
        p = self.run_mc("rollover", "status", "--host", HOST, "--format", "json", *self.common)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = json.loads(p.stdout)
        self.assertEqual(s["tlsa_state"], "usable")
        self.assertEqual(s["ttl"], 3600)  # the zone's TTL (RRSIG), not a cache's countdown
        self.assertEqual(sorted(r["matches_live_chain"] for r in s["records"]), [False, True])
        self.assertTrue(s["rollover_ready"])
        self.assertTrue(os.path.exists(self.state))  # first-seen times recorded

    def test_new_record_must_outlive_the_ttl(self):
        p = self.check("next-dane-ok.pem")  # published, but first seen just now
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("UNSAFE", p.stderr)
        self.assertIn("3600 s more", p.stderr)

    def test_published_long_enough_is_safe(self):
        p = self.check("next-dane-ok.pem", "--published-at", str(int(time.time()) - 7200))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("SAFE", p.stdout)

    def test_first_seen_by_an_earlier_run_counts(self):
        self.assertEqual(self.check("next-dane-ok.pem").returncode, 1)
        with open(self.state) as f:
            seen = json.load(f)
        for records in seen.values():  # as if that earlier run had been two hours ago
            for k in records:
                records[k] -= 7200
        with open(self.state, "w") as f:
            json.dump(seen, f)
        self.assertEqual(self.check("next-dane-ok.pem").returncode, 0)

    def test_unpublished_certificate_is_refused_with_records_to_publish(self):
        p = self.check("mx.dane-single.co.nz.chain.pem")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no published TLSA record matches", p.stderr)
        self.assertIn(f"publish: _25._tcp.{HOST}. 3600 IN TLSA 3 1 1 ", p.stderr)
        self.assertIn(f"publish: _25._tcp.{HOST}. 3600 IN TLSA 2 1 1 ", p.stderr)

    def test_current_certificate_is_safe(self):
        p = self.check(f"{HOST}.pem", "--published-at", "2000-01-01T00:00:00Z")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_next_key(self):
        key = os.path.join(self.tmp.name, "next.key")
        p = self.run_mc("rollover", "next-key", "--out", key, "--name", HOST)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        tlsa = self.run_mc("tlsa", key, "--name", HOST)
        self.assertEqual(p.stdout.splitlines()[0], tlsa.stdout.strip())
        again = self.run_mc("rollover", "next-key", "--out", key, "--name", HOST)
        self.assertEqual(again.returncode, 2)  # never overwrites a key
        self.assertIn("must not exist", again.stderr)

    def test_plan_prints_the_steps_and_records(self):
        p = self.run_mc("rollover", "plan", "--host", HOST, "--current",
                        os.path.join(self.pki, f"{HOST}.pem"), "--next",
                        os.path.join(self.pki, "next-dane-ok.key"), *self.common)
        self.assertEqual(p.returncode, 0, p.stderr)
        tlsa_next = self.run_mc("tlsa", os.path.join(self.pki, "next-dane-ok.key"), "--name",
                                HOST).stdout.split()[-1]
        self.assertIn(f"IN TLSA 3 1 1 {tlsa_next}", p.stdout)
        self.assertIn("(already published)", p.stdout)  # dane-ok pre-publishes the next key
        self.assertIn("Wait at least 3600 s", p.stdout)
        self.assertIn("5. Retire the old record", p.stdout)

    def test_bad_input(self):
        p = self.run_mc("rollover", "check", "--host", HOST, "--cert", "/nonexistent.pem",
                        *self.common)
        self.assertEqual(p.returncode, 2)
        p = self.check(f"{HOST}.pem", "--published-at", "yesterday")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--published-at", p.stderr)


if __name__ == "__main__":
    labenv.main(globals())
