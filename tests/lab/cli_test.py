#!/usr/bin/env python3
"""cli_test.py - the mailcheck command line inside the lab: exit codes, IDN input, every output
format, one-line errors for bad input, and JSON reports validated against docs/report.schema.json.

Run by ctest inside the lab's network namespace (lab/lab.sh exec)."""
import glob
import json
import os
import subprocess
import tempfile
import unittest

import labenv

import jsonschema

ARGS = None


def lab_env():
    return labenv.lab_env(ARGS.lab_dir)


def run(*args, lab=True):
    cmd = [ARGS.mailcheck, *args]
    if lab and args and args[0] == "check":
        env = lab_env()
        cmd += ["--resolver", env["LAB_RESOLVER"], "--trust-anchor", env["LAB_TRUST_ANCHOR"],
                "--timeout", "20"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


class Cli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(ARGS.schema) as f:
            cls.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)

    def check_json(self, domain, expect_rc):
        p = run("check", domain, "--format", "json")
        self.assertEqual(p.returncode, expect_rc, p.stderr)
        report = json.loads(p.stdout)
        self.validator.validate(report)
        return report

    def test_good_domain_exits_zero_and_matches_schema(self):
        r = self.check_json("good.co.nz", 0)
        self.assertEqual(r["checks"]["mx"]["status"], "pass")
        self.assertEqual(r["checks"]["dnssec"]["status"], "pass")
        self.assertEqual(r["resolver"]["validation"], "local")

    def test_failing_domain_exits_one(self):
        r = self.check_json("bogus.co.nz", 1)
        self.assertIn("dnssec.bogus", [f["id"] for f in r["findings"]])

    def test_no_reachable_dns_is_not_graded_and_exits_three(self):
        # Nothing listens on 127.53.0.98: not even the root zone answers, so the report says
        # so first and gives no grade (exit code 3), in JSON and in text.
        env = lab_env()
        base = [ARGS.mailcheck, "check", "good.co.nz", "--resolver", "127.53.0.98",
                "--trust-anchor", env["LAB_TRUST_ANCHOR"], "--timeout", "3"]
        p = subprocess.run(base + ["--format", "json"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 3, p.stderr)
        report = json.loads(p.stdout)
        self.validator.validate(report)
        self.assertNotIn("grade", report)
        self.assertIn("DNS failed entirely", report["not_graded"]["reason"])
        self.assertIn("--resolver system", report["not_graded"]["advice"])
        self.assertEqual(report["checks"]["dane"]["status"], "error")
        t = subprocess.run(base + ["--color", "never"], capture_output=True, text=True, timeout=60)
        self.assertEqual(t.returncode, 3)
        self.assertTrue(t.stdout.splitlines()[4].startswith("Not graded: DNS failed entirely"),
                        t.stdout)
        # A domain whose own name servers fail keeps its (incomplete) grade: DNS works.
        self.assertIn("grade", self.check_json("servfail.co.nz", 1))

    def test_undetermined_domain_exits_one(self):
        r = self.check_json("servfail.co.nz", 1)
        self.assertEqual(r["checks"]["mx"]["status"], "error")

    def test_idn_input(self):
        r = self.check_json("müller.co.nz", 0)
        self.assertEqual(r["domain"], "xn--mller-kva.co.nz")
        self.assertEqual(r["domain_unicode"], "müller.co.nz")

    def test_every_lab_scenario_validates(self):
        for domain in ["nullmx.co.nz", "implicit-mx.co.nz", "mx-cname.co.nz", "unsigned.co.nz",
                       "mx-duplicate.co.nz", "nsec3-iter.co.nz", "shop.good.co.nz",
                       "does-not-exist.co.nz"]:
            p = run("check", domain, "--format", "json")
            self.assertIn(p.returncode, (0, 1), p.stderr)
            self.validator.validate(json.loads(p.stdout))

    def test_compliance_profiles(self):
        # showcase.co.nz: DANE, no MTA-STS; DMARC p=reject with its own rua only.
        p = run("check", "showcase.co.nz", "--format", "json", "--profile", "nz-sge")
        self.assertEqual(p.returncode, 1, p.stderr)  # not compliant: no MTA-STS
        r = json.loads(p.stdout)
        self.validator.validate(r)
        got = {x["id"]: x["status"] for x in r["profile"]["requirements"]}
        self.assertEqual(got, {
            "nz-sge.tls12": "pass", "nz-sge.mta_sts_enforce": "fail", "nz-sge.tls_rpt": "pass",
            "nz-sge.spf_hardfail": "pass", "nz-sge.dkim": "pass", "nz-sge.dmarc_reject": "pass",
            "nz-sge.dmarc_reports": "pass", "nz-sge.dmarc_adkim_strict": "fail"})
        self.assertFalse(r["profile"]["compliant"])
        self.assertEqual((r["profile"]["passed"], r["profile"]["mandatory"]), (6, 7))
        p = run("check", "showcase.co.nz", "--format", "json", "--profile", "bod-18-01")
        r = json.loads(p.stdout)
        self.validator.validate(r)
        got = {x["id"]: x["status"] for x in r["profile"]["requirements"]}
        self.assertEqual(got["bod-18-01.starttls"], "pass")
        self.assertEqual(got["bod-18-01.dmarc_reject"], "pass")
        self.assertEqual(got["bod-18-01.dmarc_dhs_rua"], "fail")
        self.assertEqual(got["bod-18-01.no_weak_crypto"], "unknown")
        p = run("check", "showcase.co.nz", "--profile", "nz-sge")
        self.assertIn("Profile nz-sge: not compliant (6 of 7 requirements met)", p.stdout)
        p = run("check", "showcase.co.nz", "--profile", "pci")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_text_without_colour_when_not_a_terminal(self):
        p = run("check", "good.co.nz")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\033[", p.stdout)
        self.assertIn("MailCheck report for good.co.nz", p.stdout)
        for line in p.stdout.splitlines():
            self.assertLessEqual(len(line), 80, line)

    def test_colour_when_forced(self):
        p = run("check", "good.co.nz", "--color", "always")
        self.assertIn("\033[", p.stdout)

    def test_html_is_one_self_contained_document(self):
        p = run("check", "mx-cname.co.nz", "--format", "html")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("<!DOCTYPE html>"))
        self.assertIn("mx.target_cname", p.stdout)
        self.assertNotIn("<script", p.stdout)
        self.assertNotIn("src=", p.stdout)

    def assert_usage_error(self, p, needle):
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(p.stdout, "")
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(needle, lines[0])

    def test_bad_inputs_get_one_line_and_exit_two(self):
        self.assert_usage_error(run("check", "exa mple.nz"), "not allowed")
        self.assert_usage_error(run("check", "a..nz"), "empty label")
        # Control characters in input never break the one-line message.
        self.assert_usage_error(run("check", "bad\nname\x1b[31m"), "\\x0a")
        self.assert_usage_error(run("check", "192.0.2.1"), "IP address")
        self.assert_usage_error(run("check", "good.co.nz", "--format", "yaml"), "--format")
        self.assert_usage_error(run("check", "good.co.nz", "--bogus-flag"), "bogus-flag")
        self.assert_usage_error(run("check", lab=False), "domain")
        self.assert_usage_error(
            run("check", "good.co.nz", "--trust-anchor", "/nonexistent/root.key", lab=False),
            "trust anchor")
        self.assert_usage_error(run("check", "good.co.nz", "--resolver", "not-an-ip", lab=False),
                                "not an IP address")
        self.assert_usage_error(run("check", "good.co.nz", "--timeout", "0"), "--timeout")
        self.assert_usage_error(run("check", "good.co.nz", "--ca-file", "/nonexistent.pem"),
                                "CA file")
        with tempfile.NamedTemporaryFile("w", suffix=".key") as bad:
            bad.write("good.co.nz. 3600 IN A 192.0.2.1\n")
            bad.flush()
            self.assert_usage_error(
                run("check", "good.co.nz", "--trust-anchor", bad.name, lab=False),
                "only DS and DNSKEY")

    def test_ca_file_is_accepted(self):
        env = lab_env()
        p = run("check", "good.co.nz", "--ca-file", env["LAB_CA"])
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_dane_host_command(self):
        env = lab_env()
        common = ["--resolver", env["LAB_RESOLVER"], "--trust-anchor", env["LAB_TRUST_ANCHOR"],
                  "--ca-file", env["LAB_CA"], "--format", "json"]
        p = run("dane", "mx.dane-ok.co.nz", *common, lab=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.validator.validate(r)
        self.assertEqual(sorted(r["checks"]), ["dane", "starttls"])  # no MX step
        self.assertEqual(r["checks"]["dane"]["hosts"][0]["verdict"], "deliver_authenticated")
        p = run("dane", "mx.dane-mismatch.co.nz", *common, lab=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("dane.mismatch", [f["id"] for f in json.loads(p.stdout)["findings"]])
        self.assert_usage_error(run("dane", "mx.dane-ok.co.nz", "--port", "0", lab=False),
                                "--port")
        self.assert_usage_error(run("dane", "mx.dane-ok.co.nz", "--starttls", "imap", lab=False),
                                "--starttls")
        self.assert_usage_error(run("dane", "bad-.nz", lab=False), "hyphen")

    def test_findings_catalogue_matches_document(self):
        p = run("findings", "--format", "markdown", lab=False)
        self.assertEqual(p.returncode, 0)
        with open(os.path.join(os.path.dirname(ARGS.schema), "findings.md")) as f:
            self.assertEqual(p.stdout, f.read())

    def test_unit_samples_validate(self):
        samples = glob.glob(os.path.join(ARGS.samples, "*.json"))
        self.assertTrue(samples, "the unit tests wrote no JSON samples")
        for path in samples:
            with open(path) as f:
                self.validator.validate(json.load(f))


if __name__ == "__main__":
    labenv.main(globals(), ("--schema", "--samples"))
