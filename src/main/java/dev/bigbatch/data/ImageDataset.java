package dev.bigbatch.data;

import java.util.Objects;

/**
 * In-memory labelled images: uint8 pixels in CHW order, example {@code i} at {@code pixels[i*C*H*W ...
 * (i+1)*C*H*W)}, label {@code labels[i]} in {@code [0, numClasses)}. Validated at construction.
 *
 * <p>The arrays are shared, not copied (Fashion-MNIST is 47 MB of pixels): treat them as read-only.
 */
public record ImageDataset(
    String name, int channels, int height, int width, byte[] pixels, int[] labels, int numClasses) {

  public ImageDataset {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          name + ": image shape must be positive, got " + channels + "x" + height + "x" + width);
    }
    if (numClasses <= 0) {
      throw new IllegalArgumentException(name + ": numClasses must be positive, got " + numClasses);
    }
    long expected = (long) labels.length * channels * height * width;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          name + ": " + labels.length + " labels of " + channels + "x" + height + "x" + width
              + " images need " + expected + " pixel bytes, got " + pixels.length);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            name + ": label " + labels[i] + " of example " + i + " is outside [0, " + numClasses + ")");
      }
    }
  }

  /** Number of examples. */
  public int size() {
    return labels.length;
  }

  /** Pixels per example, C*H*W. */
  public int exampleSize() {
    return channels * height * width;
  }

  /** Number of examples of each class, indexed by class. */
  public int[] classCounts() {
    int[] counts = new int[numClasses];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }

  /** The first {@code count} examples (copies), e.g. for quick experiments. */
  public ImageDataset head(int count) {
    if (count < 0 || count > size()) {
      throw new IllegalArgumentException(name + ": head(" + count + ") outside [0, " + size() + "]");
    }
    byte[] p = java.util.Arrays.copyOf(pixels, count * exampleSize());
    int[] l = java.util.Arrays.copyOf(labels, count);
    return new ImageDataset(name, channels, height, width, p, l, numClasses);
  }

  @Override
  public String toString() {
    return "ImageDataset[" + name + ", " + size() + " x " + channels + "x" + height + "x" + width
        + ", " + numClasses + " classes]";
  }
}
