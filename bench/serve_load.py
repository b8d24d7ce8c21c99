#!/usr/bin/env python3
"""serve_load.py - load test of `mailcheck serve` on loopback inside the lab namespace.

  serve_load.py MAILCHECK PORT_BASE DURATION CONNECTIONS DOMAINS...

Phase 1, cached results: wrk (Debian's) for DURATION seconds with CONNECTIONS connections on
  /healthz (the baseline: the same server doing no report work), then on the cached JSON report
  and the cached result page of one domain; requests/s, p50, p99, errors.
Phase 2, fresh audits: every DOMAIN audited once through GET /api/v1/check, CONNECTIONS at a
  time, against the baseline of the same audits run one after another by `mailcheck check` in the
  same run; wall time, p50/p99 latency, non-200 answers.
Memory: the server's resident set (VmRSS) and peak (VmHWM) after each phase.
Prints a Markdown table."""
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request


def lab_args():
    return ["--resolver", os.environ["LAB_RESOLVER"], "--trust-anchor",
            os.environ["LAB_TRUST_ANCHOR"], "--ca-file", os.environ["LAB_CA"]]


def start_server(mailcheck, port, *extra):
    log = open(f"/tmp/serve-load-{port}.log", "w+")
    proc = subprocess.Popen(
        [mailcheck, "serve", "--listen", f"127.0.0.1:{port}", "--allow-private",
         "--access-log", "off", "--rate", "100000", "--burst", "100000",
         "--max-connections", "4096", "--max-connections-per-client", "4096",
         "--timeout", "20", "--smtp-timeout", "4", *lab_args(), *extra],
        stderr=log)
    for _ in range(200):
        log.seek(0)
        if "listening" in log.read():
            return proc
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def memory(pid):
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return rss / 1024, hwm / 1024  # MiB


def wrk(url, duration, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "--timeout", "10s", url], capture_output=True, text=True).stdout

    def latency(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "requests": total,
            "errors": errors}


def fetch(url):
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            body = r.read()
            status = r.status
            json.loads(body)
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception:
        status = 0
    return status, (time.perf_counter() - t0) * 1000


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    mailcheck, port, duration, connections = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        int(sys.argv[4])
    domains = sys.argv[5:]
    rows = []

    # Phase 1: cached results.
    server = start_server(mailcheck, port, "--max-audits", "64", "--cache-ttl", "3600")
    base = f"http://127.0.0.1:{port}"
    try:
        status, _ = fetch(base + "/api/v1/check?domain=showcase.co.nz")
        assert status == 200, status
        for name, path in (("/healthz (baseline)", "/healthz"),
                           ("cached JSON report", "/api/v1/check?domain=showcase.co.nz"),
                           ("cached result page", "/check?domain=showcase.co.nz")):
            r = wrk(base + path, duration, connections)
            rss, hwm = memory(server.pid)
            rows.append((name, r, rss, hwm))
    finally:
        server.terminate()
        server.wait()

    # Phase 2: fresh audits, each domain once, `connections` at a time; no cache.
    server = start_server(mailcheck, port + 1, "--max-audits", str(connections),
                          "--cache-ttl", "0")
    base = f"http://127.0.0.1:{port + 1}"
    try:
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(connections) as pool:
            results = list(pool.map(
                lambda d: fetch(base + "/api/v1/check?domain=" + d), domains))
        wall = time.perf_counter() - t0
        fresh_rss, fresh_hwm = memory(server.pid)
    finally:
        server.terminate()
        server.wait()
    lat = [ms for _, ms in results]
    errors = sum(1 for s, _ in results if s != 200)

    # Baseline: the same audits one after another with the CLI (one process each).
    t0 = time.perf_counter()
    for d in domains:
        subprocess.run([mailcheck, "check", d, "--format", "json", "--timeout", "20",
                        "--smtp-timeout", "4", *lab_args()], capture_output=True)
    serial = time.perf_counter() - t0

    print(f"| load ({connections} connections) | requests | req/s | p50 ms | p99 ms | errors "
          f"| RSS MiB | peak MiB |")
    print("|---|---|---|---|---|---|---|---|")
    healthz = rows[0][1]["rps"]
    for name, r, rss, hwm in rows:
        ratio = "" if name.startswith("/healthz") else f" ({r['rps'] / healthz:.2f}x /healthz)"
        print(f"| {name} | {r['requests']} | {r['rps']:.0f}{ratio} | {r['p50']:.2f} | "
              f"{r['p99']:.2f} | {r['errors']} | {rss:.1f} | {hwm:.1f} |")
    print(f"| {len(domains)} fresh audits | {len(domains)} | {len(domains) / wall:.1f} | "
          f"{statistics.median(lat):.0f} | {pct(lat, 99):.0f} | {errors} | {fresh_rss:.1f} | "
          f"{fresh_hwm:.1f} |")
    print()
    print(f"fresh audits: {wall:.1f} s through the server with {connections} at a time, "
          f"{serial:.1f} s for the same audits one after another with the CLI: "
          f"{serial / wall:.1f}x")


if __name__ == "__main__":
    main()
