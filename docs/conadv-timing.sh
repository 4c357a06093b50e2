#!/usr/bin/env bash
# Step time at kn = 8192 (MLP, EPOCHS epochs of 7 steps) without ConAdv, with ConAdv inline and with ConAdv
# concurrent, interleaved over ROUNDS rounds so that load changes hit all three alike.
# Usage: docs/conadv-timing.sh ROUNDS THREADS EPOCHS  (writes runs/conadv-timing/<variant>-t<threads>-e<epochs>-r<round>/)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
THREADS=${2:-1}
EPOCHS=${3:-1}
COMMON=(--model mlp --width 4 --workers 256 --batch-per-worker 32 --workers-per-chunk 64 --optimizer sgd
  --lr 0.1 --base-batch 256 --lr-scaling none --warmup none --decay none --epochs "$EPOCHS" --no-augment
  --weight-decay 1e-4 --threads "$THREADS" --seed 1)
for round in $(seq 1 "$ROUNDS"); do
  for variant in off inline concurrent; do
    extra=()
    [ "$variant" = inline ] && extra=(--conadv --conadv-inline)
    [ "$variant" = concurrent ] && extra=(--conadv)
    out=runs/conadv-timing/$variant-t$THREADS-e$EPOCHS-r$round
    echo "== $variant threads $THREADS round $round $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
    ./bigbatch train "${COMMON[@]}" "${extra[@]}" --out "$out" 2>&1 | grep -E '^epoch|^conadv' || true
  done
done
