package dev.bigbatch.spec;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The training data: which dataset and how it is read.
 *
 * @param dataset the dataset; {@link Kind#USER} when a program supplies its own ({@code job.Job})
 * @param dir its directory (null: the dataset's default, /usr/share/datasets/fashion-mnist for Fashion-MNIST)
 * @param augment random crop (pad 2) + horizontal flip of the built-in image datasets
 * @param trainLimit use only the first N training examples (0: all)
 */
public record DataSpec(Kind dataset, Path dir, boolean augment, int trainLimit) {
  /** The built-in readers, and {@code USER}: a dataset given through the Java API. */
  public enum Kind { FASHION_MNIST, MNIST, CIFAR10, IMAGE_FOLDER, USER }

  public DataSpec {
    Check.notNull(dataset, "--dataset");
    Check.require(trainLimit >= 0, "--train-limit must be >= 0, got " + trainLimit);
  }

  /** Defaults and CLI flags of {@link DataSpec}; {@link #build()} validates. */
  public static final class Builder {
    @Option(names = "--dataset", paramLabel = "NAME", description = "fashion-mnist (default), mnist, cifar10, image-folder")
    public Kind dataset = Kind.FASHION_MNIST;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory (default /usr/share/datasets/fashion-mnist).")
    public Path dir;

    @Option(names = "--no-augment", negatable = true, description = "Disable random crop + flip (on by default).")
    public boolean augment = true;

    @Option(names = "--train-limit", paramLabel = "N", description = "Use only the first N training examples (0 = all).")
    public int trainLimit;

    public DataSpec build() {
      return new DataSpec(dataset, dir, augment, trainLimit);
    }
  }
}
