#!/usr/bin/env python3
"""Compares two metrics.jsonl files record by record, ignoring wall-clock fields.

usage: unify-compare.py BEFORE/metrics.jsonl AFTER/metrics.jsonl
Every record (step, epoch, decision, schedule-switch) must have the same kind and the same values in every
field except timings (names containing 'econd', 'Millis' or 'PerSecond'); floats are compared exactly.
Exit status 0 when identical.
"""
import json
import sys


def records(path):
    out = []
    for line in open(path):
        d = json.loads(line)
        out.append({k: v for k, v in d.items() if not any(t in k for t in ("econd", "Millis", "PerSecond"))})
    return out


a, b = records(sys.argv[1]), records(sys.argv[2])
kinds = {}
for r in a:
    kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
if a == b:
    print("identical:", ", ".join(f"{n} {k}" for k, n in kinds.items()))
    sys.exit(0)
print(f"DIFFER ({len(a)} vs {len(b)} records)")
for x, y in zip(a, b):
    if x != y:
        print(" before", x, "\n after ", y)
        break
sys.exit(1)
