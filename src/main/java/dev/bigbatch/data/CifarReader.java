package dev.bigbatch.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CIFAR-10 "binary version": each record is 1 label byte followed by 3072 pixel bytes (1024 red, 1024 green,
 * 1024 blue, each row-major 32x32), i.e. already CHW.
 */
final class CifarReader {
  static final int SIDE = 32;
  static final int CHANNELS = 3;
  static final int NUM_CLASSES = 10;
  static final int IMAGE_BYTES = CHANNELS * SIDE * SIDE;
  static final int RECORD_BYTES = 1 + IMAGE_BYTES;
  static final String SUBDIRECTORY = "cifar-10-batches-bin";

  private CifarReader() {}

  static List<String> fileNames(Split split) {
    return split == Split.TRAIN
        ? List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin")
        : List.of("test_batch.bin");
  }

  /** Reads a split from {@code dir} or from {@code dir/cifar-10-batches-bin} (the archive's layout). */
  static ImageDataset read(Path dir, Split split) {
    List<String> names = fileNames(split);
    Path base = dir;
    if (!Files.exists(dir.resolve(names.get(0))) && Files.isDirectory(dir.resolve(SUBDIRECTORY))) {
      base = dir.resolve(SUBDIRECTORY);
    }
    byte[][] contents = new byte[names.size()][];
    long records = 0;
    for (int f = 0; f < names.size(); f++) {
      Path file = base.resolve(names.get(f));
      try {
        contents[f] = Files.readAllBytes(file);
      } catch (IOException e) {
        throw IdxReader.ioProblem(file, e);
      }
      if (contents[f].length == 0 || contents[f].length % RECORD_BYTES != 0) {
        throw new DataFormatException(file, "bad length: " + contents[f].length
            + " bytes is not a positive multiple of the record size " + RECORD_BYTES
            + " (1 label byte + 3072 pixel bytes)");
      }
      records += contents[f].length / RECORD_BYTES;
    }
    if (records * IMAGE_BYTES > Integer.MAX_VALUE - 16) {
      throw new DataFormatException(base, "too large: " + records + " records exceed 2 GiB of pixels");
    }
    int n = (int) records;
    byte[] pixels = new byte[n * IMAGE_BYTES];
    int[] labels = new int[n];
    int example = 0;
    for (int f = 0; f < names.size(); f++) {
      byte[] c = contents[f];
      for (int r = 0; r < c.length; r += RECORD_BYTES, example++) {
        int label = c[r] & 0xff;
        if (label >= NUM_CLASSES) {
          throw new DataFormatException(base.resolve(names.get(f)), "label out of range: record "
              + (r / RECORD_BYTES) + " has label " + label + ", expected 0.." + (NUM_CLASSES - 1));
        }
        labels[example] = label;
        System.arraycopy(c, r + 1, pixels, example * IMAGE_BYTES, IMAGE_BYTES);
      }
    }
    String name = "cifar-10-" + split.name().toLowerCase(java.util.Locale.ROOT);
    return new ImageDataset(name, CHANNELS, SIDE, SIDE, pixels, labels, NUM_CLASSES);
  }
}
