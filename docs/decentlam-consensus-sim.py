#!/usr/bin/env python3
"""Why DecentLaM's consensus distance stalls under step decay (docs/RESULTS-decentlam.md).

A float64 toy of the kn = 8192 runs: P = 4 replicas on a ring, a separable quadratic with noisy local
gradients, 35 steps, η = 0.1 falling ÷10 at epochs 1.67 / 3.33 / 4.44 (7 steps per epoch), Nesterov β = 0.9.
Prints the consensus distance (1/P) Σ ||x_i − x̄||² per step for DmSGD, DecentLaM as implemented (the
paper's form, learning rate outside the momentum), and DecentLaM with the learning rate inside the
velocity (v ← β v + γ g̃, no rescaling when γ changes).
"""
import numpy as np

P, D, BETA, NOISE = 4, 2000, 0.9, 0.2
W = np.zeros((P, P))
for i in range(P):
    for j in (i, (i - 1) % P, (i + 1) % P):
        W[i, j] = 1 / 3
H = np.random.default_rng(1).uniform(0.5, 2, D)


def lr(t):
    return 0.1 * 0.1 ** sum(t / 7 >= e for e in (1.6667, 3.3333, 4.4444))


def run(method):
    rng = np.random.default_rng(5)
    x = np.tile(rng.normal(0, 1, D), (P, 1))
    m = np.zeros((P, D))
    out = []
    for t in range(35):
        g = lr(t)
        d = H * x + NOISE * rng.normal(0, 1, (P, D))
        if method == "dmsgd":
            m = BETA * m + d
            x = W @ (x - g * (d + BETA * m))
        else:
            gt = (x - W @ (x - g * d)) / g
            if method == "decentlam":
                m = BETA * m + gt
                x = x - g * (gt + BETA * m)
            else:  # velocity form
                m = BETA * m + g * gt
                x = x - (g * gt + BETA * m)
        out.append(((x - x.mean(0)) ** 2).sum() / P)
    return out


for method in ("dmsgd", "decentlam", "decentlam-velocity"):
    print(f"{method:19s}", " ".join(f"{v:.2g}" for v in run(method)[9:]), "(steps 9..34; η drops before steps 12, 24, 32)")
