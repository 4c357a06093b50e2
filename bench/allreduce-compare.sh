#!/usr/bin/env bash
# Side-by-side allreduce benchmark: bigbatch (ring, halving-doubling) vs torch.distributed gloo.
#   bench/allreduce-compare.sh [RANKS] [BYTES] [SECONDS_PER_SIZE]      e.g. bench/allreduce-compare.sh 2 4K..256M 1
# Prints both raw tables, then one line per size with times in microseconds and ratio = gloo/bigbatch time
# (> 1 means bigbatch is faster). Needs `mvn compile` once; uses Debian's /usr/bin/python3 for torch.
set -euo pipefail
cd "$(dirname "$0")/.."
RANKS=${1:-2}
BYTES=${2:-4K..256M}
SECS=${3:-1}
OUT=${OUT:-$(mktemp -d)}
if [ ! -f target/bench-classpath.txt ] || [ pom.xml -nt target/bench-classpath.txt ]; then
  mvn -q -B -o compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
fi
CP="target/classes:$(cat target/bench-classpath.txt)"
java -Xmx1g -XX:MaxDirectMemorySize=8g -cp "$CP" dev.bigbatch.comm.bench.AllreduceBench \
  --ranks "$RANKS" --bytes "$BYTES" --seconds-per-size "$SECS" | tee "$OUT/bigbatch.txt"
/usr/bin/python3 bench/gloo_allreduce.py --ranks "$RANKS" --bytes "$BYTES" --seconds-per-size "$SECS" \
  --master-port $((20000 + RANDOM % 20000)) | tee "$OUT/gloo.txt"
echo
awk -v ranks="$RANKS" '
  /^#/ || /^impl/ { next }
  { key = $1 "/" $2; t[key, $3] = $5; bw[key, $3] = $7; if (!(($3) in seen)) { seen[$3] = 1; order[++n] = $3 } }
  END {
    printf "# ranks=%s  time_us (busbw GB/s); ratio = gloo time / bigbatch time\n", ranks
    printf "%12s %22s %22s %22s %10s %10s\n", "bytes", "bigbatch ring", "bigbatch hd", "gloo", "ring", "hd"
    for (i = 1; i <= n; i++) {
      s = order[i]; r = t["bigbatch/ring", s]; h = t["bigbatch/halving_doubling", s]; g = t["gloo/ring", s]
      printf "%12d %13.1f (%6.3f) %13.1f (%6.3f) %13.1f (%6.3f) %10.2f %10.2f\n", s, r, bw["bigbatch/ring", s], \
        h, bw["bigbatch/halving_doubling", s], g, bw["gloo/ring", s], (r > 0 ? g / r : 0), (h > 0 ? g / h : 0)
    }
  }' "$OUT/bigbatch.txt" "$OUT/gloo.txt"
