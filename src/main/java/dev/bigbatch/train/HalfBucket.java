package dev.bigbatch.train;

import dev.bigbatch.comm.Float16;
import dev.bigbatch.spec.SyncSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * The binary16 copy of one float32 gradient bucket ({@link SyncSpec.Compression#FP16}) and the bucket's
 * scale: {@link #encode} before the allreduce, {@link #decode} after it, {@link #rescale} once the sum is
 * known.
 *
 * <p>Why a scale. Our replicas' gradients are divided by the global batch k·n, so each replica sends what
 * DDP's fp16 hook sends after its division by the world size (a local mean / P). Measured on Fashion-MNIST
 * (docs/RESULTS-compression.md), unscaled halves flush 0.02% of mlp's nonzero gradient elements to zero,
 * but 71% of resnet8's in its first steps: with zero-γ init and warmup the residual branches' gradients
 * are below 2^-24 ≈ 6e-8, and 24–28% of the rest are subnormal (below 2^-14, fewer than 11 significant
 * bits). So every bucket is multiplied by a power-of-two scale before rounding and divided by it after
 * decoding (both exact), like mixed-precision training's loss scaling, but per bucket. With it, the same
 * resnet8 steps flush 0.0004% and send 0.7% as subnormals; mlp 0% and 0.0005%.
 *
 * <p>The scale rule (our choice; Horovod and DDP do not scale). A bucket's scale puts the largest
 * element of its last decoded sum in [2^9, 2^10): the top 6 binades below 65504 are left as headroom for
 * growth from one step to the next and for partial sums larger than the final one, and elements down to
 * 2^-24 of the largest still round to normal halves. Every replica derives the scale from the same decoded
 * bits, so they agree without any message. A bucket without a scale yet (the first step of a run, or of a
 * resumed run, or while all its elements were zero) is sent as float32. If a sum overflows (an infinity
 * or NaN in the summed halves, seen by every replica alike), every replica sends the bucket again as
 * float32 (its float32 copy is untouched until decoding) and rescales from that sum: a step never uses an
 * overflowed gradient that float32 would not also have produced. The scales are checkpointed
 * ({@link GradientBuckets#state}), so a resumed run sends the same halves as the uninterrupted one.
 *
 * <p>Error. With scale s, each replica's element is rounded once (relative error ≤ u = 2^-11, or
 * absolute ≤ 2^-25/s in the subnormal range) and each of the P − 1 additions once (relative ≤ u), so the
 * decoded sum of P replicas' g_p is within γ_{2P−1}·Σ|g_p| + P·2^-25/s of the exact sum
 * (γ_k = k·u/(1 − k·u)).
 *
 * <p>Where the reduction happens (the choice). The alternative with the same bytes on the wire is to keep
 * each replica's own contribution in float32 and round only the partial sums that are sent (a mixed
 * fp32-accumulate / fp16-wire ring). Adding two halves in float32 and rounding back is bit-for-bit a native
 * half add (24 ≥ 2·11 + 2, so the double rounding is innocuous), so the only difference between the two is
 * that the alternative skips rounding each replica's own contribution: P − 1 of the 2P − 1 roundings of
 * a P-way sum. That would at best halve an error that is already below the gradient noise, and it needs
 * a collective that mixes element types (float32 in, half on the wire, float32 out) in both algorithms. We
 * chose the simple, standard form: compress, allreduce FLOAT16, decompress, as Horovod and DDP do;
 * docs/RESULTS-compression.md measures both errors.
 */
final class HalfBucket {
  /** A bucket's largest summed element is scaled into [2^(TOP−1), 2^TOP). */
  static final int TOP = 10;
  private static final int MAX_EXPONENT = 100; // keeps scale and 1/scale normal floats

  private final ByteBuffer wire;
  private float scale; // 0: no scale yet, send float32
  private long nonzero;
  private long flushedToZero;
  private long subnormal;
  private long floatSends;

  HalfBucket(int elements) {
    this.wire = ByteBuffer.allocateDirect(elements * Short.BYTES).order(ByteOrder.nativeOrder());
  }

  /** Whether this bucket has a scale, i.e. goes out as halves this step (else as float32). */
  boolean ready() {
    return scale > 0;
  }

  float scale() {
    return scale;
  }

  /** The half bytes the allreduce sums in place. */
  ByteBuffer wire() {
    return wire.duplicate().order(ByteOrder.nativeOrder());
  }

  /** Rounds {@code bucket} (float32 from index 0) times the scale to halves, counting underflow. */
  void encode(FloatBuffer bucket) {
    ShortBuffer halves = wire.asShortBuffer();
    int n = bucket.remaining();
    float[] f = new float[Math.min(n, Float16.CHUNK)];
    short[] h = new short[f.length];
    for (int i = 0; i < n; i += Float16.CHUNK) {
      int m = Math.min(Float16.CHUNK, n - i);
      bucket.get(i, f, 0, m);
      Float16.encode(f, scale, h, m);
      halves.put(i, h, 0, m);
      count(f, h, m);
    }
  }

  /** Adds the chunk's nonzero, flushed and subnormal elements to the totals. */
  private void count(float[] f, short[] h, int n) {
    for (int i = 0; i < n; i++) {
      if (f[i] != 0) { // branches beat a branch-free form here: almost every element is nonzero and normal
        nonzero++;
        int magnitude = h[i] & 0x7fff;
        if (magnitude == 0) {
          flushedToZero++;
        } else if (magnitude < 0x0400) {
          subnormal++;
        }
      }
    }
  }

  /** Whether the summed halves are all finite (no overflow, no NaN). */
  boolean sumFinite() {
    ShortBuffer halves = wire.asShortBuffer();
    for (int i = 0, n = halves.limit(); i < n; i++) {
      if ((halves.get(i) & 0x7c00) == 0x7c00) {
        return false;
      }
    }
    return true;
  }

  /** Writes the summed halves divided by the scale into {@code bucket}. */
  void decode(FloatBuffer bucket) {
    Float16.decode(wire.asShortBuffer(), 1f / scale, bucket);
  }

  /** Counts a step on which this bucket went out as float32 (no scale yet, or an overflowed half sum). */
  void sentAsFloat() {
    floatSends++;
  }

  /** Continues with the scale a checkpoint saved ({@link #scale}; 0: none yet, the next step goes as float32). */
  void restoreScale(float saved) {
    if (!(saved >= 0) || Float.isInfinite(saved)) {
      throw new IllegalArgumentException("checkpoint holds an invalid fp16 bucket scale " + saved);
    }
    scale = saved;
  }

  /** Sets the next step's scale from this step's summed bucket (identical on every replica). */
  void rescale(FloatBuffer sum) {
    float max = 0;
    int n = sum.remaining();
    float[] f = new float[Math.min(n, Float16.CHUNK)];
    for (int i = 0; i < n; i += Float16.CHUNK) {
      int m = Math.min(Float16.CHUNK, n - i);
      sum.get(i, f, 0, m);
      for (int j = 0; j < m; j++) {
        max = Math.max(max, Math.abs(f[j])); // NaN propagates through Math.max
      }
    }
    if (max > 0 && Float.isFinite(max)) {
      int exponent = (TOP - 1) - Math.getExponent(max);
      scale = Math.scalb(1f, Math.max(-MAX_EXPONENT, Math.min(MAX_EXPONENT, exponent)));
    }
  }

  long nonzero() {
    return nonzero;
  }

  /** Nonzero float32 elements this replica sent as ±0. */
  long flushedToZero() {
    return flushedToZero;
  }

  /** Nonzero float32 elements sent as subnormal halves (below 2^-14: fewer than 11 significant bits). */
  long subnormal() {
    return subnormal;
  }

  /** Steps on which this bucket went out as float32. */
  long floatSends() {
    return floatSends;
  }
}
