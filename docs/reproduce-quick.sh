#!/usr/bin/env bash
# The quick versions of every reproduce experiment, one after another, then the report.
# Usage: docs/reproduce-quick.sh [experiments...]   (default: all five). Logs: runs/<experiment>.log
set -uo pipefail
cd "$(dirname "$0")/.."
exps=("${@:-goyal-table1 goyal-table2a goyal-figure1 legw lars}")
for e in ${exps[@]}; do
  { date -u; /usr/bin/time -f "wall %e s" ./bigbatch reproduce "$e" --budget quick --threads 2 --out runs/reproduce; date -u; } \
    > "runs/$e.log" 2>&1
  tail -n 20 "runs/$e.log" | grep -E '^\||wall|skipped' || true
done
./bigbatch report runs/reproduce --out runs/report
