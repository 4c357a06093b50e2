package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
  @TempDir Path root;

  private static void writePng(Path file, BufferedImage img) throws IOException {
    Files.createDirectories(file.getParent());
    assertTrue(ImageIO.write(img, "png", file.toFile()));
  }

  /** A w x h RGB image whose pixel (x, y) is (r0 + x, g0 + y, b0). */
  private static BufferedImage gradient(int w, int h, int r0, int g0, int b0) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, ((r0 + x) << 16) | ((g0 + y) << 8) | b0);
      }
    }
    return img;
  }

  @Test
  void classesSortedPixelsChwExact() throws IOException {
    // Directory order on disk is irrelevant: classes sort by name, files by name.
    writePng(root.resolve("zebra/b.png"), gradient(4, 3, 100, 50, 7));
    writePng(root.resolve("zebra/a.png"), gradient(4, 3, 10, 20, 30));
    writePng(root.resolve("ant/only.png"), gradient(4, 3, 200, 0, 255));
    Files.writeString(root.resolve("ant/README.txt"), "not an image, ignored");
    ImageDataset d = Datasets.imageFolder(root, 3, 4); // same size: no resampling, exact pixels
    assertEquals(List.of("ant", "zebra"), Datasets.imageFolderClassNames(root));
    assertEquals(2, d.numClasses());
    assertEquals(3, d.channels());
    assertArrayEquals(new int[] {0, 1, 1}, d.labels());
    int[][] starts = {{200, 0, 255}, {10, 20, 30}, {100, 50, 7}};
    for (int i = 0; i < 3; i++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          int at = i * 36 + y * 4 + x;
          assertEquals(starts[i][0] + x, d.pixels()[at] & 0xff, "red");
          assertEquals(starts[i][1] + y, d.pixels()[at + 12] & 0xff, "green");
          assertEquals(starts[i][2], d.pixels()[at + 24] & 0xff, "blue");
        }
      }
    }
  }

  @Test
  void grayscaleAndResize() throws IOException {
    BufferedImage gray = new BufferedImage(10, 6, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 10; x++) {
        gray.getRaster().setSample(x, y, 0, 77);
      }
    }
    writePng(root.resolve("c/g.png"), gray);
    ImageDataset d = Datasets.imageFolder(root, 5, 8);
    assertEquals(5, d.height());
    assertEquals(8, d.width());
    assertEquals(3 * 5 * 8, d.pixels().length);
    for (byte p : d.pixels()) { // a constant image stays constant in every channel after resampling
      assertTrue(Math.abs((p & 0xff) - 77) <= 1, "pixel " + (p & 0xff));
    }
  }

  @Test
  void unreadableImageIsNamed() throws IOException {
    writePng(root.resolve("a/good.png"), gradient(2, 2, 0, 0, 0));
    Path bad = root.resolve("b/broken.png");
    Files.createDirectories(bad.getParent());
    Files.write(bad, new byte[] {1, 2, 3, 4, 5});
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.imageFolder(root, 2, 2));
    assertEquals(bad, e.file());
    IdxDatasetTest.assertOneLine(e);
  }

  @Test
  void emptyRootAndEmptyClass() throws IOException {
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.imageFolder(root, 2, 2));
    assertEquals(root, e.file());
    IdxDatasetTest.assertOneLine(e);
    writePng(root.resolve("a/x.png"), gradient(2, 2, 0, 0, 0));
    Files.createDirectories(root.resolve("b"));
    e = assertThrows(DataFormatException.class, () -> Datasets.imageFolder(root, 2, 2));
    assertEquals(root.resolve("b"), e.file());
    IdxDatasetTest.assertOneLine(e);
  }
}
