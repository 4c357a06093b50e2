package dev.bigbatch.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A class-per-directory tree ({@code root/<class>/<image>}), as torchvision's ImageFolder: classes are the
 * non-hidden subdirectories sorted by name (class i = i-th name), images are the files with an image
 * extension sorted by name. Each image is converted to RGB and resized to HxW with bilinear interpolation.
 */
final class ImageFolderReader {
  static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

  private ImageFolderReader() {}

  static List<String> classNames(Path root) {
    if (!Files.isDirectory(root)) {
      throw new DataFormatException(root, "missing: not a directory");
    }
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .forEach(names::add);
    } catch (IOException e) {
      throw IdxReader.ioProblem(root, e);
    }
    if (names.isEmpty()) {
      throw new DataFormatException(root, "empty: no class subdirectories (expected root/<class>/<image>)");
    }
    names.sort(null);
    return names;
  }

  static ImageDataset read(Path root, int height, int width) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
    }
    List<String> classes = classNames(root);
    List<Path> files = new ArrayList<>();
    List<Integer> fileLabels = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      Path dir = root.resolve(classes.get(c));
      List<Path> images = imageFiles(dir);
      if (images.isEmpty()) {
        throw new DataFormatException(dir, "empty: class directory has no images with extension "
            + String.join("/", EXTENSIONS));
      }
      for (Path p : images) {
        files.add(p);
        fileLabels.add(c);
      }
    }
    int exampleSize = 3 * height * width;
    if ((long) files.size() * exampleSize > Integer.MAX_VALUE - 16) {
      throw new DataFormatException(root, "too large: " + files.size() + " images of 3x" + height + "x"
          + width + " exceed 2 GiB; use a smaller size or a subset");
    }
    byte[] pixels = new byte[files.size() * exampleSize];
    int[] labels = new int[files.size()];
    for (int i = 0; i < files.size(); i++) {
      labels[i] = fileLabels.get(i);
      writeChw(readRgb(files.get(i), height, width), pixels, i * exampleSize);
    }
    return new ImageDataset(root.getFileName() == null ? root.toString() : root.getFileName().toString(),
        3, height, width, pixels, labels, classes.size());
  }

  private static List<Path> imageFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> images = new ArrayList<>();
      s.filter(Files::isRegularFile).filter(ImageFolderReader::hasImageExtension).forEach(images::add);
      images.sort(null);
      return images;
    } catch (IOException e) {
      throw IdxReader.ioProblem(dir, e);
    }
  }

  private static boolean hasImageExtension(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.startsWith(".")) {
      return false;
    }
    for (String ext : EXTENSIONS) {
      if (n.endsWith(ext)) {
        return true;
      }
    }
    return false;
  }

  /** Decodes, converts to RGB (alpha composited on black) and resizes; the result is TYPE_INT_RGB. */
  private static BufferedImage readRgb(Path file, int height, int width) {
    BufferedImage src;
    try {
      src = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new DataFormatException(file, "unreadable image: " + e.getMessage(), e);
    }
    if (src == null) {
      throw new DataFormatException(file, "unreadable image: no ImageIO reader recognises the contents");
    }
    BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rgb.createGraphics();
    try {
      if (src.getWidth() != width || src.getHeight() != height) {
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      }
      g.drawImage(src, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return rgb;
  }

  private static void writeChw(BufferedImage rgb, byte[] out, int offset) {
    int[] argb = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
    int plane = argb.length;
    for (int i = 0; i < plane; i++) {
      int v = argb[i];
      out[offset + i] = (byte) (v >>> 16);
      out[offset + plane + i] = (byte) (v >>> 8);
      out[offset + 2 * plane + i] = (byte) v;
    }
  }
}
