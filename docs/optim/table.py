#!/usr/bin/env python3
"""Prints a Markdown table row per run directory given: batch, steps, peak lr, warmup steps, test accuracy per epoch."""
import json, os, sys

print("| run | kn | steps | peak η | warmup steps | test acc per epoch (%) | final train loss | status |")
print("|---|---:|---:|---:|---:|---|---:|---|")
for d in sys.argv[1:]:
    cfg = json.load(open(os.path.join(d, "config.json")))
    steps, epochs, warm, lr_prev = [], [], 0, None
    for line in open(os.path.join(d, "metrics.jsonl")):
        m = json.loads(line)
        if m["kind"] == "step":
            steps.append(m)
        elif m["kind"] == "epoch":
            epochs.append(m)
    # warmup steps: the learning rate rises until it reaches its maximum
    lrs = [s["lr"] for s in steps]
    warm = lrs.index(max(lrs)) if lrs else 0
    status = "completed"
    rpath = os.path.join(d, "result.json")
    if os.path.exists(rpath):
        status = json.load(open(rpath)).get("status", "?")
    else:
        status = "cut off at 10 min"
    acc = " / ".join(f"{100 * e['testAccuracy']:.2f}" for e in epochs) or "–"
    loss = f"{epochs[-1]['trainLoss']:.3f}" if epochs else (f"{steps[-1]['loss']:.3f} (step {steps[-1]['step']})" if steps else "–")
    print(f"| {os.path.basename(d)} | {cfg['globalBatch']} | {len(steps)}/{cfg['totalSteps']} | {cfg['peakLr']:.3g} | {warm} | {acc} | {loss} | {status} |")
