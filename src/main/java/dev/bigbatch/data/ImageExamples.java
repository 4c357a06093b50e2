package dev.bigbatch.data;

import java.util.Objects;

/**
 * bigbatch's built-in {@link Dataset}: an in-memory {@link ImageDataset} of uint8 pixels, each example cropped/flipped
 * as its {@link Augmentation} draws for (seed, epoch, index) and normalised per channel through a 256-entry table.
 * Immutable; {@link #read} is safe to call from several threads.
 */
public final class ImageExamples implements Dataset {
  private final ImageDataset images;
  private final Augmentation augmentation;
  private final long seed;
  private final float[][] tables; // tables[c][p] = (p/255 - mean[c]) / std[c]

  public ImageExamples(ImageDataset images, Normalization norm, Augmentation augmentation, long seed) {
    this.images = Objects.requireNonNull(images, "images");
    this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
    Objects.requireNonNull(norm, "norm");
    if (norm.channels() != images.channels()) {
      throw new IllegalArgumentException("normalisation has " + norm.channels() + " channels but "
          + images.name() + " has " + images.channels());
    }
    this.seed = seed;
    this.tables = new float[images.channels()][];
    for (int c = 0; c < tables.length; c++) {
      tables[c] = norm.lookupTable(c);
    }
  }

  /** Training and test splits as the trainer reads them: both normalised by the training set's per-channel mean/std. */
  public record Pair(ImageExamples train, ImageExamples test) {}

  /**
   * The built-in recipe for image datasets: normalisation measured on {@code train}, and on the training split random
   * crops (padding 2) and horizontal flips when {@code augment} (seeded by {@code seed}, the epoch and the example).
   */
  public static Pair of(ImageDataset train, ImageDataset test, boolean augment, long seed) {
    Normalization norm = Normalization.fromData(train);
    return new Pair(new ImageExamples(train, norm, augment ? new Augmentation(2, true) : Augmentation.NONE, seed),
        new ImageExamples(test, norm, Augmentation.NONE, 0));
  }

  public ImageDataset images() {
    return images;
  }

  @Override
  public String name() {
    return images.name();
  }

  @Override
  public int size() {
    return images.size();
  }

  @Override
  public int channels() {
    return images.channels();
  }

  @Override
  public int height() {
    return images.height();
  }

  @Override
  public int width() {
    return images.width();
  }

  @Override
  public int numClasses() {
    return images.numClasses();
  }

  @Override
  public int read(int index, long epoch, float[] out) {
    if (index < 0 || index >= images.size()) {
      throw new IndexOutOfBoundsException("example " + index + " outside " + images.name() + " [0, " + images.size()
          + ")");
    }
    Augmentation.Choice choice = augmentation.draw(seed, epoch, index);
    BatchDecoder.decodeExample(images, index, augmentation.cropPadding(), choice, tables, out);
    return images.labels()[index];
  }
}
