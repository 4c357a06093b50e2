#!/usr/bin/env bash
# Overlap of gradient allreduce with backward across an emulated link: two network namespaces bbA/bbB
# joined by a veth pair shaped with `tc tbf rate RATE`; rank 0 trains in bbA (10.77.0.1), rank 1 in bbB
# (10.77.0.2). Runs the same short training with --no-overlap and with overlap and prints the median
# step breakdown of each. Needs root. Only the namespaces, veth pair and 10.77.0.0/24 addresses made
# here are touched (same as bench/netns-1gbit.sh; `bench/netns-1gbit.sh teardown` removes them).
#   bench/train-netns.sh [RATE] [STEPS] [extra train flags…]       (default 100mbit 30)
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-100mbit}; STEPS=${2:-30}; shift 2 || shift $# || true
./bigbatch --version >/dev/null   # builds target/bigbatch.jar and target/classpath.txt if needed
CP="target/bigbatch.jar:$(cat target/classpath.txt)"

ip netns del bbA 2>/dev/null || true
ip netns del bbB 2>/dev/null || true
ip netns add bbA; ip netns add bbB
ip link add bbvethA type veth peer name bbvethB
ip link set bbvethA netns bbA; ip link set bbvethB netns bbB
ip -n bbA addr add 10.77.0.1/24 dev bbvethA; ip -n bbB addr add 10.77.0.2/24 dev bbvethB
for ns in bbA bbB; do ip -n $ns link set lo up; done
ip -n bbA link set bbvethA up; ip -n bbB link set bbvethB up
tc -n bbA qdisc add dev bbvethA root tbf rate "$RATE" burst 256kb latency 50ms
tc -n bbB qdisc add dev bbvethB root tbf rate "$RATE" burst 256kb latency 50ms
trap 'ip netns del bbA 2>/dev/null || true; ip netns del bbB 2>/dev/null || true' EXIT

n=32; k=2
limit=$(( STEPS * n * k ))
for mode in no-overlap overlap; do
  out=runs/netns-$mode
  rm -rf "$out"; mkdir -p "$out"
  flag=$([ $mode = no-overlap ] && echo --no-overlap || true)
  SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  pids=()
  for r in 1 0; do
    ns=$([ $r = 0 ] && echo bbA || echo bbB); addr=$([ $r = 0 ] && echo 10.77.0.1 || echo 10.77.0.2)
    env BIGBATCH_RANK=$r BIGBATCH_WORLD_SIZE=2 BIGBATCH_MASTER_ADDR=10.77.0.1 BIGBATCH_MASTER_PORT=29700 \
        BIGBATCH_SECRET="$SECRET" BIGBATCH_LISTEN_ADDR=$addr ip netns exec $ns \
      java -Xmx4g -cp "$CP" dev.bigbatch.cli.Main train --workers $k --batch-per-worker $n --threads 1 \
        --train-limit $limit --epochs 1 --warmup none --decay none --out "$out" $flag "$@" > "$out/rank$r.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { cat "$out"/rank*.log; exit 1; }; done
done
/usr/bin/env python3 - "$RATE" <<'PY'
import json, sys, statistics as st
print(f"link {sys.argv[1]}; medians over steps 5.. (ms)")
print(f"{'mode':>11} {'step':>8} {'compute':>8} {'exposed comm':>13}")
res = {}
for mode in ("no-overlap", "overlap"):
    rows = [json.loads(l) for l in open(f"runs/netns-{mode}/metrics.jsonl") if '"kind":"step"' in l][5:]
    med = lambda key: 1000 * st.median(r[key] for r in rows)
    res[mode] = (med("seconds"), med("computeSeconds"), med("commSeconds"))
    print(f"{mode:>11} {res[mode][0]:8.1f} {res[mode][1]:8.1f} {res[mode][2]:13.1f}")
comm_total = res["no-overlap"][2]
exposed = res["overlap"][2]
extra = max(0.0, res["overlap"][1] - res["no-overlap"][1])
print(f"communication hidden behind backward: {100 * (1 - exposed / comm_total):.0f}% "
      f"(exposed {exposed:.1f} of {comm_total:.1f} ms; backward grew by {extra:.1f} ms)")
PY
