package dev.bigbatch.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFileTest {
  private static final String MAGIC = "BBTEST01";

  private static TensorFile.Tensor random(Random r, long... shape) {
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    float[] v = new float[(int) count];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return new TensorFile.Tensor(shape, v);
  }

  @Test
  void roundTripsOddShapesScalarsAndEmptyTensors(@TempDir Path dir) {
    Random r = new Random(3);
    LinkedHashMap<String, TensorFile.Tensor> tensors = new LinkedHashMap<>();
    tensors.put("odd", random(r, 3, 5, 7));
    tensors.put("empty", random(r, 4, 0, 2));
    tensors.put("scalar", random(r));
    tensors.put("vector", random(r, 1));
    tensors.put("nothing", random(r, 0));
    tensors.put("special", new TensorFile.Tensor(new long[] {4},
        new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE}));
    ObjectNode header = new ObjectMapper().createObjectNode().put("mine", 42);
    Path file = dir.resolve("t.bin");
    TensorFile.write(file, MAGIC, header, tensors);

    TensorFile.Contents back = TensorFile.read(file, MAGIC, "test file");
    assertEquals(42, back.header().get("mine").asInt());
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()), "names in order");
    tensors.forEach((name, t) -> {
      assertArrayEquals(t.shape(), back.tensors().get(name).shape(), name);
      assertEquals(t.values().length, back.tensors().get(name).values().length, name);
      for (int i = 0; i < t.values().length; i++) { // bits: NaN and -0 too
        assertEquals(Float.floatToRawIntBits(t.values()[i]), Float.floatToRawIntBits(back.tensors().get(name).values()[i]),
            name + "[" + i + "]");
      }
    });
    assertArrayEquals(TensorFile.encode(MAGIC, header, tensors), TensorFile.encode(MAGIC, header, back.tensors()),
        "equal contents, equal bytes");
  }

  @Test
  void aTensorWhoseShapeDoesNotMatchItsValuesIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new TensorFile.Tensor(new long[] {2, 2}, new float[3]));
    assertThrows(IllegalArgumentException.class, () -> new TensorFile.Tensor(new long[] {-1}, new float[0]));
  }

  private static void assertOneLine(String message, Path file, String... parts) {
    assertFalse(message.contains("\n"), message);
    assertTrue(message.startsWith(file.toString()), message);
    for (String p : parts) {
      assertTrue(message.contains(p), message);
    }
  }

  @Test
  void damagedFilesGiveOneLineNamingTheFile(@TempDir Path dir) throws IOException {
    LinkedHashMap<String, TensorFile.Tensor> tensors = new LinkedHashMap<>();
    tensors.put("w", random(new Random(1), 2, 3));
    byte[] good = TensorFile.encode(MAGIC, new ObjectMapper().createObjectNode(), tensors);
    Path file = dir.resolve("f.bin");

    Files.write(file, good);
    assertOneLine(assertThrows(IllegalArgumentException.class, () -> TensorFile.read(file, "BBTEST02", "test file"))
        .getMessage(), file, "BBTEST01", "BBTEST02");
    assertOneLine(assertThrows(IllegalArgumentException.class, () -> TensorFile.read(file, "OTHER001", "test file"))
        .getMessage(), file, "bad magic");

    byte[] flipped = good.clone();
    flipped[good.length - 20] ^= 1;
    Files.write(file, flipped);
    assertOneLine(assertThrows(IllegalArgumentException.class, () -> TensorFile.read(file, MAGIC, "test file"))
        .getMessage(), file, "CRC");

    Files.write(file, new byte[] {'B', 'B'});
    assertOneLine(assertThrows(IllegalArgumentException.class, () -> TensorFile.read(file, MAGIC, "test file"))
        .getMessage(), file, "bad magic");

    Path missing = dir.resolve("missing.bin");
    assertOneLine(assertThrows(IllegalArgumentException.class, () -> TensorFile.read(missing, MAGIC, "test file"))
        .getMessage(), missing, "does not exist");
  }

  @Test
  void aFailedAtomicWriteLeavesTheOldFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("config.json");
    AtomicFiles.writeString(target, "old");
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
      out.write("half of the new".getBytes());
      throw new IOException("disk full");
    }));
    assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("disk full"), e.getMessage());
    assertEquals("old", Files.readString(target));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(target), files.toList(), "no temp file left");
    }
    AtomicFiles.writeString(target, "new");
    assertEquals("new", Files.readString(target));
  }
}
