#!/usr/bin/env python3
"""serve_test.py - `mailcheck serve` inside the lab: the JSON API (validated against the report
schema), the result pages and the event stream, bad input, request limits, per-client rate limits
and the audit cap (429 with Retry-After), the SSRF guard on and off (the lab's SMTP and HTTPS
servers log every connection), the access log, HEAD on the audit routes (which starts no audit),
the event stream's headers and heartbeat, a clean SIGTERM shutdown (clients waiting on a cancelled
audit get 503 with Retry-After), and the options `serve` takes.

No sleep stands in for synchronisation: each test waits for the event itself (a log line, a
response, a counter) with a deadline, through wait_until.

Run by ctest inside the lab's network namespace (lab/lab.sh exec)."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import labenv

import jsonschema

ARGS = None

# The headers that describe one body rather than every response.
PER_BODY_HEADERS = {"content-type", "content-length", "age", "x-cache", "connection"}
SECURITY_HEADERS = {"content-security-policy", "x-content-type-options", "x-frame-options",
                    "referrer-policy", "cross-origin-opener-policy"}


def wait_until(condition, what, timeout=20, every=0.02):
    """condition()'s first truthy value, polled until timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %s s waiting for %s" % (timeout, what))
        time.sleep(every)


def read_until_closed(sock):
    """Everything the peer sends until it closes the connection."""
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def split_response(raw):
    """(status, {lower-case header: value}, body) of one raw HTTP/1.1 response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


def stream_events(body):
    """The (event, data) pairs of a text/event-stream body; comment lines are not events."""
    out = []
    for block in body.decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines()
                      if ": " in line and not line.startswith(":"))
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


class Server:
    """One `mailcheck serve` process on 127.0.0.1 with a port the kernel picks."""

    def __init__(self, *extra, allow_private=True):
        env = labenv.lab_env(ARGS.lab_dir)
        self.dir = tempfile.TemporaryDirectory()
        self.access_log = os.path.join(self.dir.name, "access.log")
        self.status_path = os.path.join(self.dir.name, "status.log")
        cmd = [ARGS.mailcheck, "serve", "--listen", "127.0.0.1:0",
               "--resolver", env["LAB_RESOLVER"], "--trust-anchor", env["LAB_TRUST_ANCHOR"],
               "--ca-file", env["LAB_CA"], "--access-log", self.access_log,
               "--timeout", "20", "--smtp-timeout", "4", *extra]
        if allow_private:
            cmd.append("--allow-private")
        self.status = open(self.status_path, "w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.status)

        def listening():
            with open(self.status_path) as f:
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", f.read())
            if not m and self.proc.poll() is not None:
                raise RuntimeError("mailcheck serve exited: " + open(self.status_path).read())
            return m and int(m.group(1))
        self.port = wait_until(listening, "mailcheck serve to listen")

    def get(self, path, method="GET", headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp, body

    def api(self, domain):
        resp, body = self.get("/api/v1/check?domain=" + urllib.parse.quote(domain))
        return resp, json.loads(body)

    def events(self, domain, extra=""):
        """The event stream of one domain: a list of (event, data)."""
        resp, body = self.get("/api/v1/events?domain=" + urllib.parse.quote(domain) + extra)
        assert resp.status == 200, (resp.status, body)
        return stream_events(body)

    def send(self, path, method="GET"):
        """A socket that has sent one request (Connection: close): read it with
        read_until_closed."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                   % (method, path)).encode())
        return s

    def health(self):
        _, body = self.get("/healthz")
        return json.loads(body)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        self.status.seek(0)
        out = self.status.read()
        self.status.close()
        return out

    def access_lines(self):
        with open(self.access_log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def logged(self, target, count=1):
        """The access log's lines for target, once there are count of them (the server writes a
        line after the response is sent, so a client can be ahead of the log)."""
        def lines():
            mine = [x for x in self.access_lines() if x["target"] == target]
            return mine if len(mine) >= count else None
        return wait_until(lines, "%d access log line(s) for %s" % (count, target))


def lab_log_lines(name, needle):
    """Lines of the lab's SMTP or HTTPS server log that mention needle."""
    with open(os.path.join(ARGS.lab_dir, name), errors="replace") as f:
        return [line for line in f if needle in line]


class Serve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(ARGS.schema) as f:
            cls.validator = jsonschema.Draft202012Validator(json.load(f))
        cls.server = Server("--rate", "600", "--burst", "100")

    @classmethod
    def tearDownClass(cls):
        out = cls.server.stop()
        assert cls.server.proc.returncode == 0, out

    def test_api_report_is_schema_valid_and_cached(self):
        resp, report = self.server.api("showcase.co.nz")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "application/json")
        self.validator.validate(report)
        self.assertEqual(report["domain"], "showcase.co.nz")
        self.assertEqual(report["grade"]["letter"], "A")
        resp2, report2 = self.server.api("showcase.co.nz")
        self.assertEqual(resp2.getheader("X-Cache"), "hit")
        self.assertIsNotNone(resp2.getheader("Age"))
        self.assertEqual(report2["generated_at"], report["generated_at"])

    def test_compliance_profile_on_the_api_and_the_page(self):
        resp, body = self.server.get("/api/v1/check?domain=showcase.co.nz&profile=nz-sge")
        self.assertEqual(resp.status, 200)
        report = json.loads(body)
        self.validator.validate(report)
        self.assertEqual(report["profile"]["name"], "nz-sge")
        self.assertFalse(report["profile"]["compliant"])  # no MTA-STS
        resp, body = self.server.get("/check?domain=showcase.co.nz&profile=bod-18-01&wait=1")
        page = body.decode()
        self.assertIn('id="profile"', page)
        self.assertIn("bod-18-01", page)
        self.assertIn('<option value="bod-18-01" selected>', page)
        for route in ("/api/v1/check", "/api/v1/events"):
            resp, body = self.server.get(route + "?domain=showcase.co.nz&profile=pci")
            self.assertEqual(resp.status, 400, route)
            self.assertEqual(json.loads(body)["error"]["code"], "invalid_profile", route)
        resp, body = self.server.get("/check?domain=showcase.co.nz&profile=pci")
        self.assertEqual(resp.status, 400)
        # With a valid profile the event stream's overview carries the verdict.
        events = self.server.events("showcase.co.nz", "&profile=nz-sge")
        self.assertIn('id="profile"', events[-1][1]["overview"])

    def test_pasted_forms_of_a_domain_are_understood(self):
        for given in ("  Showcase.CO.NZ ", "postmaster@showcase.co.nz",
                      "https://showcase.co.nz/some/page"):
            resp, report = self.server.api(given)
            self.assertEqual(resp.status, 200, given)
            self.assertEqual(report["domain"], "showcase.co.nz", given)

    def test_idn_domain(self):
        resp, report = self.server.api("müller.co.nz")
        self.assertEqual(resp.status, 200)
        self.assertEqual(report["domain"], "xn--mller-kva.co.nz")
        resp, body = self.server.get("/check?domain=xn--mller-kva.co.nz&wait=1")
        self.assertIn("müller.co.nz", body.decode())

    def test_bad_input_is_a_400_that_says_why(self):
        for query, code in (("", "missing_domain"), ("?domain=", "missing_domain"),
                            ("?domain=exa%20mple.nz", "invalid_domain"),
                            ("?domain=" + "a" * 2000, "invalid_domain"),
                            ("?domain=%3Cscript%3E", "invalid_domain"),
                            ("?domain=a..b", "invalid_domain")):
            resp, body = self.server.get("/api/v1/check" + query)
            self.assertEqual(resp.status, 400, query)
            err = json.loads(body)["error"]
            self.assertEqual(err["code"], code, query)
            self.assertTrue(err["message"], query)

    def test_user_input_is_escaped_in_pages(self):
        resp, body = self.server.get("/check?domain=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
        self.assertEqual(resp.status, 400)
        page = body.decode()
        self.assertNotIn("<script>alert", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)

    def test_security_headers_everywhere(self):
        for path in ("/", "/check?domain=showcase.co.nz&wait=1", "/healthz", "/static/app.js",
                     "/nope", "/api/v1/events?domain=showcase.co.nz", "/api/v1/check"):
            for method in ("GET", "HEAD"):
                resp, _ = self.server.get(path, method=method)
                csp = resp.getheader("Content-Security-Policy")
                self.assertIn("default-src 'none'", csp, path)
                self.assertIn("script-src 'self'", csp, path)
                self.assertNotIn("unsafe", csp, path)
                self.assertEqual(resp.getheader("X-Content-Type-Options"), "nosniff", path)
                self.assertEqual(resp.getheader("X-Frame-Options"), "DENY", path)
                self.assertEqual(resp.getheader("Referrer-Policy"), "no-referrer", path)
                self.assertEqual(resp.getheader("Cross-Origin-Opener-Policy"), "same-origin",
                                 path)

    def test_event_stream_carries_every_header_the_json_api_does(self):
        api, _ = self.server.get("/api/v1/check?domain=showcase.co.nz")
        stream, _ = self.server.get("/api/v1/events?domain=showcase.co.nz")
        self.assertEqual(stream.getheader("Content-Type"), "text/event-stream")
        shared = {k.lower(): v for k, v in api.getheaders() if k.lower() not in PER_BODY_HEADERS}
        self.assertLessEqual(SECURITY_HEADERS, shared.keys())
        got = {k.lower(): v for k, v in stream.getheaders()}
        for name, value in shared.items():
            self.assertEqual(got.get(name), value, name)

    def test_head_on_an_audit_route_starts_no_audit(self):
        domain = "dmarc-ruf.co.nz"  # audited by this test alone
        started = self.server.health()["audits_started"]
        for route, content_type in (("/check?domain=", "text/html; charset=utf-8"),
                                    ("/check?wait=1&domain=", "text/html; charset=utf-8"),
                                    ("/api/v1/check?domain=", "application/json"),
                                    ("/api/v1/events?domain=", "text/event-stream")):
            resp, body = self.server.get(route + domain, method="HEAD", timeout=10)
            self.assertEqual(resp.status, 200, route)
            self.assertEqual(body, b"", route)
            self.assertEqual(resp.getheader("Content-Type"), content_type, route)
            self.assertEqual(self.server.logged(route + domain)[0]["cache"], "-", route)
        self.assertEqual(self.server.health()["audits_started"], started)
        # HEAD reads its input as GET does.
        resp, _ = self.server.get("/api/v1/check?domain=a..b", method="HEAD")
        self.assertEqual(resp.status, 400)
        resp, _ = self.server.get("/api/v1/events?domain=%s&profile=pci" % domain, method="HEAD")
        self.assertEqual(resp.status, 400)
        # Nothing was cached or is running: GET starts the first audit of the domain.
        resp, body = self.server.get("/api/v1/check?domain=" + domain)
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("X-Cache"), "miss")
        self.assertEqual(self.server.health()["audits_started"], started + 1)
        # Of a result at hand, HEAD gives every header GET gives, the length included.
        head, empty = self.server.get("/api/v1/check?domain=" + domain, method="HEAD")
        self.assertEqual(empty, b"")
        self.assertEqual(head.getheader("X-Cache"), "hit")
        self.assertEqual(int(head.getheader("Content-Length")), len(body))

    def test_request_limits(self):
        resp, _ = self.server.get("/", method="POST")
        self.assertEqual(resp.status, 405)
        self.assertEqual(resp.getheader("Allow"), "GET, HEAD")
        resp, _ = self.server.get("/", headers={"X-Big": "x" * 10000})
        self.assertEqual(resp.status, 431)
        resp, body = self.server.get("/healthz", method="HEAD")
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b"")
        # A request with a body is refused (nothing here takes one).
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        reply = s.recv(4096)
        s.close()
        self.assertIn(b" 413 ", reply.split(b"\r\n")[0] + b" ")
        # Garbage is a 400, not a crash.
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        s.sendall(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
        reply = s.recv(4096)
        s.close()
        self.assertIn(b"400", reply.split(b"\r\n")[0])
        resp, _ = self.server.get("/healthz")
        self.assertEqual(resp.status, 200)

    def test_slow_client_is_cut_off(self):
        # Half a request line, then silence: the server closes after its request timeout (10 s).
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
        s.sendall(b"GET / HT")
        start = time.monotonic()
        self.assertEqual(s.recv(4096), b"")
        self.assertLess(time.monotonic() - start, 25)
        s.close()

    def test_event_stream_sends_every_area_once_then_the_overview(self):
        events = self.server.events("good.co.nz")
        names = [e for e, _ in events]
        self.assertEqual(names[-1], "done")
        areas = [d["area"] for e, d in events if e == "area"]
        self.assertEqual(sorted(areas), sorted(["mx", "dnssec", "dane", "starttls", "mta_sts",
                                                "tls_rpt", "spf", "dkim", "dmarc", "bimi"]))
        for e, d in events:
            if e == "area":
                self.assertTrue(d["html"].startswith('<section id="%s"' % d["area"]))
        done = events[-1][1]
        self.assertIn("Summary", done["overview"])
        # The same result, now cached, replays the whole stream at once.
        again = self.server.events("good.co.nz")
        self.assertEqual([e for e, _ in again], names)

    def test_result_page_pending_then_whole(self):
        resp, body = self.server.get("/check?domain=dkim-ok.co.nz")
        self.assertEqual(resp.status, 200)
        page = body.decode()
        if 'data-state="pending"' in page:
            self.assertIn('src="/static/app.js"', page)
            self.assertEqual(page.count('class="pending"'), 10)
        resp, body = self.server.get("/check?domain=dkim-ok.co.nz&wait=1")
        page = body.decode()
        self.assertIn('data-state="done"', page)
        self.assertIn("Fix first", page)
        self.assertIn('<section id="dkim"', page)

    def test_health(self):
        resp, body = self.server.get("/healthz")
        self.assertEqual(resp.status, 200)
        h = json.loads(body)
        self.assertEqual(h["status"], "ok")
        for key in ("audits_running", "cached_results", "connections", "uptime_s"):
            self.assertIn(key, h)

    def test_access_log_is_one_json_object_per_request(self):
        self.server.get("/healthz?probe=access-log")
        mine = self.server.logged("/healthz?probe=access-log")
        lines = self.server.access_lines()
        for line in lines:
            for key in ("time", "client", "method", "target", "status", "bytes", "ms", "cache"):
                self.assertIn(key, line)
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["status"], 200)
        self.assertEqual(mine[0]["client"], "127.0.0.1")


class Limits(unittest.TestCase):
    def test_per_client_rate_limit(self):
        server = Server("--rate", "1", "--burst", "2")
        try:
            for d in ("dmarc-reject.co.nz", "dmarc-none.co.nz"):
                resp, _ = server.api(d)
                self.assertEqual(resp.status, 200, d)
            resp, body = server.api("dmarc-quarantine.co.nz")
            self.assertEqual(resp.status, 429)
            self.assertEqual(body["error"]["code"], "rate_limited")
            self.assertGreaterEqual(int(resp.getheader("Retry-After")), 1)
            # Cached results cost nothing.
            resp, _ = server.api("dmarc-reject.co.nz")
            self.assertEqual(resp.status, 200)
            resp, body = server.get("/check?domain=dmarc-quarantine.co.nz")
            self.assertEqual(resp.status, 429)
            self.assertIn("try again in", body.decode())
        finally:
            self.assertIn("stopped", server.stop())
        self.assertEqual(server.proc.returncode, 0)

    def test_rate_limit_behind_a_trusted_proxy(self):
        server = Server("--rate", "1", "--burst", "1", "--trusted-proxy", "127.0.0.1")
        try:
            def api(domain, client):
                resp, body = server.get("/api/v1/check?domain=" + domain,
                                        headers={"X-Forwarded-For": "198.51.100.1, " + client})
                return resp.status
            self.assertEqual(api("dkim-ok.co.nz", "203.0.113.5"), 200)
            self.assertEqual(api("dkim-weak.co.nz", "203.0.113.5"), 429)
            self.assertEqual(api("dkim-weak.co.nz", "203.0.113.6"), 200)
            server.logged("/api/v1/check?domain=dkim-weak.co.nz", count=2)
            clients = {line["client"] for line in server.access_lines()}
            self.assertEqual(clients, {"203.0.113.5", "203.0.113.6"})
        finally:
            server.stop()
        # Without --trusted-proxy the header changes nothing: one client, one token.
        server = Server("--rate", "1", "--burst", "1")
        try:
            resp, _ = server.get("/api/v1/check?domain=dkim-ok.co.nz",
                                 headers={"X-Forwarded-For": "203.0.113.5"})
            self.assertEqual(resp.status, 200)
            resp, _ = server.get("/api/v1/check?domain=dkim-weak.co.nz",
                                 headers={"X-Forwarded-For": "203.0.113.6"})
            self.assertEqual(resp.status, 429)
        finally:
            server.stop()

    def test_expired_results_leave_the_cache(self):
        server = Server("--cache-ttl", "1")
        try:
            resp, _ = server.api("dmarc-reject.co.nz")
            self.assertEqual(resp.status, 200)
            _, body = server.get("/healthz")
            self.assertEqual(json.loads(body)["cached_results"], 1)
            self.assertGreater(json.loads(body)["cache_bytes"], 0)
            # /healthz sweeps the cache: the result leaves once its second is up.
            def expired():
                h = server.health()
                return h if h["cached_results"] == 0 else None
            health = wait_until(expired, "the result to expire", timeout=10)
            self.assertEqual(health["cache_bytes"], 0)
        finally:
            server.stop()

    def test_idle_connections_make_room_at_the_cap(self):
        server = Server("--max-connections", "4")
        idle = []
        try:
            # Each connection has had an answer, so the server holds it, idle, for the next.
            for _ in range(4):
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                idle.append(conn)
            resp, _ = server.get("/healthz")
            self.assertEqual(resp.status, 200)  # not 503: the longest-idle one was closed
            closed = 0
            for conn in idle:
                conn.sock.settimeout(2)
                try:
                    closed += conn.sock.recv(1) == b""
                except (socket.timeout, ConnectionResetError):
                    pass
            self.assertGreaterEqual(closed, 1)
        finally:
            for conn in idle:
                conn.close()
            server.stop()

    def test_forwarded_for_split_over_lines(self):
        # A proxy that adds its own X-Forwarded-For line: the client's own line must not win.
        server = Server("--trusted-proxy", "127.0.0.1")
        try:
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(b"GET /healthz?xff=lines HTTP/1.1\r\nHost: x\r\n"
                      b"X-Forwarded-For: 9.9.9.9\r\nX-Forwarded-For: 203.0.113.7\r\n"
                      b"Connection: close\r\n\r\n")
            read_until_closed(s)
            s.close()
            mine = server.logged("/healthz?xff=lines")
            self.assertEqual([x["client"] for x in mine], ["203.0.113.7"])
        finally:
            server.stop()

    def test_audit_cap(self):
        # One audit at a time; smtp-slow-drip's banner drips until the SMTP deadline (4 s).
        server = Server("--max-audits", "1")
        try:
            resp, body = server.get("/check?domain=smtp-slow-drip.co.nz")
            self.assertEqual(resp.status, 200)
            self.assertIn(b'data-state="pending"', body)
            resp, body = server.api("dmarc-reject.co.nz")
            self.assertEqual(resp.status, 429)
            self.assertEqual(body["error"]["code"], "busy")
            self.assertGreaterEqual(int(resp.getheader("Retry-After")), 1)
            # Joining the running audit is not a new one.
            resp, report = server.api("smtp-slow-drip.co.nz")
            self.assertEqual(resp.status, 200)
            self.assertEqual(report["domain"], "smtp-slow-drip.co.nz")
        finally:
            server.stop()

    def test_event_stream_heartbeat_while_the_audit_runs(self):
        # smtp-slow-drip's banner drips until the SMTP deadline (4 s): many beats of 0.2 s.
        server = Server("--heartbeat", "0.2")
        try:
            s = server.send("/api/v1/events?domain=smtp-slow-drip.co.nz")
            status, _, body = split_response(read_until_closed(s))
            s.close()
            self.assertEqual(status, 200)
            text = body.decode()
            self.assertIn("\n\n: heartbeat\n\n", "\n\n" + text)
            self.assertLess(text.index(": heartbeat\n"), text.index("event: done\n"))
            self.assertEqual(stream_events(body)[-1][0], "done")
        finally:
            server.stop()

    def test_clients_waiting_on_a_cancelled_audit_get_503(self):
        server = Server("--shutdown-grace", "0.5")
        waiting = []
        try:
            query = "domain=smtp-slow-drip.co.nz"
            waiting = [server.send("/api/v1/check?" + query), server.send("/check?wait=1&" + query),
                       server.send("/api/v1/events?" + query)]
            # Accepted (a health check's own connection is the fourth): each is answered.
            wait_until(lambda: server.health()["connections"] >= 4, "the clients to connect")
            self.assertEqual(server.health()["audits_running"], 1)
            server.proc.send_signal(signal.SIGTERM)
            answers = [split_response(read_until_closed(s)) for s in waiting]
            server.proc.wait(timeout=30)  # a second signal would stop it at once
        finally:
            for s in waiting:
                s.close()
            out = server.stop()
        self.assertIn("stopped (1 audit(s) cancelled)", out)
        self.assertEqual(server.proc.returncode, 0, out)
        for status, headers, body in answers[:2]:
            self.assertEqual(status, 503, body)
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
            self.assertEqual(headers["connection"], "close")
        self.assertEqual(json.loads(answers[0][2])["error"]["code"], "stopping")
        self.assertIn(b"try again", answers[1][2])
        # The stream had its 200 long before: it ends with a failed event that says why.
        status, _, body = answers[2]
        self.assertEqual(status, 200)
        event, data = stream_events(body)[-1]
        self.assertEqual(event, "failed")
        self.assertIn("restarting", data["error"])

    def stop_during_a_slow_audit(self, grace):
        """Start an audit that takes seconds, SIGTERM the server: (its log, seconds to exit)."""
        server = Server("--shutdown-grace", grace)
        resp, _ = server.get("/check?domain=smtp-slow-drip.co.nz")
        self.assertEqual(resp.status, 200)
        self.assertEqual(server.health()["audits_running"], 1)
        start = time.monotonic()
        out = server.stop()
        self.assertEqual(server.proc.returncode, 0, out)
        return out, time.monotonic() - start

    def test_sigterm_lets_running_audits_finish(self):
        out, took = self.stop_during_a_slow_audit("20")
        self.assertIn("1 audit(s) running", out)
        self.assertIn("stopped (0 audit(s) cancelled)", out)
        self.assertLess(took, 20)

    def test_sigterm_cancels_audits_past_the_grace_period(self):
        out, took = self.stop_during_a_slow_audit("0.5")
        self.assertIn("stopped (1 audit(s) cancelled)", out)
        self.assertLess(took, 3)


class SsrfGuard(unittest.TestCase):
    """serve-guard.co.nz is used by this test alone, so the lab servers' logs show exactly
    whether anything connected to its hosts."""

    SMTP = ("127.25.4.1", 25, "smtp.log", "mx.serve-guard.co.nz")
    HTTPS = ("127.43.0.40", 443, "https.log", "mta-sts.serve-guard.co.nz")

    def connections(self):
        return tuple(len(lab_log_lines(log, host)) for _, _, log, host in (self.SMTP, self.HTTPS))

    def connections_after_a_marker(self):
        """The lab servers log a connection when it ends, so a count taken at once can miss the
        last ones: connect to each host once more, and count once that connection (which ended
        after any the audit made) is in the log. The marker itself is not counted."""
        counts = []
        for address, port, log, host in (self.SMTP, self.HTTPS):
            s = socket.create_connection((address, port), timeout=10)
            marker = "%s:%d -> " % s.getsockname()[:2]
            s.close()
            wait_until(lambda: lab_log_lines(log, marker), "the marker connection in " + log)
            counts.append(len([x for x in lab_log_lines(log, host) if marker not in x]))
        return tuple(counts)

    def test_guard_on_connects_to_nothing_and_reports_why(self):
        server = Server(allow_private=False)
        try:
            before = self.connections()
            resp, report = server.api("serve-guard.co.nz")
            self.assertEqual(resp.status, 200)
            st = report["checks"]["starttls"]
            self.assertEqual(st["status"], "fail")
            ids = {f["id"] for f in report["findings"] if f["check"] == "starttls"}
            self.assertEqual(ids, {"starttls.address_not_public"})
            for host in st["hosts"]:
                for a in host["addresses"]:
                    self.assertFalse(a["connected"])
                    self.assertEqual(a["failure"]["kind"], "blocked")
            sts_ids = {f["id"] for f in report["findings"] if f["check"] == "mta_sts"}
            self.assertIn("mta_sts.policy_host_not_public", sts_ids)
            self.assertEqual(report["checks"]["dmarc"]["status"], "pass")
            self.assertEqual(self.connections_after_a_marker(), before)
        finally:
            server.stop()

    def test_guard_off_connects(self):
        server = Server(allow_private=True)
        try:
            before = self.connections()
            resp, report = server.api("serve-guard.co.nz")
            self.assertEqual(resp.status, 200)
            self.assertEqual(report["checks"]["starttls"]["status"], "pass")
            self.assertEqual(report["checks"]["mta_sts"]["status"], "pass")
            after = self.connections_after_a_marker()
            self.assertGreater(after[0], before[0])
            self.assertGreater(after[1], before[1])
        finally:
            server.stop()


class Options(unittest.TestCase):
    """serve takes the options that mean something to it, and no others."""

    def mailcheck(self, *args):
        return subprocess.run([ARGS.mailcheck, *args], capture_output=True, text=True, timeout=20)

    def test_output_options_are_not_serve_options(self):
        for option, value in (("--format", "json"), ("--color", "always")):
            p = self.mailcheck("serve", "--listen", "127.0.0.1:0", option, value)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(p.stdout, "")
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertIn(option, lines[0])
        p = self.mailcheck("serve", "--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for option in ("--format", "--color"):
            self.assertNotIn(option, p.stdout)
        for option in ("--listen", "--resolver", "--trust-anchor", "--ca-file", "--timeout",
                       "--smtp-timeout", "--ehlo-name", "--heartbeat", "--access-log"):
            self.assertIn(option, p.stdout)
        # The other commands keep theirs.
        p = self.mailcheck("check", "--help")
        for option in ("--format", "--color", "--resolver", "--profile", "--dkim-selector"):
            self.assertIn(option, p.stdout)


if __name__ == "__main__":
    labenv.main(globals(), extra_args=("--schema",))
