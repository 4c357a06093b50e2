#!/usr/bin/env python3
"""Summarises docs/decentlam-quick.sh runs: python3 docs/decentlam-table.py runs/decentlam/none-0.1"""
import json, re, statistics, sys, pathlib

root = pathlib.Path(sys.argv[1])
print("| row | test acc % | train loss (last epoch) | consensus distance after epoch 1 / 5 | bytes sent/step/rank (median) | max step loss | step s (median) | wall s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for row in ["sync", "dmsgd-ring", "decentlam-ring", "dmsgd-exp", "decentlam-exp"]:
    d = root / row
    if not (d / "metrics.jsonl").exists():
        continue
    lines = [json.loads(l) for l in open(d / "metrics.jsonl")]
    epochs = [l for l in lines if l["kind"] == "epoch"]
    steps = [l for l in lines if l["kind"] == "step"]
    log = open(str(d) + ".log").read()
    acc = f"{100 * epochs[-1]['testAccuracy']:.2f}" if epochs else "—"
    m_div = re.search(r"at step (\d+) \(lr [^)]*\): training diverged", log)
    if m_div:
        acc = f"diverged (step {m_div.group(1)})"
    loss = f"{epochs[-1]['trainLoss']:.4f}" if epochs else "—"
    cons = "—"
    if (d / "consensus.jsonl").exists():
        c = [json.loads(l) for l in open(d / "consensus.jsonl")]
        cons = f"{c[0]['consensusDistance']:.3g} / {c[-1]['consensusDistance']:.3g}"
    b = json.load(open(d / "comm-bytes.json"))["medianBytesPerStep"] if (d / "comm-bytes.json").exists() else None
    peak = max(s["loss"] for s in steps) if steps else float("nan")
    step_s = statistics.median(s["seconds"] for s in steps) if steps else float("nan")
    m = re.search(r"wall (\d+) s", open(str(root) + ".log").read().split("== " + row + " ")[1]) if (pathlib.Path(str(root) + ".log")).exists() and ("== " + row + " ") in open(str(root) + ".log").read() else None
    wall = m.group(1) if m else "?"
    print(f"| {row} | {acc} | {loss} | {cons} | {b:,} | {peak:.3g} | {step_s:.2f} | {wall} |" if b is not None else f"| {row} | {acc} | {loss} | {cons} | — | {peak:.3g} | {step_s:.2f} | {wall} |")
