package dev.bigbatch.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bigbatch.schedule.ScalingRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job spec as JSON: a round trip loses nothing, missing keys take defaults, bad files get one line. */
class JobSpecTest {
  /** A spec that differs from the defaults in every concern. */
  static JobSpec unusual() {
    JobSpec.Builder b = JobSpec.builder();
    b.data.dataset = DataSpec.Kind.CIFAR10;
    b.data.dir = Path.of("data", "cifar");
    b.data.augment = false;
    b.model.architecture = "resnet20";
    b.model.zeroGamma = false;
    b.batch.workers = 4;
    b.batch.accumulate = 3;
    b.lr.base = 0.1;
    b.lr.scaling = ScalingRule.SQRT;
    b.lr.warmupStart = 0.05;
    b.lr.decay = LrSpec.Decay.STEP;
    b.lr.decayEpochs = new double[] {2, 4};
    b.optimizer.kind = OptimizerSpec.Kind.LARS;
    b.epochs = 6;
    b.seed = 7;
    b.sync.compression = SyncSpec.Compression.FP16;
    b.extras.conAdv = true;
    b.extras.conAdvEps = 0.2;
    b.extras.labelSmoothing = 0.1;
    b.output.dir = Path.of("runs", "x");
    b.output.checkpointEvery = 10;
    return b.build();
  }

  @Test
  void jsonRoundTripIsExact() throws Exception {
    JobSpec spec = unusual();
    JsonNode json = Specs.JSON.valueToTree(spec);
    assertEquals("cifar10", json.path("data").path("dataset").asText(), "enums in their flag spelling");
    assertEquals("data/cifar", json.path("data").path("dir").asText(), "paths as written");
    JobSpec back = Specs.builder("test", json).build();
    assertEquals(spec, back);
    assertEquals(Specs.json(spec), Specs.json(back));
    assertEquals(spec, spec.toBuilder().build());
    assertNotEquals(spec, JobSpec.builder().build());
  }

  @Test
  void missingKeysTakeTheDefaults(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"job\": {\"lr\": {\"base\": 0.2}, \"epochs\": 2}, \"globalBatch\": 256}");
    JobSpec read = Specs.read(file);
    JobSpec.Builder expected = JobSpec.builder();
    expected.lr.base = 0.2;
    expected.epochs = 2;
    assertEquals(expected.build(), read);
  }

  @Test
  void overlaySetsOnlyTheGivenPaths() {
    ObjectNode base = (ObjectNode) Specs.JSON.valueToTree(unusual());
    JobSpec.Builder flags = JobSpec.builder();
    flags.lr.base = 0.3;
    flags.epochs = 9;
    JobSpec merged = Specs.builder("x", Specs.overlay(base, flags, List.of("lr.base", "epochs"))).build();
    assertEquals(0.3, merged.lr().base());
    assertEquals(9, merged.epochs());
    assertEquals(unusual().optimizer(), merged.optimizer(), "untouched concerns keep the file's values");
    assertEquals(ScalingRule.SQRT, merged.lr().scaling(), "untouched fields of a touched concern too");
  }

  @Test
  void badFilesGetOneLineNamingTheFileAndKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"job\": {\"lr\": {\"bsae\": 0.2}}}");
    assertOneLine(file, "lr.bsae");
    Files.writeString(file, "{\"job\": {\"optimizer\": {\"kind\": \"adamw\"}}}");
    assertOneLine(file, "unknown value 'adamw'; expected one of sgd, lars, lamb");
    Files.writeString(file, "{\"job\": {\"lr\": {\"base\": -1}}}");
    assertOneLine(file, "--lr must be a positive number");
    Files.writeString(file, "{\"job\": ");
    assertOneLine(file, "not valid JSON");
    assertOneLine(dir.resolve("absent.json"), "no such file");
  }

  private static void assertOneLine(Path file, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Specs.read(file));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().startsWith(file.toString()) || e.getMessage().startsWith("--"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void crossConcernChecksLiveInTheSpec() {
    JobSpec.Builder b = JobSpec.builder();
    b.sync.mode = SyncSpec.Mode.DECENTRALIZED;
    b.optimizer.kind = OptimizerSpec.Kind.LAMB;
    assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage()
        .contains("--optimizer lamb is not supported"));
    JobSpec.Builder c = JobSpec.builder();
    c.batch.mode = BatchSpec.Mode.AUTO;
    c.extras.conAdv = true;
    assertTrue(assertThrows(IllegalArgumentException.class, c::build).getMessage()
        .contains("--conadv cannot be combined with --batch auto"));
  }

  @Test
  void accumulationIsVirtualWorkers() {
    BatchSpec b = new BatchSpec(16, 4, 8, 3, BatchSpec.Mode.FIXED, null, null, null, null, false);
    assertEquals(12, b.virtualWorkers());
    assertEquals(4, b.chunkWorkers(), "one micro-batch of each worker per forward/backward");
    assertEquals(192, b.global());
    assertEquals(8, new BatchSpec(16, 4, 8, 1, BatchSpec.Mode.FIXED, null, null, null, null, false).chunkWorkers());
  }
}
