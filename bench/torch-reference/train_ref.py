#!/usr/bin/env python3
"""Independent PyTorch re-implementation of one `bigbatch train` run (Fashion-MNIST, CIFAR ResNet), for
cross-checking bigbatch's `reproduce` tables on a GPU. A reference only; bigbatch never depends on it.

It takes the `bigbatch train` flags that `bigbatch reproduce <exp> --dry-run` prints and writes the run
directory bigbatch writes (config.json, metrics.jsonl with "step" and "epoch" lines, result.json with
"status"), so `bigbatch reproduce <exp> --out ROOT --collect` tables these runs like its own.

Semantics, each read from the Java (file named), not guessed:

* Model (model/ResNetCifar, Conv2d, Linear, Init, Shortcut): bench/step_reference.py's ResNetCifar port: 3x3
  stem, three stages of (depth-2)/6 basic blocks at w, 2w, 4w, option-B shortcuts (1x1 conv + BN), global
  average pool, linear classifier; bias-free convs with He-normal fan-out init, fc W ~ N(0, 0.01^2), b = 0,
  last BN gamma of each block = 0 (zero-gamma, unless --no-zero-gamma). Its BN class is replaced here by
  GhostBN below (same constructor), a vectorised form of model/GhostBatchNorm.
* Ghost BN (model/GhostBatchNorm, train/VirtualWorkers): in training the k*n batch is k contiguous slices of n,
  each normalised with its own biased mean/variance (eps 1e-5), shared gamma/beta. Running statistics:
  every slice s computes r_s = 0.9*r + 0.1*stat_s (unbiased variance, as batch_norm does) from the step-start
  r, and at the end of the step r = mean_s r_s = 0.9*r + 0.1*mean_s stat_s. Evaluation uses running stats.
* Loss (train/VirtualWorkers): cross-entropy, mean over the global batch k*n (chunks weighted chunk/kn).
* Data (train/Trainer, data/Normalization, data/Augmentation, data/DistributedSampler): per-channel
  normalisation with the training set's mean and population std in [0,1] units; augmentation = zero-pad
  2 pixels (pixel space, so the pad is -mean/std after normalising) + random 28x28 crop + horizontal flip
  with p = 1/2; each epoch a fresh permutation, cut into floor(N/kn) batches of kn (the remainder dropped);
  worker w's examples are positions [w*n, (w+1)*n) of the batch. The RNG differs from bigbatch's
  (torch generators seeded from --seed), so orders and crops differ; the distributions are the same.
* Schedule (train/Recipe, schedule/*; the papers' formulas, Goyal et al. 2017 sec. 2.2, LEGW, LARS):
  peak = rule(lr, kn, base-batch) (linear: *kn/B0, sqrt, none; LEGW: sqrt and warmup epochs * kn/B0);
  S = floor(N/kn) steps/epoch; T = max(1, round(epochs*S)); warmup steps m = round(warmup-epochs*S) (Java
  Math.round: floor(x+0.5)); start = --warmup-start-lr, default --lr (Goyal: "we start from a learning rate
  of eta ... such that it reaches kn/B0*eta"). The warmup only ramps up: if start >= peak (kn <= B0) every
  step gets main(s). Otherwise, for s < m, gradual: start + (peak - start)*s/(m - 1) (the peak at the last
  warmup step; start if m = 1), constant: start. A warmup that ramps but rounds to m = 0 is an error.
  main(s): step decay peak*factor^(#milestones <= s), milestones round(e*S) on the absolute step axis; poly
  peak*(1-u)^p and cosine peak*0.5*(1+cos(pi*u)) over the steps after the warmup, u = min(max(s-m, 0),
  D)/D with D = max(1, T - m). Step s uses lr(s), s from 0.
* SGD (optim/Sgd): d = g + wd*w (wd only on tensors of dim > 1 unless --decay-bias-and-norm);
  v = m*(lr_t/lr_{t-1})*v + lr_t*d (momentum correction; ratio 1 on the first step);
  Nesterov (default): w -= lr_t*d + m*v; plain: w -= v.
* LARS (optim/Lars): for tensors of dim > 1 (all, with --decay-bias-and-norm): local = tau*|w|/(|g| + wd*|w|)
  (1 if |w| = 0 or |g| = 0), d = g + wd*w; others: local = 1, d = g. v = m*(lr_t/lr_{t-1})*v + lr_t*local*d;
  w -= v. No Nesterov.
* Metrics (train/Trainer, train/MetricsJsonl): epoch lines with trainLoss/trainAccuracy = means over the
  epoch's training steps (running, with the weights of the moment), testLoss/testAccuracy on the whole
  test set after the epoch; a non-finite loss stops the run with result.json status "failed".

Differences from bigbatch (documented in docs/RESULTS-torchref.md): RNG streams (init, order, crops);
float summation order (cuDNN kernels; on CUDA convolutions use TF32 unless --no-tf32, PyTorch's default);
divergence is checked every --check-every steps instead of every step (no per-step host sync), and the
step lines' "seconds" are the epoch's mean step time for the same reason.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import step_reference  # noqa: E402  (bench/step_reference.py: the ResNetCifar port)

EPS = 1e-5
BN_MOMENTUM = 0.1


class GhostBN(step_reference.GhostBatchNorm):
    """model/GhostBatchNorm, vectorised: x [k*n, C, H, W] viewed as [k, n, C, H, W], one var_mean over
    (n, H, W) per slice, y = x*scale + shift with scale = gamma/sqrt(var+eps), shift = beta - mean*scale
    (the same function as k batch_norm calls; autograd gives the same gradient). Slice statistics of all
    chunks of a step are summed in pending_* and committed once per step by commit()."""

    def __init__(self, channels, zero_gamma, group):
        super().__init__(channels, zero_gamma, group)  # the same parameters and running statistics
        self.register_buffer("pending_mean", torch.zeros(channels), persistent=False)
        self.register_buffer("pending_var", torch.zeros(channels), persistent=False)
        self.pending_slices = 0

    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False,
                                BN_MOMENTUM, EPS)
        b, c, h, w = x.shape
        n = self.n or b
        if b % n:
            raise ValueError(f"batch of {b} is not a whole number of BN groups of {n}")
        k = b // n
        xv = x.reshape(k, n, c, h, w)
        var, mean = torch.var_mean(xv, dim=(1, 3, 4), correction=0, keepdim=True)
        scale = self.weight.view(1, 1, c, 1, 1) * torch.rsqrt(var + EPS)
        shift = self.bias.view(1, 1, c, 1, 1) - mean * scale
        y = torch.addcmul(shift, xv, scale)
        with torch.no_grad():
            m = n * h * w
            self.pending_mean.add_(mean.view(k, c).sum(0))
            self.pending_var.add_(var.view(k, c).sum(0), alpha=m / max(1, m - 1))
        self.pending_slices += k
        return y.reshape(b, c, h, w)

    @torch.no_grad()
    def commit(self):
        if self.pending_slices == 0:
            return
        s = self.pending_slices
        self.running_mean.mul_(1 - BN_MOMENTUM).add_(self.pending_mean, alpha=BN_MOMENTUM / s)
        self.running_var.mul_(1 - BN_MOMENTUM).add_(self.pending_var, alpha=BN_MOMENTUM / s)
        self.pending_mean.zero_()
        self.pending_var.zero_()
        self.pending_slices = 0


@torch.no_grad()
def commit_all(bns):
    """GhostBN.commit for every layer at once with foreach ops (3 foreach calls, not 6 ops per layer); every
    layer saw the same slices in a step."""
    counts = {bn.pending_slices for bn in bns}
    fe = getattr(torch, "_foreach_zero_", None)
    if len(counts) != 1 or fe is None:
        for bn in bns:
            bn.commit()
        return
    s = counts.pop()
    if s == 0:
        return
    running = [t for bn in bns for t in (bn.running_mean, bn.running_var)]
    pending = [t for bn in bns for t in (bn.pending_mean, bn.pending_var)]
    torch._foreach_mul_(running, 1 - BN_MOMENTUM)
    torch._foreach_add_(running, pending, alpha=BN_MOMENTUM / s)
    torch._foreach_zero_(pending)
    for bn in bns:
        bn.pending_slices = 0


def build_model(depth, width, in_channels, classes, zero_gamma, n):
    """step_reference.ResNetCifar with GhostBN as its BN (same constructor, same construction order)."""
    saved = step_reference.GhostBatchNorm
    step_reference.GhostBatchNorm = GhostBN
    try:
        return step_reference.ResNetCifar(depth, width, in_channels, classes, zero_gamma, n)
    finally:
        step_reference.GhostBatchNorm = saved


# ---------------------------------------------------------------- schedule (train/Recipe + schedule/*)

def jround(x):
    """Java Math.round for the non-negative values used here."""
    return int(math.floor(x + 0.5))


class Schedule:
    def __init__(self, a, steps_per_epoch):
        kn = a.workers * a.batch_per_worker
        ratio = kn / a.base_batch
        rule = "sqrt" if a.warmup == "legw" else a.lr_scaling
        self.peak = {"linear": a.lr * ratio, "sqrt": a.lr * math.sqrt(ratio), "none": a.lr}[rule]
        self.total = max(1, jround(a.epochs * steps_per_epoch))
        wep = {"none": 0.0, "constant": a.warmup_epochs, "gradual": a.warmup_epochs,
               "legw": a.warmup_epochs * ratio}[a.warmup]
        self.warm = jround(wep * steps_per_epoch)
        self.kind = a.warmup
        self.start = a.warmup_start_lr if a.warmup_start_lr is not None else a.lr
        self.ramps = self.kind != "none" and a.warmup_epochs > 0 and self.start < self.peak
        if self.ramps and self.warm == 0:
            raise SystemExit(f"warmup of {wep:g} epochs is {wep * steps_per_epoch:g} iterations at "
                             f"{steps_per_epoch} steps/epoch: it rounds to no warmup at all")
        self.decay_steps = max(1, self.total - self.warm)
        self.decay = a.decay
        self.milestones = [jround(e * steps_per_epoch) for e in a.decay_epochs]
        self.factor = a.decay_factor
        self.power = a.decay_power

    def main(self, s):
        if self.decay == "none":
            return self.peak
        if self.decay == "step":
            return self.peak * self.factor ** sum(1 for m in self.milestones if m <= s)
        u = min(max(s - self.warm, 0), self.decay_steps) / self.decay_steps
        if self.decay == "poly":
            return self.peak * (1.0 - u) ** self.power
        return self.peak * 0.5 * (1 + math.cos(math.pi * u))  # cosine

    def lr(self, s):
        if not self.ramps or s >= self.warm:
            return self.main(s)
        if self.kind == "constant" or self.warm == 1:
            return self.start
        return self.start + (self.peak - self.start) * s / (self.warm - 1)


# ---------------------------------------------------------------- optimizers (optim/Sgd, optim/Lars)

def _foreach(name, *args, **kw):
    fn = getattr(torch, "_foreach_" + name, None)
    return fn(*args, **kw) if fn is not None else None


class Momentum:
    """Shared state of Sgd and Lars: velocities v = lr*u and the previous lr (momentum correction)."""

    def __init__(self, model, a):
        self.params = list(model.parameters())
        self.weights = [p for p in self.params if p.dim() > 1 or a.decay_bias_and_norm]
        self.others = [p for p in self.params if not (p.dim() > 1 or a.decay_bias_and_norm)]
        self.v = {p: torch.zeros_like(p) for p in self.params}
        self.m = a.momentum
        self.wd = a.weight_decay
        self.nesterov = a.nesterov
        self.tau = a.trust_coefficient
        self.kind = a.optimizer
        self.prev = 0.0

    @torch.no_grad()
    def step(self, lr):
        c = lr / self.prev if self.prev > 0 else 1.0
        if self.kind == "sgd":
            self._sgd(self.weights, self.wd, lr, c)
            self._sgd(self.others, 0.0, lr, c)
        else:
            self._lars(lr, c)
        self.prev = lr

    def _sgd(self, ps, wd, lr, c):
        if not ps:
            return
        gs = [p.grad for p in ps]
        vs = [self.v[p] for p in ps]
        try:
            ds = torch._foreach_add(gs, ps, alpha=wd) if wd != 0 else gs
            torch._foreach_mul_(vs, self.m * c)
            torch._foreach_add_(vs, ds, alpha=lr)
            if self.nesterov:
                torch._foreach_add_(ps, ds, alpha=-lr)
                torch._foreach_add_(ps, vs, alpha=-self.m)
            else:
                torch._foreach_add_(ps, vs, alpha=-1.0)
        except (AttributeError, RuntimeError):  # no foreach ops: the same update, one tensor at a time
            for p, g, v in zip(ps, gs, vs):
                d = g.add(p, alpha=wd) if wd != 0 else g
                v.mul_(self.m * c).add_(d, alpha=lr)
                if self.nesterov:
                    p.sub_(d, alpha=lr).sub_(v, alpha=self.m)
                else:
                    p.sub_(v)

    def _lars(self, lr, c):
        for p in self.weights:
            g, v = p.grad, self.v[p]
            wn, gn = p.norm(), g.norm()
            local = torch.where((wn > 0) & (gn > 0), self.tau * wn / (gn + self.wd * wn), torch.ones_like(wn))
            d = g.add(p, alpha=self.wd) if self.wd != 0 else g
            v.mul_(self.m * c).add_(d * (local * lr))
            p.sub_(v)
        for p in self.others:
            v = self.v[p]
            v.mul_(self.m * c).add_(p.grad, alpha=lr)
            p.sub_(v)


# ---------------------------------------------------------------- data

def read_idx(path):
    with gzip.open(path) as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def load_split(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    if x.ndim == 3:
        x = x[:, None]
    return x, y.astype(np.int64)


class Data:
    """Whole dataset on the device: normalised training images pre-padded by 2 with the padded-zero value,
    so a batch's crop+flip is one gather."""

    PAD = 2

    def __init__(self, a, device):
        xtr, ytr = load_split(a.data, "train")
        xte, yte = load_split(a.data, "test")
        if a.train_limit > 0:
            xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
        px = xtr.astype(np.float64) / 255.0
        mean = px.mean(axis=(0, 2, 3))
        std = px.std(axis=(0, 2, 3))  # population std, as Normalization.fromData
        std[std == 0] = 1.0
        self.mean, self.std = mean.astype(np.float32), std.astype(np.float32)
        m = torch.from_numpy(self.mean).view(1, -1, 1, 1)
        s = torch.from_numpy(self.std).view(1, -1, 1, 1)
        tr = (torch.from_numpy(xtr.copy()).float() / 255.0 - m) / s
        p = self.PAD
        padded = torch.empty(tr.shape[0], tr.shape[1], tr.shape[2] + 2 * p, tr.shape[3] + 2 * p)
        padded[:] = (-m / s)  # a zero pixel, normalised
        padded[:, :, p:-p, p:-p] = tr
        self.train_x = padded.to(device)
        self.train_y = torch.from_numpy(ytr.copy()).to(device)
        self.test_x = ((torch.from_numpy(xte.copy()).float() / 255.0 - m) / s).to(device)
        self.test_y = torch.from_numpy(yte.copy()).to(device)
        self.n = tr.shape[0]
        self.c, self.h, self.w = tr.shape[1], tr.shape[2], tr.shape[3]
        self.augment = a.augment
        self.device = device

    def batch(self, idx, gen):
        b = idx.shape[0]
        p = self.PAD
        if not self.augment:
            return self.train_x[idx, :, p:p + self.h, p:p + self.w], self.train_y[idx]
        r = torch.randint(0, 2 * p + 1, (2, b), device=self.device, generator=gen)
        flip = torch.randint(0, 2, (b,), device=self.device, generator=gen).bool()
        return crop_flip(self.train_x, idx, r[0], r[1], flip, self.h, self.w), self.train_y[idx]


def crop_flip(padded, idx, oy, ox, flip, h, w):
    """data/Augmentation on pre-padded images, one gather for the batch: out[b][c][y][x] =
    padded[idx[b]][c][y + oy[b]][(flip[b] ? w-1-x : x) + ox[b]]."""
    b, c = idx.shape[0], padded.shape[1]
    dev = padded.device
    ar_h, ar_w = torch.arange(h, device=dev), torch.arange(w, device=dev)
    rows = oy.view(b, 1) + ar_h.view(1, -1)
    cols = torch.where(flip.view(b, 1), (w - 1 - ar_w).view(1, -1), ar_w.view(1, -1)) + ox.view(b, 1)
    ch = torch.arange(c, device=dev).view(1, -1, 1, 1)
    return padded[idx.view(b, 1, 1, 1), ch, rows.view(b, 1, h, 1), cols.view(b, 1, 1, w)]


# ---------------------------------------------------------------- output (train/MetricsJsonl format)

def java_g(x):
    """Java's String.format("%g", x): 6 significant digits, trailing zeros kept, scientific outside
    [1e-4, 1e6) (both write the exponent as e-05)."""
    if x == 0:
        return "0.00000"
    r = float(f"{x:.5e}")
    if 1e-4 <= abs(r) < 1e6:
        return f"{x:.{max(0, 5 - math.floor(math.log10(abs(r))))}f}"
    return f"{x:.5e}"


def config_string(a):
    kn = a.workers * a.batch_per_worker
    start = "" if a.warmup == "none" else \
        f" from {java_g(a.warmup_start_lr if a.warmup_start_lr is not None else a.lr)}"
    opt = (f"(m={java_g(a.momentum)} nesterov={'true' if a.nesterov else 'false'})" if a.optimizer == "sgd"
           else f"(m={java_g(a.momentum)} trust={java_g(a.trust_coefficient)})")
    return (f"model={a.model} width={a.width} n={a.batch_per_worker} k={a.workers} kn={kn} "
            f"optimizer={a.optimizer.upper()}{opt} wd={java_g(a.weight_decay)} lr0={java_g(a.lr)} "
            f"scaling={a.lr_scaling.upper()} warmup={a.warmup.upper()}({java_g(a.warmup_epochs)} epochs{start}) "
            f"decay={a.decay.upper()} epochs={java_g(a.epochs)} seed={a.seed}")


def jsonable(v):
    """Non-finite floats as Jackson writes them by default (WRITE_NAN_AS_STRINGS): "NaN", "Infinity"; bare NaN
    is not JSON and bigbatch's reader would drop the line."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def write_json_atomically(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(jsonable(obj), f, indent=2, allow_nan=False)
    os.replace(tmp, path)


# ---------------------------------------------------------------- training

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = ap.add_argument
    add("--model", default="resnet8")
    add("--width", type=int, default=16)
    add("--no-zero-gamma", action="store_true")
    add("--batch-per-worker", type=int, default=32)
    add("--workers", type=int, default=8)
    add("--workers-per-chunk", type=int, default=8, help="ignored (bigbatch's CPU memory bound); see --chunk-examples")
    add("--chunk-examples", type=int, default=2048,
        help="largest number of examples per forward/backward chunk on the device (results do not depend on it)")
    add("--optimizer", choices=["sgd", "lars"], default="sgd")
    add("--lr", type=float, default=0.4)
    add("--base-batch", type=int, default=256)
    add("--lr-scaling", choices=["linear", "sqrt", "none"], default="linear")
    add("--warmup", choices=["none", "constant", "gradual", "legw"], default="gradual")
    add("--warmup-epochs", type=float, default=0.5)
    add("--warmup-start-lr", type=float, default=None)
    add("--decay", choices=["none", "step", "poly", "cosine"], default="cosine")
    add("--decay-epochs", type=lambda s: [float(v) for v in s.split(",") if v], default=[])
    add("--decay-factor", type=float, default=0.1)
    add("--decay-power", type=float, default=2.0)
    add("--momentum", type=float, default=0.9)
    add("--no-nesterov", dest="nesterov", action="store_false")
    add("--decay-bias-and-norm", action="store_true")
    add("--weight-decay", type=float, default=5e-4)
    add("--trust-coefficient", type=float, default=0.001)
    add("--epochs", type=float, default=5)
    add("--seed", type=int, default=1)
    add("--threads", type=int, default=0, help="torch intra-op threads (0 = 1)")
    add("--no-augment", dest="augment", action="store_false")
    add("--train-limit", type=int, default=0)
    add("--data", default="/usr/share/datasets/fashion-mnist")
    add("--out", default="runs/latest")
    add("--device", default=None, help="cuda or cpu (default: cuda if available)")
    add("--no-tf32", dest="tf32", action="store_false", help="strict fp32 convolutions on CUDA")
    add("--check-every", type=int, default=200, help="steps between divergence checks (host syncs)")
    a = ap.parse_args(argv)
    if not a.model.startswith("resnet"):
        ap.error(f"--model {a.model}: only the CIFAR ResNets (resnet8, resnet20, ...) are implemented")
    return a


def train_step(model, bns, opt, x, y, n, chunk_workers, lr):
    """One step on the global batch x [k*n, ...] (worker w = rows [w*n, (w+1)*n)): forward/backward in chunks of
    chunk_workers workers, each chunk's mean cross-entropy weighted by chunk/kn (train/VirtualWorkers), BN
    statistics committed once, then the update with rate lr. Returns the global-mean loss (the sum of the
    weighted chunk losses, a detached 0-dim tensor) and the number of correct predictions (a tensor); no host
    sync. lockstep.py replays traced bigbatch steps through this function."""
    kn = x.shape[0]
    k = kn // n
    for p in opt.params:
        p.grad = None
    loss_sum = torch.zeros((), dtype=x.dtype, device=x.device)
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    for w0 in range(0, k, chunk_workers):
        lo, hi = w0 * n, min(k, w0 + chunk_workers) * n
        logits = model(x[lo:hi])
        loss = F.cross_entropy(logits, y[lo:hi])
        if hi - lo != kn:
            loss = loss * ((hi - lo) / kn)
        loss.backward()
        with torch.no_grad():
            loss_sum += loss.detach()
            correct += (logits.argmax(1) == y[lo:hi]).sum()
    commit_all(bns)
    opt.step(lr)
    return loss_sum, correct


def evaluate(model, data, batch=2000):
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=data.device)
    correct = torch.zeros((), dtype=torch.int64, device=data.device)
    with torch.no_grad():
        for i in range(0, data.test_x.shape[0], batch):
            x, y = data.test_x[i:i + batch], data.test_y[i:i + batch]
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").double()
            correct += (logits.argmax(1) == y).sum()
    model.train()
    n = data.test_x.shape[0]
    return loss_sum.item() / n, correct.item() / n


def train(a):
    device = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.set_num_threads(a.threads if a.threads > 0 else 1)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = a.tf32
        torch.backends.cuda.matmul.allow_tf32 = False
    os.makedirs(a.out, exist_ok=True)
    depth = int(a.model[len("resnet"):])
    n, k = a.batch_per_worker, a.workers
    kn = n * k
    data = Data(a, device)
    spe = data.n // kn
    if spe < 1:
        raise SystemExit(f"--workers {k} x --batch-per-worker {n} = {kn} exceeds the {data.n} training examples")
    sched = Schedule(a, spe)
    total = sched.total

    torch.manual_seed(a.seed)  # init draws from the global CPU generator, like Init.java
    model = build_model(depth, a.width, data.c, 10, not a.no_zero_gamma, n).to(device)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, GhostBN)]
    opt = Momentum(model, a)
    nparams = sum(p.numel() for p in model.parameters())
    gen = torch.Generator(device=device)
    gen.manual_seed(a.seed * 1000003 + 17)
    perm_gen = torch.Generator()
    perm_gen.manual_seed(a.seed)
    chunk_workers = max(1, min(k, a.chunk_examples // n))

    write_json_atomically(os.path.join(a.out, "config.json"), {
        "config": config_string(a), "model": f"resnet{depth}(width={a.width}) {nparams:,} params",
        "globalBatch": kn, "perWorkerBatch": n, "workers": k, "stepsPerEpoch": spe, "totalSteps": total,
        "peakLr": sched.peak,
        "reference": "bench/torch-reference/train_ref.py", "torch": torch.__version__, "device": str(device),
        "deviceName": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "tf32": bool(a.tf32 and device.type == "cuda"), "argv": sys.argv[1:]})
    metrics = open(os.path.join(a.out, "metrics.jsonl"), "w")

    def line(kind, obj):
        metrics.write(json.dumps(jsonable(dict([("kind", kind)] + list(obj.items()))), allow_nan=False) + "\n")

    def finish(status, last, error=None):
        res = {"status": status}
        if error:
            res["error"] = error
        if last is not None:
            res["lastEpoch"] = last
        metrics.flush()
        metrics.close()
        write_json_atomically(os.path.join(a.out, "result.json"), res)

    last = None
    step = 0
    epoch = 0
    lrs = [sched.lr(s) for s in range(total)]
    while step < total:
        steps_here = min(spe, total - step)
        perm = torch.randperm(data.n, generator=perm_gen).to(device)
        losses = torch.zeros(steps_here, device=device)
        correct = torch.zeros((), dtype=torch.int64, device=device)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        for i in range(steps_here):
            s = step + i
            idx = perm[i * kn:(i + 1) * kn]
            x, y = data.batch(idx, gen)
            loss, right = train_step(model, bns, opt, x, y, n, chunk_workers, lrs[s])
            losses[i] += loss
            correct += right
            if (i + 1) % a.check_every == 0 and not torch.isfinite(losses[:i + 1]).all().item():
                break
        host = losses.cpu().double().numpy()
        seconds = time.perf_counter() - t0
        bad = np.flatnonzero(~np.isfinite(host))
        if bad.size:
            s = step + int(bad[0])
            msg = (f"loss is {'NaN' if np.isnan(host[bad[0]]) else 'infinite'} at step {s} (lr {lrs[s]:.4g}): "
                   "training diverged; lower --lr or lengthen --warmup-epochs")
            for i in range(int(bad[0])):
                line("step", step_line(step + i, epoch, i, spe, host[i], lrs[step + i], kn, seconds / steps_here))
            print(f"{a.out}: {msg}", file=sys.stderr)
            finish("failed", last, msg)
            return 1
        for i in range(steps_here):
            line("step", step_line(step + i, epoch, i, spe, host[i], lrs[step + i], kn, seconds / steps_here))
        test_loss, test_acc = evaluate(model, data)
        examples = steps_here * kn
        last = {"epoch": epoch, "trainLoss": float(host.sum() * kn / examples),
                "trainAccuracy": correct.item() / examples, "testLoss": test_loss, "testAccuracy": test_acc,
                "examplesPerSecond": examples / seconds, "dataWaitSeconds": 0.0, "seconds": seconds}
        line("epoch", last)
        metrics.flush()
        print(f"{a.out}: epoch {epoch} train loss {last['trainLoss']:.4f} test error "
              f"{100 * (1 - test_acc):.2f}% ({seconds:.1f}s, {1e3 * seconds / steps_here:.2f} ms/step)", flush=True)
        step += steps_here
        epoch += 1
    finish("completed", last)
    return 0


def step_line(s, epoch, i, spe, loss, lr, kn, seconds):
    return {"step": s, "epoch": epoch, "stepInEpoch": i, "stepsPerEpoch": spe, "loss": float(loss), "lr": lr,
            "examples": kn, "seconds": seconds, "dataSeconds": 0.0, "computeSeconds": seconds, "commSeconds": 0.0}


def main(argv=None):
    return train(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
