#!/usr/bin/env python3
"""MailCheck lab "blackhole" name server.

Listens for DNS over UDP and TCP, reads every query and never answers, so
resolvers asking it time out (used for timeout.co.nz). TCP connections are
accepted and held open until the client gives up. Started by lab/lab.sh
inside the lab network namespace; stops on SIGTERM/SIGINT.
"""

import argparse
import os
import selectors
import signal
import socket
import sys
import time

MAX_TCP_CONNECTIONS = 256


def log(msg: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} blackhole: {msg}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.53.0.99")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--pidfile", help="written once the sockets are bound")
    args = parser.parse_args()

    def stop(signum, _frame):
        log(f"signal {signum}, exiting")
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((args.address, args.port))
    udp.setblocking(False)

    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((args.address, args.port))
    tcp.listen(64)
    tcp.setblocking(False)

    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "listen")
    conns: list[socket.socket] = []

    if args.pidfile:
        with open(args.pidfile, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
    log(f"listening on {args.address}:{args.port} (udp+tcp), never answering")

    try:
        while True:
            for key, _ in sel.select():
                sock = key.fileobj
                if key.data == "udp":
                    try:
                        data, peer = udp.recvfrom(65535)
                    except BlockingIOError:
                        continue
                    log(f"udp query from {peer[0]}:{peer[1]} ({len(data)} bytes) dropped")
                elif key.data == "listen":
                    try:
                        conn, peer = tcp.accept()
                    except BlockingIOError:
                        continue
                    conn.setblocking(False)
                    if len(conns) >= MAX_TCP_CONNECTIONS:
                        oldest = conns.pop(0)
                        sel.unregister(oldest)
                        oldest.close()
                    conns.append(conn)
                    sel.register(conn, selectors.EVENT_READ, "conn")
                    log(f"tcp connection from {peer[0]}:{peer[1]} held open")
                else:
                    try:
                        data = sock.recv(65535)
                    except BlockingIOError:
                        continue
                    except ConnectionError:
                        data = b""
                    if data:
                        continue  # read and ignore the query
                    sel.unregister(sock)
                    conns.remove(sock)
                    sock.close()
    finally:
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except FileNotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
