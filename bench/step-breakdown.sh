#!/usr/bin/env bash
# Step-time breakdown (data wait, compute = forward+backward with overlapped allreduce underneath,
# exposed communication) for K = 1, 2, 4 worker processes on this machine, same global batch.
# Usage: bench/step-breakdown.sh [steps] [extra train flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-60}; shift || true
n=32; k=8
limit=$(( steps * n * k ))
for procs in 1 2 4; do
  out=runs/breakdown-K$procs
  rm -rf "$out"
  ./bigbatch launch --nproc "$procs" -- train --workers $k --batch-per-worker $n --train-limit $limit \
    --epochs 1 --warmup none --decay none --out "$out" "$@" > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }
done
/usr/bin/env python3 - "$steps" <<'PY'
import json, sys, statistics as st
print(f"{'K':>2} {'step ms':>8} {'data ms':>8} {'compute ms':>10} {'exposed comm ms':>15} {'examples/s':>10}")
for procs in (1, 2, 4):
    rows = [json.loads(l) for l in open(f"runs/breakdown-K{procs}/metrics.jsonl") if '"kind":"step"' in l]
    rows = rows[5:]  # warm-up steps excluded
    med = lambda key: 1000 * st.median(r[key] for r in rows)
    step = med("seconds")
    print(f"{procs:>2} {step:8.1f} {med('dataSeconds'):8.1f} {med('computeSeconds'):10.1f} {med('commSeconds'):15.1f} "
          f"{256 / step * 1000:10.0f}")
PY
