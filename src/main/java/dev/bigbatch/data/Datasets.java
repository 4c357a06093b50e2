package dev.bigbatch.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Reads datasets into memory. Every bad or missing input file raises a {@link DataFormatException}. */
public final class Datasets {
  /** Where Debian's {@code dataset-fashion-mnist} package installs the IDX files. */
  public static final Path DEFAULT_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  /** MNIST and Fashion-MNIST both have 10 classes; IDX labels must lie in 0..9. */
  public static final int IDX_NUM_CLASSES = 10;

  private Datasets() {}

  /**
   * MNIST or Fashion-MNIST from a directory of IDX files: {@code train-images-idx3-ubyte},
   * {@code train-labels-idx1-ubyte} (TRAIN) or {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}
   * (TEST), each with or without {@code .gz} (the {@code .gz} name wins if both exist; compression is detected
   * from the contents). Returns 1x28x28 images with labels 0..9.
   */
  public static ImageDataset idx(Path dir, Split split) {
    String prefix = split == Split.TRAIN ? "train" : "t10k";
    Path images = idxFile(dir, prefix + "-images-idx3-ubyte");
    Path labels = idxFile(dir, prefix + "-labels-idx1-ubyte");
    String name = (dir.getFileName() == null ? "idx" : dir.getFileName().toString()) + "-"
        + split.name().toLowerCase(Locale.ROOT);
    return IdxReader.read(name, images, labels, IDX_NUM_CLASSES);
  }

  /**
   * Any IDX image/label pair (e.g. EMNIST): images must be IDX3 ubyte, labels IDX1 ubyte in
   * [0, numClasses). Gzip is detected from the contents.
   */
  public static ImageDataset idx(Path imagesFile, Path labelsFile, int numClasses) {
    if (numClasses <= 0) {
      throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
    }
    String name = String.valueOf(imagesFile.getFileName()).replaceFirst("\\.gz$", "");
    return IdxReader.read(name, imagesFile, labelsFile, numClasses);
  }

  /**
   * The CIFAR-10 binary version: {@code data_batch_1.bin .. data_batch_5.bin} (TRAIN, 50000) or
   * {@code test_batch.bin} (TEST, 10000), in {@code dir} or in {@code dir/cifar-10-batches-bin}. Returns
   * 3x32x32 images with labels 0..9.
   */
  public static ImageDataset cifar10(Path dir, Split split) {
    return CifarReader.read(dir, split);
  }

  /**
   * Class-per-directory images ({@code root/<class>/<file>.jpg|jpeg|png|bmp|gif}) read with ImageIO,
   * converted to RGB and resized (bilinear) to height x width. Class i is the i-th subdirectory name in sorted
   * order (see {@link #imageFolderClassNames}); files in a class are taken in sorted order.
   */
  public static ImageDataset imageFolder(Path root, int height, int width) {
    return ImageFolderReader.read(root, height, width);
  }

  /** The class names of {@link #imageFolder}, indexed by label. */
  public static List<String> imageFolderClassNames(Path root) {
    return ImageFolderReader.classNames(root);
  }

  private static Path idxFile(Path dir, String baseName) {
    if (!Files.isDirectory(dir)) {
      throw new DataFormatException(dir, "missing: dataset directory does not exist");
    }
    Path gz = dir.resolve(baseName + ".gz");
    if (Files.exists(gz)) {
      return gz;
    }
    Path raw = dir.resolve(baseName);
    if (Files.exists(raw)) {
      return raw;
    }
    throw new DataFormatException(gz, "missing: neither " + baseName + ".gz nor " + baseName
        + " exists in " + dir);
  }
}
