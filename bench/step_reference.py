#!/usr/bin/python3
"""PyTorch reference for `bigbatch bench step`: the same CIFAR ResNet as dev.bigbatch.model.ResNetCifar
(3x3 stem, three stages of basic blocks at widths w, 2w, 4w, option-B shortcuts, global average pooling,
linear classifier), the same per-worker ("ghost") batch norm as GhostBatchNorm, the same init shapes, the
same loss and Nesterov momentum SGD with weight decay on conv/linear weights only, on the same batch.

Prints one line per repeat, then final "median_ms <x>" (wall clock) and "median_cpu_ms <x>" (process CPU
time of all threads per step, averaged over each repeat) lines that `bigbatch bench step` parses. Run with Debian's /usr/bin/python3 (PyTorch 1.13).

Input: --batch-file FILE holds the batch as written by bigbatch: float32 images [kn, C, H, W] (little
endian, NCHW), then int64 labels [kn]. Without it, the first kn examples of --data (IDX .gz) are used.
"""
import argparse
import gzip
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


class GhostBatchNorm(torch.nn.Module):
    """BN statistics per n-slice of the batch, as dev.bigbatch.model.GhostBatchNorm: split the batch into
    k views, one batch_norm call per slice with shared gamma/beta and its own row of a k x C copy of the
    running statistics, concatenate; the running statistics become the mean of the rows."""

    def __init__(self, channels, zero_gamma, group):
        super().__init__()
        self.c = channels
        self.n = group
        self.weight = torch.nn.Parameter(torch.zeros(channels) if zero_gamma else torch.ones(channels))
        self.bias = torch.nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.1, 1e-5)
        b = x.shape[0]
        n = self.n or b
        k = b // n
        if k == 1:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, True, 0.1, 1e-5)
        mean_k = self.running_mean.repeat(k, 1)
        var_k = self.running_var.repeat(k, 1)
        ys = [F.batch_norm(xs, mean_k[s], var_k[s], self.weight, self.bias, True, 0.1, 1e-5)
              for s, xs in enumerate(x.split(n))]
        with torch.no_grad():
            self.running_mean.copy_(mean_k.mean(0))
            self.running_var.copy_(var_k.mean(0))
        return torch.cat(ys)


def conv(cin, cout, kernel, stride, padding):
    c = torch.nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
    std = math.sqrt(2.0 / (cout * kernel * kernel))  # He normal, fan-out
    with torch.no_grad():
        c.weight.normal_(0, std)
    return c


class BasicBlock(torch.nn.Module):
    def __init__(self, cin, cout, stride, zero_gamma, group):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride, 1)
        self.bn1 = GhostBatchNorm(cout, False, group)
        self.conv2 = conv(cout, cout, 3, 1, 1)
        self.bn2 = GhostBatchNorm(cout, zero_gamma, group)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = torch.nn.Sequential(conv(cin, cout, 1, stride, 0), GhostBatchNorm(cout, False, group))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        s = x if self.short is None else self.short(x)
        return F.relu(h.add_(s))


class ResNetCifar(torch.nn.Module):
    def __init__(self, depth, width, in_channels, classes, zero_gamma, group):
        super().__init__()
        per_stage = (depth - 2) // 6
        self.stem = conv(in_channels, width, 3, 1, 1)
        self.stem_bn = GhostBatchNorm(width, False, group)
        blocks, cin = [], width
        for stage in range(3):
            cout = width << stage
            for b in range(per_stage):
                blocks.append(BasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1, zero_gamma, group))
                cin = cout
        self.blocks = torch.nn.Sequential(*blocks)
        self.fc = torch.nn.Linear(cin, classes)
        with torch.no_grad():
            self.fc.weight.normal_(0, 0.01)
            self.fc.bias.zero_()

    def forward(self, x):
        h = F.relu(self.stem_bn(self.stem(x)))
        return self.fc(self.blocks(h).mean((2, 3)))


def read_idx_batch(data_dir, count):
    with gzip.open(os.path.join(data_dir, "train-images-idx3-ubyte.gz")) as f:
        _, n, h, w = struct.unpack(">IIII", f.read(16))
        px = np.frombuffer(f.read(n * h * w), dtype=np.uint8).reshape(n, 1, h, w)
    with gzip.open(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")) as f:
        f.read(8)
        labels = np.frombuffer(f.read(n), dtype=np.uint8)
    x = px.astype(np.float32) / 255.0
    x = (x - x.mean()) / x.std()
    return torch.from_numpy(x[:count].copy()), torch.from_numpy(labels[:count].astype(np.int64))


def read_batch_file(path, count, shape):
    raw = open(path, "rb").read()
    nimg = count * shape[0] * shape[1] * shape[2]
    x = np.frombuffer(raw, dtype="<f4", count=nimg).reshape(count, *shape)
    y = np.frombuffer(raw, dtype="<i8", count=count, offset=nimg * 4)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--batch-per-worker", type=int, default=32)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup-steps", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-file")
    ap.add_argument("--shape", default="1,28,28", help="C,H,W of the images in --batch-file")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--mkldnn", choices=["on", "off"], default="on")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.backends.mkldnn.enabled = a.mkldnn == "on"
    torch.manual_seed(1)
    kn = a.batch_per_worker * a.workers
    shape = tuple(int(s) for s in a.shape.split(","))
    if a.batch_file:
        x, y = read_batch_file(a.batch_file, kn, shape)
    else:
        x, y = read_idx_batch(a.data, kn)
    model = ResNetCifar(a.depth, a.width, x.shape[1], 10, True, a.batch_per_worker)
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": a.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=a.lr, momentum=a.momentum, nesterov=True)

    def step():
        opt.zero_grad(set_to_none=False)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        loss_value = loss.item()
        with torch.no_grad():
            correct = (logits.argmax(1) == y).sum().item()
        opt.step()
        return loss_value, correct

    print(f"pytorch {torch.__version__} threads={torch.get_num_threads()} mkldnn={torch.backends.mkldnn.enabled}"
          f" model=resnet{a.depth}(width={a.width}) batch={kn} ({a.workers}x{a.batch_per_worker})", flush=True)
    medians, cpu_medians = [], []
    for r in range(a.repeats):
        for _ in range(a.warmup_steps):
            step()
        times = []
        c0 = time.process_time()
        for _ in range(a.steps):
            t0 = time.perf_counter()
            loss, _ = step()
            times.append((time.perf_counter() - t0) * 1e3)
        medians.append(statistics.median(times))
        cpu_medians.append((time.process_time() - c0) * 1e3 / a.steps)
        print(f"repeat {r}: ms/step {medians[-1]:.2f} cpu ms/step {cpu_medians[-1]:.2f} (loss {loss:.4f})", flush=True)
    print(f"median_ms {statistics.median(medians):.3f}")
    print(f"median_cpu_ms {statistics.median(cpu_medians):.3f}")


if __name__ == "__main__":
    sys.exit(main())
