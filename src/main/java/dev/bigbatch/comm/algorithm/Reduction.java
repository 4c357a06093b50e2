package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.DataType;
import dev.bigbatch.comm.Float16;
import dev.bigbatch.comm.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Element-wise reduction kernels on native-order byte ranges.
 *
 * <p>FLOAT16 sums decode both halves, add them in float32 and round the sum back to half. That is
 * bit-for-bit the correctly rounded half sum a native fp16 add (NCCL's and Gloo's half reduction) gives:
 * the float32 sum of two halves is rounded once to 24 bits and then to 11, and with 24 ≥ 2·11 + 2 that
 * double rounding never differs from rounding the exact sum once (Figueroa, "When is double rounding
 * innocuous?", SIGNUM 1995). So every hop of a collective adds with relative error ≤ u = 2^-11; see
 * {@code dev.bigbatch.train.HalfBucket} for the resulting bound and for why we do not keep a
 * float32 accumulator across hops.
 */
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
      case FLOAT16 -> combineHalf(op, halves(acc), halves(in));
      default -> throw new IllegalArgumentException(String.valueOf(type));
    }
  }

  /**
   * Final step after the sum: MEAN divides by {@code worldSize}; other ops do nothing. FLOAT16 divides
   * in float32 and rounds once to half (again an innocuous double rounding: the correctly rounded quotient).
   */
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
    } else if (type == DataType.FLOAT16) {
      ShortBuffer h = halves(data);
      for (int i = 0, n = h.limit(); i < n; i++) {
        h.put(i, Float16.fromFloat(Float16.toFloat(h.get(i)) / worldSize));
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

  private static ShortBuffer halves(ByteBuffer b) {
    return b.slice().order(ByteOrder.nativeOrder()).asShortBuffer();
  }

  private static void combineHalf(ReduceOp op, ShortBuffer a, ShortBuffer b) {
    int n = a.limit();
    switch (op) {
      case SUM, MEAN -> Float16.sum(a, b);
      case MAX -> {
        for (int i = 0; i < n; i++) {
          a.put(i, Float16.fromFloat(Math.max(Float16.toFloat(a.get(i)), Float16.toFloat(b.get(i)))));
        }
      }
      case MIN -> {
        for (int i = 0; i < n; i++) {
          a.put(i, Float16.fromFloat(Math.min(Float16.toFloat(a.get(i)), Float16.toFloat(b.get(i)))));
        }
      }
      default -> throw new IllegalArgumentException(String.valueOf(op));
    }
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
