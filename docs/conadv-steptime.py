#!/usr/bin/env python3
"""Median step seconds (steps >= 1; step 0 pays warm-up) of each run directory given."""
import json, statistics, sys
for d in sys.argv[1:]:
    steps = [json.loads(l) for l in open(d + "/metrics.jsonl") if '"kind":"step"' in l]
    s = [x["seconds"] for x in steps if x["step"] >= 1]
    print(f"{d}: median {statistics.median(s):.3f} s/step, min {min(s):.3f}, max {max(s):.3f} over {len(s)} steps")
