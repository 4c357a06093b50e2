package dev.bigbatch.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Float16} against an independent reference: half values from the binary16 formula in float64,
 * and float→half as "the nearest entry of the sorted table of all finite halves, ties to the even bit
 * pattern, with 65536 standing in for overflow" (IEEE rounds as if the exponent were unbounded, and the
 * next value after 65504 would be 65536 with an even pattern, 0x7c00 = +infinity).
 */
class Float16Test {
  /** Values of the finite non-negative halves 0x0000..0x7bff, plus 65536 at 0x7c00 (the overflow stand-in). */
  private static final double[] TABLE = new double[0x7c01];

  static {
    for (int k = 0; k < 0x7c00; k++) {
      TABLE[k] = reference(k);
    }
    TABLE[0x7c00] = 65536.0;
  }

  /** The binary16 formula: (−1)^s · 2^(e−15) · (1 + m/1024), or 2^−14 · m/1024 for e = 0. */
  static double reference(int h) {
    int s = (h >> 15) & 1;
    int e = (h >> 10) & 0x1f;
    int m = h & 0x3ff;
    double sign = s == 1 ? -1 : 1;
    if (e == 0x1f) {
      return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
    }
    return e == 0 ? sign * Math.pow(2, -14) * (m / 1024.0) : sign * Math.pow(2, e - 15) * (1 + m / 1024.0);
  }

  /** Round-to-nearest-even of a non-NaN float by table search. */
  static short referenceFromFloat(float f) {
    int sign = (Float.floatToRawIntBits(f) >>> 31) << 15;
    double a = Math.abs((double) f);
    if (a >= 65536.0) {
      return (short) (sign | 0x7c00);
    }
    int lo = 0;
    int hi = 0x7c00; // TABLE[lo] <= a < TABLE[hi]
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (TABLE[mid] <= a) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double below = a - TABLE[lo];
    double above = TABLE[hi] - a;
    int k = below < above ? lo : above < below ? hi : (lo % 2 == 0 ? lo : hi);
    return (short) (sign | k);
  }

  @Test
  void everyHalfDecodesToItsFormulaValueAndRoundTrips() {
    for (int h = 0; h < 0x10000; h++) {
      float f = Float16.toFloat((short) h);
      double want = reference(h);
      if (Double.isNaN(want)) {
        assertTrue(Float.isNaN(f), Integer.toHexString(h));
        // NaN stays NaN with its sign and payload (the quiet bit 0x200 is set on the way back).
        assertEquals(h | 0x200, (Float16.fromFloat(f) & 0xffff) | 0x200, Integer.toHexString(h));
      } else {
        assertEquals(want, f, 0.0, Integer.toHexString(h));
        assertEquals(h, Float16.fromFloat(f) & 0xffff, Integer.toHexString(h));
      }
    }
  }

  /** Every rounding decision point: each half, the midpoint to its successor, and floats ±1, ±2 ulp around both. */
  @Test
  void floatToHalfMatchesReferenceAroundEveryHalfAndMidpoint() {
    int checked = 0;
    for (int k = 0; k < 0x7c00; k++) {
      double mid = (TABLE[k] + TABLE[k + 1]) / 2; // exact in float: 12 significant bits at most
      for (double center : new double[] {TABLE[k], mid}) {
        int bits = Float.floatToIntBits((float) center);
        assertEquals(center, (double) (float) center, 0.0);
        for (int d = -2; d <= 2; d++) {
          if (bits + d < 0) {
            continue;
          }
          float f = Float.intBitsToFloat(bits + d);
          assertEquals(referenceFromFloat(f), Float16.fromFloat(f), () -> "f=" + f + " " + Float.floatToIntBits(f));
          assertEquals(referenceFromFloat(-f), Float16.fromFloat(-f), () -> "f=" + -f);
          checked += 2;
        }
      }
    }
    assertTrue(checked > 600_000, "checked " + checked);
  }

  @Test
  void floatToHalfMatchesReferenceOnRandomBitPatterns() {
    Random rnd = new Random(16);
    for (int i = 0; i < 1 << 20; i++) {
      float f = Float.intBitsToFloat(rnd.nextInt());
      if (Float.isNaN(f)) {
        short h = Float16.fromFloat(f);
        assertTrue((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0, "NaN stays NaN: " + f);
        assertEquals(Float.floatToRawIntBits(f) >>> 31, (h & 0xffff) >>> 15, "NaN keeps its sign");
        continue;
      }
      assertEquals(referenceFromFloat(f), Float16.fromFloat(f), "f=" + f);
    }
  }

  @Test
  void closedFormCases() {
    assertEquals(0x7bff, Float16.fromFloat(65504f));
    assertEquals(0x7bff, Float16.fromFloat(Math.nextDown(65520f)));
    assertEquals(0x7c00, Float16.fromFloat(65520f), "tie between 65504 (odd) and 65536 goes to the even: +inf");
    assertEquals((short) 0xfc00, Float16.fromFloat(-1e9f));
    assertEquals(0x7c00, Float16.fromFloat(Float.POSITIVE_INFINITY));
    assertEquals(1, Float16.fromFloat(0x1p-24f));
    assertEquals(0, Float16.fromFloat(0x1p-25f), "tie between 0 and 2^-24 goes to 0");
    assertEquals(1, Float16.fromFloat(Math.nextUp(0x1p-25f)));
    assertEquals((short) 0x8000, Float16.fromFloat(-1e-10f), "underflow keeps the sign");
    assertEquals(2, Float16.fromFloat(0x1.8p-24f), "1.5·2^-24 ties to the even 2·2^-24");
    assertEquals(0x3c00, Float16.fromFloat(1 + 0x1p-11f), "1 + u ties to even 1");
    assertEquals(0x3c02, Float16.fromFloat(1 + 3 * 0x1p-11f), "1 + 3u ties to even 1 + 2^-9");
    assertEquals(0x0400, Float16.fromFloat(Math.nextDown(0x1p-14f)), "rounds up into the smallest normal");
    assertEquals(0x3555, Float16.fromFloat(1f / 3), "1/3 = 0x3555 (binary16 tables)");
    assertEquals(0x4248, Float16.fromFloat(3.140625f));
    assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN))));
  }

  @Test
  void bulkCodecAppliesThePowerOfTwoScale() {
    FloatBuffer src = FloatBuffer.wrap(new float[] {1.5f, -3e-7f, 70000f, 0.1f});
    ShortBuffer wire = ShortBuffer.allocate(4);
    Float16.encode(src, 1024f, wire);
    for (int i = 0; i < 4; i++) {
      assertEquals(referenceFromFloat(src.get(i) * 1024f), wire.get(i));
    }
    FloatBuffer back = FloatBuffer.allocate(4);
    Float16.decode(wire, 1f / 1024, back);
    assertEquals(1.5f, back.get(0));
    assertEquals(-3e-7, back.get(1), 3e-7 * 0x1p-11); // 3e-7·1024 is a normal half: relative error ≤ u
    assertEquals(Float.POSITIVE_INFINITY, back.get(2)); // 7.2e7 overflows
    assertEquals(0.1, back.get(3), 0.1 * 0x1p-11);
  }

  /** Specials and boundaries the bulk kernels must carry like the scalar ones, then random bit patterns. */
  private static float[] testFloats(int n, Random rnd) {
    float[] special = {0f, -0f, Float.NaN, Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00123),
      Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 65504f, 65520f, Math.nextDown(65520f), 0x1p-24f, 0x1p-25f,
      Math.nextUp(0x1p-25f), 0x1.8p-24f, 1 + 0x1p-11f, 1 + 3 * 0x1p-11f, Math.nextDown(0x1p-14f), 1e-10f, -1e9f};
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = i < special.length ? special[i] : i % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt())
          : (float) rnd.nextGaussian() * 0x1p-10f; // gradient-like: mostly normal halves after a scale
    }
    return f;
  }

  /**
   * The bulk kernels (chunked through arrays; on Java 20+ the JDK's conversions) against the scalar ones, bit for
   * bit, over lengths that are not multiples of the chunk, from nonzero positions, on heap and direct buffers.
   */
  @Test
  void bulkKernelsEqualTheScalarOnesBitForBit() {
    Random rnd = new Random(7);
    for (boolean direct : new boolean[] {false, true}) {
      for (int n : new int[] {1, Float16.CHUNK - 1, 2 * Float16.CHUNK + 5}) {
        int off = 3;
        float scale = 0x1p7f;
        float[] values = testFloats(n, rnd);
        FloatBuffer src = floats(off + n, direct);
        src.position(off);
        src.put(values).position(off);
        ShortBuffer wire = shorts(off + n, direct);
        wire.position(off);
        Float16.encode(src, scale, wire);
        assertEquals(off, src.position(), "encode leaves positions");
        assertEquals(off, wire.position(), "encode leaves positions");
        for (int i = 0; i < n; i++) {
          assertEquals(Float16.fromFloat(values[i] * scale), wire.get(off + i), "encode " + values[i]);
        }

        ShortBuffer other = shorts(off + n, direct);
        for (int i = 0; i < off + n; i++) {
          other.put(i, (short) rnd.nextInt(1 << 16));
        }
        other.position(off);
        short[] before = new short[n];
        wire.get(off, before, 0, n);
        Float16.sum(wire, other);
        for (int i = 0; i < n; i++) {
          float a = Float16.toFloat(before[i]);
          float b = Float16.toFloat(other.get(off + i));
          short got = wire.get(off + i);
          if (Float.isNaN(a) && Float.isNaN(b)) { // IEEE leaves open whose payload NaN + NaN keeps
            assertTrue((got & 0x7c00) == 0x7c00 && (got & 0x3ff) != 0, "NaN + NaN is a NaN");
            continue;
          }
          assertEquals(Float16.fromFloat(a + b), got, "sum of halves " + before[i] + ", " + other.get(off + i));
        }

        FloatBuffer back = floats(off + n, direct);
        back.position(off);
        Float16.decode(wire, 1f / scale, back);
        for (int i = 0; i < n; i++) {
          float expected = Float16.toFloat(wire.get(off + i)) * (1f / scale);
          assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(back.get(off + i)),
              "decode of half " + wire.get(off + i));
        }
        assertEquals(0f, back.get(0), "decode writes nothing before the position");
      }
    }
  }

  @Test
  void bulkDecodeAndSumCoverEveryHalf() {
    ShortBuffer all = ShortBuffer.allocate(1 << 16);
    for (int h = 0; h < 1 << 16; h++) {
      all.put(h, (short) h);
    }
    FloatBuffer decoded = FloatBuffer.allocate(1 << 16);
    Float16.decode(all, 1f, decoded);
    ShortBuffer doubled = ShortBuffer.allocate(1 << 16).put(all.duplicate()).clear();
    Float16.sum(doubled, all);
    for (int h = 0; h < 1 << 16; h++) {
      float expected = Float16.toFloat((short) h) * 1f; // the multiply quiets a signalling NaN, as the kernel's
      assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(decoded.get(h)), "half " + h);
      float twice = Float16.toFloat((short) h) + Float16.toFloat((short) h);
      assertEquals(Float16.fromFloat(twice), doubled.get(h), "half " + h + " doubled");
    }
  }

  private static FloatBuffer floats(int n, boolean direct) {
    return direct ? ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer() : FloatBuffer.allocate(n);
  }

  private static ShortBuffer shorts(int n, boolean direct) {
    return direct ? ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder()).asShortBuffer() : ShortBuffer.allocate(n);
  }
}
