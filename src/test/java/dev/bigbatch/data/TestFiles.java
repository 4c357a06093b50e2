package dev.bigbatch.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes small dataset files for tests, independently of the readers. */
final class TestFiles {
  private TestFiles() {}

  static byte[] idxImages(int magic, int count, int rows, int cols, byte[] pixels) {
    ByteBuffer b = ByteBuffer.allocate(16 + pixels.length); // big-endian by default, as IDX
    b.putInt(magic).putInt(count).putInt(rows).putInt(cols).put(pixels);
    return b.array();
  }

  static byte[] idxLabels(int magic, int count, byte[] labels) {
    ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
    b.putInt(magic).putInt(count).put(labels);
    return b.array();
  }

  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(raw);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return bytes.toByteArray();
  }

  static Path write(Path file, byte[] contents) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, contents);
  }

  static byte[] randomBytes(Random rng, int n) {
    byte[] b = new byte[n];
    rng.nextBytes(b);
    return b;
  }

  /** A dataset with random pixels and labels, for decoder and prefetcher tests. */
  static ImageDataset randomDataset(long seed, int n, int c, int h, int w, int classes) {
    Random rng = new Random(seed);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = rng.nextInt(classes);
    }
    return new ImageDataset("random", c, h, w, randomBytes(rng, n * c * h * w), labels, classes);
  }
}
