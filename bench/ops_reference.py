#!/usr/bin/python3
"""PyTorch side of `bigbatch bench ops`: times the same layer ops as dev.bigbatch.cli.ResNetOps (same names,
shapes and counts), the optimizer step, zero_grad and the whole step of step_reference.py's model.

Each row is printed as "op<TAB>name<TAB>count<TAB>fwd ms<TAB>fwd+bwd ms" (fwd "nan" where it does not
apply). At one thread the times are the calling thread's CPU time (time.thread_time), otherwise wall time.
"""
import argparse
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

import step_reference as ref


def layer_ops(model, width, in_channels=1, in_size=28):
    m = re.fullmatch(r"resnet(\d+)", model.lower())
    depth = int(m.group(1)) if m else -1
    if depth < 8 or (depth - 2) % 6:
        raise SystemExit(f"ops_reference profiles the CIFAR ResNets, not {model}")
    ops = {}

    def add(kind, name, **shape):
        if name in ops:
            ops[name]["count"] += 1
        else:
            ops[name] = dict(kind=kind, name=name, count=1, **shape)

    def conv(cin, cout, k, stride, size, grad=True):
        add("conv", f"conv{k}x{k} {cin}->{cout}{'' if stride == 1 else f' s{stride}'} @{size}",
            cin=cin, cout=cout, k=k, stride=stride, size=size, grad=grad)

    def bn(c, size):
        add("bn", f"ghost bn {c} @{size}", cin=c, size=size, grad=True)

    def relu(c, size):
        add("relu", f"relu {c} @{size}", cin=c, size=size, grad=True)

    size = in_size
    conv(in_channels, width, 3, 1, size, grad=False)
    bn(width, size)
    relu(width, size)
    cin = width
    for stage in range(3):
        cout = width << stage
        for b in range((depth - 2) // 6):
            stride = 2 if stage > 0 and b == 0 else 1
            out_size = (size - 1) // stride + 1
            conv(cin, cout, 3, stride, size)
            bn(cout, out_size)
            relu(cout, out_size)
            conv(cout, cout, 3, 1, out_size)
            bn(cout, out_size)
            if stride != 1 or cin != cout:
                conv(cin, cout, 1, stride, size)
                bn(cout, out_size)
            relu(cout, out_size)
            cin, size = cout, out_size
    add("head", f"pool+fc+loss {cin}->10", cin=cin, size=size, grad=True)
    return list(ops.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="resnet8")
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--batch-per-worker", type=int, default=32)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=15)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    clock = time.thread_time if a.threads == 1 else time.perf_counter
    batch = a.batch_per_worker * a.workers

    def median(f):
        for _ in range(2):
            f()
        t = []
        for _ in range(a.reps):
            c0 = clock()
            f()
            t.append((clock() - c0) * 1e3)
        return statistics.median(t)

    def row(name, count, fwd, fwd_bwd):
        print(f"op\t{name}\t{count}\t{fwd:.4f}\t{fwd_bwd:.4f}", flush=True)

    for op in layer_ops(a.model, a.width):
        x = torch.randn(batch, op["cin"], op["size"], op["size"])
        if op["kind"] == "conv":
            w = torch.randn(op["cout"], op["cin"], op["k"], op["k"], requires_grad=True)
            f = lambda x=x, w=w, op=op: F.conv2d(x, w, None, op["stride"], op["k"] // 2)
        elif op["kind"] == "bn":
            bn = ref.GhostBatchNorm(op["cin"], False, a.batch_per_worker)
            f = lambda x=x, bn=bn: bn(x)
        elif op["kind"] == "relu":
            f = lambda x=x: F.relu(x)
        else:
            w = (torch.randn(10, op["cin"]) * 0.01).requires_grad_(True)
            b = torch.zeros(10, requires_grad=True)
            y = torch.randint(0, 10, (batch,))
            f = lambda x=x, w=w, b=b, y=y: F.cross_entropy(F.linear(x.mean((2, 3)), w, b), y)
        x.requires_grad_(op["grad"])
        fwd = median(f)
        gy = torch.randn_like(f().detach())

        def fb(x=x, f=f, gy=gy):
            x.grad = None  # an activation's gradient flows on; it is not accumulated into a leaf
            f().backward(gy)
        row(op["name"], op["count"], fwd, median(fb))

    depth = int(re.fullmatch(r"resnet(\d+)", a.model.lower()).group(1))
    model = ref.ResNetCifar(depth, a.width, 1, 10, True, a.batch_per_worker)
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=0.1, momentum=0.9, nesterov=True)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=False)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        loss.item()
        with torch.no_grad():
            (logits.argmax(1) == y).sum().item()
        opt.step()
    step()
    nan = float("nan")
    row("sgd step", 1, nan, median(opt.step))
    row("zero grad", 1, nan, median(lambda: opt.zero_grad(set_to_none=False)))
    row("step", 1, nan, median(step))


if __name__ == "__main__":
    sys.exit(main())
