package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.DataType;
import dev.bigbatch.comm.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/** Element-wise reduction kernels on native-order byte ranges. */
public final class Reduction {
    private Reduction() {
    }

    /**
     * {@code acc[i] = op(acc[i], in[i])} for every element between the buffers' positions and limits
     * (equal lengths). MEAN combines like SUM; {@link #finish} divides afterwards.
     */
    public static void combine(DataType type, ReduceOp op, ByteBuffer acc, ByteBuffer in) {
        if (acc.remaining() != in.remaining()) {
            throw new IllegalArgumentException("length mismatch " + acc.remaining() + " vs " + in.remaining());
        }
        switch (type) {
            case FLOAT32 -> combineFloat(op, floats(acc), floats(in));
            case FLOAT64 -> combineDouble(op, doubles(acc), doubles(in));
            default -> throw new IllegalArgumentException(String.valueOf(type));
        }
    }

    /** Final step after the sum: MEAN divides by {@code worldSize}; other ops do nothing. */
    public static void finish(DataType type, ReduceOp op, int worldSize, ByteBuffer data) {
        if (op != ReduceOp.MEAN || worldSize == 1) {
            return;
        }
        if (type == DataType.FLOAT32) {
            FloatBuffer f = floats(data);
            float inv = 1.0f / worldSize;
            for (int i = 0, n = f.limit(); i < n; i++) {
                f.put(i, f.get(i) * inv);
            }
        } else {
            DoubleBuffer d = doubles(data);
            double inv = 1.0 / worldSize;
            for (int i = 0, n = d.limit(); i < n; i++) {
                d.put(i, d.get(i) * inv);
            }
        }
    }

    private static FloatBuffer floats(ByteBuffer b) {
        return b.slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static DoubleBuffer doubles(ByteBuffer b) {
        return b.slice().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    private static void combineFloat(ReduceOp op, FloatBuffer a, FloatBuffer b) {
        int n = a.limit();
        switch (op) {
            case SUM, MEAN -> {
                for (int i = 0; i < n; i++) {
                    a.put(i, a.get(i) + b.get(i));
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    a.put(i, Math.max(a.get(i), b.get(i)));
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    a.put(i, Math.min(a.get(i), b.get(i)));
                }
            }
            default -> throw new IllegalArgumentException(String.valueOf(op));
        }
    }

    private static void combineDouble(ReduceOp op, DoubleBuffer a, DoubleBuffer b) {
        int n = a.limit();
        switch (op) {
            case SUM, MEAN -> {
                for (int i = 0; i < n; i++) {
                    a.put(i, a.get(i) + b.get(i));
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    a.put(i, Math.max(a.get(i), b.get(i)));
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    a.put(i, Math.min(a.get(i), b.get(i)));
                }
            }
            default -> throw new IllegalArgumentException(String.valueOf(op));
        }
    }
}
