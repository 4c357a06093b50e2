#!/usr/bin/env bash
# AutoWU vs hand-set gradual warmup at kn = 8192 (docs/RESULTS-autowu.md): the quick reproduce budget's
# setting (MLP width 4, n = 32, 5 epochs, SGD eta0 = 0.1 at B0 = 256, wd 1e-4, no augmentation).
# PART=1 the main table, PART=2 the follow-ups, default both. BB overrides the launcher (e.g. a frozen
# copy of the jar while the sources change).
set -euo pipefail
BB=${BB:-./bigbatch}
OUT=${OUT:-runs/autowu}
SEEDS=${SEEDS:-"1 2 3"}
PART=${PART:-all}
common="--model mlp --width 4 --batch-per-worker 32 --optimizer sgd --base-batch 256 \
  --epochs 5 --no-augment --weight-decay 1e-4 --threads 1"
linear="--lr 0.1 --lr-scaling linear"
step="--decay step --decay-epochs 1.6666666666666667,3.3333333333333335,4.444444444444445"
big="--workers 256 --workers-per-chunk 64"
if [[ $PART == 1 || $PART == all ]]; then
  for s in $SEEDS; do
    # hand-set gradual warmup, goyal-table1's row (1 epoch to eta = 3.2, step decay)
    $BB train $common $linear $big --seed $s --warmup gradual --warmup-epochs 1 $step --out $OUT/kn8k-gradual-s$s || true
    # AutoWU, paper settings (patience 3), cosine decay to zero
    $BB train $common $linear $big --seed $s --schedule autowu --decay cosine --out $OUT/kn8k-autowu-s$s || true
    # AutoWU, patience 1 (our 17-step warmup budget is far shorter than the paper's)
    $BB train $common $linear $big --seed $s --schedule autowu --decay cosine --autowu-patience 1 --out $OUT/kn8k-autowu-p1-s$s || true
  done
  # reference: kn = 256, eta = 0.1, no warmup (goyal-table1's first row), seed 1
  $BB train $common $linear --workers 8 --workers-per-chunk 8 --seed 1 --warmup none --warmup-epochs 1 $step --out $OUT/kn256-s1 || true
fi
if [[ $PART == 2 || $PART == all ]]; then
  for s in $SEEDS; do
    # AutoWU growing 3x slower per step: its cap is the linear rule's eta = 3.2 instead of 10x that
    $BB train $common $linear $big --seed $s --schedule autowu --decay cosine --autowu-max-lr 3.2 --out $OUT/kn8k-autowu-max3.2-s$s || true
    # is the peak AutoWU picks (0.39, the warmup lr at the smoothed minimum) good? hand-set gradual warmup to it
    $BB train $common $big --seed $s --lr 0.39 --lr-scaling none --warmup-start-lr 0.1 --warmup gradual --warmup-epochs 1 \
      --decay cosine --out $OUT/kn8k-gradual-to-0.39-s$s || true
  done
fi
if [[ $PART == 3 ]]; then
  # a longer budget, closer to the paper's regime: 20 epochs = 140 steps at kn = 8192, seed 1 only
  long="--model mlp --width 4 --batch-per-worker 32 --optimizer sgd --base-batch 256 --epochs 20 --no-augment \
    --weight-decay 1e-4 --threads 1 $linear $big --seed 1"
  $BB train $long --warmup gradual --warmup-epochs 5 --decay cosine --out $OUT/kn8k-20ep-gradual5-s1 || true
  $BB train $long --schedule autowu --decay cosine --out $OUT/kn8k-20ep-autowu-s1 || true
fi
if [[ $PART == 4 ]]; then
  # the paper's pairing: AutoWU + LAMB, with the paper's LR range 1e-5 -> 1.0 (seeds as above)
  for s in $SEEDS; do
    $BB train ${common/--optimizer sgd/--optimizer lamb} $big --seed $s --lr 0.1 --lr-scaling linear --schedule autowu --decay cosine \
      --warmup-start-lr 1e-5 --autowu-max-lr 1 --out $OUT/kn8k-lamb-autowu-s$s || true
  done
fi
