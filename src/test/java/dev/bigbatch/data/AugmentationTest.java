package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  /** Decodes with identity normalisation and scales back by 255, so the result is in pixel values. */
  private static float[] decodePixels(ImageDataset d, int index, Augmentation aug, Augmentation.Choice ch) {
    float[] out = new float[d.exampleSize()];
    Normalization id = Normalization.identity(d.channels());
    float[][] tables = new float[d.channels()][];
    for (int c = 0; c < tables.length; c++) {
      tables[c] = id.lookupTable(c);
    }
    BatchDecoder.decodeExample(d, index, aug.cropPadding(), ch, tables, out);
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.round(out[i] * 255f);
    }
    return out;
  }

  @Test
  void handComputedCropAndFlip() {
    // One 2x3 image: [[1,2,3],[4,5,6]]. Pad 1, window at (offsetY 0, offsetX 2):
    // cropped[y][x] = img[y-1][x+1] → row 0 is padding, row 1 = [2, 3, 0]; flipped → [0, 3, 2].
    ImageDataset d = new ImageDataset("hand", 1, 2, 3, new byte[] {1, 2, 3, 4, 5, 6}, new int[] {0}, 1);
    Augmentation aug = new Augmentation(1, true);
    assertArrayEquals(new float[] {0, 0, 0, 0, 3, 2},
        decodePixels(d, 0, aug, new Augmentation.Choice(0, 2, true)));
    assertArrayEquals(new float[] {0, 0, 0, 2, 3, 0},
        decodePixels(d, 0, aug, new Augmentation.Choice(0, 2, false)));
    // Centre window (offset = pad) is the identity; flipped it mirrors each row.
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6},
        decodePixels(d, 0, aug, new Augmentation.Choice(1, 1, false)));
    assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4},
        decodePixels(d, 0, aug, new Augmentation.Choice(1, 1, true)));
    // Window at (2, 0): cropped[y][x] = img[y+1][x-1] → row 0 = [0, 4, 5], row 1 padding.
    assertArrayEquals(new float[] {0, 4, 5, 0, 0, 0},
        decodePixels(d, 0, aug, new Augmentation.Choice(2, 0, false)));
  }

  /** Oracle: materialise the zero-padded image, cut the window, mirror — straight from the definition. */
  private static float[] oracle(ImageDataset d, int index, int pad, Augmentation.Choice ch) {
    int c = d.channels();
    int h = d.height();
    int w = d.width();
    int[][][] padded = new int[c][h + 2 * pad][w + 2 * pad];
    for (int k = 0; k < c; k++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          padded[k][y + pad][x + pad] = d.pixels()[index * c * h * w + (k * h + y) * w + x] & 0xff;
        }
      }
    }
    float[] out = new float[c * h * w];
    for (int k = 0; k < c; k++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int cx = ch.flip() ? w - 1 - x : x;
          out[(k * h + y) * w + x] = padded[k][y + ch.offsetY()][cx + ch.offsetX()];
        }
      }
    }
    return out;
  }

  @Test
  void everyChoiceMatchesTheDefinition() {
    ImageDataset d = TestFiles.randomDataset(11, 3, 2, 5, 7, 2);
    for (int pad : new int[] {0, 1, 3, 8}) { // 8 > height: whole window can be padding
      Augmentation aug = new Augmentation(pad, true);
      for (int oy = 0; oy <= 2 * pad; oy++) {
        for (int ox = 0; ox <= 2 * pad; ox++) {
          for (boolean flip : new boolean[] {false, true}) {
            Augmentation.Choice ch = new Augmentation.Choice(oy, ox, flip);
            for (int i = 0; i < d.size(); i++) {
              assertArrayEquals(oracle(d, i, pad, ch), decodePixels(d, i, aug, ch), ch + " pad " + pad);
            }
          }
        }
      }
    }
  }

  @Test
  void drawIsDeterministicAndCoversTheRange() {
    Augmentation aug = new Augmentation(4, true);
    int[] offsetCounts = new int[9];
    int flips = 0;
    int changedByEpoch = 0;
    for (int i = 0; i < 9000; i++) {
      Augmentation.Choice a = aug.draw(77, 3, i);
      assertEquals(a, aug.draw(77, 3, i));
      assertTrue(a.offsetY() >= 0 && a.offsetY() <= 8 && a.offsetX() >= 0 && a.offsetX() <= 8, a.toString());
      offsetCounts[a.offsetX()]++;
      flips += a.flip() ? 1 : 0;
      changedByEpoch += a.equals(aug.draw(77, 4, i)) ? 0 : 1;
    }
    for (int count : offsetCounts) {
      assertTrue(Math.abs(count - 1000) < 150, "offset histogram " + java.util.Arrays.toString(offsetCounts));
    }
    assertTrue(Math.abs(flips - 4500) < 300, "flips " + flips);
    assertTrue(changedByEpoch > 8500, "epoch must change the draw: " + changedByEpoch);
    // The same Random gives the same choices.
    assertEquals(aug.draw(new SplittableRandom(5)), aug.draw(new SplittableRandom(5)));
    // Flip disabled: never flips; NONE is the identity window.
    Augmentation cropOnly = new Augmentation(2, false);
    for (int i = 0; i < 100; i++) {
      assertTrue(!cropOnly.draw(1, 0, i).flip());
      assertEquals(new Augmentation.Choice(0, 0, false), Augmentation.NONE.draw(1, 0, i));
    }
  }

  @Test
  void decoderAppliesKeyedAugmentationAndNormalisation() {
    ImageDataset d = TestFiles.randomDataset(2, 20, 3, 6, 6, 5);
    Normalization norm = new Normalization(new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.25f, 0.5f, 0.2f});
    Augmentation aug = new Augmentation(2, true);
    int[] indices = {19, 0, 7, 7, 3};
    Batch b = new BatchDecoder(d, norm, aug, 123).decode(new IndexBatch(6, 2, indices));
    assertEquals(6, b.epoch());
    assertEquals(2, b.stepInEpoch());
    assertEquals(5, b.count());
    assertTrue(b.images().isDirect());
    assertEquals(ByteOrder.nativeOrder(), b.images().order());
    assertEquals(5 * 108, b.images().capacity());
    assertEquals(0, b.images().position());
    for (int j = 0; j < indices.length; j++) {
      assertEquals(d.labels()[indices[j]], b.labels()[j]);
      float[] pixels = oracle(d, indices[j], 2, aug.draw(123, 6, indices[j]));
      for (int k = 0; k < 108; k++) {
        int c = k / 36;
        double expected = (pixels[k] / 255.0 - norm.mean()[c]) / norm.std()[c];
        assertEquals(expected, b.images().get(j * 108 + k), 1e-5, "example " + j + " element " + k);
      }
    }
    // Same example twice in one batch gets the same augmentation (keyed by example, not position).
    for (int k = 0; k < 108; k++) {
      assertEquals(b.images().get(2 * 108 + k), b.images().get(3 * 108 + k));
    }
    // A different seed changes the augmentation.
    Batch other = new BatchDecoder(d, norm, aug, 124).decode(new IndexBatch(6, 2, indices));
    assertNotEquals(b.images(), other.images());
  }
}
