package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.autopilot.AutoBatchPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints' typed sections: round trip, and one-line errors for missing, malformed and old-format files. */
class CheckpointSectionsTest {
  /** A section written under the epoch section's name by a writer that got its fields wrong. */
  record WrongTypes(String examples, long correct, double lossSum, double seconds, long dataWaitNanos) {}

  record TooFew(long examples) {}

  private static Checkpoints.State state() {
    LinkedHashMap<String, float[]> tensors = new LinkedHashMap<>();
    tensors.put("param/w", new float[] {1, 2, 3});
    Map<String, long[]> shapes = Map.of("param/w", new long[] {3});
    return new Checkpoints.State(Map.of("model", "mlp"), 7, new double[] {0.5}, tensors, shapes);
  }

  private static void assertOneLine(String message, Path file, String section) {
    assertFalse(message.contains("\n"), message);
    assertTrue(message.startsWith(file.toString() + ":"), message);
    assertTrue(message.contains("\"" + section + "\""), message);
  }

  @Test
  void sectionsRoundTripThroughTheFileExactly(@TempDir Path dir) {
    var epoch = new Trainer.EpochProgress(96, 40, 0.1 + 0.2, 1.0 / 3, 12345);
    Path file = dir.resolve("c.bin");
    Checkpoints.save(file, state().with(Trainer.EpochProgress.SECTION, epoch)
        .with(AutoBatchPlan.POSITION, new AutoBatchPlan.SamplerPosition(2, 24, 3)));
    Checkpoints.State back = Checkpoints.load(file);
    assertEquals(epoch, back.sections().get(Trainer.EpochProgress.SECTION).orElseThrow(), "doubles bit-exact");
    assertEquals(new AutoBatchPlan.SamplerPosition(2, 24, 3), back.sections().require(AutoBatchPlan.POSITION, ""));
    assertFalse(back.sections().has(AutoBatchPlan.AUTOPILOT));
    assertEquals(7, back.nextStep());
    assertArrayEquals(new float[] {1, 2, 3}, back.tensors().get("param/w"));
  }

  @Test
  void aMissingSectionGivesOneLineNamingTheFileAndTheSection(@TempDir Path dir) {
    Path file = dir.resolve("fixed.bin");
    Checkpoints.save(file, state()); // a fixed-batch run's checkpoint: no data position
    Checkpoints.State s = Checkpoints.load(file);
    String m = assertThrows(IllegalArgumentException.class,
        () -> s.sections().require(AutoBatchPlan.POSITION, "it was not written by a --batch auto run")).getMessage();
    assertOneLine(m, file, "position");
    assertTrue(m.contains("not written by a --batch auto run"), m);
  }

  @Test
  void aMalformedSectionGivesOneLineNamingTheFileAndTheSection(@TempDir Path dir) {
    Path wrong = dir.resolve("wrong.bin");
    Checkpoints.save(wrong, state().with(new Checkpoints.Section<>("epoch", WrongTypes.class),
        new WrongTypes("many", 1, 2, 3, 4)));
    Checkpoints.State s = Checkpoints.load(wrong);
    assertOneLine(assertThrows(IllegalArgumentException.class, () -> s.sections().get(Trainer.EpochProgress.SECTION))
        .getMessage(), wrong, "epoch");

    Path few = dir.resolve("few.bin");
    Checkpoints.save(few, state().with(new Checkpoints.Section<>("epoch", TooFew.class), new TooFew(5)));
    assertOneLine(assertThrows(IllegalArgumentException.class,
        () -> Checkpoints.load(few).sections().get(Trainer.EpochProgress.SECTION)).getMessage(), few, "epoch");

    Path negative = dir.resolve("negative.bin"); // well-typed, impossible values: the record's own check
    Checkpoints.save(negative, state().with(new Checkpoints.Section<>("position", TooFew.class), new TooFew(-5)));
    String m = assertThrows(IllegalArgumentException.class,
        () -> Checkpoints.load(negative).sections().require(AutoBatchPlan.POSITION, "")).getMessage();
    assertOneLine(m, negative, "position");
  }

  @Test
  void anOldFormatCheckpointIsRefusedWithOneLine(@TempDir Path dir) throws IOException {
    Path old = dir.resolve("old.bin");
    byte[] head = "{\"identity\":{},\"nextStep\":3,\"optimizerScalars\":[],\"progress\":{\"epoch.examples\":\"8\"},\"tensors\":[]}"
        .getBytes(StandardCharsets.UTF_8);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 4 + head.length + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("BBCKPT01".getBytes(StandardCharsets.US_ASCII)).putInt(head.length).put(head);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(b.array(), 0, b.position());
    b.putLong(crc.getValue());
    Files.write(old, b.array());
    String m = assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(old)).getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith(old + ":") && m.contains("BBCKPT01") && m.contains(Checkpoints.MAGIC), m);
  }

  @Test
  void aHeaderWithoutAFieldGivesOneLine(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("nostep.bin");
    var header = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    header.putObject("identity");
    dev.bigbatch.io.TensorFile.write(file, Checkpoints.MAGIC, header, Map.of());
    String m = assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(file)).getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith(file + ":") && m.contains("nextStep"), m);
  }

  @Test
  void tensorSectionsStayApartFromTheModelsTensors(@TempDir Path dir) {
    Path file = dir.resolve("c.bin");
    LinkedHashMap<String, dev.bigbatch.io.TensorFile.Tensor> stale = new LinkedHashMap<>();
    stale.put("param/w", new dev.bigbatch.io.TensorFile.Tensor(new long[] {3}, new float[] {4, 5, 6}));
    Checkpoints.State s = state();
    Checkpoints.save(file, new Checkpoints.State(s.identity(), s.nextStep(), s.optimizerScalars(), s.tensors(),
        s.shapes(), s.scheduleState(), s.sections(), Map.of(ConAdv.SECTION, stale)));
    Checkpoints.State back = Checkpoints.load(file);
    assertEquals(java.util.List.of("param/w"), java.util.List.copyOf(back.tensors().keySet()));
    assertArrayEquals(new float[] {1, 2, 3}, back.tensors().get("param/w"));
    assertArrayEquals(new float[] {4, 5, 6}, back.tensorSection(ConAdv.SECTION).get("param/w"));
  }
}
