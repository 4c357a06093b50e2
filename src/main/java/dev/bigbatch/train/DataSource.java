package dev.bigbatch.train;

import dev.bigbatch.data.DataFormatException;
import dev.bigbatch.data.Datasets;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads the train and test splits a config names. */
public final class DataSource {
  /** Both splits of one dataset. */
  public record Splits(ImageDataset train, ImageDataset test) {}

  /** ImageFolder inputs are resized to this square size. */
  public static final int IMAGE_FOLDER_SIZE = 32;

  private DataSource() {}

  public static Splits load(TrainConfig c) {
    Path dir = c.dataDir() != null ? c.dataDir() : defaultDir(c.data());
    Splits s = switch (c.data()) {
      case FASHION_MNIST, MNIST -> new Splits(Datasets.idx(dir, Split.TRAIN), Datasets.idx(dir, Split.TEST));
      case CIFAR10 -> new Splits(Datasets.cifar10(dir, Split.TRAIN), Datasets.cifar10(dir, Split.TEST));
      case IMAGE_FOLDER -> new Splits(
          Datasets.imageFolder(dir.resolve("train"), IMAGE_FOLDER_SIZE, IMAGE_FOLDER_SIZE),
          Datasets.imageFolder(firstExisting(dir, "test", "val"), IMAGE_FOLDER_SIZE, IMAGE_FOLDER_SIZE));
    };
    if (c.trainLimit() > 0 && c.trainLimit() < s.train().size()) {
      s = new Splits(s.train().head(c.trainLimit()), s.test());
    }
    if (s.train().size() < c.globalBatch()) {
      throw new IllegalArgumentException("global batch " + c.globalBatch() + " (--workers × --batch-per-worker) exceeds the "
          + s.train().size() + " training examples of " + dir);
    }
    return s;
  }

  private static Path defaultDir(TrainConfig.DataKind kind) {
    return switch (kind) {
      case FASHION_MNIST -> Datasets.DEFAULT_FASHION_MNIST;
      case MNIST -> Path.of("/usr/share/datasets/mnist");
      case CIFAR10, IMAGE_FOLDER -> throw new IllegalArgumentException("--data DIR is required for " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
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
