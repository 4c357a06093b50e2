package dev.bigbatch.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * IDX files as published for MNIST and Fashion-MNIST: big-endian header (magic, dimensions) followed by
 * uint8 data. Gzip is detected by its magic bytes (1f 8b), not by the file name.
 */
final class IdxReader {
  static final int IMAGES_MAGIC = 0x00000803; // ubyte, 3 dimensions: count, rows, cols
  static final int LABELS_MAGIC = 0x00000801; // ubyte, 1 dimension: count
  private static final int BUFFER_BYTES = 1 << 16;

  private IdxReader() {}

  /** Images and labels of one split; labels must lie in [0, numClasses). */
  static ImageDataset read(String name, Path imagesFile, Path labelsFile, int numClasses) {
    Images images = readImages(imagesFile);
    byte[] rawLabels = readLabels(labelsFile);
    if (rawLabels.length != images.count) {
      throw new DataFormatException(labelsFile, "count mismatch: " + rawLabels.length
          + " labels but " + imagesFile.getFileName() + " has " + images.count + " images");
    }
    int[] labels = new int[rawLabels.length];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = rawLabels[i] & 0xff;
      if (labels[i] >= numClasses) {
        throw new DataFormatException(labelsFile, "label out of range: example " + i + " has label "
            + labels[i] + ", expected 0.." + (numClasses - 1));
      }
    }
    return new ImageDataset(name, 1, images.rows, images.cols, images.pixels, labels, numClasses);
  }

  record Images(int count, int rows, int cols, byte[] pixels) {}

  static Images readImages(Path file) {
    try (DataInputStream in = open(file)) {
      int magic = readHeaderInt(in, file, "magic number");
      if (magic != IMAGES_MAGIC) {
        throw new DataFormatException(file, String.format(
            "wrong magic number 0x%08x, expected 0x%08x (IDX3 ubyte images)", magic, IMAGES_MAGIC));
      }
      int count = readHeaderInt(in, file, "image count");
      int rows = readHeaderInt(in, file, "row count");
      int cols = readHeaderInt(in, file, "column count");
      if (count < 0 || rows <= 0 || cols <= 0) {
        throw new DataFormatException(file, "bad dimensions in header: " + count + " images of "
            + rows + "x" + cols);
      }
      long bytes = (long) count * rows * cols;
      if (bytes > Integer.MAX_VALUE - 16) {
        throw new DataFormatException(file, "too large: " + count + " images of " + rows + "x" + cols
            + " exceed 2 GiB; use a subset");
      }
      byte[] pixels = readPayload(in, (int) bytes);
      if (pixels.length < bytes) {
        throw new DataFormatException(file, "truncated: header says " + count + " images of " + rows
            + "x" + cols + " but file has " + pixels.length + " bytes of pixels");
      }
      requireEnd(in, file, "header says " + count + " images of " + rows + "x" + cols);
      return new Images(count, rows, cols, pixels);
    } catch (IOException e) {
      throw ioProblem(file, e);
    }
  }

  static byte[] readLabels(Path file) {
    try (DataInputStream in = open(file)) {
      int magic = readHeaderInt(in, file, "magic number");
      if (magic != LABELS_MAGIC) {
        throw new DataFormatException(file, String.format(
            "wrong magic number 0x%08x, expected 0x%08x (IDX1 ubyte labels)", magic, LABELS_MAGIC));
      }
      int count = readHeaderInt(in, file, "label count");
      if (count < 0) {
        throw new DataFormatException(file, "bad label count in header: " + count);
      }
      byte[] labels = readPayload(in, count);
      if (labels.length < count) {
        throw new DataFormatException(file, "truncated: header says " + count
            + " labels but file has " + labels.length + " bytes of labels");
      }
      requireEnd(in, file, "header says " + count + " labels");
      return labels;
    } catch (IOException e) {
      throw ioProblem(file, e);
    }
  }

  /** Chunk of {@link #readPayload}: memory follows the bytes actually there, not a header's claim. */
  private static final int CHUNK_BYTES = 16 << 20;

  /**
   * Up to {@code expected} bytes of {@code in}, read in chunks: a header claiming more than the file holds (2.7 M
   * images in 1000 bytes, 2³¹ − 1 labels) costs memory for what is there, and the caller reports the truncation,
   * instead of allocating the claim first.
   */
  static byte[] readPayload(InputStream in, int expected) throws IOException {
    java.util.List<byte[]> chunks = new java.util.ArrayList<>();
    int total = 0;
    while (total < expected) {
      byte[] chunk = new byte[Math.min(CHUNK_BYTES, expected - total)];
      int got = in.readNBytes(chunk, 0, chunk.length);
      if (got > 0) {
        chunks.add(got == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, got));
        total += got;
      }
      if (got < chunk.length) {
        break; // end of file
      }
    }
    if (chunks.size() == 1 && chunks.get(0).length == total) {
      return chunks.get(0);
    }
    byte[] out = new byte[total];
    int at = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, out, at, c.length);
      at += c.length;
    }
    return out;
  }

  /** Opens a raw or gzip-compressed file, deciding by the first two bytes. */
  static DataInputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER_BYTES);
    try {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      boolean gzip = b0 == 0x1f && b1 == 0x8b;
      InputStream in = gzip
          ? new BufferedInputStream(new GZIPInputStream(raw, BUFFER_BYTES), BUFFER_BYTES)
          : raw;
      return new DataInputStream(in);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private static int readHeaderInt(DataInputStream in, Path file, String what) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new DataFormatException(file, "truncated header: file ends before the " + what);
    }
  }

  private static void requireEnd(InputStream in, Path file, String header) throws IOException {
    long extra = 0;
    while (in.read() >= 0) {
      extra++;
      extra += in.skip(Long.MAX_VALUE);
    }
    if (extra > 0) {
      throw new DataFormatException(file, "trailing data: " + header + " but file has " + extra
          + " more bytes");
    }
  }

  static DataFormatException ioProblem(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new DataFormatException(file, "missing: file does not exist", e);
    }
    if (e instanceof EOFException || e instanceof java.util.zip.ZipException) {
      return new DataFormatException(file, "corrupt or truncated gzip data: " + e.getMessage(), e);
    }
    return new DataFormatException(file, "cannot read: " + e, e);
  }
}
