"""Error of two ways to sum P replicas' float32 gradients over an fp16 wire (docs/RESULTS-compression.md).

(a) compress-then-reduce (Horovod Compression.fp16, DDP fp16_compress_hook, our --grad-compression fp16):
    every replica rounds its gradient to half, and every hop of the ring adds two halves and rounds.
(b) fp32 own contribution: a hop adds the received half partial sum to its own float32 value and rounds
    only what it sends (the same bytes on the wire; needs a mixed-type collective).
Both follow a ring reduce-scatter's chain order. Gradients are drawn in half's normal range (scaled as our
per-bucket scale does) so the comparison is about rounding, not underflow. Prints the relative L2 error
against the float64 sum and the worst element error relative to sum |g_p|, in units of u = 2^-11.
Run: /usr/bin/python3 bench/fp16_sum_error.py
"""
import numpy as np

U = 2.0 ** -11
rng = np.random.default_rng(16)
N = 1 << 20
print(f"{'P':>3} {'(a) rel L2':>11} {'(b) rel L2':>11} {'(a) max/u':>10} {'(b) max/u':>10}  bound (a) gamma_2P-1/u")
for P in (2, 3, 4, 8, 16):
    mean = rng.standard_normal(N)  # shared signal
    g = [(mean + 3.0 * rng.standard_normal(N)) * 100.0 for _ in range(P)]  # noisy replicas, max ~ 2^11
    g = [x.astype(np.float32) for x in g]
    exact = np.sum([x.astype(np.float64) for x in g], axis=0)
    absum = np.sum([np.abs(x.astype(np.float64)) for x in g], axis=0)
    a = g[0].astype(np.float16)
    for p in range(1, P):
        a = (a.astype(np.float32) + g[p].astype(np.float16).astype(np.float32)).astype(np.float16)
    b = g[0].astype(np.float16)
    for p in range(1, P):
        b = (b.astype(np.float32) + g[p]).astype(np.float16)
    res = []
    for s in (a, b):
        err = s.astype(np.float64) - exact
        res.append((np.linalg.norm(err) / np.linalg.norm(exact), np.max(np.abs(err) / absum) / U))
    k = 2 * P - 1
    print(f"{P:>3} {res[0][0]:11.2e} {res[1][0]:11.2e} {res[0][1]:10.2f} {res[1][1]:10.2f}  {k / (1 - k * U):.2f}")
