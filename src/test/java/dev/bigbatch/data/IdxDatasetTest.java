package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxDatasetTest {
  private static final int IMAGES = IdxReader.IMAGES_MAGIC;
  private static final int LABELS = IdxReader.LABELS_MAGIC;
  private static final int N = 7;
  private static final int ROWS = 3;
  private static final int COLS = 5;

  @TempDir Path dir;

  private final Random rng = new Random(42);
  private final byte[] pixels = TestFiles.randomBytes(rng, N * ROWS * COLS);
  private final byte[] labels = {0, 9, 3, 3, 5, 1, 7};

  /** Writes a train split; gzip per file as requested, names with or without .gz as requested. */
  private void writeTrain(byte[] imagesFile, byte[] labelsFile, boolean gzip, boolean gzName)
      throws IOException {
    String suffix = gzName ? ".gz" : "";
    TestFiles.write(dir.resolve("train-images-idx3-ubyte" + suffix),
        gzip ? TestFiles.gzip(imagesFile) : imagesFile);
    TestFiles.write(dir.resolve("train-labels-idx1-ubyte" + suffix),
        gzip ? TestFiles.gzip(labelsFile) : labelsFile);
  }

  private void writeGoodTrain(boolean gzip, boolean gzName) throws IOException {
    writeTrain(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels), TestFiles.idxLabels(LABELS, N, labels),
        gzip, gzName);
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {true, false})
  void roundTripGzAndRaw(boolean gzip) throws IOException {
    writeGoodTrain(gzip, gzip);
    assertReadsBack(Datasets.idx(dir, Split.TRAIN));
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {true, false})
  void compressionIsDetectedFromContentsNotName(boolean gzip) throws IOException {
    writeGoodTrain(gzip, !gzip); // gzip data without .gz, raw data named .gz
    assertReadsBack(Datasets.idx(dir, Split.TRAIN));
  }

  @Test
  void testSplitUsesT10kNames() throws IOException {
    TestFiles.write(dir.resolve("t10k-images-idx3-ubyte"), TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels));
    TestFiles.write(dir.resolve("t10k-labels-idx1-ubyte.gz"),
        TestFiles.gzip(TestFiles.idxLabels(LABELS, N, labels)));
    assertReadsBack(Datasets.idx(dir, Split.TEST));
    assertThrows(DataFormatException.class, () -> Datasets.idx(dir, Split.TRAIN));
  }

  private void assertReadsBack(ImageDataset d) {
    assertEquals(N, d.size());
    assertEquals(1, d.channels());
    assertEquals(ROWS, d.height());
    assertEquals(COLS, d.width());
    assertEquals(10, d.numClasses());
    assertArrayEquals(pixels, d.pixels());
    int[] expected = new int[N];
    for (int i = 0; i < N; i++) {
      expected[i] = labels[i];
    }
    assertArrayEquals(expected, d.labels());
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {true, false})
  void truncatedImagesNameTheFile(boolean gzip) throws IOException {
    byte[] full = TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels);
    writeTrain(Arrays.copyOf(full, full.length - 4), TestFiles.idxLabels(LABELS, N, labels), gzip, gzip);
    DataFormatException e = assertBad("train-images-idx3-ubyte");
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.getMessage().contains((N * ROWS * COLS - 4) + " bytes of pixels"), e.getMessage());
  }

  /**
   * Issue 17: a header claiming far more than the file holds is reported as truncated; memory follows the bytes that are
   * there. 2³¹ − 1 labels used to end in OutOfMemoryError ("Requested array size exceeds VM limit") before any check.
   */
  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {true, false})
  void headersClaimingHugeCountsAreTruncationNotAllocation(boolean gzip) throws IOException {
    writeTrain(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels),
        Arrays.copyOf(TestFiles.idxLabels(LABELS, Integer.MAX_VALUE, new byte[0]), 8 + 100), gzip, gzip);
    DataFormatException labelsClaim = assertBad("train-labels-idx1-ubyte");
    assertTrue(labelsClaim.getMessage().contains("header says 2147483647 labels but file has 100 bytes"),
        labelsClaim.getMessage());
    writeTrain(Arrays.copyOf(TestFiles.idxImages(IMAGES, 2_700_000, 28, 28, new byte[0]), 16 + 1000),
        TestFiles.idxLabels(LABELS, N, labels), gzip, gzip);
    DataFormatException imagesClaim = assertBad("train-images-idx3-ubyte");
    assertTrue(imagesClaim.getMessage().contains("header says 2700000 images of 28x28 but file has 1000 bytes"),
        imagesClaim.getMessage());
  }

  @Test
  void truncatedGzipStreamIsAnError() throws IOException {
    byte[] gz = TestFiles.gzip(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels));
    TestFiles.write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));
    TestFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"), TestFiles.gzip(TestFiles.idxLabels(LABELS, N, labels)));
    assertBad("train-images-idx3-ubyte.gz");
  }

  @Test
  void truncatedHeader() throws IOException {
    writeTrain(new byte[] {0, 0, 8, 3, 0, 0}, TestFiles.idxLabels(LABELS, N, labels), false, false);
    assertTrue(assertBad("train-images-idx3-ubyte").getMessage().contains("header"));
  }

  @Test
  void trailingBytesAreAnError() throws IOException {
    byte[] full = TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels);
    writeTrain(Arrays.copyOf(full, full.length + 3), TestFiles.idxLabels(LABELS, N, labels), true, true);
    assertTrue(assertBad("train-images-idx3-ubyte.gz").getMessage().contains("3 more bytes"));
  }

  @Test
  void truncatedLabels() throws IOException {
    byte[] full = TestFiles.idxLabels(LABELS, N, labels);
    writeTrain(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels), Arrays.copyOf(full, full.length - 1),
        false, false);
    assertTrue(assertBad("train-labels-idx1-ubyte").getMessage().contains("truncated"));
  }

  @Test
  void wrongMagicInImages() throws IOException {
    // A labels header where images belong: the magic says IDX1, not IDX3.
    writeTrain(TestFiles.idxImages(LABELS, N, ROWS, COLS, pixels), TestFiles.idxLabels(LABELS, N, labels),
        true, true);
    DataFormatException e = assertBad("train-images-idx3-ubyte.gz");
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
    assertTrue(e.getMessage().contains("0x00000801"), e.getMessage());
  }

  @Test
  void wrongMagicInLabels() throws IOException {
    writeTrain(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels), TestFiles.idxLabels(IMAGES, N, labels),
        false, false);
    assertTrue(assertBad("train-labels-idx1-ubyte").getMessage().contains("magic"));
  }

  @Test
  void countMismatch() throws IOException {
    writeTrain(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels),
        TestFiles.idxLabels(LABELS, N - 1, Arrays.copyOf(labels, N - 1)), true, true);
    DataFormatException e = assertBad("train-labels-idx1-ubyte.gz");
    assertTrue(e.getMessage().contains((N - 1) + " labels"), e.getMessage());
    assertTrue(e.getMessage().contains(N + " images"), e.getMessage());
  }

  @Test
  void labelOutOfRange() throws IOException {
    byte[] bad = labels.clone();
    bad[4] = 10;
    writeTrain(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels), TestFiles.idxLabels(LABELS, N, bad),
        false, true);
    DataFormatException e = assertBad("train-labels-idx1-ubyte.gz");
    assertTrue(e.getMessage().contains("label 10"), e.getMessage());
  }

  @Test
  void missingFileIsNamed() throws IOException {
    TestFiles.write(dir.resolve("train-images-idx3-ubyte.gz"),
        TestFiles.gzip(TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels)));
    DataFormatException e = assertBad("train-labels-idx1-ubyte");
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void explicitFilesAndClassCount() throws IOException {
    Path images = TestFiles.write(dir.resolve("emnist-images"), TestFiles.idxImages(IMAGES, N, ROWS, COLS, pixels));
    byte[] many = labels.clone();
    many[2] = 46;
    Path labelFile = TestFiles.write(dir.resolve("emnist-labels.gz"), TestFiles.gzip(TestFiles.idxLabels(LABELS, N, many)));
    ImageDataset d = Datasets.idx(images, labelFile, 47);
    assertEquals(47, d.numClasses());
    assertEquals(46, d.labels()[2]);
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.idx(images, labelFile, 46));
    assertEquals(labelFile, e.file());
  }

  @Test
  void missingDirectoryIsNamed() {
    Path absent = dir.resolve("nope");
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.idx(absent, Split.TEST));
    assertEquals(absent, e.file());
    assertOneLine(e);
  }

  private DataFormatException assertBad(String fileName) {
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.idx(dir, Split.TRAIN));
    assertTrue(e.file().getFileName().toString().startsWith(fileName), e.file() + " vs " + fileName);
    assertTrue(e.getMessage().contains(fileName), e.getMessage());
    assertOneLine(e);
    return e;
  }

  static void assertOneLine(DataFormatException e) {
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
    assertTrue(e.getMessage().startsWith(e.file().toString() + ": "), e.getMessage());
  }

  @Test
  void realFashionMnist() {
    Path fm = Datasets.DEFAULT_FASHION_MNIST;
    Assumptions.assumeTrue(Files.exists(fm), "Fashion-MNIST not installed at " + fm);
    ImageDataset train = Datasets.idx(fm, Split.TRAIN);
    ImageDataset test = Datasets.idx(fm, Split.TEST);
    assertEquals(60000, train.size());
    assertEquals(10000, test.size());
    for (ImageDataset d : new ImageDataset[] {train, test}) {
      assertEquals(1, d.channels());
      assertEquals(28, d.height());
      assertEquals(28, d.width());
      assertEquals(10, d.numClasses());
    }
    int[] perClass = new int[10];
    for (int label : train.labels()) {
      perClass[label]++;
    }
    int[] balanced = new int[10];
    Arrays.fill(balanced, 6000);
    assertArrayEquals(balanced, perClass);
    Arrays.fill(perClass, 0);
    for (int label : test.labels()) {
      perClass[label]++;
    }
    Arrays.fill(balanced, 1000);
    assertArrayEquals(balanced, perClass);
    // Real images, not a zero-filled buffer: some pixels are black (background) and some bright.
    int min = 255;
    int max = 0;
    for (int i = 0; i < 784; i++) {
      min = Math.min(min, train.pixels()[i] & 0xff);
      max = Math.max(max, train.pixels()[i] & 0xff);
    }
    assertEquals(0, min);
    assertTrue(max > 200, "max pixel of the first image " + max);
  }
}
