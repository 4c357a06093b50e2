#!/usr/bin/env bash
# ResNet at global batch 8192 (k = 256 virtual workers × n = 32, per-worker BN): LARS vs Goyal momentum SGD.
# Same recipe for both (η = 0.1·kn/256 = 3.2, gradual warmup, polynomial decay p = 2); only --optimizer
# differs. Scaled down for a shared 2-core machine: resnet8 at width 8 and EPOCHS epochs of Fashion-MNIST
# (7 steps per epoch at kn = 8192); each run is capped at 10 minutes.
# Usage: docs/optim/resnet-lars.sh [epochs [arm...]]   (default 2; arms: sgd lars lars-tau0.008)
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-2}
shift || true
want=("${@:-sgd lars}")
common=(--model resnet8 --width 8 --workers 256 --batch-per-worker 32 --workers-per-chunk 16
  --lr 0.1 --base-batch 256 --lr-scaling linear --warmup gradual --warmup-epochs 0.5 --decay poly
  --decay-power 2 --weight-decay 5e-4 --epochs "$epochs" --threads 2 --seed 1)
for arm in "sgd:--optimizer sgd" "lars:--optimizer lars --trust-coefficient 0.001" \
    "lars-tau0.008:--optimizer lars --trust-coefficient 0.008"; do
  name=${arm%%:*}; flags=${arm#*:}
  [[ " ${want[*]} " == *" $name "* ]] || continue
  out=runs/optim/resnet8-8192-$name
  mkdir -p runs/optim
  start=$(date +%s)
  set +e
  timeout 600 ./bigbatch train "${common[@]}" $flags --out "$out" > "$out.log" 2>&1
  rc=$?
  set -e
  echo "$name rc=$rc wall=$(( $(date +%s) - start ))s $(grep -E 'epoch [0-9]+:|error' "$out.log" | tail -1)"
done
