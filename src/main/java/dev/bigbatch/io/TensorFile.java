package dev.bigbatch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Named float32 tensors in one file, the format of checkpoints and of step traces' states. Layout, little-endian:
 *
 * <pre>
 *   magic      8 ASCII bytes naming the kind and its version (e.g. BBCKPT02)
 *   length     int32, bytes of the header
 *   header     UTF-8 JSON object: the writer's own fields, plus "tensors": [{"name", "shape", "offset"}, …]
 *              in data order, offset in bytes from the start of the data
 *   data       every tensor's values as float32, row-major, in header order
 *   crc        int64, CRC32 of all bytes before it
 * </pre>
 *
 * Written through {@link AtomicFiles}. Reading checks the magic, the CRC, the header and every tensor's shape
 * against the data; any problem is an {@link IllegalArgumentException} of one line that names the file.
 */
public final class TensorFile {
  /** The header's key of the tensor table. */
  public static final String TENSORS = "tensors";
  private static final int MAGIC_BYTES = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  private TensorFile() {}

  /** One tensor: its shape (every dimension ≥ 0) and its values, as many as the shape's product. */
  public record Tensor(long[] shape, float[] values) {
    public Tensor {
      long count = 1;
      for (long d : shape) {
        if (d < 0) {
          throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
        }
        count *= d;
      }
      if (count != values.length) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count + " values, not "
            + values.length);
      }
    }
  }

  /** What a file holds: the writer's header fields (the tensor table included) and the tensors in file order. */
  public record Contents(ObjectNode header, LinkedHashMap<String, Tensor> tensors) {}

  /** The file's bytes: {@code magic}, {@code header} with the tensor table added, the data, the CRC. */
  public static byte[] encode(String magic, ObjectNode header, Map<String, Tensor> tensors) {
    byte[] magicBytes = magicBytes(magic);
    ObjectNode h = header.deepCopy();
    ArrayNode table = h.putArray(TENSORS);
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode t = table.addObject().put("name", e.getKey());
      ArrayNode shape = t.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.put("offset", offset);
      offset += 4L * e.getValue().values().length;
    }
    byte[] head;
    try {
      head = JSON.writeValueAsBytes(h);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(MAGIC_BYTES + 4 + head.length + offset + 8))
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.put(magicBytes).putInt(head.length).put(head);
    for (Tensor t : tensors.values()) {
      buf.asFloatBuffer().put(t.values());
      buf.position(buf.position() + t.values().length * 4);
    }
    CRC32 crc = new CRC32();
    crc.update(buf.array(), 0, buf.position());
    buf.putLong(crc.getValue());
    return buf.array();
  }

  /** Writes {@link #encode} to {@code file} atomically. */
  public static void write(Path file, String magic, ObjectNode header, Map<String, Tensor> tensors) {
    AtomicFiles.writeBytes(file, encode(magic, header, tensors));
  }

  /**
   * Reads and verifies a file of {@code magic}; {@code kind} names it in messages ("checkpoint"). A file whose
   * magic shares the first six bytes but not the version is refused as an older (or newer) format.
   */
  public static Contents read(Path file, String magic, String kind) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": " + kind + " does not exist");
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read " + kind + ": " + e.getMessage());
    }
    byte[] expected = magicBytes(magic);
    byte[] found = Arrays.copyOf(all, Math.min(all.length, MAGIC_BYTES));
    if (!Arrays.equals(found, expected)) {
      boolean sameFamily = found.length == MAGIC_BYTES && Arrays.equals(found, 0, 6, expected, 0, 6);
      throw new IllegalArgumentException(file + (sameFamily
          ? ": " + kind + " format " + printable(found) + " is not this version's " + magic + " (written by another "
              + "bigbatch version); it cannot be read, start the run again"
          : ": not a bigbatch " + kind + " (bad magic)"));
    }
    if (all.length < MAGIC_BYTES + 12) {
      throw new IllegalArgumentException(file + ": " + kind + " is truncated (" + all.length + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    if (crc.getValue() != buf.getLong(all.length - 8)) {
      throw new IllegalArgumentException(file + ": " + kind + " is corrupt (CRC mismatch); use an earlier " + kind);
    }
    buf.position(MAGIC_BYTES);
    int headLen = buf.getInt();
    if (headLen < 0 || headLen > all.length - buf.position() - 8) {
      throw new IllegalArgumentException(file + ": " + kind + " header length " + headLen + " is out of range");
    }
    JsonNode header;
    try {
      header = JSON.readTree(Arrays.copyOfRange(all, buf.position(), buf.position() + headLen));
    } catch (IOException e) {
      header = null;
    }
    if (header == null || !header.isObject()) {
      throw new IllegalArgumentException(file + ": " + kind + " header is not valid JSON");
    }
    int dataStart = buf.position() + headLen;
    long dataBytes = all.length - 8L - dataStart;
    LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
    JsonNode table = header.get(TENSORS);
    if (table == null || !table.isArray()) {
      throw new IllegalArgumentException(file + ": " + kind + " header has no tensor table (\"" + TENSORS + "\")");
    }
    for (JsonNode t : table) {
      String name = t.path("name").isTextual() ? t.get("name").asText() : null;
      JsonNode shapeNode = t.path("shape");
      if (name == null || !shapeNode.isArray() || !t.path("offset").canConvertToLong()) {
        throw new IllegalArgumentException(file + ": " + kind + " tensor table entry " + tensors.size()
            + " is malformed (needs a name, a shape and an offset)");
      }
      long[] shape = new long[shapeNode.size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeNode.get(i).isIntegralNumber() ? shapeNode.get(i).asLong() : -1;
        if (shape[i] < 0 || (shape[i] > 0 && count > dataBytes / 4 / shape[i])) {
          throw new IllegalArgumentException(file + ": " + kind + " tensor " + name + " has an impossible shape "
              + shapeNode);
        }
        count *= shape[i];
      }
      long offset = t.get("offset").asLong();
      if (offset < 0 || offset % 4 != 0 || offset + 4 * count > dataBytes) {
        throw new IllegalArgumentException(file + ": " + kind + " is truncated at tensor " + name);
      }
      float[] v = new float[(int) count];
      ByteBuffer.wrap(all, dataStart + (int) offset, 4 * v.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
      if (tensors.put(name, new Tensor(shape, v)) != null) {
        throw new IllegalArgumentException(file + ": " + kind + " holds tensor " + name + " twice");
      }
    }
    return new Contents((ObjectNode) header, tensors);
  }

  private static byte[] magicBytes(String magic) {
    byte[] b = magic.getBytes(StandardCharsets.US_ASCII);
    if (b.length != MAGIC_BYTES) {
      throw new IllegalArgumentException("magic must be " + MAGIC_BYTES + " ASCII characters: " + magic);
    }
    return b;
  }

  private static String printable(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(x >= 0x20 && x < 0x7f ? (char) x : '?');
    }
    return s.toString();
  }
}
