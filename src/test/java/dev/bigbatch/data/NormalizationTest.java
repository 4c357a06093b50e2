package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NormalizationTest {
  @Test
  void fromDataMatchesTwoPassFloat64() {
    ImageDataset d = TestFiles.randomDataset(3, 37, 3, 5, 6, 4);
    // Skew channel 1 so the channels differ clearly.
    for (int i = 0; i < d.size(); i++) {
      for (int j = 0; j < 30; j++) {
        d.pixels()[i * 90 + 30 + j] = (byte) ((d.pixels()[i * 90 + 30 + j] & 0xff) / 4);
      }
    }
    Normalization n = Normalization.fromData(d);
    for (int c = 0; c < 3; c++) {
      double sum = 0;
      int count = 0;
      for (int i = 0; i < d.size(); i++) {
        for (int j = 0; j < 30; j++) {
          sum += (d.pixels()[i * 90 + c * 30 + j] & 0xff) / 255.0;
          count++;
        }
      }
      double mean = sum / count;
      double sq = 0;
      for (int i = 0; i < d.size(); i++) {
        for (int j = 0; j < 30; j++) {
          double v = (d.pixels()[i * 90 + c * 30 + j] & 0xff) / 255.0 - mean;
          sq += v * v;
        }
      }
      double std = Math.sqrt(sq / count);
      assertEquals(mean, n.mean()[c], 1e-6, "mean of channel " + c);
      assertEquals(std, n.std()[c], 1e-6, "std of channel " + c);
    }
  }

  @Test
  void constantChannelGetsUnitStd() {
    ImageDataset d = new ImageDataset("const", 1, 1, 2, new byte[] {9, 9, 9, 9}, new int[] {0, 0}, 1);
    Normalization n = Normalization.fromData(d);
    assertEquals(9 / 255.0, n.mean()[0], 1e-7);
    assertEquals(1f, n.std()[0]);
  }

  @Test
  void lookupTableIsTheFormula() {
    Normalization n = new Normalization(new float[] {0.5f, 0.25f}, new float[] {0.2f, 2f});
    float[] t1 = n.lookupTable(1);
    for (int p = 0; p < 256; p++) {
      assertEquals((p / 255.0 - 0.25) / 2.0, t1[p], 1e-6);
    }
    assertEquals((0 - 0.5) / 0.2, n.lookupTable(0)[0], 1e-6);
  }

  @Test
  void validatesAndIsImmutable() {
    assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0}, new float[] {0}));
    assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0, 0}, new float[] {1}));
    float[] mean = {0.1f};
    Normalization n = new Normalization(mean, new float[] {1f});
    mean[0] = 5;
    n.mean()[0] = 7;
    assertArrayEquals(new float[] {0.1f}, n.mean());
    assertEquals(new Normalization(new float[] {0.1f}, new float[] {1f}), n);
  }
}
