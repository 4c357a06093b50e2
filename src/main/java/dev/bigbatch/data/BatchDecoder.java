package dev.bigbatch.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns an {@link IndexBatch} into a {@link Batch} synchronously: reads each example from the {@link Dataset} (which
 * applies its own augmentation and normalisation for that epoch), writing float32 NCHW into a direct native-order
 * buffer. Not thread-safe (it owns a scratch row); use one per thread.
 */
public final class BatchDecoder {
  private final Dataset data;
  private final float[] scratch; // one example, staged before a bulk put into the direct buffer

  public BatchDecoder(Dataset data) {
    this.data = Objects.requireNonNull(data, "data");
    this.scratch = new float[data.exampleSize()];
  }

  /** The built-in image path: {@code new BatchDecoder(new ImageExamples(data, norm, augmentation, seed))}. */
  public BatchDecoder(ImageDataset data, Normalization norm, Augmentation augmentation, long seed) {
    this(new ImageExamples(data, norm, augmentation, seed));
  }

  public Dataset data() {
    return data;
  }

  /** Decodes into a new direct native-order buffer of exactly {@code count*C*H*W} floats. */
  public Batch decode(IndexBatch plan) {
    return decode(plan, allocate(plan.count() * data.exampleSize()));
  }

  /**
   * Decodes into {@code target} (e.g. a recycled buffer, or memory the engine owns): writes elements
   * [0, count*C*H*W) with absolute puts and returns it with position 0 and limit count*C*H*W.
   */
  public Batch decode(IndexBatch plan, FloatBuffer target) {
    int[] indices = plan.indices();
    int count = indices.length;
    int exampleSize = data.exampleSize();
    int floats = Math.multiplyExact(count, exampleSize);
    if (target.capacity() < floats) {
      throw new IllegalArgumentException("target holds " + target.capacity() + " floats but " + plan
          + " of " + data.name() + " needs " + floats);
    }
    FloatBuffer images = target;
    images.clear().limit(floats);
    long[] labels = new long[count];
    for (int b = 0; b < count; b++) {
      int index = indices[b];
      if (index < 0 || index >= data.size()) {
        throw new IndexOutOfBoundsException("example " + index + " (position " + b + " of " + plan
            + ") outside " + data.name() + " [0, " + data.size() + ")");
      }
      labels[b] = data.read(index, plan.epoch(), scratch);
      images.put(b * exampleSize, scratch, 0, exampleSize);
    }
    return new Batch(plan.epoch(), plan.stepInEpoch(), count, images, labels);
  }

  /** A new direct, native-order buffer of {@code floats} float32 elements. */
  public static FloatBuffer allocate(int floats) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES))
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /**
   * Writes example {@code index} of {@code d}, cropped/flipped by {@code choice} with padding {@code pad}
   * and normalised through {@code tables}, into {@code out[0 .. C*H*W)}. See {@link Augmentation} for the
   * exact mapping.
   */
  static void decodeExample(ImageDataset d, int index, int pad, Augmentation.Choice choice,
      float[][] tables, float[] out) {
    byte[] px = d.pixels();
    int h = d.height();
    int w = d.width();
    int plane = h * w;
    int base = index * d.exampleSize();
    int dy = choice.offsetY() - pad;
    int dx = choice.offsetX() - pad;
    boolean flip = choice.flip();
    if (dy == 0 && dx == 0 && !flip) {
      for (int c = 0, o = 0; c < tables.length; c++) {
        float[] t = tables[c];
        for (int j = base + c * plane, end = j + plane; j < end; j++, o++) {
          out[o] = t[px[j] & 0xff];
        }
      }
      return;
    }
    // Output x reads source column sx = (flip ? w-1-x : x) + dx. The x with 0 <= sx < w form one interval
    // [x0, x1); left and right of it is padding. Bounds are computed per image so the inner loop is
    // branch-free.
    int x0 = Math.min(w, flip ? Math.max(0, dx) : Math.max(0, -dx));
    int x1 = Math.max(x0, flip ? Math.min(w, w + dx) : Math.min(w, w - dx)); // |dx| >= w: empty
    for (int c = 0; c < tables.length; c++) {
      float[] t = tables[c];
      float zero = t[0];
      int planeOut = c * plane;
      int planeIn = base + c * plane;
      for (int y = 0; y < h; y++) {
        int sy = y + dy;
        int o = planeOut + y * w;
        if (sy < 0 || sy >= h) {
          Arrays.fill(out, o, o + w, zero);
          continue;
        }
        Arrays.fill(out, o, o + x0, zero);
        Arrays.fill(out, o + x1, o + w, zero);
        int row = planeIn + sy * w;
        if (flip) {
          int s = row + w - 1 + dx; // source index of x = 0; decreases with x
          for (int x = x0; x < x1; x++) {
            out[o + x] = t[px[s - x] & 0xff];
          }
        } else {
          int s = row + dx;
          for (int x = x0; x < x1; x++) {
            out[o + x] = t[px[s + x] & 0xff];
          }
        }
      }
    }
  }
}
