#!/usr/bin/env bash
# AutoWU vs hand-set gradual warmup at kn = 8192 (docs/RESULTS-autowu.md): the quick reproduce budget's
# setting (MLP width 4, n = 32, 5 epochs, SGD eta0 = 0.1 at B0 = 256, wd 1e-4, no augmentation).
# BB overrides the launcher (e.g. a frozen copy of the jar while the sources change).
set -euo pipefail
BB=${BB:-./bigbatch}
OUT=${OUT:-runs/autowu}
SEEDS=${SEEDS:-"1 2 3"}
common="--model mlp --width 4 --batch-per-worker 32 --optimizer sgd --lr 0.1 --base-batch 256 --lr-scaling linear \
  --epochs 5 --no-augment --weight-decay 1e-4 --threads 1"
step="--decay step --decay-epochs 1.6666666666666667,3.3333333333333335,4.444444444444445"
big="--workers 256 --workers-per-chunk 64"
for s in $SEEDS; do
  # hand-set gradual warmup, goyal-table1's row (1 epoch to eta = 3.2, step decay)
  $BB train $common $big --seed $s --warmup gradual --warmup-epochs 1 $step --out $OUT/kn8k-gradual-s$s || true
  # AutoWU, paper settings (patience 3), cosine decay to zero
  $BB train $common $big --seed $s --schedule autowu --decay cosine --out $OUT/kn8k-autowu-s$s || true
  # AutoWU, patience 1 (our 17-step warmup budget is far shorter than the paper's)
  $BB train $common $big --seed $s --schedule autowu --decay cosine --autowu-patience 1 --out $OUT/kn8k-autowu-p1-s$s || true
done
# reference: kn = 256, eta = 0.1, no warmup (goyal-table1's first row), seed 1
$BB train $common --workers 8 --workers-per-chunk 8 --seed 1 --warmup none --warmup-epochs 1 $step --out $OUT/kn256-s1 || true
