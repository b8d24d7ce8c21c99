#!/usr/bin/env python3
"""mta_sts_peer_test.py - the lab's MTA-STS scenarios as postfix-mta-sts-resolver sees them.

postfix-mta-sts-resolver (Debian package of that name) is the MTA-STS (RFC 8461) part of a
Postfix sender: mta-sts-daemon answers Postfix's smtp_tls_policy_maps socketmap queries, and
mta-sts-query is its policy discovery and fetch on the command line. For every sts-* lab domain
this test runs, inside the lab's network namespace:

  1. `mta-sts-query DOMAIN`: the _mta-sts TXT lookup and the HTTPS policy fetch. Its result is
     VALID (mode, mx patterns, max_age), NONE (no usable TXT record, nothing fetched) or
     FETCH_ERROR. A FETCH_ERROR usually comes without a reason, so the reason is read from the
     evidence: the peer's own message (TLS and address errors) and what the lab HTTPS server
     logged for that host during the run (status, media type, bytes sent, who closed). Every
     request must carry SNI and a Host header of mta-sts.DOMAIN (RFC 8461 §3.3).
  2. mta-sts-daemon, asked the socketmap query Postfix would send: "OK secure match=..." (the
     policy's mx patterns, a leading "*" dropped, so "*.d" becomes Postfix's ".d") or NOTFOUND.
  3. For a "secure" answer, posttls-finger at level secure with those match patterns against
     each MX host: what Postfix's smtp(8) would do ("deliver" after a verified TLS handshake,
     otherwise "refuse").

Pointing the peer at the lab: it resolves names through c-ares (TXT) and getaddrinfo (policy
host), both configured from /etc/resolv.conf, which `lab.sh exec` replaces with the lab
recursor's; it fetches with aiohttp, whose default TLS context (ssl.create_default_context)
trusts SSL_CERT_FILE, set here to the lab CA (SSL_CERT_DIR to an empty directory, proxy
variables removed). The lab puts the HTTPS hosts' IPv4 addresses on lo because aiohttp asks
getaddrinfo with AI_ADDRCONFIG, which returns no IPv4 address at all in a namespace whose only
configured IPv4 address is 127.0.0.1.

The peer's delivery decision per domain is compared with an RFC 8461 sender's (column "rfc"
of SCENARIOS). They agree except where DIFFERENCES explains why; the test fails on any other
disagreement and on a documented difference that no longer shows. Noted, not asserted:
  - mode testing: the daemon answers NOTFOUND, so Postfix delivers as without a policy, which
    is what RFC 8461 §5 asks for mail delivery; the TLS-RPT reports it also asks for are not
    sent (the peer does not implement them).
  - sts-dane: the policy map's "secure" replaces Postfix's DANE level for the domain; both
    authenticate this MX, but RFC 8461 §2 says MTA-STS must never override a failing DANE
    validation, which this setup could not guarantee.
  - The peer gives up a fetch after 4 s in all (its default timeout); RFC 8461 §3.3 suggests
    one minute. The lab's slow host needs about a minute, so both time out.

--mailcheck: mailcheck's mta_sts verdicts are compared with the same RFC 8461 table.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import labenv

ARGS = None

POLICY_PATH = "/.well-known/mta-sts.txt"
REDIRECT_TARGET = "/mta-sts/policy.txt"  # lab/https_server.py: where "redirect" hosts point
SIZE_LIMIT = 64 * 1024                   # the peer's HARD_RESP_LIMIT
PEER_AGENT = "postfix-mta-sts-resolver"  # its User-Agent: other clients' requests are not its
PEER_TIMEOUT = 4                         # the peer's default timeout, seconds


def valid(mode, mx, max_age=604800):
    return ("VALID", mode, tuple(mx), max_age)


def failure(kind):
    return ("FETCH_ERROR", kind)


def no_policy(why):
    return ("NONE", why)


OPPORTUNISTIC = "opportunistic"  # deliver as without MTA-STS (no policy, mode none or testing)

# domain -> (mta-sts-query outcome, what an RFC 8461 sender does: OPPORTUNISTIC, or per MX host
# "deliver"/"refuse" under an enforce policy). For the peer, the same is derived from the
# daemon's answer and posttls-finger (see peer_delivery).
SCENARIOS = {
    "sts-enforce.co.nz": (valid("enforce", ["mx.sts-enforce.co.nz"]),
                          {"mx.sts-enforce.co.nz": "deliver"}),
    "sts-testing.co.nz": (valid("testing", ["mx.sts-testing.co.nz"]), OPPORTUNISTIC),
    "sts-testing-unlisted.co.nz": (valid("testing", ["mx.sts-smtp-wrong-name.co.nz"]),
                                   OPPORTUNISTIC),
    "sts-none.co.nz": (valid("none", ["mx.sts-none.co.nz"], 86400), OPPORTUNISTIC),
    "sts-mx-mismatch.co.nz": (valid("enforce", ["mx1.sts-mx-mismatch.co.nz"]),
                              {"mx1.sts-mx-mismatch.co.nz": "deliver",
                               "mx2.sts-mx-mismatch.co.nz": "refuse"}),
    "sts-wildcard.co.nz": (valid("enforce", ["*.sts-wildcard.co.nz"]),
                           {"mx1.sts-wildcard.co.nz": "deliver", "mx2.sts-wildcard.co.nz": "deliver"}),
    "sts-wildcard-deep.co.nz": (valid("enforce", ["*.sts-wildcard-deep.co.nz"]),
                                {"mx.eu.sts-wildcard-deep.co.nz": "refuse"}),
    "sts-short-max-age.co.nz": (valid("enforce", ["mx.sts-short-max-age.co.nz"], 3600),
                                {"mx.sts-short-max-age.co.nz": "deliver"}),
    "sts-not-found.co.nz": (failure("http 404"), OPPORTUNISTIC),
    "sts-redirect.co.nz": (failure("http 301, not followed"), OPPORTUNISTIC),
    "sts-wrong-type.co.nz": (failure("media type text/html refused"), OPPORTUNISTIC),
    "sts-oversized.co.nz": (failure("body over 64 KiB refused"), OPPORTUNISTIC),
    "sts-slow.co.nz": (failure("timeout"), OPPORTUNISTIC),
    "sts-cert-expired.co.nz": (failure("certificate expired"), OPPORTUNISTIC),
    "sts-self-signed.co.nz": (failure("certificate self-signed"), OPPORTUNISTIC),
    "sts-wrong-name.co.nz": (failure("certificate name mismatch"), OPPORTUNISTIC),
    "sts-no-txt.co.nz": (no_policy("no TXT record"), OPPORTUNISTIC),
    "sts-two-txt.co.nz": (no_policy("two TXT records"), OPPORTUNISTIC),
    "sts-bad-id.co.nz": (valid("enforce", ["mx.sts-bad-id.co.nz"]), OPPORTUNISTIC),
    "sts-no-version.co.nz": (failure("policy refused (200 text/plain, complete)"), OPPORTUNISTIC),
    "sts-crlf.co.nz": (valid("enforce", ["mx.sts-crlf.co.nz"]), {"mx.sts-crlf.co.nz": "deliver"}),
    "sts-smtp-wrong-name.co.nz": (valid("enforce", ["mx.sts-smtp-wrong-name.co.nz"]),
                                  {"mx.sts-smtp-wrong-name.co.nz": "refuse"}),
    "sts-dane.co.nz": (valid("enforce", ["mx.sts-dane.co.nz"]), {"mx.sts-dane.co.nz": "deliver"}),
    "sts-ipv6.co.nz": (valid("enforce", ["mx.sts-ipv6.co.nz"]), {"mx.sts-ipv6.co.nz": "deliver"}),
    "sts-unsigned.co.nz": (valid("enforce", ["mx.sts-unsigned.co.nz"]),
                           {"mx.sts-unsigned.co.nz": "deliver"}),
    "sts-no-host.co.nz": (failure("no address for the policy host"), OPPORTUNISTIC),
    # mx lines that are not RFC 8461 §3.2 syntax: the strictest reading matches nothing.
    "sts-mx-dot.co.nz": (valid("enforce", ["mx.sts-mx-dot.co.nz."]),
                         {"mx.sts-mx-dot.co.nz": "refuse"}),
    "sts-mx-midwild.co.nz": (valid("enforce", ["mx.*.sts-mx-midwild.co.nz"]),
                             {"mx.eu.sts-mx-midwild.co.nz": "refuse"}),
}

# Where the peer's delivery decision differs from RFC 8461's, and why.
DIFFERENCES = {
    "sts-bad-id.co.nz":
        "RFC 8461 §3.1: id is 1-32 letters and digits and a syntactically invalid record means "
        "no policy; the peer only checks that an id field exists, fetches the policy and "
        "enforces it (mail still flows here, since the MX is valid)",
    "sts-wildcard-deep.co.nz":
        "RFC 8461 §4.1: '*.d' stands for exactly one label, so mx.eu.d matches no pattern and "
        "an enforcing sender does not deliver; the daemon turns '*.d' into Postfix's match "
        "'.d', which matches names at any depth, and Postfix delivers",
}


def lab_env():
    return labenv.lab_env(ARGS.lab_dir)


def peer_env(tmp):
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env["SSL_CERT_FILE"] = lab_env()["LAB_CA"]
    env["SSL_CERT_DIR"] = os.path.join(tmp, "no-certs")  # the lab CA only
    env["MAIL_CONFIG"] = tmp                               # posttls-finger: an empty main.cf
    return env


# -- lab HTTPS server log -------------------------------------------------------------------------

LOG_LINE = re.compile(
    r"^\S+ (?P<what>req|conn) \S+ -> \S+ (?P<host>\S+) behaviour=\S+"
    r"(?: tls=\[[^\]]*?sni=(?P<sni>\S+)\])?"
    r'(?: "(?P<method>\S+) (?P<path>\S+) [^"]*" host=(?P<hdr_host>\S+) ua="(?P<ua>[^"]*)"'
    r' status=(?P<status>\d+) type="(?P<type>[^"]*)" sent=(?P<sent>\d+)/(?P<length>\S+))?'
    r" end=(?P<end>.*) (?P<secs>[\d.]+)s$")


def https_log_path():
    return os.path.join(ARGS.lab_dir, "https.log")


def read_https_log(offset):
    """The lab HTTPS server's log lines from byte OFFSET on, parsed, by host name: the peer's
    requests, and connections that never got as far as a request (failed TLS handshakes)."""
    by_host = {}
    with open(https_log_path(), "rb") as f:
        f.seek(offset)
        for raw in f.read().decode("utf-8", "replace").splitlines():
            m = LOG_LINE.match(raw)
            if m and (m["what"] == "conn" or m["ua"] == PEER_AGENT):
                entry = m.groupdict()
                entry["end"] = entry["end"].strip("'\"")
                entry["line"] = raw
                by_host.setdefault(entry["host"], []).append(entry)
    return by_host


# -- the peer ------------------------------------------------------------------------------------

QUERY_RESULT = re.compile(r"^\(<STSFetchResult\.(?P<status>\w+): \d+>, (?P<rest>.*)\)$", re.M)
POLICY_RESULT = re.compile(r"^\('(?P<id>[^']*)', \{(?P<fields>.*)\}\)$")


def run_query(domain, env):
    t0 = time.monotonic()
    p = subprocess.run(["mta-sts-query", domain], capture_output=True, text=True, env=env,
                       timeout=60)
    elapsed = time.monotonic() - t0
    m = QUERY_RESULT.search(p.stdout)
    if not m:
        return {"status": "UNPARSED", "stdout": p.stdout, "stderr": p.stderr, "elapsed": elapsed}
    out = {"status": m["status"], "stderr": p.stderr, "stdout": p.stdout, "elapsed": elapsed}
    if m["status"] == "VALID":
        pm = POLICY_RESULT.match(m["rest"])
        fields = pm["fields"] if pm else ""
        out["mode"] = (re.search(r"'mode': '([^']*)'", fields) or [None, None])[1]
        out["mx"] = tuple(re.findall(r"'([^']+)'", (re.search(r"'mx': \[([^\]]*)\]", fields)
                                                   or [None, ""])[1]))
        age = re.search(r"'max_age': (\d+)", fields)
        out["max_age"] = int(age[1]) if age else None
    return out


def fetch_failure_kind(q, entries):
    """What went wrong in a fetch that the peer reports as FETCH_ERROR, from the evidence."""
    err = q["stderr"]
    if "certificate has expired" in err:
        return "certificate expired"
    if "self-signed certificate" in err or "self signed certificate" in err:
        return "certificate self-signed"
    if "Hostname mismatch" in err:
        return "certificate name mismatch"
    if "Name or service not known" in err or "No address associated" in err:
        return "no address for the policy host"
    reqs = [e for e in entries if e["what"] == "req"]
    policy = [e for e in reqs if e["path"] == POLICY_PATH]
    if not policy:
        return f"unexplained (no policy request logged; peer said: {err.strip()[-200:]})"
    r = policy[-1]
    status, ctype = int(r["status"]), r["type"].split(";")[0].strip().lower()
    if status in (301, 302, 303, 307, 308):
        followed = any(e["path"] == REDIRECT_TARGET for e in reqs)
        return f"http {status}, {'followed' if followed else 'not followed'}"
    if status != 200:
        return f"http {status}"
    if ctype != "text/plain":
        return f"media type {ctype} refused"
    if r["length"] == "?" and int(r["sent"]) > SIZE_LIMIT:
        return "body over 64 KiB refused"
    if (r["end"].startswith("client gone") and r["length"] != "?"
            and int(r["sent"]) < int(r["length"])):
        if q["elapsed"] >= PEER_TIMEOUT - 0.5:
            return "timeout"
        return f"client left early after {q['elapsed']:.1f} s"
    if r["end"].startswith("complete"):
        return "policy refused (200 text/plain, complete)"
    return f"unexplained ({r['line']})"


def query_outcome(domain, q, entries):
    if q["status"] == "VALID":
        return valid(q["mode"], q["mx"], q["max_age"])
    if q["status"] == "NONE":
        if entries:
            return no_policy("yet the policy host was contacted")
        n = len(sts_txt_records(domain))
        return no_policy({0: "no TXT record", 1: "its one TXT record refused",
                          2: "two TXT records"}.get(n, f"{n} TXT records"))
    if q["status"] == "FETCH_ERROR":
        return failure(fetch_failure_kind(q, entries))
    return (q["status"], q.get("stdout", "") + q.get("stderr", ""))


class Daemon:
    """mta-sts-daemon with default settings, on a socket of its own (a Unix socket: the
    package's 1.1.2 fails to start on TCP with reuse_port off, and with it on, another daemon
    on the same port would share the queries)."""

    def __init__(self, tmp, env):
        self.path = os.path.join(tmp, "mta-sts-daemon.sock")
        config = os.path.join(tmp, "mta-sts-daemon.yml")
        with open(config, "w") as f:
            f.write(f"path: {self.path}\n"
                    "cache:\n  type: internal\n  options:\n    cache_size: 1000\n"
                    f"default_zone:\n  strict_testing: false\n  timeout: {PEER_TIMEOUT}\n")
        self.log = os.path.join(tmp, "mta-sts-daemon.log")
        self.proc = subprocess.Popen(["mta-sts-daemon", "-c", config, "-v", "info", "-l", self.log],
                                     env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                self.connect().close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"mta-sts-daemon did not start (log: {self.tail()})")
                time.sleep(0.05)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        try:
            s.connect(self.path)
        except OSError:
            s.close()
            raise
        return s

    def tail(self):
        try:
            with open(self.log) as f:
                return f.read()[-2000:]
        except OSError:
            return "-"

    def ask(self, domain):
        """The socketmap answer for DOMAIN (as smtp(8) asks for its next-hop domain)."""
        req = f"postfix {domain}".encode()
        with self.connect() as s:
            s.sendall(b"%d:%s," % (len(req), req))
            buf = b""
            while True:
                m = re.match(rb"^(\d+):", buf)
                if m and len(buf) >= m.end() + int(m[1]) + 1:
                    return buf[m.end():m.end() + int(m[1])].decode()
                chunk = s.recv(4096)
                if not chunk:
                    return f"(connection closed: {buf!r})"
                buf += chunk

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def sts_txt_records(domain):
    """The _mta-sts TXT records of DOMAIN that start with v=STSv1 (RFC 8461 §3.1)."""
    p = subprocess.run(["kdig", "@" + lab_env()["LAB_RESOLVER"], "+short", "+timeout=3",
                        "+retry=1", "_mta-sts." + domain, "TXT"],
                       capture_output=True, text=True, timeout=30)
    return [r for r in p.stdout.splitlines() if r.strip('"').startswith("v=STSv1")]


def mx_hosts(domain):
    p = subprocess.run(["kdig", "@" + lab_env()["LAB_RESOLVER"], "+short", "+timeout=3",
                        "+retry=1", domain, "MX"], capture_output=True, text=True, timeout=30)
    rows = sorted((int(pref), host.rstrip(".").lower())
                  for pref, host in (line.split() for line in p.stdout.splitlines() if line.strip()))
    return [host for _, host in rows]


def finger(mx, matches, env):
    """posttls-finger at level secure with MATCHES: "deliver" (verified) or "refuse (...)"."""
    p = subprocess.run(["posttls-finger", "-c", "-l", "secure", "-F", lab_env()["LAB_CA"],
                        "-t", "5", "-T", "10", f"[{mx}]", *matches],
                       capture_output=True, text=True, timeout=60, env=env)
    out = p.stdout + p.stderr
    if "Verified TLS connection established" in out:
        return "deliver", out
    m = re.search(r"verification failed for [^:]*:\d+: (num=\d+:)?(.*)", out)
    return f"refuse ({m[2].strip() if m else 'no verified TLS'})", out


def peer_delivery(answer, mx_results):
    if not answer.startswith("OK secure"):
        return OPPORTUNISTIC
    return {mx: verdict.split(" ")[0] for mx, (verdict, _) in mx_results.items()}


class MtaStsPeer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("mta-sts-query", "mta-sts-daemon", "posttls-finger", "kdig"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} not found (scripts/setup.sh installs it)")
        env = lab_env()
        with open("/etc/resolv.conf") as f:
            servers = re.findall(r"^nameserver\s+(\S+)", f.read(), re.M)
        if servers[:1] != [env["LAB_RESOLVER"]]:
            raise RuntimeError(f"/etc/resolv.conf names {servers}, not the lab recursor "
                               f"{env['LAB_RESOLVER']}: run this test with lab/lab.sh exec")
        domains = sorted(os.path.basename(z)[:-len(".zone")]
                         for z in os.listdir(os.path.join(os.path.dirname(__file__), "..", "..",
                                                          "lab", "zones"))
                         if z.startswith("sts-") and z.endswith(".co.nz.zone"))
        cls.domains = domains
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = cls.tmp.name
        os.mkdir(os.path.join(tmp, "no-certs"))
        open(os.path.join(tmp, "main.cf"), "w").close()
        cls.env = peer_env(tmp)
        offset = os.path.getsize(https_log_path())

        with ThreadPoolExecutor(max_workers=6) as pool:
            queries = dict(zip(domains, pool.map(lambda d: run_query(d, cls.env), domains)))
        # The server logs an exchange when it ends, which may be just after the peer has gone.
        expect_log = {"mta-sts." + d for d, (q, _) in SCENARIOS.items()
                      if q[0] == "VALID" or (q[0] == "FETCH_ERROR" and "address" not in q[1])}
        deadline = time.monotonic() + 5
        while True:
            log = read_https_log(offset)
            if expect_log <= set(log) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        cls.queries, cls.log = queries, log

        daemon = Daemon(tmp, cls.env)
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                cls.answers = dict(zip(domains, pool.map(daemon.ask, domains)))
        finally:
            daemon.stop()
        cls.daemon_log = daemon.tail()

        cls.fingers = {}
        jobs = []
        with ThreadPoolExecutor(max_workers=8) as pool:
            for d in domains:
                ans = cls.answers[d]
                m = re.match(r"OK secure match=(\S+)", ans)
                if m:
                    for mx in mx_hosts(d):
                        jobs.append((d, mx, pool.submit(finger, mx, m[1].split(":"), cls.env)))
            for d, mx, fut in jobs:
                cls.fingers.setdefault(d, {})[mx] = fut.result()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_sts_zone_has_a_scenario(self):
        self.assertEqual(sorted(SCENARIOS), self.domains,
                         "lab/zones/sts-*.co.nz.zone and SCENARIOS must list the same domains")

    def test_policy_discovery_and_fetch(self):
        rows = []
        for d in self.domains:
            q = self.queries[d]
            entries = self.log.get("mta-sts." + d, [])
            got = query_outcome(d, q, entries)
            rows.append((d, got))
            with self.subTest(domain=d):
                self.assertEqual(got, SCENARIOS[d][0],
                                 f"{d}: mta-sts-query\n{q['stdout']}{q['stderr']}\nserver log:\n"
                                 + "\n".join(e["line"] for e in entries))
        for d, got in rows:
            if got[0] == "VALID":
                detail = f"mode={got[1]} mx={','.join(got[2])} max_age={got[3]}"
            else:
                detail = " ".join(str(x) for x in got[1:])
            print(f"{d:<27} {got[0]:<12} {detail}")

    def test_requests_carry_sni_and_host(self):
        """RFC 8461 §3.3: SNI; and the peer fetches only the policy URL (no redirect followed)."""
        for d in self.domains:
            for e in self.log.get("mta-sts." + d, []):
                if e["what"] != "req":
                    continue
                with self.subTest(domain=d, line=e["line"]):
                    self.assertEqual(e["sni"], "mta-sts." + d)
                    self.assertEqual(e["hdr_host"].lower(), "mta-sts." + d)
                    self.assertEqual((e["method"], e["path"]), ("GET", POLICY_PATH))

    def test_postfix_policy_map_answers(self):
        for d in self.domains:
            q, _ = SCENARIOS[d]
            if q[0] == "VALID" and q[1] == "enforce":
                want = "OK secure match=" + ":".join(sorted(p.lstrip("*") for p in q[2]))
                want += " servername=hostname"
            else:
                want = "NOTFOUND "
            got = self.answers[d]
            m = re.match(r"OK secure match=(\S+)(.*)$", got)
            if m:  # the daemon lists the patterns in no particular order
                got = "OK secure match=" + ":".join(sorted(m[1].split(":"))) + m[2]
            with self.subTest(domain=d):
                self.assertEqual(got, want, f"{d}: daemon log:\n{self.daemon_log}")

    def test_delivery_agrees_with_rfc_8461_except_where_documented(self):
        rows, differing = [], set()
        for d in self.domains:
            rfc = SCENARIOS[d][1]
            peer = peer_delivery(self.answers[d], self.fingers.get(d, {}))
            if peer != rfc:
                differing.add(d)
            rows.append((d, rfc, peer))
            with self.subTest(domain=d):
                if peer != rfc:
                    detail = "\n".join(out for _, out in self.fingers.get(d, {}).values())
                    self.assertIn(d, DIFFERENCES, f"{d}: RFC 8461 sender {rfc}, Postfix with "
                                                  f"postfix-mta-sts-resolver {peer}\n{detail}")
        with self.subTest("documented differences still show"):
            self.assertEqual(differing, set(DIFFERENCES))
        for d, rfc, peer in rows:
            note = "agree" if rfc == peer else "differ: " + DIFFERENCES.get(d, "?")
            print(f"{d:<27} rfc={fmt(rfc):<58} peer={fmt(peer):<58} {note}")
        for d in sorted(self.fingers):
            for mx, (verdict, _) in self.fingers[d].items():
                print(f"  posttls-finger -l secure {mx}: {verdict}")


def mailcheck_delivery(report):
    """What an RFC 8461 sender does, as mailcheck's mta_sts details say: OPPORTUNISTIC without a
    usable enforce policy, else per MX host "deliver" (listed, every address with STARTTLS, TLS
    1.2+ and a valid certificate) or "refuse"."""
    sts = report["checks"]["mta_sts"]
    if sts.get("mode") != "enforce":
        return OPPORTUNISTIC
    return {h["name"]: "deliver" if h["listed"] and h["addresses"]
            and all(a["ok"] for a in h["addresses"]) else "refuse"
            for h in sts["hosts"]}


class MailcheckAgainstRfc(unittest.TestCase):
    def test_mailcheck_reaches_the_rfc_8461_verdict(self):
        """mailcheck's mta_sts verdict for every sts domain equals the RFC 8461 sender's of
        SCENARIOS (which the peer test above compares Postfix with)."""
        env = lab_env()
        domains = sorted(SCENARIOS)

        def run(domain):
            p = subprocess.run(
                [ARGS.mailcheck, "check", domain, "--format", "json", "--resolver",
                 env["LAB_RESOLVER"], "--trust-anchor", env["LAB_TRUST_ANCHOR"], "--ca-file",
                 env["LAB_CA"], "--smtp-timeout", "4", "--timeout", "30"],
                capture_output=True, text=True, timeout=90)
            self.assertIn(p.returncode, (0, 1), p.stderr)
            return json.loads(p.stdout)

        with ThreadPoolExecutor(max_workers=6) as pool:
            reports = dict(zip(domains, pool.map(run, domains)))
        agree = 0
        for d in domains:
            got = mailcheck_delivery(reports[d])
            with self.subTest(domain=d):
                self.assertEqual(got, SCENARIOS[d][1], reports[d]["checks"]["mta_sts"]["summary"])
            agree += got == SCENARIOS[d][1]
            print(f"{d:<27} mailcheck={fmt(got):<58} "
                  f"({reports[d]['checks']['mta_sts']['status']})")
        print(f"mailcheck reaches the RFC 8461 verdict for {agree} of {len(domains)} domains")


def fmt(delivery):
    if isinstance(delivery, str):
        return delivery
    return "enforce: " + ", ".join(f"{mx} {v}" for mx, v in sorted(delivery.items()))


if __name__ == "__main__":
    labenv.main(globals())
