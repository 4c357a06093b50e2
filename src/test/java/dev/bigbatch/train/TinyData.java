package dev.bigbatch.train;

import dev.bigbatch.data.ImageDataset;
import java.util.Random;

/** Small learnable image sets for unit tests: class c brightens a class-specific band of rows. */
final class TinyData {
  private TinyData() {}

  static ImageDataset make(int count, int channels, int side, int classes, long seed) {
    Random r = new Random(seed);
    int ex = channels * side * side;
    byte[] px = new byte[count * ex];
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      int label = i % classes;
      labels[i] = label;
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < side; y++) {
          for (int x = 0; x < side; x++) {
            int v = r.nextInt(80);
            if (y % classes == label) {
              v += 150;
            }
            px[i * ex + (c * side + y) * side + x] = (byte) v;
          }
        }
      }
    }
    return new ImageDataset("tiny", channels, side, side, px, labels, classes);
  }
}
