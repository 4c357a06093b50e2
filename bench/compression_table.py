"""Table of train runs for docs/RESULTS-compression.md: test accuracy, final train loss, median step and
exposed-communication time (ms, steps 5..), bytes rank 0 sent per step.
Run: python3 bench/compression_table.py RUN_DIR...
"""
import json, statistics as st, sys

print(f"{'run':<22} {'test acc':>8} {'train loss':>10} {'step ms':>8} {'comm ms':>8} {'KB/step':>8}")
for d in sys.argv[1:]:
    last = json.load(open(f"{d}/result.json"))["lastEpoch"]
    steps = [json.loads(l) for l in open(f"{d}/metrics.jsonl") if '"kind":"step"' in l][5:]
    step = 1000 * st.median(s["seconds"] for s in steps)
    comm = 1000 * st.median(s["commSeconds"] for s in steps)
    sent = json.load(open(f"{d}/comm-bytes.json"))
    per_step = sent.get("medianBytesPerStep", sent.get("bytesPerStep", float("nan")))
    print(f"{d.rstrip('/').split('/')[-1]:<22} {100 * last['testAccuracy']:7.2f}% {last['trainLoss']:10.4f} "
          f"{step:8.1f} {comm:8.1f} {per_step / 1024 if isinstance(per_step, (int, float)) else float('nan'):8.1f}")
