#!/usr/bin/env python3
"""scan_test.py - `mailcheck scan` inside the lab: a list of lab domains audited into a real
SQLite database, then status and export; a scanner killed with SIGKILL mid-run and resumed loses
no domain and records none twice; bad lists and options get one-line errors and exit code 2.

Run by ctest inside the lab's network namespace (lab/lab.sh exec)."""
import csv
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

import labenv

ARGS = None
DOMAINS = ["good.co.nz", "dane-ok.co.nz", "bogus.co.nz", "nullmx.co.nz", "spf-multiple.co.nz",
           "sts-enforce.co.nz", "xn--mller-kva.co.nz", "dmarc-reject.co.nz"]


def audit_args():
    env = labenv.lab_env(ARGS.lab_dir)
    return ["--resolver", env["LAB_RESOLVER"], "--trust-anchor", env["LAB_TRUST_ANCHOR"],
            "--ca-file", env["LAB_CA"], "--timeout", "20", "--ehlo-name", "scanner.lab.test",
            "--allow-private", "--retry-after", "1"]


def mailcheck(*args, stdin=None, timeout=300):
    return subprocess.run([ARGS.mailcheck, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout)


class Scan(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.dir.name, "scans.db")
        self.list = os.path.join(self.dir.name, "domains.txt")
        with open(self.list, "w") as f:
            f.write("# lab sample\n" + "\n".join(DOMAINS) + "\nMÜLLER.co.nz\nnot a domain\n")

    def tearDown(self):
        self.dir.cleanup()

    def results(self, run):
        with sqlite3.connect(self.db) as c:
            return c.execute("SELECT domain, grade, mx, dnssec, dmarc, report FROM results "
                             "WHERE run_id = ? ORDER BY seq", (run,)).fetchall()

    def wait_for_results(self, n):
        deadline = time.time() + 120
        while time.time() < deadline:
            time.sleep(0.1)
            if os.path.exists(self.db):
                try:
                    if len(self.results(1)) >= n:
                        return
                except sqlite3.OperationalError:
                    pass  # the schema is being created
        self.fail(f"no {n} results within 120 s")

    def test_scan_status_and_export(self):
        p = mailcheck("scan", self.list, "--db", self.db, "--quiet", *audit_args())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("line 11: 'not a domain' skipped", p.stderr)
        self.assertIn("run 1: 8 domains audited", p.stdout)
        rows = self.results(1)
        self.assertEqual([r[0] for r in rows], DOMAINS)  # the IDN once, the bad line not at all
        by = {r[0]: r for r in rows}
        self.assertEqual(by["good.co.nz"][2:4], ("pass", "pass"))
        self.assertEqual(by["bogus.co.nz"][3], "fail")
        report = json.loads(by["good.co.nz"][5])
        self.assertEqual(report["domain"], "good.co.nz")
        self.assertEqual(report["checks"]["mx"]["status"], "pass")

        p = mailcheck("scan", "status", "--db", self.db)
        self.assertEqual(p.returncode, 0, p.stderr)
        # run, created, done, total, leased, retried (bogus.co.nz: some areas undetermined), rejected
        self.assertRegex(p.stdout, r"\n\s+1\s+\S+\s+8\s+8\s+0\s+\d+\s+1\s+" + self.list)

        p = mailcheck("scan", "export", "1", "--db", self.db)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual([json.loads(x)["domain"] for x in lines], DOMAINS)
        p = mailcheck("scan", "export", "1", "--format", "csv", "--db", self.db)
        table = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual([r["domain"] for r in table], DOMAINS)
        self.assertEqual(table[0]["mx"], "pass")
        # A survey guesses no DKIM selectors: the area is not tested, and says so.
        self.assertEqual({r["dkim"] for r in table}, {"not_tested"})
        self.assertEqual(report.get("not_tested", [{}])[0].get("check"), "dkim")
        self.assertNotIn("dkim", report["checks"])
        self.assertTrue(report["grade"]["incomplete"])

    def test_given_selectors_are_looked_up(self):
        with open(self.list, "w") as f:
            f.write("good.co.nz\n")
        p = mailcheck("scan", self.list, "--db", self.db, "--quiet", "--dkim-selector",
                      "mail,s1", *audit_args())
        self.assertEqual(p.returncode, 0, p.stderr)
        report = json.loads(self.results(1)[0][5])
        self.assertNotIn("not_tested", report)
        self.assertEqual(report["checks"]["dkim"]["selectors_tried"], ["mail", "s1"])
        p = mailcheck("scan", self.list, "--db", self.db, "--dkim-selector", "bad selector!",
                      *audit_args())
        self.assertEqual(p.returncode, 2)
        self.assertIn("is not a selector name", p.stderr)

    def test_transient_failures_are_retried_once_and_say_so(self):
        with open(self.list, "w") as f:
            f.write("servfail.co.nz\ngood.co.nz\n")
        p = mailcheck("scan", self.list, "--db", self.db, "--quiet", *audit_args())
        self.assertEqual(p.returncode, 0, p.stderr)
        with sqlite3.connect(self.db) as c:
            rows = dict(c.execute("SELECT domain, attempts || ' ' || coalesce(retry_reason, '') "
                                  "FROM results").fetchall())
        self.assertRegex(rows["servfail.co.nz"], r"^2 mx undetermined")
        self.assertEqual(rows["good.co.nz"], "1 ")
        p = mailcheck("scan", "export", "1", "--format", "csv", "--db", self.db)
        table = {r["domain"]: r for r in csv.DictReader(io.StringIO(p.stdout))}
        self.assertEqual(table["servfail.co.nz"]["mx"], "error")  # the second answer is kept
        self.assertIn("mx undetermined", table["servfail.co.nz"]["retry_reason"])

    def test_killed_scan_resumes_without_loss_or_duplicates(self):
        # One audit at a time, so the kill lands mid-run; then --resume finishes the rest.
        proc = subprocess.Popen([ARGS.mailcheck, "scan", self.list, "--db", self.db,
                                 "--concurrency", "1", "--quiet", *audit_args()],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.wait_for_results(2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = len(self.results(1))
        self.assertGreaterEqual(before, 2)
        self.assertLess(before, len(DOMAINS), "the scan finished before it could be killed")

        # The run's own settings (resolver, trust anchor, EHLO name, ...) are used again.
        p = mailcheck("scan", "--resume", "1", "--db", self.db, "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = self.results(1)
        self.assertEqual(sorted(r[0] for r in rows), sorted(DOMAINS))  # none lost, none twice
        lab_resolver = labenv.lab_env(ARGS.lab_dir)["LAB_RESOLVER"]
        for r in rows:
            report = json.loads(r[5])
            self.assertEqual(report["resolver"]["forwarders"], [lab_resolver], r[0])
            self.assertNotEqual(report["checks"]["mx"]["status"], "error", r[0])
        with sqlite3.connect(self.db) as c:
            states = c.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        self.assertEqual(states, [("done", len(DOMAINS))])

    def test_interrupt_stops_cleanly_and_says_how_to_resume(self):
        proc = subprocess.Popen([ARGS.mailcheck, "scan", self.list, "--db", self.db,
                                 "--concurrency", "1", "--quiet", *audit_args()],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.wait_for_results(1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        if proc.returncode == 0:
            self.skipTest("the scan finished before the signal")
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("mailcheck scan --resume 1 --db " + self.db, err)
        with sqlite3.connect(self.db) as c:
            leased = c.execute("SELECT count(*) FROM jobs WHERE state = 'leased'").fetchone()[0]
        self.assertEqual(leased, 0)  # what was in flight finished

    def probe_pairs(self, run):
        pairs = set()
        for row in self.results(run):
            for host in json.loads(row[5])["checks"].get("starttls", {}).get("hosts", []):
                pairs.update((host["name"], a["address"]) for a in host.get("addresses", []))
        return pairs

    def test_one_connection_per_mx_host_and_address(self):
        # Nine lab domains whose MX is (or includes) mx1.good.co.nz: one connection per
        # (host, address) for the whole run, each domain's DANE verdict its own.
        shared = ["good.co.nz", "bogus-ds.co.nz", "mx-cname.co.nz", "mx-duplicate.co.nz",
                  "mx-partial.co.nz", "nsec3-iter.co.nz", "nsec3.co.nz", "nullmx-mixed.co.nz",
                  "xn--mller-kva.co.nz"]
        with open(self.list, "w") as f:
            f.write("\n".join(shared) + "\n")
        p = mailcheck("scan", self.list, "--db", self.db, "--quiet", *audit_args())
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"(\d+) SMTP connections \((\d+) probes shared\)", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        connections, reused = int(m.group(1)), int(m.group(2))
        self.assertEqual(connections, len(self.probe_pairs(1)))
        self.assertGreater(reused, 0)

    def test_survey_verdicts_match_single_audits(self):
        # Every lab domain scanned with the shared resolver, shared probes and DANE judged from
        # the shared chain: each area's status and findings are those of a single `check`
        # (tests/lab/golden/verdicts.tsv), but dkim, which a survey does not guess.
        golden = {}
        with open(os.path.join(os.path.dirname(__file__), "golden", "verdicts.tsv")) as f:
            for line in f:
                if not line.startswith("#"):
                    d, area, status, ids = line.rstrip("\n").split("\t")
                    golden.setdefault(d, {})[area] = (status, ids)
        with open(self.list, "w") as f:
            f.write("\n".join(sorted(golden)) + "\n")
        p = mailcheck("scan", self.list, "--db", self.db, "--quiet", "--per-ip", "4",
                      "--ip-interval", "0", *audit_args(), timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        differences = []
        for row in self.results(1):
            report = json.loads(row[5])
            for area, want in golden[row[0]].items():
                if area == "dkim":
                    continue
                ids = sorted({f"{x['id']}:{x['severity']}" for x in report["findings"]
                              if x["check"] == area})
                check = report["checks"].get(area)
                got = (check["status"] if check else "missing", ",".join(ids) or "-")
                if got != want:
                    differences.append(f"{row[0]} {area}: scan {got}, check {want}")
        self.assertEqual(len(self.results(1)), len(golden))
        self.assertEqual(differences, [])

    def test_bad_input_is_one_line_and_exit_two(self):
        cases = [
            (["scan", os.path.join(self.dir.name, "missing.txt"), "--db", self.db,
              *audit_args()], "cannot read the domain list"),
            (["scan", self.list, "--db", self.db], "--ehlo-name"),
            (["scan", "--db", self.db, *audit_args()], "give a domain list"),
            (["scan", "--resume", "7", "--db", self.db, *audit_args()], "there is no run 7"),
            (["scan", "export", "7", "--db", self.db], "there is no run 7"),
        ]
        for args, text in cases:
            p = mailcheck(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(text, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        empty = os.path.join(self.dir.name, "empty.txt")
        with open(empty, "w") as f:
            f.write("# nothing\n")
        p = mailcheck("scan", empty, "--db", self.db, *audit_args())
        self.assertEqual(p.returncode, 2)
        self.assertIn("holds no domain names", p.stderr)
        not_db = os.path.join(self.dir.name, "notes.txt")
        with open(not_db, "w") as f:
            f.write("hello")
        p = mailcheck("scan", "status", "--db", not_db)
        self.assertEqual(p.returncode, 2)
        self.assertIn("give another --db", p.stderr)


if __name__ == "__main__":
    labenv.main(globals())
