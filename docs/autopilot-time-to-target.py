#!/usr/bin/env python3
"""Steps, examples and training time until a run's test accuracy first reaches a target, from metrics.jsonl.

Test accuracy is measured at epoch ends only, so "to target" is resolved to the epoch. Training time is the sum
of the step times (metrics "seconds") up to that epoch's last step, i.e. without evaluation; the batch
decisions of --batch auto are listed too. Usage: autopilot-time-to-target.py --target 0.85 RUN_DIR...
"""
import argparse
import json
import os


def summarise(run_dir, target):
    steps, epochs, decisions = [], [], []
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            {"step": steps, "epoch": epochs, "decision": decisions}.get(rec["kind"], []).append(rec)
    result = {}
    path = os.path.join(run_dir, "result.json")
    if os.path.exists(path):
        with open(path) as f:
            result = json.load(f)
    hit = None
    for e in epochs:
        if e["testAccuracy"] >= target:
            hit = e
            break
    row = {"run": os.path.basename(run_dir.rstrip("/")), "status": result.get("status", "?"),
           "epochs": len(epochs), "final": epochs[-1]["testAccuracy"] if epochs else float("nan"),
           "best": max((e["testAccuracy"] for e in epochs), default=float("nan")),
           "steps_total": len(steps), "train_s_total": sum(s["seconds"] for s in steps),
           "decisions": decisions, "error": result.get("error")}
    if hit is not None:
        upto = [s for s in steps if s["epoch"] <= hit["epoch"]]
        row.update(hit_epoch=hit["epoch"] + 1, hit_steps=len(upto), hit_examples=sum(s["examples"] for s in upto),
                   hit_s=sum(s["seconds"] for s in upto))
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", type=float, required=True, help="test accuracy, e.g. 0.85")
    ap.add_argument("--epochs", action="store_true", help="also print each run's per-epoch trajectory")
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    if args.epochs:
        trajectories(args.runs)
    print(f"| run | status | epochs to {100 * args.target:.0f}% | steps to target | train s to target "
          "| final test acc | best | steps (all) | train s (all) | batch decisions |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for d in args.runs:
        r = summarise(d, args.target)
        dec = "; ".join(f"step {x['step']}: B_simple {x['bSimple']:.0f} -> {x['oldGlobalBatch']}->{x['newGlobalBatch']}"
                        for x in r["decisions"]) or "-"
        if "hit_steps" in r:
            to = f"{r['hit_epoch']} | {r['hit_steps']} | {r['hit_s']:.0f}"
        else:
            to = "not reached | - | -"
        status = r["status"] if not r["error"] else f"{r['status']}: {r['error']}"
        print(f"| {r['run']} | {status} | {to} | {100 * r['final']:.2f}% | {100 * r['best']:.2f}% | {r['steps_total']} "
              f"| {r['train_s_total']:.0f} | {dec} |")


def trajectories(runs):
    """Per epoch: global batch at its end, cumulative steps, examples and training seconds, test accuracy."""
    print("| run | epoch | kn at epoch end | steps (cum.) | train s (cum.) | test acc |")
    print("|---|---:|---:|---:|---:|---:|")
    for d in runs:
        steps, epochs = [], []
        with open(os.path.join(d, "metrics.jsonl")) as f:
            for line in f:
                rec = json.loads(line)
                {"step": steps, "epoch": epochs}.get(rec["kind"], []).append(rec)
        name = os.path.basename(d.rstrip("/"))
        for e in epochs:
            upto = [s for s in steps if s["epoch"] <= e["epoch"]]
            print(f"| {name} | {e['epoch'] + 1} | {upto[-1]['examples']} | {len(upto)} "
                  f"| {sum(s['seconds'] for s in upto):.0f} | {100 * e['testAccuracy']:.2f}% |")
    print()


if __name__ == "__main__":
    main()
