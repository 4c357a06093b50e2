#!/usr/bin/env bash
# Runs the same train flags on the old (bbcbca3) and new build; prints whether step losses/lrs and epoch metrics match.
set -u
# Usage: git worktree add /tmp/old bbcbca3 (the last commit before issue 15), build it there once
# (mvn -q -B -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt), then run this
# from anywhere; it compares /tmp/old with /work/main (edit the two roots for other checkouts).
common="--threads 1 --train-limit 1024 --epochs 1 --seed 5"
configs=(
  "--model resnet8 --width 4"
  "--model mlp --width 1 --lr 0.1 --optimizer lars --decay poly -k 16 -n 16 --warmup-epochs 0.25"
  "--model mlp --width 1 --lr 0.01 --optimizer lamb -k 8 -n 16 --warmup constant --warmup-epochs 0.25"
  "--model resnet8 --width 4 -k 4 --accumulate 2 --workers-per-chunk 8"
  "--model mlp --width 1 --lr 0.05 --schedule autowu --decay cosine --warmup-start-lr 0.01"
  "--model mlp --width 1 -n 16 -k 2 --warmup none --batch auto --auto-measure-steps 4"
  "--model mlp --width 1 --lr 0.1 --conadv --conadv-eps 0.05"
  "--model lstm --width 2 -n 16 -k 16 --base-batch 64 --warmup legw --warmup-epochs 0.05 --no-augment"
  "--model mlp --width 1 --lr 0.1 --decay step --decay-epochs 0.5 --no-nesterov --decay-bias-and-norm"
)
i=0
for c in "${configs[@]}"; do
  i=$((i+1))
  for v in old new; do
    root=/tmp/old; [[ $v == new ]] && root=/work/main
    rm -rf /tmp/bc/$v$i
    (cd $root && ./bigbatch train $common $c --out /tmp/bc/$v$i > /tmp/bc/$v$i.log 2>&1) || echo "config $i $v: exit $?"
  done
  a=$(grep -h '"kind":"step"\|"kind":"epoch"' /tmp/bc/old$i/metrics.jsonl | python3 -c 'import sys,json
for l in sys.stdin:
  n=json.loads(l); print(n["kind"], n.get("step",n.get("epoch")), n.get("loss",n.get("testLoss")), n.get("lr",n.get("testAccuracy")))' | md5sum)
  b=$(grep -h '"kind":"step"\|"kind":"epoch"' /tmp/bc/new$i/metrics.jsonl | python3 -c 'import sys,json
for l in sys.stdin:
  n=json.loads(l); print(n["kind"], n.get("step",n.get("epoch")), n.get("loss",n.get("testLoss")), n.get("lr",n.get("testAccuracy")))' | md5sum)
  steps=$(grep -c '"kind":"step"' /tmp/bc/new$i/metrics.jsonl)
  [[ "$a" == "$b" ]] && echo "config $i: identical ($steps steps): $c" || echo "config $i: DIFFERENT: $c"
done
