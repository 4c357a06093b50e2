#!/usr/bin/env bash
set -u
# Usage: git worktree add /tmp/old bbcbca3 (the last commit before issue 15), build it there once
# (mvn -q -B -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt), then run this
# from anywhere; it compares /tmp/old with /work/main (edit the two roots for other checkouts).
common="--threads 1 --train-limit 1024 --epochs 1 --seed 5 --model mlp --width 1 --lr 0.1"
declare -a cmds=(
  "train $common --decay step --decay-epochs 0.5 --no-nesterov --decay-bias-and-norm"
  "launch --nproc 2 -- train $common --grad-compression fp16"
  "launch --nproc 2 -- train $common --sync decentralized --topology ring"
)
i=0
for c in "${cmds[@]}"; do
  i=$((i+1))
  for v in old new; do
    root=/tmp/old; [[ $v == new ]] && root=/work/main
    rm -rf /tmp/bc3/$v$i; mkdir -p /tmp/bc3
    (cd $root && ./bigbatch $c --out /tmp/bc3/$v$i > /tmp/bc3/$v$i.log 2>&1) || echo "cmd $i $v: exit $?"
  done
  h() { grep -h '"kind":"step"\|"kind":"epoch"' /tmp/bc3/$1/metrics.jsonl | python3 -c 'import sys,json
for l in sys.stdin:
  n=json.loads(l); print(n["kind"], n.get("step",n.get("epoch")), n.get("loss",n.get("testLoss")), n.get("lr",n.get("testAccuracy")))' | md5sum; }
  [[ "$(h old$i)" == "$(h new$i)" ]] && echo "cmd $i: identical ($(grep -c '"kind":"step"' /tmp/bc3/new$i/metrics.jsonl) steps): $c" || echo "cmd $i: DIFFERENT: $c"
done
