#!/usr/bin/env python3
"""Compares policesim's per-incident output with the SimPy reference model.

Usage: check.py POLICESIM_INCIDENTS.csv SIMPY_OUT.csv [--tol MIN]

Joins both files on the incident id (policesim rows of strategy per_station,
replication 0) and fails unless they hold the same incidents, the same unit
for each, and dispatch, arrival and clear times within --tol minutes
(default 1e-6). Prints the number compared and the largest difference.
"""

import argparse
import csv
import sys

TIMES = ("call_min", "dispatch_min", "arrive_min", "clear_min")


def load(path, keep=lambda r: True):
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if keep(r)]
    by_id = {int(r["id"]): r for r in rows}
    assert len(by_id) == len(rows), f"{path}: duplicate ids"
    return by_id


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("policesim")
    ap.add_argument("simpy")
    ap.add_argument("--tol", type=float, default=1e-6)
    a = ap.parse_args()
    ours = load(a.policesim, lambda r: r["strategy"] == "per_station" and r["replication"] == "0")
    ref = load(a.simpy)
    problems = []
    only_ours, only_ref = sorted(ours.keys() - ref.keys()), sorted(ref.keys() - ours.keys())
    if only_ours or only_ref:
        problems.append(f"incident sets differ: {len(only_ours)} only in policesim (first {only_ours[:5]}), "
                        f"{len(only_ref)} only in simpy (first {only_ref[:5]})")
    worst = {c: (0.0, None) for c in TIMES}
    exact = 0
    for i in sorted(ours.keys() & ref.keys()):
        p, s = ours[i], ref[i]
        if p["units"] != s["unit"]:
            problems.append(f"incident {i}: unit {p['units']!r} in policesim, {s['unit']!r} in simpy")
        same = True
        for c in TIMES:
            d = abs(float(p[c]) - float(s[c]))
            same = same and d == 0.0
            if d > worst[c][0]:
                worst[c] = (d, i)
            if d > a.tol:
                problems.append(f"incident {i}: {c} {p[c]} in policesim, {s[c]} in simpy (diff {d:.3g})")
        exact += same
    n = len(ours.keys() & ref.keys())
    print(f"compared {n} incidents ({len(ours)} in policesim, {len(ref)} in simpy); "
          f"{exact} with every time bit-identical")
    for c in TIMES:
        d, i = worst[c]
        print(f"  max |diff| {c:<13} {d:.3g} min" + (f" (incident {i})" if i is not None else ""))
    print(f"max abs difference: {max(d for d, _ in worst.values()):.3g} min (tolerance {a.tol:g})")
    if problems:
        print(f"FAIL: {len(problems)} problem(s)", file=sys.stderr)
        for p in problems[:20]:
            print("  " + p, file=sys.stderr)
        sys.exit(1)
    print("OK: same incidents, same units, same times")


if __name__ == "__main__":
    main()
