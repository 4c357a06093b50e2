#!/usr/bin/env python3
"""B_simple per epoch, or per N steps, from a `bigbatch noise-scale` run's noise-scale.json (RESULTS-reproduce.md).

`bigbatch noise-scale` prints and stores the per-epoch values itself (its "epochs" array); this script also
splits a run into shorter phases (e.g. the fifths of a 1-epoch run) and reads files written before that.

The run's own estimate is one exponential moving average over all steps. Here each epoch's steps are averaged
separately: the unbiased one-step estimates of |G|^2 and tr(Sigma) (McCandlish et al. 2018, A.1; the same
formulas as dev.bigbatch.diag.NoiseScale) are averaged over the epoch, then divided.
Usage: python3 bench/noise_scale_phases.py RUN/noise-scale.json [STEPS_PER_ROW]   (default: one row per epoch)"""
import json
import re
import sys


def main():
    doc = json.load(open(sys.argv[1]))
    b, B = doc['smallBatch'], doc['bigBatch']
    hist = doc['history']
    epochs = float(re.search(r'epochs=([0-9.]+)', doc['config']).group(1))
    steps_per_epoch = round(len(hist) / epochs)
    per_row = int(sys.argv[2]) if len(sys.argv) > 2 else steps_per_epoch
    print(f'# {doc["config"]}')
    print(f'# B_small={b} B_big={B}, {steps_per_epoch} steps per epoch; the run\'s own estimate (EMA at its end): '
          f'B_simple = {doc["bSimple"]:.0f}')
    print(f'{"epoch":>6} {"steps":>9} {"|G|^2":>10} {"tr(Sigma)":>10} {"B_simple":>9}')
    for lo in range(0, len(hist), per_row):
        rows = hist[lo:lo + per_row]
        g = sum((B * r['bigNormSq'] - b * r['smallNormSq']) / (B - b) for r in rows) / len(rows)
        s = sum((r['smallNormSq'] - r['bigNormSq']) / (1 / b - 1 / B) for r in rows) / len(rows)
        bs = f'{s / g:9.0f}' if g > 0 else '      n/a'
        print(f'{lo / steps_per_epoch:6.2f} {lo:>4}-{lo + len(rows) - 1:<4} {g:10.5f} {s:10.3f} {bs}')


if __name__ == '__main__':
    main()
