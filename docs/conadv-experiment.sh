#!/usr/bin/env bash
# ConAdv on/off at kn = 8192 (quick budget, MLP): the goyal-table2a "kn=8k, η=0.1 (no scaling)" row of
# docs/RESULTS-reproduce.md, the largest-batch setting of the reproduce tables whose baseline trains.
# Usage: docs/conadv-experiment.sh SEEDS...   (writes runs/conadv/<variant>-s<seed>/)
set -euo pipefail
cd "$(dirname "$0")/.."
COMMON=(--model mlp --width 4 --workers 256 --batch-per-worker 32 --workers-per-chunk 64 --optimizer sgd
  --lr 0.1 --base-batch 256 --lr-scaling none --warmup gradual --warmup-epochs 1 --decay step --epochs 5
  --decay-epochs 1.6666666666666667,3.3333333333333335,4.444444444444445 --no-augment --weight-decay 1e-4
  --threads 1)
for seed in "$@"; do
  for variant in off conadv; do
    extra=()
    [ "$variant" = conadv ] && extra=(--conadv --conadv-eps 0.1 --conadv-mix 0.5)
    out=runs/conadv/$variant-s$seed
    echo "== $variant seed $seed $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
    ./bigbatch train "${COMMON[@]}" "${extra[@]}" --seed "$seed" --out "$out" 2>&1 | grep -E '^epoch|^test acc|^conadv|loss is' || true
  done
done
