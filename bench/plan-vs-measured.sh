#!/usr/bin/env bash
# `bigbatch plan` against measured multi-process runs over emulated links (issue #8).
#
# Network: one namespace per rank, pv0..pv3 (10.78.0.1-4/24), each joined by a veth pair to a Linux
# bridge that lives in its own namespace pvhub, so nothing in the root namespace changes. Every rank's
# egress is shaped with `tc tbf rate RATE`: every rank sends at β = RATE, which is what the α-β model
# assumes (the hub side is unshaped; in ring and halving-doubling a rank receives from one peer at a time).
# No netem on this kernel, so α is whatever the software and veth give; it is measured, not set.
#
# Steps:
#   1. α, β: `bigbatch bench allreduce --env` across the namespaces (N = 2, ring, 16K..4M), fitted by
#      least squares to T(S) = 2(N-1)α + 2(N-1)/N·S/β; then N = 3, 4, ring and halving-doubling, as a
#      check of the allreduce formulas alone (no training).
#   2. comm-bound training: mlp, one 25 MB bucket, --no-overlap, N = 1, 2, 3, 4 ranks (one worker of n
#      per rank: weak scaling, as plan assumes), ring and halving-doubling forced with BIGBATCH_ALLREDUCE;
#      then N = 2, 4 with overlap and train's default buckets (ring).
#   3. overlap: the links re-shaped to RATE2 and α, β fitted again; resnet8, train's default (auto)
#      buckets, N = 1, 2, 4, with and without overlap. The slower link puts T_comm above the backward
#      time, where overlap hides only part of it (the interesting case for the 2/3 backward share).
#   4. bench/plan_vs_measured.py (output also in OUT/output.txt): per step the largest compute and the
#      smallest exposed comm over ranks (train --rank-metrics: the last rank to arrive waited for nobody),
#      medians over steps after warm-up, and `bigbatch plan` predictions with c from the N = 1 run, from
#      plan's own probe, and from each run's measured compute.
# Only the namespaces pvhub, pv0..pv3 and their veths/addresses are created and (trap) removed.
#   bench/plan-vs-measured.sh [RATE] [RATE2] [STEPS]   (default 50mbit 10mbit 25: mlp at RATE, resnet8 at RATE2)
#   PHASES="resnet8" bench/plan-vs-measured.sh …     (run only some of the phases mlp, resnet8)
#   bench/plan-vs-measured.sh teardown
set -euo pipefail
cd "$(dirname "$0")/.."
NS=(pv0 pv1 pv2 pv3)
teardown() {
  for ns in "${NS[@]}" pvhub; do ip netns del "$ns" 2>/dev/null || true; done
}
if [ "${1:-}" = teardown ]; then teardown; exit 0; fi
RATE=${1:-50mbit}; RATE2=${2:-10mbit}; STEPS=${3:-25}
OUT=${OUT:-runs/plan-vs-measured}
BURST=${BURST:-8kb}
PHASES=${PHASES:-mlp resnet8}
./bigbatch --version >/dev/null   # builds target/bigbatch.jar if sources changed
export BIGBATCH_JAVA_OPTS=-Xmx2g

teardown
trap teardown EXIT
ip netns add pvhub
ip -n pvhub link add pvbr type bridge
ip -n pvhub link set pvbr up
for r in 0 1 2 3; do
  ns=${NS[$r]}
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add pveth$r netns "$ns" type veth peer name pvport$r netns pvhub
  ip -n pvhub link set pvport$r master pvbr
  ip -n pvhub link set pvport$r up
  ip -n "$ns" addr add 10.78.0.$((r + 1))/24 dev pveth$r
  ip -n "$ns" link set pveth$r up
  tc -n "$ns" qdisc add dev pveth$r root tbf rate "$RATE" burst "$BURST" latency 200ms
done
tc -n pv0 qdisc show dev pveth0

rm -rf "$OUT"; mkdir -p "$OUT"
echo "# $(date -u) uptime: $(uptime)" | tee "$OUT/machine.txt"
echo "rate=$RATE rate2=$RATE2 burst=$BURST steps=$STEPS" >> "$OUT/machine.txt"

port=29780
# run_ranks N NAME ALGORITHM CMD…: CMD in pv0..pv(N-1) as ranks 0..N-1 of one job; rank 0's output to OUT/NAME.log.
run_ranks() {
  local n=$1 name=$2 algo=$3; shift 3
  local secret; secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  port=$((port + 1))
  local pids=()
  for r in $(seq $((n - 1)) -1 0); do
    ip netns exec "${NS[$r]}" env BIGBATCH_RANK=$r BIGBATCH_WORLD_SIZE=$n BIGBATCH_MASTER_ADDR=10.78.0.1 \
        BIGBATCH_MASTER_PORT=$port BIGBATCH_SECRET="$secret" BIGBATCH_LISTEN_ADDR=10.78.0.$((r + 1)) \
        BIGBATCH_ALLREDUCE="$algo" "${@//@ADDR@/10.78.0.$((r + 1))}" > "$OUT/$name.rank$r.log" 2>&1 &
    pids+=($!)
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  if [ $rc != 0 ]; then tail -20 "$OUT/$name".rank*.log; exit 1; fi
}

# 2./3. training. k = N workers of n: one worker per rank, global batch N·n.
train() { # train N NAME ALGORITHM n flags…
  local n=$1 name=$2 algo=$3 per=$4; shift 4
  local args=(train --workers "$n" --batch-per-worker "$per" --threads 1 --no-augment --train-limit $((STEPS * n * per))
    --epochs 1 --warmup none --decay none --rank-metrics --out "$OUT/$name" "$@")
  if [ "$n" = 1 ]; then
    ip netns exec pv0 ./bigbatch "${args[@]}" > "$OUT/$name.rank0.log" 2>&1 || { tail -20 "$OUT/$name.rank0.log"; exit 1; }
  else
    # each rank listens on its namespace's address (BIGBATCH_LISTEN_ADDR)
    run_ranks "$n" "$name" "$algo" ./bigbatch "${args[@]}"
  fi
  echo "$name: done ($(uptime | sed 's/.*load/load/'))"
}
if [[ " $PHASES " == *" mlp "* ]]; then
# 1. α, β of the emulated link, and the allreduce formulas alone.
t0=$(date +%s)
run_ranks 2 bench-mlp-N2 auto ./bigbatch bench allreduce --env --listen @ADDR@ --algorithms ring \
  --bytes 16K,64K,256K,1M,4M --seconds-per-size 2
for n in 3 4; do
  run_ranks $n bench-mlp-N$n auto ./bigbatch bench allreduce --env --listen @ADDR@ --algorithms ring,halving_doubling \
    --bytes 256K,2M --seconds-per-size 2
done
echo "bench: $(( $(date +%s) - t0 )) s"

t0=$(date +%s)
MLP=(--model mlp --bucket-mb 25 --no-overlap)
train 1 mlp-N1 - 32 "${MLP[@]}"
train 2 mlp-N2-ring ring 32 "${MLP[@]}"
for n in 3 4; do
  train $n mlp-N$n-ring ring 32 "${MLP[@]}"
  train $n mlp-N$n-hd halving-doubling 32 "${MLP[@]}"
done
# overlap with train's default buckets: the mlp's first layer (1.6 of 2.1 MB) is the bucket backward fills last
for n in 2 4; do
  train $n mlp-N$n-overlap ring 32 --model mlp
done
fi
if [[ " $PHASES " == *" resnet8 "* ]]; then
t0=$(date +%s)
for r in 0 1 2 3; do
  tc -n "${NS[$r]}" qdisc change dev pveth$r root tbf rate "$RATE2" burst "$BURST" latency 400ms
done
tc -n pv0 qdisc show dev pveth0
run_ranks 2 bench-resnet8-N2 auto ./bigbatch bench allreduce --env --listen @ADDR@ --algorithms ring \
  --bytes 16K,64K,256K,1M --seconds-per-size 2
RES=(--model resnet8)
train 1 resnet8-N1 - 64 "${RES[@]}" --no-overlap
for n in 2 4; do
  train $n resnet8-N$n-no-overlap auto 64 "${RES[@]}" --no-overlap
  train $n resnet8-N$n-overlap auto 64 "${RES[@]}"
done
fi
echo "training: $(( $(date +%s) - t0 )) s"
echo "# end $(date -u) uptime: $(uptime)" | tee -a "$OUT/machine.txt"
teardown
trap - EXIT
python3 bench/plan_vs_measured.py "$OUT" | tee "$OUT/output.txt"
