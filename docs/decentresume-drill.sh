#!/usr/bin/env bash
# Preemption drill for --sync decentralized (docs/RESULTS-decentresume.md): an uninterrupted run, and the
# same run killed (SIGKILL to the whole launch) after its step-STOP checkpoint, then resumed from the
# per-rank files, and again from a copy in which the last rank had not written that save yet (all ranks
# must fall back to the previous save). Prints whether the final per-rank checkpoint files are
# byte-identical to the uninterrupted run's and the last epoch's metrics.  Usage: docs/decentresume-drill.sh METHOD TOPOLOGY [NPROC] [STOP]
set -euo pipefail
method=$1 topology=$2 nproc=${3:-4} stop=${4:-200}
out=runs/decentresume/$method-$topology
rm -rf "$out"; mkdir -p "$out"
args=(train --model mlp --width 4 --workers 8 --batch-per-worker 32 --workers-per-chunk 8 --optimizer sgd
  --lr 0.1 --base-batch 256 --warmup gradual --warmup-epochs 0.5 --decay cosine --epochs 2
  --no-augment --seed 1 --threads 1 --checkpoint-every 100 --sync decentralized --decent-method "$method"
  --topology "$topology")

next_step() { # the nextStep in a checkpoint's JSON header, or 0 when there is none yet
  python3 - "$1" <<'PY'
import json, struct, sys
try:
    b = open(sys.argv[1], 'rb').read()
    n = struct.unpack('<i', b[8:12])[0]
    print(json.loads(b[12:12 + n])['nextStep'])
except (OSError, ValueError, struct.error):
    print(0)
PY
}

t0=$(date +%s)
./bigbatch launch --nproc "$nproc" -- "${args[@]}" --out "$out/straight" > "$out/straight.log" 2>&1
t1=$(date +%s)

setsid ./bigbatch launch --nproc "$nproc" -- "${args[@]}" --out "$out/drill" > "$out/drill.log" 2>&1 &
pid=$!
until [ "$(next_step "$out/drill/checkpoint-rank$((nproc - 1)).bin")" -ge "$stop" ]; do sleep 0.2; done
kill -KILL -- "-$pid" # the launcher and every rank: a preemption
wait "$pid" || true
echo "killed after the step-$stop save; files at steps:" \
  $(for r in $(seq 0 $((nproc - 1))); do next_step "$out/drill/checkpoint-rank$r.bin"; done)
# A copy in which the last rank had not written the step-STOP save yet (its last file is still the
# previous save): every rank must fall back to that save.
cp -r "$out/drill" "$out/partial"
last=$((nproc - 1))
mv "$out/partial/checkpoint-rank$last.prev.bin" "$out/partial/checkpoint-rank$last.bin"
t2=$(date +%s)
./bigbatch launch --nproc "$nproc" -- "${args[@]}" --out "$out/drill" --resume "$out/drill/checkpoint.bin" \
  > "$out/resume.log" 2>&1
t3=$(date +%s)
./bigbatch launch --nproc "$nproc" -- "${args[@]}" --out "$out/partial" --resume "$out/partial/checkpoint.bin" \
  > "$out/partial-resume.log" 2>&1
grep 'resume:' "$out/partial-resume.log" || echo "partial: no fallback notice"

for r in $(seq 0 $((nproc - 1))); do
  if cmp -s "$out/straight/checkpoint-rank$r.bin" "$out/drill/checkpoint-rank$r.bin"; then same=identical; else same=DIFFERENT; fi
  if cmp -s "$out/straight/checkpoint-rank$r.bin" "$out/partial/checkpoint-rank$r.bin"; then part=identical; else part=DIFFERENT; fi
  echo "rank $r final checkpoint (step $(next_step "$out/drill/checkpoint-rank$r.bin")): resumed $same, resumed after the part-way save $part"
done
echo "straight last epoch: $(grep '"testAccuracy"' "$out/straight/metrics.jsonl" | tail -1)"
echo "resumed  last epoch: $(grep '"testAccuracy"' "$out/drill/metrics.jsonl" | tail -1)"
strip() { sed 's/, *"wireBytesSent": *[0-9]*//' "$1"; } # socket bytes restart at 0 in a resumed process
# Only the last line: like metrics.jsonl, the resumed run appends, so an epoch evaluated after the last save appears twice.
echo "last consensus.jsonl line identical but for socket bytes: $(cmp -s <(strip "$out/straight/consensus.jsonl" | tail -1) \
  <(strip "$out/drill/consensus.jsonl" | tail -1) && echo yes || echo no)"
echo "wall s: straight $((t1 - t0)), drill until kill $((t2 - t1)), resume $((t3 - t2))"
