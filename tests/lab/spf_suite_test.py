#!/usr/bin/env python3
"""spf_suite_test.py - the RFC 7208 SPF conformance suite (openspf.org, release 2014.04), served by
a real DNS server in the lab, scenario by scenario.

The suite is read at run time from Debian's python3-spf package
(/usr/share/doc/python3-spf/rfc7208-tests.yml.gz): 16 YAML documents ("scenarios"), each with the
DNS data it needs ("zonedata") and its tests (helo, host, mailfrom, expected result; `result` may
be a list of acceptable results; some tests also give the expected explanation).

For each scenario the zonedata becomes zone files, `lab/lab.sh spf-zones DIR` loads them into the
lab's "spf" NSD (127.53.0.7: the unsigned zones com., net., org., arpa. and xn--zckzah., delegated
from the lab root without DS, so they validate as insecure) and restarts the lab's spf recursor
(127.53.0.54, validating, same trust anchor as 127.53.0.53), and then every test of the scenario
runs through:

  a. pyspf (`spf.query(...).check()`, as pyspf's own driver testspf.py runs it, but resolving
     through the spf recursor instead of testspf.py's in-memory DNS). This checks the lab's
     data: pyspf passes its own suite, so a disagreement points at what the lab served.
     Disagreements are only allowed for the tests in PYSPF_KNOWN, each explained there.
  b. `mailcheck spf`, when --mailcheck is given and that binary has the spf subcommand:
        MAILCHECK spf --ip HOST --sender MAILFROM --helo HELO [--receiver NAME] --format json
                      --resolver $LAB_SPF_RESOLVER --trust-anchor $LAB_TRUST_ANCHOR --timeout T
     It must exit 0 and print a JSON object with "result" and "explanation"; every test must
     match the suite's result, and its explanation where the suite gives one. The suite's
     explanation "DEFAULT" stands for the implementation's own default, which testspf.py sets
     to "DEFAULT" (set_default_explanation); the driver does the same with
     `--default-explanation DEFAULT` when mailcheck has that option, and otherwise takes an
     empty or absent "explanation" for it.

The zonedata is read the way testspf.py reads it:
  - SPF entries are served as type SPF (99) and, when the name has no TXT entry of its own, also
    as TXT ("TXT: NONE" means: no TXT, not even the generated one). This is what keeps the
    "Selecting records" scenario meaningful and all others TXT-based.
  - A TXT/SPF value that is a list is one record of several strings (kept apart on the wire);
    an empty list (a record with no strings, "null text") is served as one empty string: RDATA
    of length 0 is malformed (RFC 1035 3.3.14: one or more strings); NSD serves it for TXT, but
    kdig calls the reply malformed and libunbound turns the whole lookup into SERVFAIL, so the
    test would be about the client's DNS library instead of its SPF code.
  - Strings are UTF-8 on the wire (YAML "\\xEF" is U+00EF, so the bytes C3 AF); every byte that is
    not printable ASCII is written as \\DDD. Owner and target names are written label by label,
    every character other than letters, digits, "-" and "_" as \\DDD ("foo:bar/baz", "macro%...").
  - TIMEOUT: in testspf.py a lookup of the name times out for every record type that has no
    entry before the TIMEOUT. With a real server that cannot be chosen per type, so:
      * when TXT lookups time out, the name really times out: it is delegated to the lab's
        blackhole (ns.blackhole.nz., 127.53.0.99, never answers), or, when other zonedata names
        lie below it (example.com in "Initial processing"), made a CNAME to _timeout.<zone>,
        a name delegated to the blackhole, so that its children still resolve. Entries listed
        before the TIMEOUT of such a name (only SPF-type ones in the suite) are not served.
      * when TXT lookups answer (spftimeout.example.net: TXT, then TIMEOUT), the entries before
        the TIMEOUT are served and the types that would time out get an empty answer instead.
        Its record needs no other lookup, so of those types only SPF (99) could be asked for,
        and RFC 7208 receivers no longer ask for it.
    The driver prints these deviations per scenario.
  - Names keep the case the suite writes them in, but NSD keeps one spelling per name for all
    its zones, so a name written in two spellings comes back in one of them (the PTR target
    "mail.Example.com" of ptr-case-change is served as "mail.example.com"; the test still
    needs the case-insensitive match against its record's "ptr:example.Com").
  - Every record has TTL 0 and every SOA minimum 0, and the spf recursor is restarted on every
    load, so nothing (cached answers, cached SERVFAIL, queries still waiting on the blackhole)
    carries over from one scenario to the next.

Run (the lab running; the namespace and state directory as given to lab.sh start):
    lab/lab.sh exec python3 tests/lab/spf_suite_test.py --lab-dir "$MAILCHECK_LAB_DIR" \\
        [--mailcheck build/debug/apps/mailcheck/mailcheck] [--only SCENARIO] [--keep-zones DIR]
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

import labenv

labenv.system_python_modules("spf", "yaml")
import spf  # noqa: E402
import yaml  # noqa: E402

ARGS = None
SUITE = "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz"
LAB_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab", "lab.sh")
TIMEOUT_LABEL = "_timeout"  # <zone>'s name delegated to the blackhole, for CNAMEs to time out

# Tests where pyspf, resolving through the lab, may disagree with the suite, and why. Each entry
# is "test id": "reason". An unlisted disagreement fails the test (the lab served something
# wrong); a listed one that agrees again is reported so that the entry can go.
PYSPF_KNOWN = {
    "ptr-cname-loop":
        "the PTR name's A lookup meets a CNAME loop, which the recursor reports as SERVFAIL "
        "(RFC 1034 3.6.2); RFC 7208 5.5 says to skip that name and go on (neutral), but "
        "pyspf's validated_ptrs() lets the DNS error out as temperror. With testspf.py's "
        "in-memory DNS pyspf sees the CNAMEs itself and its own loop check returns nothing.",
}

DEFAULT_EXPLANATION_OPTION = None  # "--default-explanation" when `mailcheck spf` has it
RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
OLD_RESULTS = {"unknown": "permerror", "error": "temperror"}  # as testspf.py maps them

SAFE_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


# --- zonedata -> zone files -------------------------------------------------------------------

def zone_name(name):
    """A domain name in zone-file syntax: absolute, every unusual byte as \\DDD."""
    name = name[:-1] if name.endswith(".") else name
    if not name:
        return "."
    labels = []
    for label in name.split("."):
        raw = label.encode("utf-8")
        if not 0 < len(raw) <= 63:
            raise ValueError(f"cannot serve the name {name!r} (empty or long label)")
        labels.append("".join(chr(b) if b in SAFE_NAME_BYTES else "\\%03d" % b for b in raw))
    text = ".".join(labels) + "."
    if len(name.encode("utf-8")) > 253:
        raise ValueError(f"cannot serve the name {name!r} (longer than 253 octets)")
    return text


def character_string(s):
    raw = str(s).encode("utf-8")
    if len(raw) > 255:
        raise ValueError(f"string longer than 255 octets: {s!r}")
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else "\\%03d" % b
                         for b in raw) + '"'


def rdata(rtype, value):
    if rtype in ("TXT", "SPF"):
        if not value:  # no strings at all: see "null text" in the module's docstring
            return '""'
        return " ".join(character_string(s) for s in value)
    if rtype == "MX":
        pref, host = value
        return f"{int(pref)} {zone_name(str(host))}"
    if rtype in ("PTR", "CNAME"):
        return zone_name(str(value))
    if rtype in ("A", "AAAA"):
        return str(value)
    raise ValueError(f"record type {rtype} not supported")


def entries(data):
    """One zonedata name's entries as testspf.py's getrdata yields them: (type, value) pairs and
    "TIMEOUT" markers in order; TXT copies of the SPF entries at the end unless the name has a
    TXT entry (even "TXT: NONE")."""
    out, generated, has_txt = [], [], False
    for item in data:
        if not isinstance(item, dict):
            out.append(str(item))  # "TIMEOUT"
            continue
        for rtype, value in item.items():
            if rtype in ("TXT", "SPF") and isinstance(value, str):
                value = (value,)
            if rtype == "TXT":
                has_txt = True
            elif rtype == "SPF":
                generated.append(value)
            if not (rtype in ("TXT", "SPF") and tuple(value) == ("NONE",)):
                out.append((rtype, value))
    if not has_txt:
        out += [("TXT", v) for v in generated]
    return out


def is_timeout_value(value):
    return value == "TIMEOUT" or (isinstance(value, (list, tuple)) and tuple(value) == ("TIMEOUT",))


class Zones:
    """The zone files (records only, as `lab.sh spf-zones` takes them) for one scenario."""

    def __init__(self, zonedata, served, blackhole_ns):
        self.served = served
        self.blackhole_ns = blackhole_ns
        self.records = {z: [] for z in served}
        self.notes = []
        names, spelling = {}, {}  # by lower-case name: entries, and the name as first written
        for name, data in zonedata.items():
            key = str(name).rstrip(".").lower()
            names.setdefault(key, []).extend(data)
            spelling.setdefault(key, str(name))
        for name, data in names.items():
            self.add(name, spelling[name], entries(data), names)

    def zone_of(self, name):
        fits = [z for z in self.served if name == z or name.endswith("." + z)]
        if not fits:
            raise ValueError(f"{name}: not below any zone the spf server serves ({self.served})")
        zone = max(fits, key=len)
        if name == zone:
            raise ValueError(f"{name}: data at a zone apex is not supported")
        if name.split(".")[-len(zone.split(".")) - 1] == TIMEOUT_LABEL:
            raise ValueError(f"{name}: clashes with the driver's {TIMEOUT_LABEL}.{zone}")
        return zone

    def add(self, name, written, items, names):
        zone = self.zone_of(name)
        owner = zone_name(written)
        cut = next((i for i, e in enumerate(items) if e == "TIMEOUT"), None)
        served = items if cut is None else items[:cut]
        timed_out = {t for t, v in served if is_timeout_value(v)}
        served = [(t, v) for t, v in served if not is_timeout_value(v)]
        answered = {t for t, _ in served}
        if cut is not None:
            timed_out |= {"TXT", "SPF", "A", "AAAA", "MX", "PTR", "CNAME"} - answered
            if len(items) > cut + 1:
                self.notes.append(f"{name}: entries after TIMEOUT not served (never returned)")
        out = self.records[zone]
        if "TXT" in timed_out:
            if served:
                self.notes.append(f"{name}: times out; its {'/'.join(sorted(answered))} "
                                  "entries before TIMEOUT are not served")
            if any(n.endswith("." + name) for n in names):
                target = f"{TIMEOUT_LABEL}.{zone}."
                if not any(line.startswith(target + " ") for line in out):
                    out.append(f"{target} IN NS {self.blackhole_ns}")
                out.append(f"{owner} IN CNAME {target}")
                self.notes.append(f"{name}: times out (CNAME to {target}, delegated to the "
                                  "blackhole; names below it resolve)")
            else:
                out.append(f"{owner} IN NS {self.blackhole_ns}")
            return
        lost = sorted(timed_out & {"SPF", "A", "AAAA", "MX", "PTR"})
        if lost:
            self.notes.append(f"{name}: {'/'.join(lost)} lookups get an empty answer instead of "
                              "timing out")
        for rtype, value in served:
            if rtype in ("TXT", "SPF") and not value:
                self.notes.append(f"{name}: {rtype} record with no strings served as one empty "
                                  "string")
            out.append(f"{owner} IN {rtype} {rdata(rtype, value)}")

    def write(self, directory):
        os.makedirs(directory, exist_ok=True)
        for zone, lines in self.records.items():
            if lines:
                with open(os.path.join(directory, f"{zone}.zone"), "w", encoding="ascii") as f:
                    f.write("\n".join(lines) + "\n")


# --- the two implementations ------------------------------------------------------------------

def use_resolver_for_pyspf(address):
    labenv.pyspf_use_resolver(spf, address)


def run_pyspf(test, timeout):
    q = spf.query(i=test["host"], s=test["mailfrom"], h=test["helo"],
                  receiver=test.get("receiver"), strict=test.get("strict", True), timeout=timeout)
    q.set_default_explanation("DEFAULT")
    result, _code, explanation = q.check()
    return OLD_RESULTS.get(result, result), explanation


def mailcheck_spf_help(mailcheck):
    """The help text of `mailcheck spf`, or None without that subcommand (a mailcheck that does
    not know it may print its general help and still exit 0)."""
    try:
        p = subprocess.run([mailcheck, "spf", "--help"], capture_output=True, text=True,
                           timeout=30)
    except OSError:
        return None
    if p.returncode != 0 or not re.search(r"^Usage: \S+ spf\b", p.stdout, re.M):
        return None
    return p.stdout


def run_mailcheck(test, env, timeout):
    cmd = [ARGS.mailcheck, "spf", "--ip", test["host"], "--sender", test["mailfrom"],
           "--helo", test["helo"]]
    if test.get("receiver"):
        cmd += ["--receiver", test["receiver"]]
    if DEFAULT_EXPLANATION_OPTION:
        cmd += [DEFAULT_EXPLANATION_OPTION, "DEFAULT"]
    cmd += ["--format", "json", "--resolver", env["LAB_SPF_RESOLVER"],
            "--trust-anchor", env["LAB_TRUST_ANCHOR"], "--timeout", f"{timeout:g}"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * 10 + 30)
    if p.returncode != 0:
        return None, f"exit code {p.returncode}: {p.stderr.strip()[-300:]}"
    try:
        out = json.loads(p.stdout)
    except ValueError as e:
        return None, f"not JSON ({e}): {p.stdout[:300]}"
    if not isinstance(out, dict):
        return None, f"not a JSON object: {p.stdout[:300]}"
    if out.get("result") not in RESULTS:
        return None, f"no SPF result in {p.stdout[:300]}"
    explanation = out.get("explanation")
    return out["result"], "DEFAULT" if explanation in (None, "") else explanation


def verdict(test, result, explanation):
    """None if RESULT/EXPLANATION satisfy the suite, else what is wrong."""
    expected = test["result"]
    accepted = expected if isinstance(expected, list) else [expected]
    problems = []
    if result not in accepted:
        problems.append(f"result {result!r}, expected {' or '.join(accepted)}")
    if "explanation" in test and explanation != test["explanation"]:
        problems.append(f"explanation {explanation!r}, expected {test['explanation']!r}")
    return "; ".join(problems) or None


# --- the run ----------------------------------------------------------------------------------

def lab(*args):
    p = subprocess.run([LAB_SH, *args], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"lab.sh {' '.join(args)} failed:\n{p.stderr}")


def load_suite(path):
    with gzip.open(path, "rb") as f:
        return list(yaml.safe_load_all(f))


class Outcome:
    def __init__(self):
        self.passed = self.total = 0
        self.failures = []  # (scenario, test id, what is wrong)
        self.notes = []


class SpfSuite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # pyspf 2.0 calls dnspython's deprecated dns.resolver.query() (unittest shows warnings).
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="spf")
        cls.env = labenv.lab_env(ARGS.lab_dir)
        missing = [k for k in ("LAB_SPF_RESOLVER", "LAB_SPF_ZONES", "LAB_BLACKHOLE_NS")
                   if k not in cls.env]
        if missing:
            raise RuntimeError(f"the lab has no spf server ({', '.join(missing)} not in its "
                               "env); restart it with lab/lab.sh start")
        served = cls.env["LAB_SPF_ZONES"].split(",")
        use_resolver_for_pyspf(cls.env["LAB_SPF_RESOLVER"])
        help_text = mailcheck_spf_help(ARGS.mailcheck) if ARGS.mailcheck else None
        cls.use_mailcheck = help_text is not None
        cls.why_no_mailcheck = ("no --mailcheck given" if not ARGS.mailcheck else
                                f"{ARGS.mailcheck} has no spf subcommand")
        if help_text and "--default-explanation" in help_text:
            global DEFAULT_EXPLANATION_OPTION
            DEFAULT_EXPLANATION_OPTION = "--default-explanation"
        cls.pyspf, cls.mailcheck = Outcome(), Outcome()
        scenarios = load_suite(ARGS.suite)
        cls.suite_tests = sum(len(s["tests"]) for s in scenarios)  # 203 in release 2014.04
        t0 = time.monotonic()
        try:
            for number, scenario in enumerate(scenarios, 1):
                name = scenario.get("description", f"scenario {number}")
                if ARGS.only and not any(o.lower() in name.lower() for o in ARGS.only):
                    continue
                cls.run_scenario(number, name, scenario, served)
        finally:
            lab("spf-zones")  # leave the zones empty, as lab.sh start made them
        cls.elapsed = time.monotonic() - t0

    @classmethod
    def run_scenario(cls, number, name, scenario, served):
        zones = Zones(scenario["zonedata"], served, cls.env["LAB_BLACKHOLE_NS"])
        with tempfile.TemporaryDirectory(prefix="spf-zones.") as tmp:
            directory = tmp
            if ARGS.keep_zones:
                slug = "".join(c if c.isalnum() else "-" for c in name.lower())
                directory = os.path.join(ARGS.keep_zones, f"{number:02d}-{slug}")
            zones.write(directory)
            lab("spf-zones", directory)
        counts = {}
        for label, outcome, enabled in (("pyspf", cls.pyspf, True),
                                        ("mailcheck", cls.mailcheck, cls.use_mailcheck)):
            if not enabled:
                continue
            ok = 0
            for test_id, test in scenario["tests"].items():
                try:
                    if label == "pyspf":
                        result, explanation = run_pyspf(test, ARGS.timeout)
                    else:
                        result, explanation = run_mailcheck(test, cls.env, ARGS.timeout)
                except Exception as e:  # one test's crash or hang is that test's failure
                    result, explanation = None, f"{type(e).__name__}: {e}"
                if result is None:
                    result, explanation = f"(error: {explanation})", None
                wrong = verdict(test, result, explanation)
                outcome.total += 1
                if wrong:
                    outcome.failures.append((name, test_id, wrong))
                else:
                    ok += 1
                    outcome.passed += 1
                    accepted = test["result"]
                    if isinstance(accepted, list) and result != accepted[0]:
                        outcome.notes.append(f"{test_id}: {result} (the suite prefers "
                                             f"{accepted[0]})")
            counts[label] = f"{label} {ok}/{len(scenario['tests'])}"
        print(f"[{number:2d}] {name}: {', '.join(counts.values())}", file=sys.stderr)
        for note in zones.notes:
            print(f"     lab: {note}", file=sys.stderr)

    @classmethod
    def report(cls, label, outcome):
        print(f"{label}: {outcome.passed}/{outcome.total} passed"
              + (f" (--only: the suite has {cls.suite_tests} tests)"
                 if outcome.total != cls.suite_tests else "")
              + f"; the whole run took {cls.elapsed:.1f} s", file=sys.stderr)
        for note in outcome.notes:
            print(f"  note {note}", file=sys.stderr)

    def test_1_pyspf(self):
        """pyspf, resolving through the lab, agrees with the suite (so the lab serves it right)."""
        self.report("pyspf", self.pyspf)
        unexpected = []
        for scenario, test_id, wrong in self.pyspf.failures:
            known = PYSPF_KNOWN.get(test_id)
            print(f"  {'known' if known else 'FAIL '} {scenario} / {test_id}: {wrong}"
                  + (f"\n        ({known})" if known else ""), file=sys.stderr)
            if not known:
                unexpected.append(f"{scenario} / {test_id}: {wrong}")
        failed = {t for _, t, _ in self.pyspf.failures}
        for test_id in sorted(set(PYSPF_KNOWN) - failed):
            print(f"  note {test_id} is in PYSPF_KNOWN but passes now", file=sys.stderr)
        if unexpected:
            self.fail(f"pyspf disagrees with the suite on {len(unexpected)} test(s) not in "
                      "PYSPF_KNOWN (listed above): check what the lab served")

    def test_2_mailcheck(self):
        """`mailcheck spf` gives every test the suite's result (and explanation)."""
        if not self.use_mailcheck:
            self.skipTest(self.why_no_mailcheck)
        self.report("mailcheck", self.mailcheck)
        for scenario, test_id, wrong in self.mailcheck.failures:
            print(f"  FAIL  {scenario} / {test_id}: {wrong}", file=sys.stderr)
        if self.mailcheck.failures:
            self.fail(f"mailcheck disagrees with the suite on {len(self.mailcheck.failures)} "
                      "test(s) (listed above)")


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lab-dir", required=True, help="the lab's state directory")
    parser.add_argument("--mailcheck", help="mailcheck binary (part b runs if it has `spf`)")
    parser.add_argument("--suite", default=SUITE, help=f"the suite (default: {SUITE})")
    parser.add_argument("--timeout", type=float, default=2.0,
                        help="DNS timeout in seconds for pyspf and mailcheck (default 2)")
    parser.add_argument("--only", action="append",
                        help="run only scenarios whose description contains this (repeatable)")
    parser.add_argument("--keep-zones", metavar="DIR",
                        help="write each scenario's zone files under DIR and keep them")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
