package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarDatasetTest {
  private static final int RECORD = 1 + 3 * 32 * 32;

  @TempDir Path dir;
  private final Random rng = new Random(7);

  /** Random records; returns the file contents. Labels are taken from {@code labels}. */
  private byte[] records(int[] labels, byte[][] imagesOut) {
    byte[] file = new byte[labels.length * RECORD];
    for (int r = 0; r < labels.length; r++) {
      file[r * RECORD] = (byte) labels[r];
      imagesOut[r] = TestFiles.randomBytes(rng, RECORD - 1);
      System.arraycopy(imagesOut[r], 0, file, r * RECORD + 1, RECORD - 1);
    }
    return file;
  }

  @Test
  void trainConcatenatesFiveBatchesInOrder() throws IOException {
    int[][] labels = {{0, 9}, {1}, {2, 3, 4}, {5}, {6, 7}};
    byte[][][] images = new byte[5][][];
    for (int f = 0; f < 5; f++) {
      images[f] = new byte[labels[f].length][];
      TestFiles.write(dir.resolve("cifar-10-batches-bin/data_batch_" + (f + 1) + ".bin"),
          records(labels[f], images[f]));
    }
    ImageDataset d = Datasets.cifar10(dir, Split.TRAIN); // finds the archive's subdirectory
    assertEquals(9, d.size());
    assertEquals(3, d.channels());
    assertEquals(32, d.height());
    assertEquals(32, d.width());
    assertEquals(10, d.numClasses());
    int i = 0;
    for (int f = 0; f < 5; f++) {
      for (int r = 0; r < labels[f].length; r++, i++) {
        assertEquals(labels[f][r], d.labels()[i]);
        // Stored CHW: red plane, green plane, blue plane, exactly as the record.
        assertArrayEquals(images[f][r], Arrays.copyOfRange(d.pixels(), i * 3072, (i + 1) * 3072));
      }
    }
  }

  @Test
  void testSplit() throws IOException {
    byte[][] images = new byte[3][];
    TestFiles.write(dir.resolve("test_batch.bin"), records(new int[] {4, 4, 8}, images));
    ImageDataset d = Datasets.cifar10(dir, Split.TEST);
    assertArrayEquals(new int[] {4, 4, 8}, d.labels());
    assertArrayEquals(images[2], Arrays.copyOfRange(d.pixels(), 2 * 3072, 3 * 3072));
  }

  @Test
  void lengthNotAMultipleOfTheRecord() throws IOException {
    byte[] file = records(new int[] {1, 2}, new byte[2][]);
    TestFiles.write(dir.resolve("test_batch.bin"), Arrays.copyOf(file, file.length - 1));
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.cifar10(dir, Split.TEST));
    assertEquals(dir.resolve("test_batch.bin"), e.file());
    assertTrue(e.getMessage().contains("3073"), e.getMessage());
    IdxDatasetTest.assertOneLine(e);
  }

  @Test
  void labelOutOfRange() throws IOException {
    TestFiles.write(dir.resolve("test_batch.bin"), records(new int[] {1, 10}, new byte[2][]));
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.cifar10(dir, Split.TEST));
    assertEquals(dir.resolve("test_batch.bin"), e.file());
    assertTrue(e.getMessage().contains("label 10"), e.getMessage());
    IdxDatasetTest.assertOneLine(e);
  }

  @Test
  void missingBatchIsNamed() throws IOException {
    for (int f = 1; f <= 4; f++) {
      TestFiles.write(dir.resolve("data_batch_" + f + ".bin"), records(new int[] {f}, new byte[1][]));
    }
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.cifar10(dir, Split.TRAIN));
    assertEquals(dir.resolve("data_batch_5.bin"), e.file());
    IdxDatasetTest.assertOneLine(e);
  }
}
