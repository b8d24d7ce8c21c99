#!/usr/bin/env python3
"""MailCheck lab SMTP server (python3 stdlib only: asyncio + ssl).

One process serves every lab mail host: it reads a JSON config written by
lab/lab.sh ($LAB_DIR/smtp.json) and listens on each host's address and port
with that host's behaviour. It speaks just enough SMTP for a TLS probe
(banner, EHLO/HELO, STARTTLS, NOOP, RSET, QUIT) and never accepts mail.
Started by lab/lab.sh inside the lab network namespace; stops on SIGTERM.
On SIGHUP it re-reads the config and reloads every listener's certificate
chain and key (lab/lab.sh serve-cert uses this to re-key a host in place);
addresses and behaviours stay as they were at start.

Config format:
  {"idle_timeout": 120, "max_lifetime": 300,
   "listeners": [{"address": "127.25.1.1", "port": 25,
                  "hostname": "mx.dane-ok.co.nz",
                  "chain": "/path/pki/mx.dane-ok.co.nz.chain.pem",
                  "key": "/path/pki/mx.dane-ok.co.nz.key",
                  "behaviour": "normal", "tls_min": "TLSv1.2", "tls_max": "TLSv1.3"}]}
Behaviours: see BEHAVIOURS below and lab/README.md.
"""

import argparse
import asyncio
import json
import socket
import ssl
import struct
import sys
import time
import warnings

import labserver

# TLS 1.0/1.1 are deprecated in the ssl module; tls10-only wants them anyway.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=__name__)

BEHAVIOURS = {
    "normal": "banner, EHLO with STARTTLS, TLS, EHLO without STARTTLS",
    "multiline-banner": "normal, but the banner has 220- continuation lines",
    "no-starttls": "EHLO does not offer STARTTLS; STARTTLS -> 502",
    "starttls-refused": "STARTTLS offered, but STARTTLS -> 454",
    "no-banner": "accepts the connection and never sends anything",
    "garbage-banner": "sends an HTTP error line instead of a banner, then waits",
    "banner-421": "421 banner, then closes",
    "banner-554": "554 banner; then 503 to everything but QUIT (RFC 5321 3.1)",
    "ehlo-550": "EHLO -> 550, HELO -> 250",
    "tls-abort": "STARTTLS -> 220, then junk instead of a ServerHello (after the ClientHello), then close",
    "reset": "accepts, then closes at once with a TCP RST",
    "slow-drip": "sends the banner one byte per second until the client goes away",
    "tls10-only": "normal, but TLS 1.0 only (SECLEVEL=0)",
    "starttls-twice": "normal, but EHLO after TLS still offers STARTTLS",
    "slow-replies": "normal, but every reply comes 0.6 s late (each step takes time)",
    "refused": "no listener at all (connection refused)",
}

SLOW_REPLY_DELAY = 0.6  # seconds, behaviour slow-replies

TLS_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.0": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}

MAX_LINE = 4096
HANDSHAKE_TIMEOUT = 30

LOG = sys.stderr


def log(msg: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} {msg}", file=LOG, flush=True)


def make_context(listener: dict) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_min = TLS_VERSIONS[listener.get("tls_min") or "TLSv1.2"]
    tls_max = TLS_VERSIONS[listener.get("tls_max") or "TLSv1.3"]
    if tls_min < ssl.TLSVersion.TLSv1_2:
        # OpenSSL 3's default security level refuses TLS 1.0/1.1 (and SHA-1
        # signatures); level 0 lets the server really offer them.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = tls_min
    ctx.maximum_version = tls_max
    ctx.load_cert_chain(listener["chain"], listener["key"])

    def sni(sslobj, server_name, _ctx):
        sslobj.lab_sni = server_name  # logged with the connection

    ctx.sni_callback = sni
    return ctx


class Session:
    """One client connection."""

    def __init__(self, server: "LabSmtp", listener: dict, ctx, reader, writer):
        self.server = server
        self.l = listener
        self.ctx = ctx
        self.reader = reader
        self.writer = writer
        self.behaviour = listener["behaviour"]
        self.host = listener["hostname"]
        self.tls = False
        self.tls_info = ""
        self.commands: list[str] = []
        self.end = "closed"
        peer = writer.get_extra_info("peername") or ("?", 0)
        self.peer = f"{peer[0]}:{peer[1]}"
        self.started = time.monotonic()

    # -- I/O helpers --------------------------------------------------------
    async def send(self, *lines: str) -> None:
        if self.behaviour == "slow-replies":
            await asyncio.sleep(SLOW_REPLY_DELAY)
        self.writer.write("".join(line + "\r\n" for line in lines).encode("utf-8"))
        await self.writer.drain()

    async def readline(self) -> str | None:
        """A command line, or None on EOF. Raises TimeoutError when idle."""
        remaining = self.server.max_lifetime - (time.monotonic() - self.started)
        timeout = max(0.0, min(self.server.idle_timeout, remaining))
        try:
            data = await asyncio.wait_for(self.reader.readline(), timeout)
        except asyncio.TimeoutError:
            self.end = "max lifetime" if remaining < self.server.idle_timeout else "idle timeout"
            raise
        except (asyncio.LimitOverrunError, ValueError):
            self.end = "line too long"
            return None
        if not data:
            return None
        if len(data) > MAX_LINE:
            self.end = "line too long"
            return None
        return data.decode("utf-8", "replace").rstrip("\r\n")

    async def drain_input(self) -> None:
        """Read and discard until EOF, idle timeout or lifetime end."""
        while await self.readline() is not None:
            pass

    # -- behaviours -----------------------------------------------------------
    async def run(self) -> None:
        b = self.behaviour
        if b == "reset":
            sock = self.writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.writer.transport.abort()
            self.end = "reset"
            return
        if b == "no-banner":
            self.end = "no banner sent"
            await self.drain_input()
            return
        if b == "garbage-banner":
            self.writer.write(b"HTTP/1.1 400 Bad Request\r\n")
            await self.writer.drain()
            await self.drain_input()
            return
        if b == "banner-421":
            await self.send(f"421 4.3.2 {self.host} Service not available, lab: busy")
            return
        if b == "slow-drip":
            await self.slow_drip()
            return
        if b == "multiline-banner":
            await self.send(
                f"220-{self.host} ESMTP MailCheck lab",
                "220-This banner has continuation lines",
                f"220 {self.host} ready",
            )
        elif b == "banner-554":
            await self.send(f"554 5.3.2 {self.host} lab: no SMTP service here")
        else:
            await self.send(f"220 {self.host} ESMTP MailCheck lab")
        await self.dialogue()

    async def slow_drip(self) -> None:
        eof = asyncio.ensure_future(self.drain_input())
        text = (f"220-{self.host} ESMTP MailCheck lab (slow)\r\n").encode()
        try:
            while not eof.done():
                for i in range(len(text)):
                    if eof.done():
                        break
                    self.writer.write(text[i : i + 1])
                    await self.writer.drain()
                    try:
                        await asyncio.wait_for(asyncio.shield(eof), 1.0)
                    except asyncio.TimeoutError:
                        pass
            exc = eof.exception() if not eof.cancelled() else None
            self.end = "idle/lifetime limit (slow drip)" if exc else "client gone (slow drip)"
        finally:
            eof.cancel()

    def ehlo_lines(self) -> list[str]:
        exts = ["PIPELINING", "SIZE 10240000"]
        offer = self.behaviour not in ("no-starttls",)
        if self.tls and self.behaviour != "starttls-twice":
            offer = False
        if offer:
            exts.append("STARTTLS")
        exts += ["ENHANCEDSTATUSCODES", "8BITMIME"]
        first = f"{self.host} Hello, lab"
        lines = [first] + exts
        return [f"250-{x}" for x in lines[:-1]] + [f"250 {lines[-1]}"]

    async def dialogue(self) -> None:
        while True:
            line = await self.readline()
            if line is None:
                if self.end == "closed":
                    self.end = "client closed"
                return
            verb = line.split(" ", 1)[0].upper()
            self.commands.append(verb[:12])
            if self.behaviour == "banner-554" and verb != "QUIT":
                await self.send("503 5.5.1 lab: no SMTP service here, only QUIT")
                continue
            if verb == "EHLO":
                if self.behaviour == "ehlo-550":
                    await self.send("550 5.5.1 lab: EHLO rejected, try HELO")
                else:
                    await self.send(*self.ehlo_lines())
            elif verb == "HELO":
                await self.send(f"250 {self.host}")
            elif verb == "STARTTLS":
                if not await self.starttls():
                    return
            elif verb == "QUIT":
                await self.send(f"221 2.0.0 {self.host} closing connection")
                self.end = "quit"
                return
            elif verb in ("NOOP", "RSET"):
                await self.send("250 2.0.0 OK")
            elif verb in ("MAIL", "RCPT", "DATA", "BDAT"):
                await self.send("502 5.5.1 lab: no mail accepted")
            else:
                await self.send("500 5.5.2 lab: command not recognized")

    async def starttls(self) -> bool:
        """Handles STARTTLS; False when the connection is over."""
        b = self.behaviour
        if b == "no-starttls":
            await self.send("502 5.5.1 lab: STARTTLS not implemented")
            return True
        if b == "starttls-refused":
            await self.send("454 4.7.0 TLS not available due to temporary reason")
            return True
        if self.tls:
            await self.send("554 5.5.1 lab: TLS already active")
            return True
        if b == "tls-abort":
            await self.send("220 2.0.0 Ready to start TLS")
            # Wait for the ClientHello, so the junk cannot be mistaken for a
            # late part of the 220 reply by a client still reading lines.
            try:
                await asyncio.wait_for(self.reader.read(4096), 10)
            except asyncio.TimeoutError:
                pass
            self.writer.write(b"lab: this is not a TLS ServerHello\r\n")
            await self.writer.drain()
            self.end = "tls aborted (junk sent)"
            return False
        # Discard anything the client pipelined after STARTTLS (RFC 3207 5).
        buf = getattr(self.reader, "_buffer", None)
        if buf:
            buf.clear()
        # No await between the 220 and start_tls: the transport must not read
        # the ClientHello as plaintext.
        self.writer.write(b"220 2.0.0 Ready to start TLS\r\n")
        try:
            await self.writer.start_tls(self.ctx, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
        except (ssl.SSLError, ConnectionError, OSError, asyncio.TimeoutError) as e:
            self.end = f"tls handshake failed: {type(e).__name__}: {e}"
            return False
        self.tls = True
        obj = self.writer.get_extra_info("ssl_object")
        if obj is not None:
            sni = getattr(obj, "lab_sni", None)
            cipher = obj.cipher()
            self.tls_info = f"{obj.version()} {cipher[0] if cipher else '?'} sni={sni or '-'}"
        return True

    def summary(self) -> str:
        dur = time.monotonic() - self.started
        cmds = ",".join(self.commands[:20]) or "-"
        tls = f" tls=[{self.tls_info}]" if self.tls_info else ""
        return (
            f"conn {self.peer} -> {self.l['address']}:{self.l['port']} {self.host} "
            f"behaviour={self.behaviour} cmds={cmds}{tls} end={self.end!r} {dur:.2f}s"
        )


class LabSmtp:
    def __init__(self, config: dict):
        self.config = config
        self.idle_timeout = float(config.get("idle_timeout", 120))
        self.max_lifetime = float(config.get("max_lifetime", 300))
        self.servers: list[asyncio.AbstractServer] = []
        self.tasks: set = set()
        # (address, port) -> the TLS context new connections get; replaced on SIGHUP.
        self.contexts: dict[tuple[str, int], ssl.SSLContext] = {}

    def reload(self, config_path: str) -> None:
        """Re-read the config; give each existing listener its (possibly new) certificate."""
        try:
            with open(config_path, encoding="utf-8") as f:
                listeners = json.load(f)["listeners"]
            fresh = {}
            for l in listeners:
                key = (l["address"], int(l.get("port", 25)))
                if key in self.contexts:
                    fresh[key] = make_context(l)
        except (OSError, ValueError, KeyError, ssl.SSLError) as e:
            log(f"reload failed, keeping the old certificates: {type(e).__name__}: {e}")
            return
        self.contexts.update(fresh)
        log(f"reloaded certificates of {len(fresh)} listeners")

    async def handle(self, listener, ctx, reader, writer) -> None:
        s = Session(self, listener, ctx, reader, writer)
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            await s.run()
        except asyncio.TimeoutError:
            pass  # Session.readline has set s.end
        except (ConnectionError, ssl.SSLError, OSError) as e:
            s.end = f"{type(e).__name__}: {e}"
        except asyncio.CancelledError:
            s.end = "server stopping"
            raise
        except Exception as e:  # never let one client kill the server
            s.end = f"internal error {type(e).__name__}: {e}"
        finally:
            self.tasks.discard(task)
            log(s.summary())
            try:
                writer.close()
            except Exception:
                pass

    async def start(self) -> None:
        for l in self.config["listeners"]:
            if l.get("behaviour") == "refused":
                continue
            if l["behaviour"] not in BEHAVIOURS:
                raise SystemExit(f"unknown behaviour {l['behaviour']!r} for {l['hostname']}")
            key = (l["address"], int(l.get("port", 25)))
            self.contexts[key] = make_context(l)

            async def cb(r, w, l=l, key=key):
                await self.handle(l, self.contexts[key], r, w)

            srv = await asyncio.start_server(
                cb, host=l["address"], port=int(l.get("port", 25)), reuse_address=True,
                limit=MAX_LINE * 4, backlog=64,
            )
            self.servers.append(srv)
        log(f"listening on {len(self.servers)} addresses")


async def amain(args) -> int:
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    server = LabSmtp(config)
    await server.start()
    await labserver.run_until_signalled(args.pidfile, lambda: server.reload(args.config))
    log("signal received, exiting")
    for srv in server.servers:
        srv.close()
    for t in list(server.tasks):
        t.cancel()
    return 0


def main() -> int:
    global LOG
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="JSON config (see module doc)")
    parser.add_argument("--pidfile", help="written once every listener is bound")
    parser.add_argument("--log", help="connection log (default: stderr)")
    args = parser.parse_args()
    if args.log:
        LOG = open(args.log, "a", encoding="utf-8", buffering=1)
    try:
        return asyncio.run(amain(args))
    except OSError as e:
        log(f"error: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
