#!/usr/bin/env python3
"""audit_timing.py - time mailcheck audits of lab domains (run inside the lab namespace).

For each domain: N audits; reports the median process wall time, the median audit time the
report itself gives (elapsed_ms), and the median sum of every lookup's own time: the time the
same lookups would take one after another. wall / serial-sum is the concurrency ratio, measured
in the same runs."""
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


def main():
    mailcheck, runs = sys.argv[1], int(sys.argv[2])
    domains = sys.argv[3:]
    resolver = os.environ["LAB_RESOLVER"]
    anchor = os.environ["LAB_TRUST_ANCHOR"]
    print(f"{'domain':<26} {'runs':>4} {'wall ms':>8} {'audit ms':>9} {'serial ms':>10} {'ratio':>6}")
    for d in domains:
        walls, audits, serials = [], [], []
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
        a, s = statistics.median(audits), statistics.median(serials)
        print(f"{d:<26} {runs:>4} {statistics.median(walls):>8.1f} {a:>9.1f} {s:>10.1f} "
              f"{a / s if s else 0:>6.2f}")


if __name__ == "__main__":
    main()
