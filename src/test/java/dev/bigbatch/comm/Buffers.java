package dev.bigbatch.comm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.function.IntToDoubleFunction;

/** Direct native-order test buffers filled from a function of the element index. */
final class Buffers {
  private Buffers() {
  }

  static FloatBuffer floats(int n, IntToDoubleFunction f) {
    FloatBuffer b = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int i = 0; i < n; i++) {
      b.put(i, (float) f.applyAsDouble(i));
    }
    return b;
  }

  static DoubleBuffer doubles(int n, IntToDoubleFunction f) {
    DoubleBuffer b = ByteBuffer.allocateDirect(n * Double.BYTES).order(ByteOrder.nativeOrder()).asDoubleBuffer();
    for (int i = 0; i < n; i++) {
      b.put(i, f.applyAsDouble(i));
    }
    return b;
  }

  static float[] array(FloatBuffer b) {
    float[] a = new float[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  /** Index of the first element differing from {@code expected}, or -1. */
  static int firstMismatch(FloatBuffer b, IntToDoubleFunction expected, double tolerance) {
    for (int i = 0; i < b.limit(); i++) {
      double e = expected.applyAsDouble(i);
      if (Math.abs(b.get(i) - e) > tolerance * Math.max(1, Math.abs(e))) {
        return i;
      }
    }
    return -1;
  }
}
