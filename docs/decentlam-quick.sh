#!/usr/bin/env bash
# DecentLaM vs DmSGD vs synchronous SGD at kn = 8192 (quick budget: MLP width 4, n = 32, 5 epochs,
# Fashion-MNIST, no augmentation), P = 4 launched processes with 1 thread each.
# Usage: [SEED=n] docs/decentlam-quick.sh SCALING LR0 [row ...]   (SCALING: linear, sqrt or none; seed 1 by default)   rows: sync dmsgd-ring decentlam-ring dmsgd-exp decentlam-exp
set -euo pipefail
cd "$(dirname "$0")/.."
scaling="$1"; lr0="$2"; shift 2
seed="${SEED:-1}"; suffix=""; [[ "$seed" != 1 ]] && suffix="-s$seed"
rows=("$@"); [[ ${#rows[@]} -eq 0 ]] && rows=(sync dmsgd-ring decentlam-ring dmsgd-exp decentlam-exp)
common=(--model mlp --width 4 --workers 256 --batch-per-worker 32 --workers-per-chunk 64 --optimizer sgd
  --lr "$lr0" --base-batch 256 --lr-scaling "$scaling" --warmup gradual --warmup-epochs 1 --decay step --epochs 5
  --decay-epochs 1.6666666666666667,3.3333333333333335,4.444444444444445 --no-augment --weight-decay 1e-4
  --seed "$seed" --threads 1)
for row in "${rows[@]}"; do
  out="runs/decentlam/$scaling-$lr0$suffix/$row"; mkdir -p "$(dirname "$out")"
  case "$row" in
    sync) extra=() ;;
    *) extra=(--sync decentralized --decent-method "${row%-*}" --topology "${row#*-}") ;;
  esac
  echo "== $row ($(date -u +%H:%M:%S), load: $(cut -d' ' -f1-3 /proc/loadavg))"
  start=$(date +%s)
  ./bigbatch launch --nproc 4 -- train "${common[@]}" "${extra[@]}" --out "$out" > "$out.log" 2>&1 || echo "   (exit $?)"
  echo "   wall $(( $(date +%s) - start )) s; $(grep -h 'test accuracy\|diverged' "$out.log" | tail -1)"
done
