#!/usr/bin/python3
"""Lockstep check: replays the steps a `bigbatch train --trace-steps N --trace-dir DIR` run recorded through the
PyTorch reference (train_ref.py: model, GhostBN, Schedule, Momentum, train_step — imported, not copied), from
bigbatch's initial weights on bigbatch's batches, and compares step by step. Random streams are gone (same init,
same order, same crops), so any difference is arithmetic rounding — or a real difference between the two
implementations.

    /usr/bin/python3 bench/torch-reference/lockstep.py TRACE_DIR [--threads 1] [--modes free32,free64,step32,step64]

Modes (each prints one table):

* free32 / free64: start from bigbatch's initial state (state-<first>.bin), run every traced step in float32 /
  float64, never looking at bigbatch's later states. Per step: bigbatch's loss, the reference's, |diff|, and the
  relative L2 distance of all parameters to bigbatch's state after the same step (‖w_ref − w_bb‖ / ‖w_bb‖),
  plus the worst tensor. Shows how fast the two trajectories separate.
* step32 / step64: "teacher forcing": before every step t, load bigbatch's own state before t (parameters, BN
  running statistics, momenta, the previous lr), run step t once, compare with bigbatch's state after t. The
  one-step difference of the update Δw = w_{t+1} − w_t (relative L2, worst tensor) and of the loss evaluated at
  the same weights. The fp64 state after the step is rounded to float32 before the comparison (an exact step
  stored as float32 weights), so that an update below float32's resolution of w counts as rounded away on all
  sides. With the same algorithm this is float32 rounding (≈1e-6 relative on Δw unless the step is
  ill-conditioned); a bug shows as a large one-step difference in the tensors it touches, also in float64.

Comparing the float64 reference with both float32 runs says which side rounds more: |bb − ref64| vs
|ref32 − ref64| on the same one step.

Name mapping bigbatch → train_ref (model/ResNetCifar vs step_reference.ResNetCifar): stem.conv → stem,
stem.bn → stem_bn, stage<s>.block<b> → blocks.<(s-1)·blocksPerStage + b>, <block>.shortcut.conv → short.0,
<block>.shortcut.bn → short.1, fc → fc; optim/momentum/<p> → Momentum.v[p]. Every tensor on both sides must map
exactly once with equal shapes, or the script stops.

Chunking: the reference forwards the batch in chunks of bigbatch's --workers-per-chunk workers (train_ref's own
runs use --chunk-examples), so that the chunk-weighted losses are summed in the same order on both sides.
"""
import argparse
import json
import math
import os
import re
import struct
import sys
import zlib
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_ref  # noqa: E402

SKIP_WITH_VALUE = {"--out", "--trace-steps", "--trace-dir", "--threads", "--data", "--checkpoint",
                   "--checkpoint-every"}


def ref_args(index, data_dir, extra=()):
    """train_ref's namespace for the traced run's bigbatch arguments (minus output/trace/thread flags), then
    `extra` train_ref flags (later flags win: a deliberate change, to see that the check notices it)."""
    out, it = [], iter(index["args"])
    for tok in it:
        name = tok.split("=", 1)[0]
        if name in SKIP_WITH_VALUE:
            if "=" not in tok:
                next(it, None)
            continue
        out.append(tok)
    return train_ref.parse_args(out + ["--data", data_dir] + list(extra))


def torch_name(bb, blocks_per_stage):
    """bigbatch tensor name (without its param/ buffer/ prefix) → train_ref state_dict name."""
    m = re.fullmatch(r"stage(\d+)\.block(\d+)\.(.*)", bb)
    if m:
        i = (int(m.group(1)) - 1) * blocks_per_stage + int(m.group(2))
        rest = m.group(3).replace("shortcut.conv.", "short.0.").replace("shortcut.bn.", "short.1.")
        return f"blocks.{i}.{rest}"
    if bb.startswith("stem.conv."):
        return "stem." + bb[len("stem.conv."):]
    if bb.startswith("stem.bn."):
        return "stem_bn." + bb[len("stem.bn."):]
    if bb.startswith("fc."):
        return bb
    raise ValueError(f"no train_ref name for bigbatch tensor {bb}")


class Replay:
    """train_ref's model and optimizer for the traced run, in one dtype, with bigbatch's state loadable."""

    def __init__(self, index, a, dtype):
        self.a = a
        self.dtype = dtype
        depth = int(a.model[len("resnet"):])
        self.per_stage = (depth - 2) // 6
        c = index["exampleShape"][0]
        classes = next(t["shape"][0] for t in index["tensors"] if t["name"] == "param/fc.weight")
        torch.manual_seed(0)  # the init is overwritten by bigbatch's
        self.model = train_ref.build_model(depth, a.width, c, classes, not a.no_zero_gamma, a.batch_per_worker)
        self.model = self.model.to(dtype).train()
        self.bns = [m for m in self.model.modules() if isinstance(m, train_ref.GhostBN)]
        self.opt = train_ref.Momentum(self.model, a)
        sd = self.model.state_dict()
        pid = {id(p): name for name, p in self.model.named_parameters()}
        self.targets = {}  # bigbatch name -> torch tensor to copy into / read from
        for t in index["tensors"]:
            kind, _, rest = t["name"].partition("/")
            if kind == "optim":
                assert rest.startswith("momentum/"), t["name"]
                p = dict(self.model.named_parameters())[torch_name(rest[len("momentum/"):], self.per_stage)]
                target = self.opt.v[p]
            else:
                target = sd[torch_name(rest, self.per_stage)]
            if list(target.shape) != list(t["shape"]):
                raise ValueError(f"{t['name']}: bigbatch shape {t['shape']}, train_ref {list(target.shape)}")
            self.targets[t["name"]] = target
        mapped = {id(x) for x in self.targets.values()}
        missing = [n for n, x in sd.items() if id(x) not in mapped] + \
                  [pid[id(p)] for p in self.opt.params if id(self.opt.v[p]) not in mapped]
        if missing or len(mapped) != len(self.targets):
            raise ValueError(f"tensors not mapped one-to-one; unmapped train_ref tensors: {missing}")

    @torch.no_grad()
    def load(self, state, prev_lr):
        for name, arr in state.items():
            self.targets[name].copy_(torch.from_numpy(arr).to(self.dtype))
        self.opt.prev = prev_lr

    def state(self, round32=False):
        """bigbatch name -> float64 array; round32: first rounded to float32, as a float32 trainer stores it."""
        out = {}
        for name, t in self.targets.items():
            v = t.detach()
            out[name] = (v.float() if round32 else v).double().numpy().copy()
        return out

    def step(self, images, labels, lr):
        x = torch.from_numpy(images).to(self.dtype)
        y = torch.from_numpy(labels)
        loss, _ = train_ref.train_step(self.model, self.bns, self.opt, x, y, self.a.batch_per_worker,
                                       self.a.workers_per_chunk, lr)
        return float(loss)


def read_tensor_file(path, magic=b"BBCKPT02"):
    """A bigbatch tensor file (checkpoints and trace states, io.TensorFile): 8-byte magic, int32 header length,
    JSON header with the tensor table (name, shape, offset from the data start), float32 data, int64 CRC32 of
    everything before it. Returns (header, {name: float32 array})."""
    raw = open(path, "rb").read()
    if raw[:8] != magic:
        raise ValueError(f"{path}: not a {magic.decode()} tensor file (magic {raw[:8]!r})")
    if zlib.crc32(raw[:-8]) != struct.unpack("<q", raw[-8:])[0]:
        raise ValueError(f"{path}: CRC mismatch")
    (head_len,) = struct.unpack("<i", raw[8:12])
    header = json.loads(raw[12:12 + head_len].decode("utf-8"))
    data = 12 + head_len
    out = {}
    for t in header["tensors"]:
        count = int(np.prod(t["shape"]))
        out[t["name"]] = np.frombuffer(raw, dtype="<f4", count=count, offset=data + t["offset"]).reshape(t["shape"])
    return header, out


def read_state(trace, index, name):
    _, tensors = read_tensor_file(os.path.join(trace, name))
    names = [t["name"] for t in index["tensors"]]
    if list(tensors) != names:
        raise ValueError(f"{name}: tensors differ from index.json's table")
    return {n: tensors[n].astype(np.float64) for n in names}


def read_batch(trace, index, name):
    kn = index["globalBatch"]
    shape = [kn] + index["exampleShape"]
    count = int(np.prod(shape))
    raw = open(os.path.join(trace, name), "rb").read()
    x = np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
    y = np.frombuffer(raw, dtype="<i8", count=kn, offset=4 * count).copy()
    return x, y


def rel(a, b, names, scale=None):
    """‖a − b‖ / ‖b‖ over the tensors `names` together, and the worst single tensor (name, its relative L2).
    With `scale` (the weights before a step, when a and b are updates), each tensor's denominator is
    ‖b‖² + (2⁻²⁴·‖scale‖)²: an update below float32's resolution of w is rounded away in a float32 w, and its
    relative error would mean nothing."""
    def den(n):
        d = float(np.sum(b[n] ** 2))
        return d + (2.0 ** -24) ** 2 * float(np.sum(scale[n] ** 2)) if scale is not None else d
    num = sum(float(np.sum((a[n] - b[n]) ** 2)) for n in names)
    total = sum(den(n) for n in names)
    worst = max(((n, math.sqrt(float(np.sum((a[n] - b[n]) ** 2)) / max(den(n), 1e-300))) for n in names),
                key=lambda t: t[1])
    return math.sqrt(num / total) if total > 0 else float("nan"), worst


def groups(index):
    names = [t["name"] for t in index["tensors"]]
    return {"param": [n for n in names if n.startswith("param/")],
            "buffer": [n for n in names if n.startswith("buffer/")],
            "momentum": [n for n in names if n.startswith("optim/")]}


def short(name):
    return name.replace("param/", "").replace("buffer/", "buf:").replace("optim/momentum/", "v:")


def free_run(trace, index, a, dtype, steps, results):
    rp = Replay(index, a, dtype)
    rp.load(read_state(trace, index, index["initialState"]), index["initialOptimizerScalars"][0])
    g = groups(index)
    label = "fp32" if dtype == torch.float32 else "fp64"
    print(f"\n## free run, reference in {label}: from bigbatch's initial state, on bigbatch's batches\n")
    print("| step | lr | bigbatch loss | reference loss | abs diff | params rel L2 | worst param tensor "
          "| BN buffers rel L2 | momenta rel L2 | s |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    rows = []
    for st in steps:
        x, y = read_batch(trace, index, st["batch"])
        t0 = time.time()
        loss = rp.step(x, y, st["lr"])
        dt = time.time() - t0
        bb = read_state(trace, index, st["stateAfter"])
        mine = rp.state()
        p, worst = rel(mine, bb, g["param"])
        b, _ = rel(mine, bb, g["buffer"])
        v, _ = rel(mine, bb, g["momentum"])
        rows.append({"step": st["step"], "bbLoss": st["loss"], "refLoss": loss, "params": p, "buffers": b,
                     "momenta": v, "worst": worst, "state": mine,
                     "bb": {n: bb[n] for n in g["param"]}})
        print(f"| {st['step']} | {st['lr']:.4g} | {st['loss']:.7f} | {loss:.7f} | {abs(loss - st['loss']):.2e} "
              f"| {p:.2e} | {short(worst[0])} {worst[1]:.1e} | {b:.2e} | {v:.2e} | {dt:.1f} |", flush=True)
    results["free_" + label] = rows
    return rows


def one_step(trace, index, a, dtype, steps, results):
    rp = Replay(index, a, dtype)
    g = groups(index)
    label = "fp32" if dtype == torch.float32 else "fp64"
    print(f"\n## one step from bigbatch's own state (teacher forcing), reference in {label}\n")
    print("| step | bigbatch loss | reference loss | abs diff | Δparams rel L2 | worst Δparam tensor "
          "| BN buffers rel L2 | worst buffer | momenta rel L2 | s |")
    print("|---:|---:|---:|---:|---:|---|---:|---|---:|---:|")
    # the state before step t and the previous lr: bigbatch's initial ones, or those after step t - 1
    starts = {index["firstStep"]: (index["initialState"], index["initialOptimizerScalars"][0])}
    for st in index["steps"]:
        starts[st["step"] + 1] = (st["stateAfter"], st["optimizerScalarsAfter"][0])
    rows = []
    for st in steps:
        before_name, prev = starts[st["step"]]
        before = read_state(trace, index, before_name)
        rp.load(before, prev)
        x, y = read_batch(trace, index, st["batch"])
        t0 = time.time()
        loss = rp.step(x, y, st["lr"])
        dt = time.time() - t0
        after = read_state(trace, index, st["stateAfter"])
        mine = rp.state(round32=True)
        d_mine = {n: mine[n] - before[n] for n in g["param"]}
        d_bb = {n: after[n] - before[n] for n in g["param"]}
        dp, worst = rel(d_mine, d_bb, g["param"], before)
        b, bworst = rel(mine, after, g["buffer"])
        v, _ = rel(mine, after, g["momentum"])
        rows.append({"step": st["step"], "bbLoss": st["loss"], "refLoss": loss, "dparams": dp, "worst": worst,
                     "buffers": b, "momenta": v, "dparam": d_mine, "state": mine, "bb": d_bb,
                     "before": before})
        print(f"| {st['step']} | {st['loss']:.7f} | {loss:.7f} | {abs(loss - st['loss']):.2e} | {dp:.2e} "
              f"| {short(worst[0])} {worst[1]:.1e} | {b:.2e} | {short(bworst[0])} {bworst[1]:.1e} | {v:.2e} "
              f"| {dt:.1f} |", flush=True)
    results["step_" + label] = rows
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--modes", default="free32,free64,step32,step64")
    ap.add_argument("--steps", type=int, default=0, help="replay only the first STEPS traced steps (0 = all)")
    ap.add_argument("--one-step-steps", default="", help="comma list of steps for step32/step64 (default: all)")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="only for train_ref's arg parser")
    ap.add_argument("--json", help="write the per-step numbers (no tensors) here")
    ap.add_argument("--ref-extra", default="", help="train_ref flags appended to the traced ones, e.g. "
                    "'--decay-bias-and-norm': a deliberate difference, to see the tables flag it")
    o = ap.parse_args(argv)
    torch.set_num_threads(o.threads)
    index = json.load(open(os.path.join(o.trace, "index.json")))
    if index.get("format") != "bigbatch-step-trace/2":
        raise SystemExit(f"{o.trace}: not a bigbatch step trace (format {index.get('format')})")
    a = ref_args(index, o.data, o.ref_extra.split())
    if o.ref_extra:
        print(f"DELIBERATE CHANGE of the reference: {o.ref_extra}")
    steps = index["steps"][:o.steps] if o.steps > 0 else index["steps"]
    if not index.get("complete"):
        print(f"note: incomplete trace, {len(steps)} of {index['tracedSteps']} steps", file=sys.stderr)
    sched = train_ref.Schedule(a, index["stepsPerEpoch"])
    lr_diff = max(abs(sched.lr(st["step"]) - st["lr"]) for st in steps)
    print(f"trace {o.trace}: {index['config']}")
    print(f"{len(steps)} steps from step {index['firstStep']}; torch {torch.__version__}, {o.threads} thread(s); "
          f"train_ref Schedule vs traced lr: max |diff| {lr_diff:.1e} (peak {sched.peak:g}, "
          f"{index['stepsPerEpoch']} steps/epoch)")
    if lr_diff > 1e-12 * max(1.0, sched.peak):
        raise SystemExit("the schedules differ; fix that first")
    results = {}
    modes = o.modes.split(",")
    chosen = steps
    if o.one_step_steps:
        want = {int(s) for s in o.one_step_steps.split(",")}
        chosen = [st for st in steps if st["step"] in want]
    for mode in modes:
        dtype = torch.float32 if mode.endswith("32") else torch.float64
        if mode.startswith("free"):
            free_run(o.trace, index, a, dtype, steps, results)
        elif mode.startswith("step"):
            one_step(o.trace, index, a, dtype, chosen, results)
        else:
            raise SystemExit(f"unknown mode {mode}")
    compare_precisions(index, results)
    if o.json:
        slim = {k: [{kk: vv for kk, vv in r.items() if kk not in ("state", "dparam", "bb", "before")} for r in rows]
                for k, rows in results.items()}
        with open(o.json, "w") as f:
            json.dump(slim, f, indent=1)
    return 0


def compare_precisions(index, results):
    """Which side rounds more: distances of bigbatch and of the fp32 reference to the fp64 reference."""
    names = groups(index)["param"]
    for kind, key, label in (("free", "state", "params after the step"), ("step", "dparam", "one-step Δparams")):
        r32, r64 = results.get(f"{kind}_fp32"), results.get(f"{kind}_fp64")
        if not r32 or not r64:
            continue
        print(f"\n## {kind}: distances to the fp64 reference ({label}, relative L2)\n")
        print("| step | bigbatch vs ref fp64 | ref fp32 vs ref fp64 | bigbatch vs ref fp32 | loss: bigbatch − fp64 "
              "| loss: ref fp32 − fp64 |")
        print("|---:|---:|---:|---:|---:|---:|")
        by_step = {r["step"]: r for r in r64}
        for x32 in r32:
            x64 = by_step.get(x32["step"])
            if x64 is None:
                continue
            bb, ref32, ref64 = x32["bb"], x32[key], x64[key]
            w = x32.get("before")
            d_bb, _ = rel(bb, ref64, names, w)
            d_32, _ = rel(ref32, ref64, names, w)
            d_x, _ = rel(bb, ref32, names, w)
            print(f"| {x32['step']} | {d_bb:.2e} | {d_32:.2e} | {d_x:.2e} | {x32['bbLoss'] - x64['refLoss']:+.2e} "
                  f"| {x32['refLoss'] - x64['refLoss']:+.2e} |")


if __name__ == "__main__":
    sys.exit(main())
