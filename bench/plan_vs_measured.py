#!/usr/bin/env python3
"""Tables for bench/plan-vs-measured.sh: fitted α, β; allreduce formula check; plan vs measured steps.

Reads OUT/bench-N*.rank0.log and OUT/<run>/metrics.jsonl, calls `./bigbatch plan` for the predictions
(the α-β arithmetic of the training rows is CostModel's, not re-implemented here; the bench rows are
checked against the formulas written out below). Medians over steps after WARMUP. Usage:
  python3 bench/plan_vs_measured.py OUT
"""
import json
import math
import os
import re
import statistics as st
import subprocess
import sys

WARMUP = 5
OUT = sys.argv[1] if len(sys.argv) > 1 else "runs/plan-vs-measured"


def bench_rows(phase, n):
    rows = []
    for line in open(f"{OUT}/bench-{phase}-N{n}.rank0.log"):
        f = line.split()
        if len(f) >= 5 and f[0] == "bigbatch":
            rows.append((f[1], int(f[2]), float(f[4]) * 1e-6))
    return rows


def ring(n, a, b, s):
    return 2 * (n - 1) * a + 2 * (n - 1) / n * s / b


def hd(n, a, b, s):
    p = 1 << (n.bit_length() - 1)
    t = 2 * int(math.log2(p)) * a + 2 * (p - 1) / p * s / b
    return t + (0 if p == n else 2 * (a + s / b))


def fit(phase):
    """α, β from N = 2 ring: T = 2α + S/β, least squares on the relative error (so 4 MB does not drown α)."""
    pts = [(s, t) for alg, s, t in bench_rows(phase, 2) if alg == "ring"]
    w = [1 / t for _, t in pts]  # minimise Σ ((x + y·S − T)/T)² over x = 2α, y = 1/β
    A11 = sum(wi * wi for wi in w); A12 = sum(wi * wi * s for wi, (s, _) in zip(w, pts))
    A22 = sum(wi * wi * s * s for wi, (s, _) in zip(w, pts))
    b1 = sum(wi * wi * t for wi, (_, t) in zip(w, pts)); b2 = sum(wi * wi * s * t for wi, (s, t) in zip(w, pts))
    det = A11 * A22 - A12 * A12
    x = (b1 * A22 - b2 * A12) / det
    y = (A11 * b2 - A12 * b1) / det
    alpha, beta = max(x / 2, 0.0), 1 / y
    print(f"\n## {phase} link: α = {alpha * 1e6:.0f} µs, β = {beta:.4g} B/s ({beta * 8 / 1e6:.2f} Mbit/s payload), "
          "fitted to N=2 ring:")
    print(f"{'bytes':>9} {'measured ms':>12} {'fit ms':>8} {'err':>7}")
    for s, t in pts:
        f = ring(2, alpha, beta, s)
        print(f"{s:9d} {t * 1e3:12.2f} {f * 1e3:8.2f} {100 * (f - t) / t:+6.1f}%")
    checks = [(n, row) for n in (3, 4) if os.path.exists(f"{OUT}/bench-{phase}-N{n}.rank0.log")
              for row in bench_rows(phase, n)]
    if checks:
        print(f"\nallreduce alone (bigbatch bench allreduce in the namespaces) vs the α-β formulas, same α, β:")
        print(f"{'N':>2} {'algorithm':>17} {'bytes':>9} {'measured ms':>12} {'predicted ms':>13} {'err':>7}")
        for n, (alg, s, t) in checks:
            f = (ring if alg == "ring" else hd)(n, alpha, beta, s)
            print(f"{n:2d} {alg:>17} {s:9d} {t * 1e3:12.2f} {f * 1e3:13.2f} {100 * (f - t) / t:+6.1f}%")
    return alpha, beta


def steps(path):
    return {r["step"]: r for r in (json.loads(l) for l in open(path)) if r["kind"] == "step"}


def measured(run):
    """Medians over steps after WARMUP (commP10: 10th percentile). With several ranks (--rank-metrics), per step: compute = the largest
    compute of any rank (everyone waits for it), comm = the exposed comm of the last rank to arrive at the
    allreduce (the smallest over ranks: it waited for nobody). commRank0 is rank 0's own, waiting included."""
    ranks = [steps(f"{OUT}/{run}/metrics.jsonl")]
    r = 1
    while os.path.exists(f"{OUT}/{run}/rank{r}/metrics.jsonl"):
        ranks.append(steps(f"{OUT}/{run}/rank{r}/metrics.jsonl"))
        r += 1
    ids = sorted(i for i in ranks[0] if i >= WARMUP and all(i in rk for rk in ranks))
    med = lambda f: st.median(f(i) for i in ids)
    return dict(
        seconds=med(lambda i: ranks[0][i]["seconds"]),
        dataSeconds=med(lambda i: max(rk[i]["dataSeconds"] for rk in ranks)),
        computeSeconds=med(lambda i: max(rk[i]["computeSeconds"] for rk in ranks)),
        computeRank0=med(lambda i: ranks[0][i]["computeSeconds"]),
        commSeconds=med(lambda i: min(rk[i]["commSeconds"] for rk in ranks)),
        commRank0=med(lambda i: ranks[0][i]["commSeconds"]),
        # the quietest steps: 10th percentile of the last rank's comm (CPU starvation slows comm threads too)
        commP10=sorted(min(rk[i]["commSeconds"] for rk in ranks) for i in ids)[len(ids) // 10],
        ranks=len(ranks), steps=len(ids))


def plan(link, model_args, machines, c=None):
    """Rows of `bigbatch plan`: N -> dict(ring, hd, choice, comp, exposed, step) in seconds."""
    alpha, beta = link
    cmd = ["./bigbatch", "plan", *model_args, "--alpha", f"{alpha:.4g}", "--bandwidth", f"{beta:.4g}", "--threads", "1",
           "--machines", ",".join(map(str, machines))]
    if c is not None:
        cmd += ["--seconds-per-example", repr(c)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows, probe = {}, None
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+([\d.]+)\s+([\d.]+)\s+(ring|hd)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            rows[int(m[1])] = dict(ring=float(m[2]) / 1e3, hd=float(m[3]) / 1e3, choice=m[4],
                                   comp=float(m[5]) / 1e3, exposed=float(m[6]) / 1e3, step=float(m[7]) / 1e3)
        m = re.match(r"compute c = ([\d.eE+-]+) ms/example", line)
        if m:
            probe = float(m[1]) / 1e3
    return rows, probe, " ".join(cmd)


def err(p, m):
    return f"{100 * (p - m) / m:+6.1f}%" if m > 0 else "    — "


commands = []
links = {phase: fit(phase) for phase in ("mlp", "resnet8") if os.path.exists(f"{OUT}/bench-{phase}-N2.rank0.log")}
print("\n## training steps: plan vs measured (ms; medians over steps "
      f"{WARMUP}..; err = (predicted − measured)/measured)")
for title, model_args, n_per, runs in [
    ("mlp, one 25 MB bucket, --no-overlap", ["--model", "mlp", "-n", "32", "--bucket-mb", "25", "--no-overlap"], 32,
     [(1, "-", "mlp-N1"), (2, "ring", "mlp-N2-ring"), (3, "ring", "mlp-N3-ring"), (3, "hd", "mlp-N3-hd"),
      (4, "ring", "mlp-N4-ring"), (4, "hd", "mlp-N4-hd")]),
    ("mlp, train's default buckets (4: 11 KB, 512 KB, 2 KB, 1.6 MB), overlap, ring",
     ["--model", "mlp", "-n", "32"], 32,
     [(1, "-", "mlp-N1"), (2, "ring", "mlp-N2-overlap"), (4, "ring", "mlp-N4-overlap")]),
    ("resnet8, train's default buckets (6, all < 256 KiB, so auto runs halving-doubling), --no-overlap",
     ["--model", "resnet8", "-n", "64", "--no-overlap"], 64,
     [(1, "-", "resnet8-N1"), (2, "hd", "resnet8-N2-no-overlap"), (4, "hd", "resnet8-N4-no-overlap")]),
    ("resnet8, train's default buckets (auto: halving-doubling), overlap", ["--model", "resnet8", "-n", "64"], 64,
     [(1, "-", "resnet8-N1"), (2, "hd", "resnet8-N2-overlap"), (4, "hd", "resnet8-N4-overlap")]),
]:
    runs = [r for r in runs if os.path.exists(f"{OUT}/{r[2]}/metrics.jsonl")]
    link = links.get(model_args[1])
    if not runs or link is None:
        continue
    meas = {name: measured(name) for _, _, name in runs}
    one = next(name for n, _, name in runs if n == 1)
    c1 = meas[one]["computeSeconds"] / n_per
    machines = sorted({n for n, _, _ in runs})
    pure, _, cmd = plan(link, model_args, machines, c1)
    commands.append(cmd)
    _, probe, cmd_probe = plan(link, model_args, [1])
    commands.append(cmd_probe)
    overlap = "--no-overlap" not in model_args
    print(f"\n### {title}; α = {link[0] * 1e6:.0f} µs, β = {link[1] * 8 / 1e6:.2f} Mbit/s")
    print(f"c from the N=1 run: {c1 * 1e3:.4f} ms/example; plan's own probe: {probe * 1e3:.4f} ms/example "
          f"(T_compute {c1 * n_per * 1e3:.1f} vs {probe * n_per * 1e3:.1f} ms at n={n_per})")
    print("| N | alg | step | max compute | exposed comm: last rank (rank 0; p10) | other "
          "| plan step, c from N=1 | err | plan exposed, measured compute | err | plan step, measured compute | err |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, alg, name in runs:
        m = meas[name]
        comp = m["computeSeconds"]
        p = pure[n]
        a = {"ring": "ring", "hd": "hd"}.get(alg, p["choice"])
        if n == 1:
            exp_c = 0.0
        elif overlap:
            rows_c, _, cmd_c = plan(link, model_args, [n], comp / n_per)
            commands.append(cmd_c)
            exp_c = rows_c[n]["exposed"]
        else:
            exp_c = p[a]
        pure_step = p["comp"] + (p[a] if (n > 1 and not overlap) else p["exposed"])
        other = m["seconds"] - comp - m["commSeconds"]
        print(f"| {n} | {a if n > 1 else '—'} | {m['seconds'] * 1e3:.0f} | {comp * 1e3:.0f} "
              f"| {m['commSeconds'] * 1e3:.0f} ({m['commRank0'] * 1e3:.0f}; {m['commP10'] * 1e3:.0f}) "
              f"| {other * 1e3:.0f} | {pure_step * 1e3:.0f} | {err(pure_step, m['seconds'])} "
              f"| {exp_c * 1e3:.0f} | {err(exp_c, m['commSeconds']) if n > 1 else '—'} "
              f"| {(comp + exp_c) * 1e3:.0f} | {err(comp + exp_c, m['seconds'])} |")

print("\nplan commands (α, β fitted above; c as stated):")
for c in dict.fromkeys(commands):
    print("  " + c)
