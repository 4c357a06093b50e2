package dev.bigbatch.comm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * IEEE 754 binary16 ("half", fp16) codec for Java 17, which lacks {@code Float.floatToFloat16} (Java 20).
 *
 * <p>binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. Normal values span
 * 2^-14 (6.1e-5) .. 65504 with a relative spacing of 2^-10; subnormals are multiples of 2^-24 (6.0e-8)
 * below 2^-14. The unit roundoff is u = 2^-11.
 *
 * <p>{@link #fromFloat} rounds to nearest, ties to even, exactly as an IEEE conversion does: values below
 * half the smallest subnormal (|x| ≤ 2^-25, the tie going to the even 0) become a signed zero, values at
 * or above 65520 (half-way between 65504 and the first unrepresentable 65536) become ±infinity,
 * infinities stay infinities, and NaN stays a quiet NaN (the top 9 payload bits are kept, the quiet bit is
 * set). {@link #toFloat} is exact: every half is a float.
 *
 * <p>The bulk kernels ({@link #encode}, {@link #decode}, {@link #sum}) give the same results, and on Java 20+
 * run through the JDK's own conversions, which the JIT vectorises (about 10× faster; see the comment above
 * the array kernels and docs/RESULTS-compression.md).
 */
public final class Float16 {
  /** Largest finite half, 65504. */
  public static final float MAX_VALUE = 65504f;
  /** Smallest positive normal half, 2^-14. */
  public static final float MIN_NORMAL = 0x1p-14f;
  /** Smallest positive subnormal half, 2^-24. */
  public static final float MIN_VALUE = 0x1p-24f;
  public static final short POSITIVE_INFINITY = 0x7c00;
  public static final short NEGATIVE_INFINITY = (short) 0xfc00;

  /** Elements per step of the bulk kernels: they copy buffers to arrays, which C2 compiles best. */
  public static final int CHUNK = 2048;
  private static final MethodHandle JDK_TO_HALF = jdkConversion("floatToFloat16", short.class, float.class);
  private static final MethodHandle JDK_TO_FLOAT = jdkConversion("float16ToFloat", float.class, short.class);

  /** Every half's float value, indexed by its bits (256 KiB): decoding is the hot loop of half sums. */
  private static final float[] VALUES = new float[1 << 16];

  static {
    for (int h = 0; h < VALUES.length; h++) {
      VALUES[h] = compute((short) h);
    }
  }

  private Float16() {
  }

  /** The half nearest to {@code f} (round to nearest, ties to even; overflow to ±infinity). */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fff_ffff;
    if (abs >= 0x7f80_0000) { // infinity or NaN
      return (short) (abs == 0x7f80_0000 ? sign | 0x7c00 : sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
    }
    if (abs >= 0x477f_f000) { // ≥ 65520: rounds past 65504
      return (short) (sign | 0x7c00);
    }
    if (abs >= 0x3880_0000) { // ≥ 2^-14: a normal half. Rebias the exponent (127 → 15), keep 10 of 23
      int m = abs - (112 << 23); // fraction bits, round the 13 dropped bits to nearest even;
      m += 0xfff + ((m >>> 13) & 1); // a carry out of the fraction correctly bumps the exponent
      return (short) (sign | (m >>> 13));
    }
    if (abs <= 0x3300_0000) { // ≤ 2^-25: nearer to (or tied with, even) zero than to 2^-24
      return (short) sign;
    }
    // Subnormal half: the result is round(|f| / 2^-24). |f| = mant · 2^(e-150), so the quotient is
    // mant · 2^(e-126) = mant >> shift with shift = 126 - e in 14..24.
    int e = abs >>> 23;
    int mant = (abs & 0x7f_ffff) | 0x80_0000;
    int shift = 126 - e;
    int q = mant >>> shift;
    int rem = mant & ((1 << shift) - 1);
    int halfway = 1 << (shift - 1);
    if (rem > halfway || (rem == halfway && (q & 1) == 1)) {
      q++; // may reach 0x400, the smallest normal: still the right encoding
    }
    return (short) (sign | q);
  }

  /** The float equal to half {@code h} (exact). */
  public static float toFloat(short h) {
    return VALUES[h & 0xffff];
  }

  private static float compute(short h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int m = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f80_0000 | (m << 13));
    }
    if (exp != 0) {
      return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (m << 13));
    }
    float v = m * MIN_VALUE; // subnormal (or zero): m · 2^-24, exact in float
    return sign != 0 ? -v : v;
  }

  /**
   * {@code dst[i] = fromFloat(src[i] * scale)} for the elements between {@code src}'s position and limit,
   * written from {@code dst}'s position (positions unchanged). With a power-of-two {@code scale} the
   * product is exact (barring float over/underflow), so each element is rounded once.
   */
  public static void encode(FloatBuffer src, float scale, ShortBuffer dst) {
    int n = src.remaining();
    int s0 = src.position();
    int d0 = dst.position();
    float[] f = new float[Math.min(n, CHUNK)];
    short[] h = new short[f.length];
    for (int i = 0; i < n; i += CHUNK) {
      int m = Math.min(CHUNK, n - i);
      src.get(s0 + i, f, 0, m);
      encode(f, scale, h, m);
      dst.put(d0 + i, h, 0, m);
    }
  }

  /** {@code dst[i] = toFloat(src[i]) * scale} for {@code src}'s position..limit (positions unchanged). */
  public static void decode(ShortBuffer src, float scale, FloatBuffer dst) {
    int n = src.remaining();
    int s0 = src.position();
    int d0 = dst.position();
    short[] h = new short[Math.min(n, CHUNK)];
    float[] f = new float[h.length];
    for (int i = 0; i < n; i += CHUNK) {
      int m = Math.min(CHUNK, n - i);
      src.get(s0 + i, h, 0, m);
      decode(h, scale, f, m);
      dst.put(d0 + i, f, 0, m);
    }
  }

  /**
   * {@code acc[i] = fromFloat(toFloat(acc[i]) + toFloat(in[i]))} for {@code acc}'s position..limit, {@code in}
   * read from its position (positions unchanged): the correctly rounded half sum (see
   * {@code dev.bigbatch.comm.algorithm.Reduction}).
   */
  public static void sum(ShortBuffer acc, ShortBuffer in) {
    if (!usesJdkConversions()) {
      sumScalar(acc.slice(), in.slice(), acc.remaining());
      return;
    }
    int n = acc.remaining();
    int a0 = acc.position();
    int b0 = in.position();
    short[] a = new short[Math.min(n, CHUNK)];
    short[] b = new short[a.length];
    for (int i = 0; i < n; i += CHUNK) {
      int m = Math.min(CHUNK, n - i);
      acc.get(a0 + i, a, 0, m);
      in.get(b0 + i, b, 0, m);
      sum(a, b, m);
      acc.put(a0 + i, a, 0, m);
    }
  }

  // ---- array kernels. On Java 20+ they call the JDK's conversions, which C2 compiles to the F16C / AVX-512
  // instructions and (JDK 21+) vectorises; on Java 17 they fall back to fromFloat/toFloat (the half sum there runs
  // on the buffers instead, sumScalar, which measured faster). The two agree bit
  // for bit on every float (all 2^32 checked on Temurin 25, NaN payloads included) and on every half times a
  // scale or plus a half: toFloat keeps a signalling NaN signalling where Float.float16ToFloat quiets it,
  // but the multiply or add after decoding quiets it either way. (Which payload NaN + NaN keeps is up to the
  // CPU and the compiler, with either path; it is a NaN.) Float16Test checks the kernels against the scalar
  // codec on whichever JVM runs it; -Dbigbatch.float16.scalar=true forces the fallback, for comparing speed. ----

  /** {@code h[i] = fromFloat(f[i] * scale)} for i &lt; n: the array kernel of {@link #encode(FloatBuffer, float, ShortBuffer)}. */
  public static void encode(float[] f, float scale, short[] h, int n) {
    if (usesJdkConversions()) {
      for (int i = 0; i < n; i++) {
        h[i] = jdkToHalf(f[i] * scale);
      }
    } else {
      for (int i = 0; i < n; i++) {
        h[i] = fromFloat(f[i] * scale);
      }
    }
  }

  private static void decode(short[] h, float scale, float[] f, int n) {
    if (usesJdkConversions()) {
      for (int i = 0; i < n; i++) {
        f[i] = jdkToFloat(h[i]) * scale;
      }
    } else {
      for (int i = 0; i < n; i++) {
        f[i] = toFloat(h[i]) * scale;
      }
    }
  }

  private static void sum(short[] a, short[] b, int n) {
    for (int i = 0; i < n; i++) {
      a[i] = jdkToHalf(jdkToFloat(a[i]) + jdkToFloat(b[i]));
    }
  }

  /** Java 17's half sum: on the buffers directly, which measured faster there than through arrays (1.3 vs 1.6 ns). */
  private static void sumScalar(ShortBuffer a, ShortBuffer b, int n) {
    for (int i = 0; i < n; i++) {
      a.put(i, fromFloat(toFloat(a.get(i)) + toFloat(b.get(i))));
    }
  }

  /** Whether the bulk kernels use the JDK's (Java 20+) half conversions; false on Java 17 to 19. */
  public static boolean usesJdkConversions() {
    return JDK_TO_HALF != null && JDK_TO_FLOAT != null;
  }

  private static short jdkToHalf(float f) {
    try {
      return (short) JDK_TO_HALF.invokeExact(f);
    } catch (Throwable t) {
      throw new AssertionError(t); // Float.floatToFloat16 throws nothing
    }
  }

  private static float jdkToFloat(short h) {
    try {
      return (float) JDK_TO_FLOAT.invokeExact(h);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** {@code Float.name}, or null where this JVM lacks it; a static final handle, so C2 inlines the call. */
  private static MethodHandle jdkConversion(String name, Class<?> returns, Class<?> takes) {
    if (Boolean.getBoolean("bigbatch.float16.scalar")) {
      return null;
    }
    try {
      return MethodHandles.publicLookup().findStatic(Float.class, name, MethodType.methodType(returns, takes));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }
}
