package example;

import dev.bigbatch.data.ImageDataset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The UCI "Optical Recognition of Handwritten Digits" test set as shipped by Debian's python3-sklearn: 1797 images of
 * 8×8 pixels with values 0..16, one per CSV line, the label last. The first 1500 are the training split, the other
 * 297 the test split.
 */
public final class Digits {
  public static final Path DEFAULT = Path.of("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz");
  public static final int TRAIN = 1500;

  private Digits() {}

  /** {train, test}. */
  public static ImageDataset[] load(Path csvGz) throws IOException {
    List<int[]> rows = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(csvGz)),
        StandardCharsets.US_ASCII))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank()) {
          continue;
        }
        String[] cells = line.split(",");
        if (cells.length != 65) {
          throw new IOException(csvGz + ": line " + (rows.size() + 1) + " has " + cells.length + " values, not 65");
        }
        int[] row = new int[65];
        for (int i = 0; i < 65; i++) {
          row[i] = (int) Double.parseDouble(cells[i]);
        }
        rows.add(row);
      }
    }
    if (rows.size() <= TRAIN) {
      throw new IOException(csvGz + ": " + rows.size() + " digits, expected more than " + TRAIN);
    }
    return new ImageDataset[] {split("digits-train", rows.subList(0, TRAIN)), split("digits-test", rows.subList(TRAIN,
        rows.size()))};
  }

  private static ImageDataset split(String name, List<int[]> rows) {
    byte[] pixels = new byte[rows.size() * 64];
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      int[] row = rows.get(i);
      for (int p = 0; p < 64; p++) {
        pixels[i * 64 + p] = (byte) Math.round(row[p] * 255.0 / 16); // 0..16 → the uint8 range
      }
      labels[i] = row[64];
    }
    return new ImageDataset(name, 1, 8, 8, pixels, labels, 10);
  }
}
