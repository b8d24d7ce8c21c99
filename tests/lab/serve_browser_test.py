#!/usr/bin/env python3
"""serve_browser_test.py - the web checker in a real browser against the lab: Debian's chromium,
headless, driven by Playwright (tests/browser/check_page.mjs). Submits a domain through the form,
waits for the page to fill from the event stream, asserts what it shows, and keeps a screenshot
per domain in --artifacts.

Run by ctest inside the lab's network namespace (lab/lab.sh exec)."""
import json
import os
import subprocess
import unittest

import labenv
import serve_test

ARGS = None


class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        serve_test.ARGS = ARGS
        os.makedirs(ARGS.artifacts, exist_ok=True)
        ARGS.browser_dir = os.path.abspath(ARGS.browser_dir)
        cls.server = serve_test.Server("--rate", "600", "--burst", "100")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def drive(self, domain, *extra):
        shot = os.path.join(ARGS.artifacts, "serve-%s.png" % domain)
        if os.path.exists(shot):
            os.remove(shot)
        env = dict(os.environ, HOME=os.environ.get("HOME", "/root"))
        p = subprocess.run(
            ["node", os.path.join(ARGS.browser_dir, "check_page.mjs"),
             "--url", "http://127.0.0.1:%d" % self.server.port, "--domain", domain,
             "--screenshot", shot, *extra],
            capture_output=True, text=True, timeout=180, env=env,
            cwd=ARGS.browser_dir)
        lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
        self.assertTrue(lines, p.stdout + p.stderr)
        seen = json.loads(lines[-1])
        self.assertEqual(p.returncode, 0, json.dumps(seen, indent=1) + p.stderr)
        self.assertTrue(os.path.getsize(shot) > 10000, "a screenshot was saved")
        return seen

    def test_showcase_fills_progressively_to_grade_a(self):
        seen = self.drive("showcase.co.nz", "--expect-grade", "A", "--expect-progress")
        self.assertEqual(seen["stillPending"], 0)
        self.assertIn("Done in", seen["progress"])
        statuses = [s.lower() for s in seen["statuses"]]
        self.assertTrue(all(s == "pass" for s in statuses if s != "none"),
                        statuses)

    def test_a_broken_domain_shows_its_failures(self):
        seen = self.drive("dane-mismatch.co.nz")
        self.assertIn("fail", [s.lower() for s in seen["statuses"]])


if __name__ == "__main__":
    labenv.main(globals(), extra_args=("--schema", "--artifacts", "--browser-dir"))
