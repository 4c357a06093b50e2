package dev.bigbatch.data;

/**
 * What the trainer reads: examples by index, as float32 CHW values the model takes, each with a class label in
 * {@code [0, numClasses)}. It may read lazily (from files, shards, a database) and does its own augmentation and
 * normalisation; bigbatch's built-in image datasets are {@link ImageExamples}.
 *
 * <p>Contract: {@link #read} must be a function of {@code (index, epoch)} only — draw any randomness from a generator
 * seeded by them — so that k workers of n see exactly what one process of k·n sees, and a resumed run sees exactly
 * the data an uninterrupted one would. It is called from a background thread (one per reader; several readers may
 * exist at once, e.g. training and evaluation), so it must be safe to call concurrently.
 */
public interface Dataset {
  /** For messages, e.g. "fashion-mnist/train". */
  String name();

  /** Number of examples; indices run over {@code [0, size())}. */
  int size();

  int channels();

  int height();

  int width();

  int numClasses();

  /** Floats per example: channels · height · width. */
  default int exampleSize() {
    return channels() * height() * width();
  }

  /**
   * Writes example {@code index} as the model sees it in {@code epoch} into {@code out[0, exampleSize())} and returns
   * its label.
   *
   * @throws IndexOutOfBoundsException for an index outside {@code [0, size())}
   */
  int read(int index, long epoch, float[] out);

  /** The first {@code count} examples of this dataset (all of them when count ≥ size). */
  default Dataset head(int count) {
    if (count >= size()) {
      return this;
    }
    if (count < 1) {
      throw new IllegalArgumentException(name() + ": head(" + count + ") must keep at least one example");
    }
    Dataset all = this;
    return new Dataset() {
      @Override
      public String name() {
        return all.name() + "[:" + count + "]";
      }

      @Override
      public int size() {
        return count;
      }

      @Override
      public int channels() {
        return all.channels();
      }

      @Override
      public int height() {
        return all.height();
      }

      @Override
      public int width() {
        return all.width();
      }

      @Override
      public int numClasses() {
        return all.numClasses();
      }

      @Override
      public int read(int index, long epoch, float[] out) {
        if (index < 0 || index >= count) {
          throw new IndexOutOfBoundsException("example " + index + " outside " + name() + " [0, " + count + ")");
        }
        return all.read(index, epoch, out);
      }
    };
  }
}
