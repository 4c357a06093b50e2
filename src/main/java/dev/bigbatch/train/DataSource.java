package dev.bigbatch.train;

import dev.bigbatch.data.DataFormatException;
import dev.bigbatch.data.Datasets;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.Split;
import dev.bigbatch.spec.DataSpec;
import dev.bigbatch.spec.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads the train and test splits a config names. */
public final class DataSource {
  /** Both splits of one dataset. */
  public record Splits(ImageDataset train, ImageDataset test) {}

  /** ImageFolder inputs are resized to this square size. */
  public static final int IMAGE_FOLDER_SIZE = 32;

  private DataSource() {}

  /** The splits of {@code job}'s dataset, read from its directory, limited as {@link #limit} says. */
  public static Splits load(JobSpec job) {
    DataSpec c = job.data();
    Path dir = c.dir() != null ? c.dir() : defaultDir(c.dataset());
    Splits s = switch (c.dataset()) {
      case FASHION_MNIST, MNIST -> new Splits(Datasets.idx(dir, Split.TRAIN), Datasets.idx(dir, Split.TEST));
      case CIFAR10 -> new Splits(Datasets.cifar10(dir, Split.TRAIN), Datasets.cifar10(dir, Split.TEST));
      case IMAGE_FOLDER -> new Splits(
          Datasets.imageFolder(dir.resolve("train"), IMAGE_FOLDER_SIZE, IMAGE_FOLDER_SIZE),
          Datasets.imageFolder(firstExisting(dir, "test", "val"), IMAGE_FOLDER_SIZE, IMAGE_FOLDER_SIZE));
      case USER -> throw userDataset();
    };
    return limit(s, job, dir.toString());
  }

  /**
   * {@code s} (a dataset a program supplies) as {@code job} trains on it: the first {@code --train-limit} training
   * examples; refused when the global batch exceeds them.
   */
  public static Splits limit(Splits s, JobSpec job) {
    return limit(s, job, "the given dataset");
  }

  private static Splits limit(Splits s, JobSpec job, String source) {
    int trainLimit = job.data().trainLimit();
    if (trainLimit > 0 && trainLimit < s.train().size()) {
      s = new Splits(s.train().head(trainLimit), s.test());
    }
    if (s.train().size() < job.batch().global()) {
      throw new IllegalArgumentException("global batch " + job.batch().global() + " (--workers × --batch-per-worker) "
          + "exceeds the " + s.train().size() + " training examples of " + source);
    }
    return s;
  }

  private static IllegalArgumentException userDataset() {
    return new IllegalArgumentException("dataset USER is supplied by the program, not read from --data");
  }

  private static Path defaultDir(DataSpec.Kind kind) {
    return switch (kind) {
      case FASHION_MNIST -> Datasets.DEFAULT_FASHION_MNIST;
      case MNIST -> Path.of("/usr/share/datasets/mnist");
      case CIFAR10, IMAGE_FOLDER -> throw new IllegalArgumentException("--data DIR is required for " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
      case USER -> throw userDataset();
    };
  }

  private static Path firstExisting(Path dir, String... names) {
    for (String n : names) {
      if (Files.isDirectory(dir.resolve(n))) {
        return dir.resolve(n);
      }
    }
    throw new DataFormatException(dir, "image folder needs a test/ or val/ subdirectory next to train/");
  }
}
