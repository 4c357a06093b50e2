#!/usr/bin/env bash
# Runs the five quick reproduce experiments in /tmp/old (bbcbca3) and /work/main and diffs their --collect output.
for v in old new; do
  root=/tmp/old; [[ $v == new ]] && root=/work/main
  rm -rf /tmp/rp/$v; mkdir -p /tmp/rp
  for e in goyal-table1 goyal-table2a goyal-figure1 legw lars; do
    (cd $root && ./bigbatch reproduce $e --budget quick --out /tmp/rp/$v > /tmp/rp/$v-$e.log 2>&1) || echo "$v $e exit $?"
    (cd $root && ./bigbatch reproduce $e --budget quick --out /tmp/rp/$v --collect > /tmp/rp/$v-$e.collect 2>&1)
  done
done
for e in goyal-table1 goyal-table2a goyal-figure1 legw lars; do
  if diff <(sed 's#/tmp/rp/old#X#g' /tmp/rp/old-$e.collect | grep -v "wall time") \
      <(sed 's#/tmp/rp/new#X#g' /tmp/rp/new-$e.collect | grep -v "wall time") > /tmp/rp/diff-$e.txt; then
    echo "$e: collect output identical"
  else
    echo "$e: DIFFERENT (see /tmp/rp/diff-$e.txt)"
  fi
done
