#!/usr/bin/env python3
"""audit_timing.py - time mailcheck audits of lab domains (run inside the lab namespace).

For each domain: N audits; reports the median process wall time, the median audit time the
report itself gives (elapsed_ms), and the median sum of every lookup's own time: the time the
same lookups would take one after another. wall / serial-sum is the concurrency ratio, measured
in the same runs. The longest dependency chain is the mail path, whose steps wait for each other:
the MX lookup, then per MX host its address lookups, its TLSA lookup and its slowest SMTP probe;
audit / chain says how close the audit comes to that floor."""
import json
import os
import statistics
import subprocess
import sys
import time


def lookups(obj):
    if isinstance(obj, dict):
        if "qname" in obj and "elapsed_ms" in obj and "outcome" in obj:
            yield obj
        for v in obj.values():
            yield from lookups(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from lookups(v)


def chain_ms(report):
    """The mail path's critical path, from the times the report gives for each step."""
    checks = report["checks"]
    mx = checks["mx"].get("lookup", {}).get("elapsed_ms", 0)
    tlsa = {h["name"]: h.get("lookup", {}).get("elapsed_ms", 0)
            for h in checks["dane"].get("hosts", []) if "name" in h}
    probes = {h["name"]: max([a.get("elapsed_ms", 0) for a in h.get("addresses", [])] or [0])
              for h in checks["starttls"].get("hosts", [])}
    worst = 0
    for h in checks["mx"].get("hosts", []):
        name = h.get("name", "")
        addr = max(h.get("a_lookup", {}).get("elapsed_ms", 0),
                   h.get("aaaa_lookup", {}).get("elapsed_ms", 0))
        worst = max(worst, addr + tlsa.get(name, 0) + probes.get(name, 0))
    return mx + worst


def main():
    mailcheck, runs = sys.argv[1], int(sys.argv[2])
    domains = sys.argv[3:]
    resolver = os.environ["LAB_RESOLVER"]
    anchor = os.environ["LAB_TRUST_ANCHOR"]
    print(f"{'domain':<26} {'runs':>4} {'wall ms':>8} {'audit ms':>9} {'serial ms':>10} "
          f"{'ratio':>6} {'chain ms':>9} {'audit/chain':>12}")
    for d in domains:
        walls, audits, serials, chains = [], [], [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            p = subprocess.run([mailcheck, "check", d, "--format", "json", "--resolver", resolver,
                                "--trust-anchor", anchor], capture_output=True, text=True)
            walls.append((time.perf_counter() - t0) * 1000)
            report = json.loads(p.stdout)
            audits.append(report["elapsed_ms"])
            # Each lookup object is reported once per check that shows it; count unique ones.
            seen = {}
            for lk in lookups(report["checks"]):
                seen[(lk["qname"], lk["qtype"])] = lk["elapsed_ms"]
            serials.append(sum(seen.values()))
            chains.append(chain_ms(report))
        a, s = statistics.median(audits), statistics.median(serials)
        c = statistics.median(chains)
        print(f"{d:<26} {runs:>4} {statistics.median(walls):>8.1f} {a:>9.1f} {s:>10.1f} "
              f"{a / s if s else 0:>6.2f} {c:>9.1f} {a / c if c else 0:>12.2f}")


if __name__ == "__main__":
    main()
