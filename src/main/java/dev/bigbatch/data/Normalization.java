package dev.bigbatch.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-channel normalisation, in units of the pixel scaled to [0, 1] (torchvision's {@code ToTensor} then
 * {@code Normalize(mean, std)}): a uint8 pixel p of channel c becomes {@code (p/255 - mean[c]) / std[c]}.
 * The arrays are copied in and out; the record is immutable.
 */
public record Normalization(float[] mean, float[] std) {

  public Normalization {
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(std, "std");
    if (mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException("mean and std need one value per channel, got "
          + mean.length + " means and " + std.length + " stds");
    }
    mean = mean.clone();
    std = std.clone();
    for (int c = 0; c < mean.length; c++) {
      if (!Float.isFinite(mean[c]) || !Float.isFinite(std[c]) || std[c] <= 0) {
        throw new IllegalArgumentException("channel " + c + ": mean must be finite and std finite and > 0,"
            + " got mean " + mean[c] + ", std " + std[c]);
      }
    }
  }

  /** Only scales to [0, 1]: mean 0, std 1 for every channel. */
  public static Normalization identity(int channels) {
    float[] mean = new float[channels];
    float[] std = new float[channels];
    Arrays.fill(std, 1f);
    return new Normalization(mean, std);
  }

  /**
   * Mean and population standard deviation of each channel over every pixel of every example (in [0, 1]
   * units). Sums are exact (integer); a channel with zero variance gets std 1 so it maps to 0, not infinity.
   */
  public static Normalization fromData(ImageDataset d) {
    int channels = d.channels();
    int plane = d.height() * d.width();
    int example = d.exampleSize();
    byte[] px = d.pixels();
    long[] sum = new long[channels];
    long[] sumSq = new long[channels];
    for (int i = 0; i < d.size(); i++) {
      for (int c = 0; c < channels; c++) {
        int from = i * example + c * plane;
        long s = 0;
        long q = 0;
        for (int j = from, end = from + plane; j < end; j++) {
          int v = px[j] & 0xff;
          s += v;
          q += v * v;
        }
        sum[c] += s;
        sumSq[c] += q;
      }
    }
    double count = (double) d.size() * plane;
    float[] mean = new float[channels];
    float[] std = new float[channels];
    for (int c = 0; c < channels; c++) {
      double m = count == 0 ? 0 : sum[c] / count;
      double var = count == 0 ? 0 : Math.max(0, sumSq[c] / count - m * m);
      mean[c] = (float) (m / 255.0);
      std[c] = var > 0 ? (float) (Math.sqrt(var) / 255.0) : 1f;
    }
    return new Normalization(mean, std);
  }

  public int channels() {
    return mean.length;
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /**
   * The normalised value of every uint8 pixel value of channel c: {@code table[p] = (p/255 - mean)/std},
   * so decoding is one table lookup per pixel.
   */
  public float[] lookupTable(int channel) {
    float[] table = new float[256];
    for (int p = 0; p < 256; p++) {
      table[p] = (p / 255f - mean[channel]) / std[channel];
    }
    return table;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
