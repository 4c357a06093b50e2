#!/usr/bin/env python3
"""Side-by-side table of bigbatch's and the PyTorch reference's `reproduce --collect` results.

Reads ROOT/<experiment>/table.csv under both roots (written by `bigbatch reproduce <exp> --budget full --out ROOT
--collect`) and prints one markdown row per experiment row: mean ± std [per seed] on each side, the difference
of the means, and a flag:

* `CHECK` when both sides have >= 2 finite seeds and |difference| > 2·sqrt(sa²/na + sb²/nb) + 1 point (more
  than seed noise), or when one side diverged (div) on every seed and the other on none;
* `few seeds` when either side has fewer than 2 finite seeds (no judgement).

Usage: compare_tables.py BIGBATCH_ROOT REFERENCE_ROOT [experiment ...]
"""
import csv
import math
import os
import sys

EXPERIMENTS = ["goyal-table1", "goyal-table2a", "goyal-figure1", "lars"]


def read(root, exp):
    path = os.path.join(root, exp, "table.csv")
    if not os.path.isfile(path):
        return {}
    rows = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            errs = [float(e) for e in r["errors_pct"].split(";") if e]
            rows[r["row"]] = errs
    return rows


def summary(errs):
    ok = [e for e in errs if math.isfinite(e)]
    if not errs:
        return "not run", ok
    mean = sum(ok) / len(ok) if ok else float("nan")
    std = math.sqrt(sum((e - mean) ** 2 for e in ok) / (len(ok) - 1)) if len(ok) > 1 else 0.0
    seeds = ", ".join("div" if not math.isfinite(e) else f"{e:.2f}" for e in errs)
    head = f"{mean:.2f} ± {std:.2f}" if ok else "div"
    return f"{head} [{seeds}]", ok


def stats(ok):
    n = len(ok)
    mean = sum(ok) / n
    var = sum((e - mean) ** 2 for e in ok) / (n - 1)
    return mean, var, n


def compare(a_errs, b_errs):
    a_text, a_ok = summary(a_errs)
    b_text, b_ok = summary(b_errs)
    diff, flag = "", ""
    if a_errs and b_errs:
        a_div, b_div = len(a_errs) - len(a_ok), len(b_errs) - len(b_ok)
        if (a_div == len(a_errs)) != (b_div == len(b_errs)) and (a_div == 0 or b_div == 0):
            flag = "CHECK (divergence differs)"
        if len(a_ok) >= 2 and len(b_ok) >= 2:
            ma, va, na = stats(a_ok)
            mb, vb, nb = stats(b_ok)
            d = mb - ma
            diff = f"{d:+.2f}"
            if abs(d) > 2 * math.sqrt(va / na + vb / nb) + 1.0:
                flag = flag or "CHECK"
        elif not flag:
            if a_ok and b_ok:
                diff = f"{sum(b_ok) / len(b_ok) - sum(a_ok) / len(a_ok):+.2f}"
            flag = "few seeds"
    return a_text, b_text, diff, flag


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ours, ref = argv[0], argv[1]
    exps = argv[2:] or EXPERIMENTS
    print("| experiment | row | bigbatch test error % | reference test error % | ref − bigbatch | |")
    print("|---|---|---|---|---:|---|")
    for exp in exps:
        a, b = read(ours, exp), read(ref, exp)
        for row in list(a) + [r for r in b if r not in a]:
            a_text, b_text, diff, flag = compare(a.get(row, []), b.get(row, []))
            print(f"| {exp} | {row} | {a_text} | {b_text} | {diff} | {flag} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
