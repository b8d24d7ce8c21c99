#!/usr/bin/env python3
"""MailCheck lab HTTPS server (python3 stdlib only: asyncio + ssl).

One process serves every lab HTTPS host (the MTA-STS policy hosts): it reads a
JSON config written by lab/lab.sh ($LAB_DIR/https.json) and listens on each
host's address and port with that host's certificate and behaviour. It speaks
just enough HTTP/1.1 for a policy fetch (RFC 8461 §3.3): one GET or HEAD per
connection, answered with "Connection: close". Started by lab/lab.sh inside
the lab network namespace; stops on SIGTERM.

Paths: /.well-known/mta-sts.txt gets the host's behaviour; REDIRECT_TARGET is
served (as "normal") by "redirect" hosts only; anything else is a 404.

Deadlines per connection: the TLS handshake (handshake_timeout), the request
head (request_timeout, from the end of the handshake) and the whole
connection (max_lifetime). A client may go away at any point. One log line
per request, or per connection that never got as far as a request (failed
handshake, no request), goes to stderr or --log.

Config format:
  {"handshake_timeout": 10, "request_timeout": 10, "max_lifetime": 300,
   "listeners": [{"address": "127.43.0.1", "port": 443,
                  "hostname": "mta-sts.sts-enforce.co.nz",
                  "chain": "/path/pki/mta-sts.sts-enforce.co.nz.chain.pem",
                  "key": "/path/pki/mta-sts.sts-enforce.co.nz.key",
                  "behaviour": "normal",
                  "policy": "/path/lab/mta-sts/sts-enforce.txt"}]}
"policy" may be null for behaviours that serve none (not-found).
Behaviours: see BEHAVIOURS below and lab/README.md.
"""

import argparse
import asyncio
import json
import socket
import ssl
import sys
import time

import labserver

POLICY_PATH = "/.well-known/mta-sts.txt"
REDIRECT_TARGET = "/mta-sts/policy.txt"
SIZE_LIMIT = 64 * 1024  # what senders commonly accept (postfix-mta-sts-resolver's limit)
OVERSIZED_LENGTH = SIZE_LIMIT + 4096

BEHAVIOURS = {
    "normal": "200, Content-Type text/plain; charset=utf-8, the policy file",
    "not-found": "404 for every path",
    "redirect": f"301 to https://HOST{REDIRECT_TARGET}, which serves the policy (200)",
    "wrong-type": "200, the policy file as Content-Type text/html; charset=utf-8",
    "oversized": f"200 text/plain: the policy padded with extension lines to {OVERSIZED_LENGTH} "
                 "bytes, without Content-Length (the body ends when the connection closes)",
    "slow": "200 text/plain with Content-Length at once, then the body one byte per second",
    "crlf": "200 text/plain: the policy file with CRLF line endings",
}
NEEDS_POLICY = set(BEHAVIOURS) - {"not-found"}

MAX_HEAD = 8192  # request line + header fields
SLOW_INTERVAL = 1.0

LOG = sys.stderr


def log(msg: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} {msg}", file=LOG, flush=True)


def make_context(listener: dict) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(listener["chain"], listener["key"])
    ctx.set_alpn_protocols(["http/1.1"])

    def sni(sslobj, server_name, _ctx):
        sslobj.lab_sni = server_name  # logged with the request

    ctx.sni_callback = sni
    return ctx


def with_crlf(body: bytes) -> bytes:
    return body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def padded(body: bytes) -> bytes:
    """BODY followed by extension lines (RFC 8461 §3.2 sts-policy-extension, ignored by a
    parser that reads that far) up to OVERSIZED_LENGTH bytes."""
    if not body.endswith(b"\n"):
        body += b"\n"
    n = 0
    while len(body) < OVERSIZED_LENGTH:
        body += b"x-lab-padding-%05d: %s\n" % (n, b"x" * 100)
        n += 1
    return body[:OVERSIZED_LENGTH - 1] + b"\n"


class BadRequest(Exception):
    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status


class Exchange:
    """One client connection (at most one request)."""

    def __init__(self, server: "LabHttps", listener: dict, peer):
        self.server = server
        self.l = listener
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.behaviour = listener["behaviour"]
        self.host = listener["hostname"]
        self.peer = f"[{peer[0]}]:{peer[1]}" if ":" in peer[0] else f"{peer[0]}:{peer[1]}"
        self.started = time.monotonic()
        self.tls_info = ""
        self.request = ""
        self.headers: dict[str, str] = {}
        self.status = 0
        self.content_type = "-"
        self.sent = 0
        self.length: int | None = None
        self.end = "closed"

    # -- I/O ------------------------------------------------------------------
    async def read_head(self) -> None:
        """Request line and header fields into self.request / self.headers."""
        total = 0
        lines = []
        while True:
            try:
                line = await self.reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as e:
                if not e.partial and not lines:
                    raise ConnectionAbortedError("no request") from None
                raise BadRequest(400, "request head cut short") from None
            except asyncio.LimitOverrunError:
                raise BadRequest(431, "request line or header too long") from None
            total += len(line)
            if total > MAX_HEAD:
                raise BadRequest(431, "request head too long")
            line = line.rstrip(b"\r\n")
            if not line:
                if lines:
                    break
                continue  # RFC 9112 §2.2: ignore empty lines before the request line
            lines.append(line.decode("latin-1"))
        self.request = lines[0][:200]
        for field in lines[1:]:
            name, sep, value = field.partition(":")
            if not sep or not name or name != name.strip():
                raise BadRequest(400, "malformed header field")
            self.headers[name.lower()] = value.strip()

    async def send_head(self, status: int, reason: str, fields: list[tuple[str, str]]) -> None:
        self.status = status
        self.content_type = dict(fields).get("Content-Type", "-")
        head = [f"HTTP/1.1 {status} {reason}", "Server: MailCheck-lab",
                "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
                *(f"{k}: {v}" for k, v in fields), "Connection: close", "", ""]
        self.writer.write("\r\n".join(head).encode("latin-1"))
        await self.writer.drain()

    async def send_body(self, body: bytes) -> None:
        self.writer.write(body)
        await self.writer.drain()
        self.sent += len(body)

    async def respond(self, status: int, reason: str, content_type: str, body: bytes, *,
                      head_only: bool, content_length: bool = True,
                      extra: tuple = ()) -> None:
        fields = [("Content-Type", content_type), *extra]
        if content_length:
            fields.append(("Content-Length", str(len(body))))
            self.length = len(body)
        await self.send_head(status, reason, fields)
        if not head_only:
            await self.send_body(body)
        self.end = "complete"

    async def slow_body(self, body: bytes) -> None:
        """Send BODY one byte per SLOW_INTERVAL; stop early when the client goes away."""
        gone = asyncio.ensure_future(self.reader.read(1))
        try:
            for i in range(len(body)):
                if gone.done() or self.writer.transport.is_closing():
                    self.end = "client gone (slow body)"
                    return
                await self.send_body(body[i:i + 1])
                try:
                    await asyncio.wait_for(asyncio.shield(gone), SLOW_INTERVAL)
                except asyncio.TimeoutError:
                    pass
                except (ConnectionError, ssl.SSLError, OSError):
                    pass
            self.end = "complete (slow body)"
        finally:
            if gone.done() and not gone.cancelled():
                gone.exception()  # retrieved: a reset client is not an error here
            gone.cancel()

    # -- the exchange -----------------------------------------------------------
    async def run(self, conn: socket.socket) -> None:
        # TLS from the first byte: the socket goes straight to the TLS protocol, so
        # nothing the client sends early (its ClientHello) is read as plain text.
        loop = asyncio.get_running_loop()
        self.reader = asyncio.StreamReader(limit=MAX_HEAD)
        protocol = asyncio.StreamReaderProtocol(self.reader)
        try:
            transport, _ = await loop.connect_accepted_socket(
                lambda: protocol, conn, ssl=self.server.contexts[self.key()],
                ssl_handshake_timeout=self.server.handshake_timeout)
        except (ssl.SSLError, ConnectionError, OSError, asyncio.TimeoutError) as e:
            self.end = f"tls handshake failed: {type(e).__name__}" + (f": {e}" if str(e) else "")
            conn.close()
            return
        self.writer = asyncio.StreamWriter(transport, protocol, self.reader, loop)
        obj = self.writer.get_extra_info("ssl_object")
        if obj is not None:
            cipher = obj.cipher()
            sni = getattr(obj, "lab_sni", None)
            self.tls_info = f"{obj.version()} {cipher[0] if cipher else '?'} sni={sni or '-'}"
        try:
            await asyncio.wait_for(self.read_head(), self.server.request_timeout)
        except asyncio.TimeoutError:
            self.end = "request timeout"
            return
        except ConnectionAbortedError:
            self.end = "no request"
            return
        except BadRequest as e:
            await self.respond(e.status, "Bad Request" if e.status == 400 else
                               "Request Header Fields Too Large", "text/plain; charset=utf-8",
                               f"{e}\n".encode(), head_only=False)
            self.end = f"bad request: {e}"
            return
        await self.answer()

    def key(self) -> tuple[str, int]:
        return (self.l["address"], int(self.l.get("port", 443)))

    async def answer(self) -> None:
        parts = self.request.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await self.respond(400, "Bad Request", "text/plain; charset=utf-8",
                               b"not an HTTP/1.x request line\n", head_only=False)
            return
        method, target, _version = parts
        head_only = method == "HEAD"
        if method not in ("GET", "HEAD"):
            await self.respond(405, "Method Not Allowed", "text/plain; charset=utf-8",
                               b"only GET and HEAD\n", head_only=False,
                               extra=(("Allow", "GET, HEAD"),))
            return
        path = target.split("?", 1)[0]
        b = self.behaviour
        policy = self.server.policies.get(self.key(), b"")
        if b == "redirect" and path == REDIRECT_TARGET:
            b = "normal"  # where the redirect points: a good policy
        elif path != POLICY_PATH or b == "not-found":
            await self.respond(404, "Not Found", "text/plain; charset=utf-8",
                               b"404 not found (MailCheck lab)\n", head_only=head_only)
            return
        text = "text/plain; charset=utf-8"
        if b == "normal":
            await self.respond(200, "OK", text, policy, head_only=head_only)
        elif b == "crlf":
            await self.respond(200, "OK", text, with_crlf(policy), head_only=head_only)
        elif b == "wrong-type":
            await self.respond(200, "OK", "text/html; charset=utf-8", policy, head_only=head_only)
        elif b == "redirect":
            location = f"https://{self.host}{REDIRECT_TARGET}"
            await self.respond(301, "Moved Permanently", text,
                               f"moved to {location}\n".encode(), head_only=head_only,
                               extra=(("Location", location),))
        elif b == "oversized":
            await self.respond(200, "OK", text, padded(policy), head_only=head_only,
                               content_length=False)
        elif b == "slow":
            self.length = len(policy)
            await self.send_head(200, "OK", [("Content-Type", text),
                                             ("Content-Length", str(len(policy)))])
            if head_only:
                self.end = "complete"
            else:
                await self.slow_body(policy)
        else:  # checked at start
            raise AssertionError(b)

    def summary(self) -> str:
        dur = time.monotonic() - self.started
        what = "req" if self.request else "conn"
        tls = f" tls=[{self.tls_info}]" if self.tls_info else ""
        req = ""
        if self.request:
            ua = self.headers.get("user-agent", "-")[:60]
            length = "?" if self.length is None else str(self.length)
            req = (f' "{self.request}" host={self.headers.get("host", "-")} ua="{ua}"'
                   f' status={self.status} type="{self.content_type}" sent={self.sent}/{length}')
        return (f"{what} {self.peer} -> {self.l['address']}:{self.l.get('port', 443)} {self.host} "
                f"behaviour={self.behaviour}{tls}{req} end={self.end!r} {dur:.2f}s")


class LabHttps:
    def __init__(self, config: dict):
        self.config = config
        self.handshake_timeout = float(config.get("handshake_timeout", 10))
        self.request_timeout = float(config.get("request_timeout", 10))
        self.max_lifetime = float(config.get("max_lifetime", 300))
        self.sockets: list[socket.socket] = []
        self.tasks: set = set()
        self.contexts: dict[tuple[str, int], ssl.SSLContext] = {}
        self.policies: dict[tuple[str, int], bytes] = {}

    async def handle(self, listener, conn: socket.socket, peer) -> None:
        x = Exchange(self, listener, peer)
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            await asyncio.wait_for(x.run(conn), self.max_lifetime)
        except asyncio.TimeoutError:
            x.end = "max lifetime"
        except (ConnectionError, ssl.SSLError, OSError) as e:
            x.end = f"{type(e).__name__}: {e}"
        except asyncio.CancelledError:
            x.end = "server stopping"
            raise
        except Exception as e:  # never let one client kill the server
            x.end = f"internal error {type(e).__name__}: {e}"
        finally:
            self.tasks.discard(task)
            log(x.summary())
            try:
                if x.writer is not None:
                    x.writer.close()
                else:
                    conn.close()
            except Exception:
                pass

    async def accept(self, listener, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, peer = await loop.sock_accept(sock)
            except OSError as e:  # e.g. EMFILE: keep serving the others
                log(f"accept on {listener['address']} failed: {e}")
                await asyncio.sleep(0.1)
                continue
            conn.setblocking(False)
            task = asyncio.ensure_future(self.handle(listener, conn, peer))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def start(self) -> None:
        for l in self.config["listeners"]:
            b = l.get("behaviour")
            if b not in BEHAVIOURS:
                raise SystemExit(f"unknown behaviour {b!r} for {l['hostname']}")
            key = (l["address"], int(l.get("port", 443)))
            if key in self.contexts:
                raise SystemExit(f"two listeners on {key[0]} port {key[1]}")
            if l.get("policy"):
                with open(l["policy"], "rb") as f:
                    self.policies[key] = f.read()
            elif b in NEEDS_POLICY:
                raise SystemExit(f"behaviour {b!r} of {l['hostname']} needs a policy file")
            self.contexts[key] = make_context(l)

            family = socket.AF_INET6 if ":" in key[0] else socket.AF_INET
            sock = socket.create_server(key, family=family, backlog=64)
            sock.setblocking(False)
            self.sockets.append(sock)
        for l, sock in zip(self.config["listeners"], self.sockets):
            task = asyncio.ensure_future(self.accept(l, sock))
            self.tasks.add(task)
        log(f"listening on {len(self.sockets)} addresses")


async def amain(args) -> int:
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    server = LabHttps(config)
    await server.start()
    await labserver.run_until_signalled(args.pidfile)  # only now: every listener is bound
    log("signal received, exiting")
    for sock in server.sockets:
        sock.close()
    for t in list(server.tasks):
        t.cancel()
    return 0


def main() -> int:
    global LOG
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="JSON config (see module doc)")
    parser.add_argument("--pidfile", help="written once every listener is bound")
    parser.add_argument("--log", help="request log (default: stderr)")
    args = parser.parse_args()
    if args.log:
        LOG = open(args.log, "a", encoding="utf-8", buffering=1)
    try:
        return asyncio.run(amain(args))
    except (OSError, ssl.SSLError) as e:
        log(f"error: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
