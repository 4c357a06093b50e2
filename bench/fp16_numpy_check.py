"""Writes float32 bit patterns and numpy's float16 casts of them for bench/Fp16NumpyCheck.java."""
import numpy as np, sys
rng = np.random.default_rng(7)
bits = np.concatenate([rng.integers(0, 2**32, size=4_000_000, dtype=np.uint64).astype(np.uint32),
                       np.arange(0x33000000 - 64, 0x47800000 + 64, 997, dtype=np.uint32)])  # dense over half's range
f = bits.view(np.float32)
with np.errstate(over='ignore', invalid='ignore'):
    h = f.astype(np.float16)
f.tofile('/tmp/np_f32.bin'); h.view(np.uint16).tofile('/tmp/np_f16.bin')
print(len(f), "floats written, numpy", np.__version__)
