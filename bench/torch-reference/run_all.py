#!/usr/bin/env python3
"""Runs many train_ref.py runs side by side on one machine (one GPU shared by a pool of processes), then
packs the results root into one .tar.gz.

Input: files of `$ bigbatch train ...` lines (the output of `bigbatch reproduce <exp> --dry-run`, several
experiments concatenated). Each line's --out is rewritten to ROOT/<experiment>/<run id> (its last two path
components), so `bigbatch reproduce <exp> --out ROOT --collect` tables the results. Runs are ordered seed 1
of every experiment first, then seed 2, then seed 3 (partial results stay useful), and within a seed the
runs with the most steps first (they take longest: per-step overhead), so the pool ends evenly.

A run is skipped when its result.json says "completed" or "failed" (diverged) and, for "completed", its
metrics.jsonl has all epochs. No run is launched after --deadline-s minus --launch-margin-s; runs still going
at --deadline-s are killed (they are left out of the tables: no result.json). Then ROOT is tarred.
Arguments after `--` go to every train_ref.py (e.g. `-- --data .refdata/fashion-mnist`).
"""
import argparse
import json
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.join(HERE, "train_ref.py")
TRAIN_SIZE = 60000  # Fashion-MNIST; only used to order runs by their number of steps


class Run:
    def __init__(self, args, out, exp, rid):
        self.args, self.out, self.exp, self.rid = args, out, exp, rid
        self.seed = int(flag(args, "--seed", "1"))
        kn = int(flag(args, "--workers", "8")) * int(flag(args, "--batch-per-worker", "32"))
        self.epochs = float(flag(args, "--epochs", "5"))
        self.steps = self.epochs * max(1, TRAIN_SIZE // kn)
        self.proc = None
        self.start = None

    @property
    def name(self):
        return f"{self.exp}/{self.rid}"


def flag(args, name, default):
    """The value of the last occurrence of a flag (argparse semantics: a later one wins)."""
    idx = [i for i, a in enumerate(args) if a == name]
    return args[idx[-1] + 1] if idx else default


def parse_commands(paths, root):
    runs, seen = [], set()
    for path in paths:
        for line in open(path):
            line = line.strip()
            m = re.match(r"^\$?\s*bigbatch\s+train\s+(.*)$", line)
            if not m:
                continue
            args = shlex.split(m.group(1))
            if "--out" not in args:
                raise SystemExit(f"{path}: a train line without --out: {line}")
            i = args.index("--out")
            parts = os.path.normpath(args[i + 1]).split(os.sep)
            exp, rid = parts[-2], parts[-1]
            out = os.path.join(root, exp, rid)
            args = args[:i] + args[i + 2:]
            if "--resume" in args:  # a dry-run over a root with killed bigbatch runs adds it; the reference starts over
                j = args.index("--resume")
                args = args[:j] + args[j + 2:]
            if out in seen:
                continue
            seen.add(out)
            runs.append(Run(args, out, exp, rid))
    return runs


def finished(run):
    try:
        status = json.load(open(os.path.join(run.out, "result.json"))).get("status")
    except (OSError, ValueError):
        return False
    if status == "failed":
        return True
    if status != "completed":
        return False
    epochs = sum(1 for line in open(os.path.join(run.out, "metrics.jsonl")) if '"kind": "epoch"' in line
                 or '"kind":"epoch"' in line)
    return epochs >= math.ceil(run.epochs)


def gpu_line():
    if not shutil.which("nvidia-smi"):
        return None
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used,memory.total",
                               "--format=csv,noheader"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def status_of(run):
    try:
        res = json.load(open(os.path.join(run.out, "result.json")))
        err = 100 * (1 - res["lastEpoch"]["testAccuracy"]) if "lastEpoch" in res else float("nan")
        return f"{res.get('status')} last test error {err:.2f}%"
    except (OSError, ValueError, KeyError):
        return "no result.json"


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("commands", nargs="+", help="files of `$ bigbatch train ...` lines")
    ap.add_argument("--root", required=True, help="results root (ROOT/<experiment>/<run id>)")
    ap.add_argument("--procs", type=int, default=12, help="concurrent train_ref.py processes")
    ap.add_argument("--deadline-s", type=float, default=500, help="kill everything still running after this")
    ap.add_argument("--launch-margin-s", type=float, default=20, help="launch nothing in the last this many s")
    ap.add_argument("--tar", help="write ROOT as this .tar.gz at the end")
    ap.add_argument("--resume-from", help="a .tar.gz from an earlier call: extract into ROOT first")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--only-seeds", default=None, help="comma list, e.g. 1 or 1,2")
    a = ap.parse_args(argv)

    t_start = time.monotonic()
    os.makedirs(a.root, exist_ok=True)
    if a.resume_from:
        with tarfile.open(a.resume_from) as t:
            t.extractall(os.path.dirname(os.path.abspath(a.root)) or ".")
    runs = parse_commands(a.commands, a.root)
    for r in runs:  # arguments after `--` override the commands' (e.g. --epochs for a smoke test)
        r.epochs = float(flag(r.args + extra, "--epochs", "5"))
    if a.only_seeds:
        keep = {int(s) for s in a.only_seeds.split(",")}
        runs = [r for r in runs if r.seed in keep]
    order = {r: i for i, r in enumerate(runs)}
    runs.sort(key=lambda r: (r.seed, -r.steps, order[r]))
    todo = [r for r in runs if not finished(r)]
    print(f"run_all: {len(runs)} runs, {len(runs) - len(todo)} already finished, {len(todo)} to run with "
          f"{a.procs} processes; deadline {a.deadline_s:.0f}s; python {a.python}", flush=True)
    g = gpu_line()
    if g:
        print(f"gpu: {g}", flush=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    running, done, last_gpu = [], 0, time.monotonic()
    killed, crashed = [], []
    try:
        while todo or running:
            now = time.monotonic() - t_start
            while todo and len(running) < a.procs and now < a.deadline_s - a.launch_margin_s:
                r = todo.pop(0)
                os.makedirs(r.out, exist_ok=True)
                for stale in ("result.json", "metrics.jsonl"):
                    if os.path.exists(os.path.join(r.out, stale)):
                        os.remove(os.path.join(r.out, stale))
                log = open(os.path.join(r.out, "train_ref.log"), "w")
                cmd = [a.python, TRAIN] + r.args + ["--threads", "1", "--out", r.out] + extra
                r.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                          start_new_session=True)
                r.start = time.monotonic()
                running.append(r)
            if not running:
                break
            time.sleep(0.5)
            now = time.monotonic() - t_start
            for r in list(running):
                rc = r.proc.poll()
                if rc is None and now >= a.deadline_s:
                    os.killpg(r.proc.pid, signal.SIGKILL)
                    r.proc.wait()
                    killed.append(r)
                    running.remove(r)
                    print(f"[{now:6.1f}s] killed at the deadline: {r.name} after {time.monotonic() - r.start:.1f}s",
                          flush=True)
                elif rc is not None:
                    running.remove(r)
                    done += 1
                    if rc != 0:
                        crashed.append(r)
                    print(f"[{now:6.1f}s] {done:3d} done {r.name} (seed {r.seed}) in {time.monotonic() - r.start:.1f}s,"
                          f" exit {rc}: {status_of(r)}", flush=True)
            if time.monotonic() - last_gpu > 60:
                last_gpu = time.monotonic()
                g = gpu_line()
                if g:
                    print(f"[{now:6.1f}s] gpu: {g}; {len(running)} running, {len(todo)} queued", flush=True)
            if now >= a.deadline_s and not running:
                break
    finally:
        for r in running:
            if r.proc.poll() is None:
                os.killpg(r.proc.pid, signal.SIGKILL)
    left = [r.name for r in todo]
    print(f"run_all: {done} runs finished in {time.monotonic() - t_start:.1f}s; {len(killed)} killed at the deadline; "
          f"{len(left)} never started", flush=True)
    for name in left:
        print(f"  not started: {name}")
    for r in crashed[:3]:  # a diverged run exits 1 too; a crash shows its traceback here
        print(f"--- last lines of {r.name}/train_ref.log (exit {r.proc.returncode}):")
        with open(os.path.join(r.out, "train_ref.log"), errors="replace") as f:
            print("".join(f.readlines()[-8:]).rstrip())
    if a.tar:
        t0 = time.monotonic()
        base = os.path.abspath(a.root)
        with tarfile.open(a.tar, "w:gz") as t:
            t.add(base, arcname=os.path.basename(base))
        print(f"run_all: wrote {a.tar} ({os.path.getsize(a.tar) / 2**20:.1f} MiB) in {time.monotonic() - t0:.1f}s",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
