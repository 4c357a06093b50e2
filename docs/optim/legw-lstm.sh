#!/usr/bin/env bash
# LEGW vs linear scaling on the MNIST-LSTM setting (Fashion-MNIST rows), batch ×1..×64 from B0 = 128.
# Scaled down to fit a shared 2-core machine: first 32768 training examples, 3 epochs, cosine decay.
# Each run is capped at 10 minutes (exit 124 = cut off; metrics.jsonl keeps the steps done). Both arms share η0, m0 and everything else; at ×1 they are the same run.
# Usage: docs/optim/legw-lstm.sh [scales...]   (default: 1 4 16 64)
set -euo pipefail
cd "$(dirname "$0")/../.."
scales=("${@:-1 4 16 64}")
common=(--model lstm --width 16 --optimizer sgd --lr 0.1 --base-batch 128 --batch-per-worker 128
  --weight-decay 1e-4 --warmup-epochs 0.03125 --warmup-start-lr 0.01 --decay cosine --epochs 3
  --train-limit 32768 --no-augment --threads 2 --seed 1)
for s in ${scales[@]}; do
  arms=("legw:--warmup legw" "linear:--warmup gradual --lr-scaling linear")
  [[ $s == 1 ]] && arms=("both:--warmup legw")
  for arm in "${arms[@]}"; do
    name=${arm%%:*}; flags=${arm#*:}
    out=runs/optim/lstm-x$s-$name
    start=$(date +%s)
    set +e
    timeout 600 ./bigbatch train "${common[@]}" --workers "$s" --workers-per-chunk "$s" $flags --out "$out" > "$out.log" 2>&1
    rc=$?
    set -e
    echo "x$s $name rc=$rc wall=$(( $(date +%s) - start ))s $(grep -E 'epoch [0-9]+:|error' "$out.log" | tail -1)"
  done
done
