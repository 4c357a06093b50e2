#!/usr/bin/env bash
# The --batch auto experiment of docs/RESULTS-autopilot.md: Fashion-MNIST, MLP (--model mlp --width 4, as the
# quick reproduce budget), 5 epochs, eta0 = 0.1 at B0 = 256, linear scaling, gradual warmup 0.5 epochs, cosine,
# no augmentation, one thread. Then the time/steps-to-target table (docs/autopilot-time-to-target.py).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/autopilot}
COMMON=(--model mlp --width 4 -n 32 --epochs 5 --lr 0.1 --base-batch 256 --lr-scaling linear --warmup gradual
  --warmup-epochs 0.5 --decay cosine --no-augment --threads 1 --seed 1)
run() {
  local name=$1; shift
  echo "== $name: $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
  local t0=$SECONDS
  ./bigbatch train "${COMMON[@]}" "$@" --out "$OUT/$name" > "$OUT/$name.log" 2>&1 || echo "   exit $? (see $OUT/$name.log)"
  echo "   wall $((SECONDS - t0)) s, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  grep -E "autopilot|^epoch|test accuracy|error" "$OUT/$name.log" | sed 's/^/   /'
}
mkdir -p "$OUT"
run fixed-256 -k 8
run fixed-1024 -k 32
run fixed-2048 -k 64
run fixed-8192 -k 256
run auto -k 8 --batch auto
run auto-grow -k 8 --batch auto --auto-grow
run auto-grow-min256 -k 8 --batch auto --auto-grow --min-batch 256
RUNS=("$OUT"/fixed-256 "$OUT"/fixed-1024 "$OUT"/fixed-2048 "$OUT"/fixed-8192 "$OUT"/auto "$OUT"/auto-grow "$OUT"/auto-grow-min256)
python3 docs/autopilot-time-to-target.py --epochs --target 0.88 "${RUNS[@]}"
python3 docs/autopilot-time-to-target.py --target 0.85 "${RUNS[@]}"
