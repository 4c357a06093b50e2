#!/usr/bin/env python3
"""The grid of ConvSweep.java in Python PyTorch (Debian's 1.13, oneDNN 2.6): float32 convolution forward,
backward-data and backward-weights against float64, one thread. Prints each wrong problem and the count.
Usage: python3 bench/onednn-zen5/conv_sweep.py   (ONEDNN_MAX_CPU_ISA=... to cap the ISA)"""
import torch

torch.set_num_threads(1)
CHANNELS = [1, 2, 3, 4, 8, 12, 16, 24, 32, 48, 64]
GEOMETRY = [(3, 1, 1), (3, 2, 1), (1, 1, 0), (1, 2, 0)]  # kernel, stride, padding
SIZES = [8, 14]
wrong = total = 0
for ci in CHANNELS:
    for co in CHANNELS:
        for k, s, p in GEOMETRY:
            for h in SIZES:
                g = torch.Generator().manual_seed(ci * 1000 + co)
                x = torch.randn(4, ci, h, h, generator=g)
                w = torch.randn(co, ci, k, k, generator=g)
                oh = (h + 2 * p - k) // s + 1
                go = torch.randn(4, co, oh, oh, generator=g)
                res = []
                for dt in (torch.float32, torch.float64):
                    xx = x.detach().to(dt).clone().requires_grad_()
                    ww = w.detach().to(dt).clone().requires_grad_()
                    y = torch.nn.functional.conv2d(xx, ww, stride=s, padding=p)
                    (y * go.to(dt)).sum().backward()
                    res.append((y.detach().double(), xx.grad.double(), ww.grad.double()))
                err = [((a - b).abs().max() / b.abs().max()).item() for a, b in zip(*res)]
                total += 1
                if not all(e < 1e-4 for e in err):
                    wrong += 1
                    print("WRONG ci %d co %d k%d s%d h%d: fwd %.2g bwd_data %.2g bwd_w %.2g" % (ci, co, k, s, h, *err))
print("wrong %d of %d" % (wrong, total))
