#!/usr/bin/env bash
# Allreduce across a real (emulated) 1 Gbit/s link: two network namespaces bbA/bbB joined by a veth
# pair, each end shaped with `tc tbf rate 1gbit`. Ranks 0..P-1 run in bbA (10.77.0.1), ranks P..2P-1 in
# bbB (10.77.0.2), one process per rank, for bigbatch and for torch.distributed gloo. Needs root.
#   bench/netns-1gbit.sh [RANKS_PER_NAMESPACE] [BYTES] [SECONDS_PER_SIZE]     (default 1 4K..256M 1)
#   bench/netns-1gbit.sh teardown
# DTYPES=float32,float16 adds bigbatch's fp16-compressed rows (bench allreduce --dtypes); SKIP_GLOO=1 skips gloo.
# Only the namespaces, the veth pair and the 10.77.0.0/24 addresses created here are touched.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = teardown ]; then
  ip netns del bbA 2>/dev/null || true
  ip netns del bbB 2>/dev/null || true
  exit 0
fi
P=${1:-1}
BYTES=${2:-4K..256M}
SECS=${3:-1}
K=$((2 * P))
OUT=${OUT:-$(mktemp -d)}

if ! ip netns list | grep -q '^bbA'; then
  ip netns add bbA
  ip netns add bbB
  ip link add bbvethA type veth peer name bbvethB
  ip link set bbvethA netns bbA
  ip link set bbvethB netns bbB
  ip -n bbA addr add 10.77.0.1/24 dev bbvethA
  ip -n bbB addr add 10.77.0.2/24 dev bbvethB
  for ns in bbA bbB; do ip -n $ns link set lo up; done
  ip -n bbA link set bbvethA up
  ip -n bbB link set bbvethB up
  tc -n bbA qdisc add dev bbvethA root tbf rate 1gbit burst 512kb latency 20ms
  tc -n bbB qdisc add dev bbvethB root tbf rate 1gbit burst 512kb latency 20ms
fi
tc -n bbA qdisc show dev bbvethA

ns_of() { if [ "$1" -lt "$P" ]; then echo bbA; else echo bbB; fi; }
addr_of() { if [ "$1" -lt "$P" ]; then echo 10.77.0.1; else echo 10.77.0.2; fi; }
dev_of() { if [ "$1" -lt "$P" ]; then echo bbvethA; else echo bbvethB; fi; }

if [ ! -f target/bench-classpath.txt ] || [ pom.xml -nt target/bench-classpath.txt ]; then
  mvn -q -B -o compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
fi
CP="target/classes:$(cat target/bench-classpath.txt)"

# bigbatch: one JVM per rank; rank 0 prints.
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
PIDS=()
for r in $(seq $((K - 1)) -1 0); do
  env BIGBATCH_RANK=$r BIGBATCH_WORLD_SIZE=$K BIGBATCH_MASTER_ADDR=10.77.0.1 BIGBATCH_MASTER_PORT=29600 \
      BIGBATCH_SECRET="$SECRET" ip netns exec "$(ns_of $r)" \
    java -Xmx512m -XX:MaxDirectMemorySize=4g -cp "$CP" dev.bigbatch.comm.bench.AllreduceBench \
      --env --listen "$(addr_of $r)" --bytes "$BYTES" --seconds-per-size "$SECS" --dtypes "${DTYPES:-float32}" > "$OUT/bigbatch-$r.txt" 2>&1 &
  PIDS+=($!)
done
for p in "${PIDS[@]}"; do wait "$p"; done
cat "$OUT/bigbatch-0.txt"
[ -n "${SKIP_GLOO:-}" ] && exit 0

# gloo: one Python process per rank, bound to the namespace's veth.
PIDS=()
for r in $(seq $((K - 1)) -1 0); do
  env RANK=$r WORLD_SIZE=$K GLOO_SOCKET_IFNAME="$(dev_of $r)" ip netns exec "$(ns_of $r)" \
    /usr/bin/python3 bench/gloo_allreduce.py --env --master-addr 10.77.0.1 --master-port 29601 \
      --bytes "$BYTES" --seconds-per-size "$SECS" > "$OUT/gloo-$r.txt" 2>&1 &
  PIDS+=($!)
done
for p in "${PIDS[@]}"; do wait "$p"; done
cat "$OUT/gloo-0.txt"

echo
awk -v ranks="$K" '
  /^#/ || /^impl/ { next }
  { key = $1 "/" $2; t[key, $3] = $5; bw[key, $3] = $7; if (!(($3) in seen)) { seen[$3] = 1; order[++n] = $3 } }
  END {
    printf "# ranks=%s across a 1 Gbit/s veth (bound: busbw <= 0.125 GB/s); time_us (busbw GB/s); ratio = gloo/bigbatch time\n", ranks
    printf "%12s %22s %22s %22s %10s %10s\n", "bytes", "bigbatch ring", "bigbatch hd", "gloo", "ring", "hd"
    for (i = 1; i <= n; i++) {
      s = order[i]; r = t["bigbatch/ring", s]; h = t["bigbatch/halving_doubling", s]; g = t["gloo/ring", s]
      printf "%12d %13.1f (%6.3f) %13.1f (%6.3f) %13.1f (%6.3f) %10.2f %10.2f\n", s, r, bw["bigbatch/ring", s], \
        h, bw["bigbatch/halving_doubling", s], g, bw["gloo/ring", s], (r > 0 ? g / r : 0), (h > 0 ? g / h : 0)
    }
  }' "$OUT/bigbatch-0.txt" "$OUT/gloo-0.txt"
